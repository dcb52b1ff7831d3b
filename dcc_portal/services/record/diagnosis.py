"""The cancer being treated: CIM-10 site, ICD-O-3 morphology, TNM, OMS performance status, dates, clinical phase.

Read by every professional with access to the patient; written by the care team's physicians, each save naming
the version it started from (a stale save is refused and nothing is overwritten).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    CancerDiagnosis,
    CareStage,
    Grant,
    PathwayEventKind,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs, terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import StaleVersion, ValidationFailed
from dcc_portal.services.record import pathway

# Portal key -> code in the ANS value sets (JDV_PhaseCancer_CISIS, JDV_ProgressionCancer_CISIS).
PHASES = {
    "initial": (terminology.PHASES, "MED-268"),
    "relapse": (terminology.PHASES, "MED-244"),
    "progression_local": (terminology.PROGRESSIONS, "MED-246"),
    "progression_regional": (terminology.PROGRESSIONS, "MED-247"),
    "progression_distant": (terminology.PROGRESSIONS, "MED-248"),
}
# OMS performance status -> JDV_OMSEchPerf_CISIS code, with what the grade means.
PERFORMANCE = {
    0: ("MED-240", "activité normale, sans restriction"),
    1: ("MED-264", "restreint pour les efforts importants, ambulatoire"),
    2: ("MED-265", "ambulatoire, incapable de travailler, alité moins de 50 % du temps"),
    3: ("MED-266", "capable de quelques soins, alité plus de 50 % du temps"),
    4: ("MED-267", "incapable de prendre soin de soi, alité en permanence"),
}
LATERALITY = {"": "Non applicable", "right": "Droit", "left": "Gauche", "bilateral": "Bilatéral"}
DISCOVERY = {"": "Non renseigné", "screening": "Dépistage", "symptoms": "Symptômes", "incidental": "Découverte fortuite"}
TNM_PREFIXES = {"c": "clinique (c)", "p": "pathologique (p)", "yc": "après traitement, clinique (yc)",
                "yp": "après traitement, pathologique (yp)", "r": "récidive (r)"}
_TNM = {
    "tnm_t": re.compile(r"^T(X|0|is|a|1mi|[1-4](?:[a-e][1-3]?)?)(\((?:m|\d{1,2})\))?$"),
    "tnm_n": re.compile(r"^N(X|0|[1-3](?:[a-c]|mi)?)(\((?:sn|i\+|i-|mol\+|mol-)\))?$"),
    "tnm_m": re.compile(r"^M(X|0|1[a-d]?)(\((?:i\+|[a-z]{3})\))?$"),
}
WRITERS = frozenset({Role.CLINICIAN})


def phase_label(key: str) -> str:
    file_stem, code = PHASES.get(key, (terminology.PHASES, "MED-268"))
    return terminology.load(file_stem).label(code, key)


def performance_label(value: int | None) -> str:
    if value is None:
        return ""
    code, meaning = PERFORMANCE[value]
    return f"OMS {value} : {meaning}"


def tnm_part(letter: str, value: str) -> str:
    """One TNM category with its letter, whether it was stored with it ("T1c") or without ("1c", older records)."""
    return value if not value or value[:1].upper() == letter else f"{letter}{value}"


def tnm_text(row: CancerDiagnosis) -> str:
    """The stage as the diagnosis reads: the prefix once, then each category ("cT1c N0 M0")."""
    parts = [tnm_part(letter, value) for letter, value in zip("TNM", (row.tnm_t, row.tnm_n, row.tnm_m)) if value]
    return f"{row.tnm_prefix or ''}{' '.join(parts)}" if parts else ""


@dataclass(frozen=True)
class DiagnosisView:
    public_id: str
    version: int
    icd10_code: str
    icd10_label: str
    morphology_code: str
    morphology_label: str
    laterality: str
    laterality_label: str
    tnm_prefix: str
    tnm_t: str
    tnm_n: str
    tnm_m: str
    tnm: str
    other_staging: str
    performance: str  # "0".."4" or ""
    performance_label: str
    performance_date: str  # ISO, for the form
    performance_date_fr: str
    suspicion_date: str
    suspicion_date_fr: str
    diagnosis_date: str
    diagnosis_date_fr: str
    discovery_mode: str
    discovery_label: str
    clinical_phase: str
    clinical_phase_label: str
    updated: str


def _view(row: CancerDiagnosis) -> DiagnosisView:
    iso = lambda value: value.isoformat() if value else ""  # noqa: E731
    return DiagnosisView(
        public_id=row.public_id,
        version=row.version,
        icd10_code=row.icd10_code,
        icd10_label=row.icd10_label,
        morphology_code=row.morphology_code,
        morphology_label=row.morphology_label,
        laterality=row.laterality,
        laterality_label=LATERALITY.get(row.laterality, row.laterality),
        tnm_prefix=row.tnm_prefix,
        tnm_t=row.tnm_t,
        tnm_n=row.tnm_n,
        tnm_m=row.tnm_m,
        tnm=tnm_text(row),
        other_staging=row.other_staging,
        performance="" if row.who_performance_status is None else str(row.who_performance_status),
        performance_label=performance_label(row.who_performance_status),
        performance_date=iso(row.who_performance_date),
        performance_date_fr=formatting.date_fr(row.who_performance_date),
        suspicion_date=iso(row.suspicion_date),
        suspicion_date_fr=formatting.date_fr(row.suspicion_date),
        diagnosis_date=iso(row.diagnosis_date),
        diagnosis_date_fr=formatting.date_fr(row.diagnosis_date),
        discovery_mode=row.discovery_mode,
        discovery_label=DISCOVERY.get(row.discovery_mode, row.discovery_mode),
        clinical_phase=row.clinical_phase,
        clinical_phase_label=phase_label(row.clinical_phase),
        updated=formatting.datetime_fr(row.updated_at),
    )


_LATEST = dbmod.Read(
    select(*CancerDiagnosis.__table__.c).where(CancerDiagnosis.patient_id == bindparam("patient_id"))
    .order_by(CancerDiagnosis.id.desc()).limit(1)
)


def latest(db: Session, patient_id: int) -> CancerDiagnosis | None:
    """The patient's latest diagnosis, as a read-only row with the columns of `CancerDiagnosis`."""
    return _LATEST.first(db, {"patient_id": patient_id})


def current(db: Session, *, actor: Actor, patient_public_id: str, now: datetime | None = None) -> DiagnosisView | None:
    """The patient's current diagnosis for a professional with access (audited read); None when none is recorded."""
    if actor.role == Role.PATIENT:
        raise access.deny(db, actor=actor, action=AuditAction.READ, detail="diagnostic (espace patient)")
    patient, _grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id,
                                             action=AuditAction.READ, detail="diagnostic", now=now)
    row = latest(db, patient.id)
    return _view(row) if row else None


def _normalise_tnm(value: str, letter: str) -> str:
    value = re.sub(r"\s+", "", str(value or ""))[:12]
    if not value:
        return ""
    if value[0].isdigit() or value[:1].upper() == "X" or value[:2].lower() == "is":
        value = letter + value
    value = letter + value[1:] if value[0].upper() == letter else value
    return value.replace("IS", "is").replace("Is", "is").replace("MI", "mi")


def save(
    db: Session,
    *,
    actor: Actor,
    patient_public_id: str,
    expected_version: int,
    values: dict,
    now: datetime | None = None,
) -> DiagnosisView:
    """Create (expected_version 0) or update the current diagnosis. ValidationFailed, StaleVersion or AccessDenied."""
    now = now or utcnow()
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id,
                                            action=AuditAction.UPDATE, detail="diagnostic", now=now)
    if grant != Grant.CARE_TEAM or actor.role not in WRITERS:
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id,
                          detail="diagnostic : réservé aux médecins de l'équipe de soins")
    errors: dict[str, str] = {}
    get = lambda name: str(values.get(name, "") or "").strip()  # noqa: E731

    site = terminology.concept(terminology.TUMOURS, get("icd10_code"))
    if site is None:
        errors["icd10_code"] = "Choisissez la localisation (code CIM-10) dans la liste."
    morphology = None
    if get("morphology_code"):
        morphology = terminology.concept(terminology.MORPHOLOGIES, get("morphology_code"))
        if morphology is None:
            errors["morphology_code"] = "Choisissez la morphologie (CIM-O-3) dans la liste."
    laterality = get("laterality")
    if laterality not in LATERALITY:
        errors["laterality"] = "Latéralité inconnue."
    prefix = get("tnm_prefix") or "c"
    if prefix not in TNM_PREFIXES:
        errors["tnm_prefix"] = "Type de classification TNM inconnu."
    tnm = {}
    for name, letter in (("tnm_t", "T"), ("tnm_n", "N"), ("tnm_m", "M")):
        tnm[name] = _normalise_tnm(get(name), letter)
        if tnm[name] and not _TNM[name].match(tnm[name]):
            errors[name] = f"Catégorie {letter} non reconnue (exemples : {letter}X, {letter}0, {letter}1{'c' if letter == 'T' else 'a' if letter == 'N' else ''})."
    other_staging = inputs.text(values.get("other_staging"), 100)
    inputs.check_length(values.get("other_staging"), 100, "other_staging", errors)
    performance = None
    if get("performance") != "":
        if get("performance") in {"0", "1", "2", "3", "4"}:
            performance = int(get("performance"))
        else:
            errors["performance"] = "L'indice de performance OMS va de 0 à 4."
    born = patient.birth_date
    dates = {}
    for name in ("suspicion_date", "diagnosis_date", "performance_date"):
        dates[name] = inputs.parse_date(get(name), name, errors, required=False, not_before=born,
                                        not_before_label="la naissance du patient", now=now)
    if dates["suspicion_date"] and dates["diagnosis_date"] and dates["diagnosis_date"] < dates["suspicion_date"]:
        errors["diagnosis_date"] = "La date du diagnostic précède celle de la suspicion."
    if performance is not None and dates["performance_date"] is None and "performance_date" not in errors:
        errors["performance_date"] = "Indiquez la date de l'évaluation OMS."
    discovery = get("discovery_mode")
    if discovery not in DISCOVERY:
        errors["discovery_mode"] = "Mode de découverte inconnu."
    phase = get("clinical_phase") or "initial"
    if phase not in PHASES:
        errors["clinical_phase"] = "Phase inconnue."
    if errors:
        raise ValidationFailed(errors)

    row = latest(db, patient.id)
    fields = dict(
        icd10_code=site.code, icd10_label=site.display[:250],
        morphology_code=morphology.code if morphology else "", morphology_label=morphology.display[:250] if morphology else "",
        laterality=laterality, tnm_prefix=prefix, other_staging=other_staging,
        who_performance_status=performance, who_performance_date=dates["performance_date"],
        suspicion_date=dates["suspicion_date"], diagnosis_date=dates["diagnosis_date"],
        discovery_mode=discovery, clinical_phase=phase, updated_at=now, **tnm,
    )
    had_diagnosis_date = row is not None and row.diagnosis_date is not None
    if row is None:
        if int(expected_version or 0) != 0:
            raise StaleVersion()
        row = CancerDiagnosis(patient_id=patient.id, version=1, created_at=now, **fields)
        db.add(row)
        db.flush()
    else:
        table = CancerDiagnosis.__table__
        updated = db.execute(
            table.update()
            .where(table.c.id == row.id, table.c.version == int(expected_version or -1))
            .values(version=table.c.version + 1, **fields)
        )
        if updated.rowcount != 1:
            raise StaleVersion()
        row = latest(db, patient.id)
    if row.diagnosis_date and not had_diagnosis_date:
        pathway.add_event(db, patient_id=patient.id, kind=PathwayEventKind.DIAGNOSIS, occurred_on=row.diagnosis_date,
                          title=f"Diagnostic : {row.icd10_code} {row.icd10_label}", author_professional_id=actor.professional_id)
        pathway.move_stage(db, patient=patient, stage=CareStage.DIAGNOSIS, on=row.diagnosis_date)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id, grant=grant,
                        detail=f"diagnostic enregistré (version {row.version})")
    return _view(row)


@dataclass(frozen=True)
class Option:
    code: str
    label: str


def search_terms(file_stem: str, query: str) -> list[Option]:
    """The pickers: a short list of concepts of one value set (no patient data, nothing audited)."""
    return [Option(concept.code, concept.display) for concept in terminology.search(file_stem, query)]
