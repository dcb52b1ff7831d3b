"""The programme personnalisé de soins (PPS): a Document of kind "pps" whose versions hold the programme.

Life of a PPS:
- a clinician of the care team writes it, prefilled from the pathway and the last RCP proposal; saves before the
  handover are draft versions; the nurse writes the supportive-care and social sections;
- a clinician records its handover to the patient at the announcement consultation (date, by whom) with the
  patient's answer about sharing it with their médecin traitant: the document is validated;
- every later save is a new version that reaches the patient at once, with its reason from the CI-SIS list;
- the patient reads it in their space once released (release gating) and confirms reading each new version;
  they see what changed since the version they last confirmed.
The médecin traitant sees it and is notified only while the patient's consent is recorded as given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import (
    Account,
    AccountStatus,
    AuditAction,
    CareStage,
    CareTeamMembership,
    Document,
    DocumentKind,
    DocumentStatus,
    DocumentVersion,
    GpConsent,
    Grant,
    NotificationKind,
    PathwayEventKind,
    Patient,
    PpsAcknowledgement,
    PpsGpConsent,
    PpsHandover,
    Professional,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs, render
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import StaleVersion, ValidationFailed
from dcc_portal.services.common.names import patient_name, professional_label
from dcc_portal.services.pps import content as pc
from dcc_portal.services.pps import sources as pps_sources
from dcc_portal.services.record import documents, notifications, pathway
from dcc_portal.services.record.patients import care_team_contacts

TITLE = "Programme personnalisé de soins"
TEAM_ROLES = frozenset({Role.CLINICIAN, Role.NURSE, Role.RCP_SECRETARY})
WRITER_ROLES = frozenset({Role.CLINICIAN, Role.NURSE})
CONSENT_LABELS = {
    GpConsent.AGREED: "Le patient accepte que son médecin traitant reçoive le PPS",
    GpConsent.REFUSED: "Le patient refuse que son médecin traitant reçoive le PPS",
    "": "Réponse du patient non recueillie : le médecin traitant ne voit pas le PPS",
}
LATERALITY = {"right": "droit", "left": "gauche", "bilateral": "bilatéral"}
PHASES = {"initial": "Phase initiale", "relapse": "Rechute"}
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


class NewerVersion(ValidationFailed):
    def __init__(self):
        super().__init__({"version": "Votre programme vient d'être mis à jour : relisez cette nouvelle version avant de confirmer."})


# --- Lookups ---------------------------------------------------------------------------------------------------


def current_document(db: Session, *, patient_id: int) -> Document | None:
    """The patient's PPS (one per patient, re-issued by versions); a withdrawn one does not count."""
    return db.exec(
        select(Document)
        .where(Document.patient_id == patient_id, Document.kind == DocumentKind.PPS,
               Document.status != DocumentStatus.ENTERED_IN_ERROR)
        .order_by(Document.created_at.desc(), Document.id.desc())
    ).first()


def _handovers(db: Session, document_id: int) -> list[PpsHandover]:
    return list(db.exec(select(PpsHandover).where(PpsHandover.document_id == document_id).order_by(PpsHandover.id)).all())


def first_issued_version(db: Session, *, document_id: int) -> int | None:
    """Versions before the first handover are drafts the patient never sees."""
    return db.exec(select(func.min(PpsHandover.version)).where(PpsHandover.document_id == document_id)).one()


def current_consent(db: Session, *, document_id: int) -> str:
    row = db.exec(select(PpsGpConsent).where(PpsGpConsent.document_id == document_id).order_by(PpsGpConsent.id.desc())).first()
    return row.consent if row else ""


def last_acknowledged(db: Session, *, document_id: int, account_id: int) -> int | None:
    return db.exec(
        select(func.max(PpsAcknowledgement.version)).where(
            PpsAcknowledgement.document_id == document_id, PpsAcknowledgement.account_id == account_id
        )
    ).one()


def _content(db: Session, document: Document, version: int | None = None) -> dict:
    return documents.content_of(documents.version_row(db, document=document, version=version))


def _reason_label(code: str, detail: str, *, plain: bool) -> str:
    label = pc.plain_label(pc.UPDATE_REASONS, code) if plain else pc.value_set_label(pc.UPDATE_REASONS, code)
    return f"{label} : {detail}" if detail else label


def update_reason(content: dict, *, plain: bool = False) -> str:
    update = content.get("update") or {}
    return _reason_label(update.get("code", ""), update.get("detail", ""), plain=plain) if update.get("code") else ""


# --- Snapshots copied into each version ------------------------------------------------------------------------


def _staging(diagnosis) -> str:
    prefix = diagnosis.tnm_prefix or ""
    parts = []
    for letter, value in (("T", diagnosis.tnm_t), ("N", diagnosis.tnm_n), ("M", diagnosis.tnm_m)):
        if value:
            parts.append(prefix + (value if value.upper().startswith(letter) else letter + value))
    return " ".join(parts)


def diagnosis_snapshot(db: Session, *, patient: Patient) -> dict:
    diagnosis = pps_sources.current_diagnosis(db, patient_id=patient.id)
    if diagnosis is None:
        return {}
    return {
        "icd10_code": diagnosis.icd10_code,
        "icd10_label": diagnosis.icd10_label,
        "morphology_code": diagnosis.morphology_code,
        "morphology_label": diagnosis.morphology_label,
        "laterality": diagnosis.laterality,
        "tnm": _staging(diagnosis),
        "other_staging": diagnosis.other_staging,
        "clinical_phase": diagnosis.clinical_phase,
        "diagnosis_date": diagnosis.diagnosis_date.isoformat() if diagnosis.diagnosis_date else "",
    }


def team_snapshot(db: Session, *, patient: Patient, today: date) -> dict:
    gp, team = care_team_contacts(db, patient=patient, today=today)

    def person(contact) -> dict:
        return {"name": contact.name, "role": contact.role, "specialty": contact.specialty,
                "organisation": contact.organisation, "phone": contact.phone}

    return {"members": [person(member) for member in team], "medecin_traitant": person(gp) if gp else {}}


def diagnosis_lines(snapshot: dict) -> list[tuple[str, str]]:
    if not snapshot:
        return []
    lines = [("Localisation", f"{snapshot.get('icd10_label') or ''} ({snapshot.get('icd10_code')})".strip())]
    if snapshot.get("morphology_label") or snapshot.get("morphology_code"):
        lines.append(("Type de tumeur", f"{snapshot.get('morphology_label', '')} ({snapshot.get('morphology_code', '')})"))
    if snapshot.get("laterality"):
        lines.append(("Côté", LATERALITY.get(snapshot["laterality"], snapshot["laterality"])))
    staging = " ; ".join(part for part in (snapshot.get("tnm"), snapshot.get("other_staging")) if part)
    if staging:
        lines.append(("Stade", staging))
    if snapshot.get("clinical_phase"):
        lines.append(("Phase", PHASES.get(snapshot["clinical_phase"], "Évolution de la maladie")))
    if snapshot.get("diagnosis_date"):
        lines.append(("Date du diagnostic", formatting.date_fr(date.fromisoformat(snapshot["diagnosis_date"]))))
    return lines


# --- Access ----------------------------------------------------------------------------------------------------


def _require_team(db: Session, *, actor: Actor, patient_public_id: str, action: str, detail: str,
                  roles: frozenset[Role] = TEAM_ROLES, now: datetime | None = None) -> Patient:
    """A member of the patient's care team with one of `roles`; audited either way."""
    if actor.role not in roles:
        raise access.deny(db, actor=actor, action=action, detail=f"{detail} : rôle non autorisé")
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id, action=action,
                                            detail=detail, now=now)
    if grant != Grant.CARE_TEAM:
        raise access.deny(db, actor=actor, action=action, patient_id=patient.id, detail=f"{detail} : hors équipe de soins")
    return patient


# --- Team: overview, editor, save, handover, consent ----------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    version: int
    date: str
    author: str
    reason: str
    issued: bool


@dataclass(frozen=True)
class HandoverRow:
    version: int
    date: str
    by: str


@dataclass(frozen=True)
class TeamView:
    patient_public_id: str
    patient_name: str
    birth_date: str
    medecin_traitant: str
    document_public_id: str
    status: str  # none | draft | issued
    version: int
    consent: str
    consent_label: str
    announcement_recorded: bool
    can_write: bool
    can_edit_support: bool
    can_handover: bool
    today: str  # ISO date, the handover form's default
    default_by: str  # the acting physician, when they may be named as the one who handed it over
    handover_problems: list[str] = field(default_factory=list)
    versions: list[VersionRow] = field(default_factory=list)
    handovers: list[HandoverRow] = field(default_factory=list)
    handover_people: list[tuple[str, str]] = field(default_factory=list)


def _names(db: Session, professional_ids: set[int]) -> dict[int, str]:
    if not professional_ids:
        return {}
    return {pro.id: professional_label(pro) for pro in db.exec(select(Professional).where(Professional.id.in_(professional_ids))).all()}


def _version_rows(db: Session, document: Document, *, from_version: int = 1, plain: bool = False) -> list[VersionRow]:
    rows = db.exec(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document.id, DocumentVersion.version >= from_version)
        .order_by(DocumentVersion.version.desc())
        .limit(200)
    ).all()
    issued_from = first_issued_version(db, document_id=document.id)
    names = _names(db, {row.author_professional_id for row in rows if row.author_professional_id})
    result = []
    for row in rows:
        issued = issued_from is not None and row.version >= issued_from
        reason = update_reason(documents.content_of(row), plain=plain) or (
            "Première version remise" if issued else row.reason or "Brouillon")
        result.append(VersionRow(row.version, formatting.datetime_fr(row.created_at), names.get(row.author_professional_id, ""),
                                 reason, issued))
    return result


def _physicians_of_team(db: Session, patient: Patient, today: date) -> list[tuple[str, str]]:
    pros = db.exec(
        select(Professional)
        .join(CareTeamMembership, CareTeamMembership.professional_id == Professional.id)
        .where(CareTeamMembership.patient_id == patient.id, access.active_membership_clause(today),
               Professional.specialty_code.startswith("G15_10"))
        .order_by(Professional.family_name)
    ).all()
    seen, people = set(), []
    for pro in pros:
        if pro.public_id not in seen:
            seen.add(pro.public_id)
            people.append((pro.public_id, professional_label(pro)))
    return people


def team_view(db: Session, *, actor: Actor, patient_public_id: str, now: datetime | None = None) -> TeamView:
    patient = _require_team(db, actor=actor, patient_public_id=patient_public_id, action=AuditAction.READ,
                            detail="PPS : synthèse", now=now)
    today = formatting.paris_today(now)
    document = current_document(db, patient_id=patient.id)
    gp = db.get(Professional, patient.gp_professional_id) if patient.gp_professional_id else None
    people = _physicians_of_team(db, patient, today)
    me = db.get(Professional, actor.professional_id) if actor.professional_id else None
    common = dict(
        patient_public_id=patient.public_id, patient_name=patient_name(patient),
        birth_date=formatting.date_fr(patient.birth_date), medecin_traitant=professional_label(gp) if gp else "",
        announcement_recorded=patient.medical_announcement_at is not None,
        can_write=actor.role == Role.CLINICIAN, can_edit_support=actor.role in WRITER_ROLES,
        can_handover=actor.role == Role.CLINICIAN,
        today=today.isoformat(),
        default_by=me.public_id if me is not None and me.public_id in dict(people) else "",
        handover_people=people,
    )
    if document is None:
        return TeamView(document_public_id="", status="none", version=0, consent="", consent_label=CONSENT_LABELS[""], **common)
    content = _content(db, document)
    handovers = _handovers(db, document.id)
    names = _names(db, {row.handed_over_by_professional_id for row in handovers})
    consent = current_consent(db, document_id=document.id)
    return TeamView(
        document_public_id=document.public_id,
        status="issued" if document.status == DocumentStatus.VALIDATED else "draft",
        version=document.current_version,
        consent=consent,
        consent_label=CONSENT_LABELS.get(consent, CONSENT_LABELS[""]),
        handover_problems=list(pc.handover_problems(content).values()),
        versions=_version_rows(db, document),
        handovers=[HandoverRow(row.version, formatting.date_fr(row.handed_over_on), names.get(row.handed_over_by_professional_id, ""))
                   for row in reversed(handovers)],
        **common,
    )


@dataclass(frozen=True)
class EditorData:
    patient_public_id: str
    patient_name: str
    document_public_id: str
    expected_version: int
    issued: bool
    nurse_only: bool
    form: dict
    diagnosis: list[tuple[str, str]]
    prefill_note: str


def _prefill(db: Session, patient: Patient) -> tuple[dict, str]:
    """A new PPS: the RCP date, proposal and treatment types of the last RCP when there is one."""
    proposal = pps_sources.last_rcp_proposal(db, patient_id=patient.id)
    content: dict = {section: [] for section in pc.SECTIONS}
    if proposal is None:
        return content, "Aucune décision de RCP enregistrée : renseignez la date et la proposition de la RCP."
    content["rcp_date"] = proposal.session_date.isoformat() if proposal.session_date else ""
    content["rcp_proposal"] = proposal.proposal
    for code in proposal.treatment_types:
        if pc.value_set_label(pc.TREATMENT_TYPES, code):
            content["treatments"].append({**pc.empty_item("treatments"), "type": code})
    when = formatting.date_fr(proposal.session_date) if proposal.session_date else ""
    return content, f"Prérempli depuis la RCP du {when} : complétez les dates, lieux et effets indésirables.".replace("du  :", ":")


def editor(db: Session, *, actor: Actor, patient_public_id: str, now: datetime | None = None) -> EditorData:
    patient = _require_team(db, actor=actor, patient_public_id=patient_public_id, action=AuditAction.READ,
                            detail="PPS : édition", roles=WRITER_ROLES, now=now)
    document = current_document(db, patient_id=patient.id)
    if document is None:
        if actor.role != Role.CLINICIAN:
            raise access.deny(db, actor=actor, action=AuditAction.CREATE, patient_id=patient.id, detail="PPS : création réservée aux médecins")
        content, note = _prefill(db, patient)
        snapshot = diagnosis_snapshot(db, patient=patient)
    else:
        content, note = _content(db, document), ""
        snapshot = content.get("diagnosis") or diagnosis_snapshot(db, patient=patient)
    return EditorData(
        patient_public_id=patient.public_id,
        patient_name=patient_name(patient),
        document_public_id=document.public_id if document else "",
        expected_version=document.current_version if document else 0,
        issued=document is not None and document.status == DocumentStatus.VALIDATED,
        nurse_only=actor.role == Role.NURSE,
        form=pc.as_form(content),
        diagnosis=diagnosis_lines(snapshot),
        prefill_note=note,
    )


@dataclass(frozen=True)
class SaveResult:
    document_public_id: str
    version: int
    issued: bool


def _without_update(content: dict) -> dict:
    return {key: value for key, value in content.items() if key != "update"}


def _check_reason(code: str, detail: str, errors: dict[str, str]) -> tuple[str, str]:
    code, detail = str(code or "").strip(), inputs.line(detail)
    if not pc.value_set_label(pc.UPDATE_REASONS, code):
        errors["reason"] = "Choisissez le motif de la mise à jour."
    if code == pc.OTHER_UPDATE_REASON and not detail:
        errors["reason_detail"] = "Précisez le motif."
    if len(detail) > 300:
        errors["reason_detail"] = "300 caractères au plus."
    return code, detail


def write_version(db: Session, *, actor: Actor, patient: Patient, document: Document | None, edited: dict,
                  reason_code: str = "", reason_detail: str = "", now: datetime | None = None) -> SaveResult:
    """Store a checked content as the next version (or a new PPS); no access check here (callers do it)."""
    now = now or utcnow()
    current = _content(db, document) if document is not None else {}
    issued = document is not None and document.status == DocumentStatus.VALIDATED
    content = {**_without_update(current), **edited, "schema": pc.SCHEMA,
               "diagnosis": diagnosis_snapshot(db, patient=patient),
               "team": team_snapshot(db, patient=patient, today=formatting.paris_today(now))}
    if issued:
        content["update"] = {"code": reason_code, "detail": reason_detail}
    if document is not None and _without_update(content) == _without_update(current):
        raise ValidationFailed({"form": "Aucune modification : rien n'a été enregistré."})
    if document is None:
        document, version = documents.create(db, actor=actor, patient=patient, kind=DocumentKind.PPS, title=TITLE,
                                             content=content, reason="création", share_with_dmp=True, now=now)
        document.withheld_from_medecin_traitant = True  # until the patient agrees
        db.add(document)
        return SaveResult(document.public_id, version.version, False)
    reason = _reason_label(reason_code, reason_detail, plain=False) if issued else "brouillon"
    version = documents.add_version(db, actor=actor, document=document, expected_version=document.current_version,
                                    content=content, reason=reason, now=now)
    if issued:
        pathway.add_event(db, patient_id=patient.id, kind=PathwayEventKind.PPS, occurred_on=formatting.paris_today(now),
                          title=f"{TITLE} mis à jour : {pc.value_set_label(pc.UPDATE_REASONS, reason_code)}",
                          document_id=document.id, author_professional_id=actor.professional_id)
        _announce(db, document=document, patient=patient, first=False)
    return SaveResult(document.public_id, version.version, issued)


def save(db: Session, *, actor: Actor, patient_public_id: str, form: dict, expected_version: int,
         reason_code: str = "", reason_detail: str = "", now: datetime | None = None) -> SaveResult:
    """Save the editor's content. Clinicians write every section; nurses only supportive care and social
    support. Once handed over, each save needs a CI-SIS update reason and reaches the patient at once."""
    patient = _require_team(db, actor=actor, patient_public_id=patient_public_id, action=AuditAction.UPDATE,
                            detail="PPS : enregistrement", roles=WRITER_ROLES, now=now)
    document = current_document(db, patient_id=patient.id)
    if document is None and actor.role != Role.CLINICIAN:
        raise access.deny(db, actor=actor, action=AuditAction.CREATE, patient_id=patient.id, detail="PPS : création réservée aux médecins")
    if (document.current_version if document else 0) != expected_version:
        raise StaleVersion()
    nurse = actor.role == Role.NURSE
    sections = tuple(section for section in pc.SECTIONS if not nurse or section in pc.NURSE_SECTIONS)
    edited, errors = pc.normalize(form if isinstance(form, dict) else {}, sections=sections, scalars=not nurse)
    code, detail = "", ""
    if document is not None and document.status == DocumentStatus.VALIDATED:
        code, detail = _check_reason(reason_code, reason_detail, errors)
    if errors:
        raise ValidationFailed(errors)
    return write_version(db, actor=actor, patient=patient, document=document, edited=edited,
                         reason_code=code, reason_detail=detail, now=now)


def _announce(db: Session, *, document: Document, patient: Patient, first: bool) -> None:
    """Tell the médecin traitant (when the patient agreed) and the patient (once released) about a new version."""
    if not document.withheld_from_medecin_traitant:
        notifications.notify_medecin_traitant(
            db, patient=patient, kind=NotificationKind.PPS_UPDATED, document_id=document.id,
            title="programme personnalisé de soins remis" if first else "programme personnalisé de soins mis à jour",
        )
    if access.patient_may_see(document, patient):
        for account_id in db.exec(select(Account.id).where(Account.patient_id == patient.id,
                                                           Account.status == AccountStatus.ACTIVE)).all():
            notifications.notify_account(
                db, account_id=account_id, kind=NotificationKind.PPS_UPDATED, patient_id=patient.id, document_id=document.id,
                title="Votre programme de soins est disponible" if first else "Votre programme de soins a été mis à jour",
            )


def _parse_day(value: str, errors: dict[str, str], key: str, *, today: date) -> date | None:
    try:
        day = date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors[key] = "Indiquez la date de remise."
        return None
    if day > today:
        errors[key] = "La remise ne peut pas être datée dans le futur."
    elif day < pc.DATE_MIN:
        errors[key] = "Date hors des limites acceptées."
    return day


def apply_consent(db: Session, *, actor: Actor, document: Document, patient: Patient, consent: str,
                  notify: bool = True, now: datetime | None = None) -> None:
    previous = current_consent(db, document_id=document.id)
    db.add(PpsGpConsent(document_id=document.id, consent=consent, recorded_at=now or utcnow(), recorded_by_account_id=actor.account_id))
    document.withheld_from_medecin_traitant = consent != GpConsent.AGREED
    db.add(document)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id, document_id=document.public_id,
                 document_version=document.current_version,
                 detail="consentement au partage avec le médecin traitant : " + ("accepté" if consent == GpConsent.AGREED else "refusé"))
    if notify and consent == GpConsent.AGREED and previous != GpConsent.AGREED and document.status == DocumentStatus.VALIDATED:
        notifications.notify_medecin_traitant(db, patient=patient, kind=NotificationKind.PPS_UPDATED, document_id=document.id,
                                              title="programme personnalisé de soins partagé")


def hand_over(db: Session, *, actor: Actor, patient: Patient, document: Document, handed_over_on: date,
              by: Professional, consent: str, now: datetime | None = None) -> None:
    """Record the handover of the current version; no access check here (callers do it)."""
    now = now or utcnow()
    first = document.status == DocumentStatus.DRAFT
    document.service_date = handed_over_on
    db.add(document)
    db.add(PpsHandover(document_id=document.id, version=document.current_version, handed_over_on=handed_over_on,
                       handed_over_by_professional_id=by.id, recorded_at=now, recorded_by_account_id=actor.account_id))
    if first:
        db.flush()  # the handover is part of the version the DMP receives (its CDA carries the handover date)
        documents.validate(db, actor=actor, document=document, now=now)
    apply_consent(db, actor=actor, document=document, patient=patient, consent=consent, notify=not first, now=now)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id, document_id=document.public_id,
                 document_version=document.current_version, detail=f"PPS remis au patient le {formatting.date_fr(handed_over_on)}")
    pathway.add_event(db, patient_id=patient.id, kind=PathwayEventKind.PPS, occurred_on=handed_over_on,
                      title=f"{TITLE} remis au patient" + ("" if first else f" (version {document.current_version})"),
                      document_id=document.id, author_professional_id=by.id)
    if first:
        _announce(db, document=document, patient=patient, first=True)


def record_handover(db: Session, *, actor: Actor, patient_public_id: str, expected_version: int, handed_over_on: str,
                    by_professional_public_id: str, gp_consent: str, now: datetime | None = None) -> None:
    """The clinician hands the current version to the patient and records the patient's consent answer."""
    patient = _require_team(db, actor=actor, patient_public_id=patient_public_id, action=AuditAction.UPDATE,
                            detail="PPS : remise au patient", roles=frozenset({Role.CLINICIAN}), now=now)
    document = current_document(db, patient_id=patient.id)
    if document is None:
        raise ValidationFailed({"form": "Rédigez d'abord le PPS."})
    if document.current_version != expected_version:
        raise StaleVersion()
    today = formatting.paris_today(now)
    content = _content(db, document)
    errors = dict(pc.handover_problems(content))
    day = _parse_day(handed_over_on, errors, "handed_over_on", today=today)
    if day and content.get("rcp_date") and day < date.fromisoformat(content["rcp_date"]):
        errors["handed_over_on"] = "La remise ne peut pas précéder la RCP."
    people = dict(_physicians_of_team(db, patient, today))
    by = None
    if by_professional_public_id in people:
        by = db.exec(select(Professional).where(Professional.public_id == by_professional_public_id)).one()
    else:
        errors["handed_over_by"] = "Choisissez le médecin de l'équipe qui a remis le PPS."
    if gp_consent not in (GpConsent.AGREED, GpConsent.REFUSED):
        errors["gp_consent"] = "Indiquez la réponse du patient."
    if errors:
        raise ValidationFailed(errors)
    hand_over(db, actor=actor, patient=patient, document=document, handed_over_on=day, by=by, consent=gp_consent, now=now)
    pathway.move_stage(db, patient=patient, stage=CareStage.TREATMENT, on=day)


def record_gp_consent(db: Session, *, actor: Actor, patient_public_id: str, gp_consent: str, now: datetime | None = None) -> None:
    """The patient changes their mind about sharing the PPS with their médecin traitant."""
    patient = _require_team(db, actor=actor, patient_public_id=patient_public_id, action=AuditAction.UPDATE,
                            detail="PPS : consentement médecin traitant", roles=WRITER_ROLES, now=now)
    document = current_document(db, patient_id=patient.id)
    if document is None:
        raise ValidationFailed({"form": "Rédigez d'abord le PPS."})
    if gp_consent not in (GpConsent.AGREED, GpConsent.REFUSED):
        raise ValidationFailed({"gp_consent": "Indiquez la réponse du patient."})
    apply_consent(db, actor=actor, document=document, patient=patient, consent=gp_consent, now=now)


# --- Patient ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    key: str
    day: str  # « jeudi 2 avril 2026 »
    time: str  # « 9 h 30 » or ""
    until: str  # « jusqu'au 5 juin 2026 » for a period
    title: str
    type_label: str
    place: str
    month: str  # set on the first event of each month
    past: bool


@dataclass(frozen=True)
class TreatmentCard:
    title: str
    type_label: str
    when: str
    rhythm: str
    place: str
    route: str
    side_effects: str
    management: str


@dataclass(frozen=True)
class Card:
    title: str
    detail: str
    extra: str


@dataclass(frozen=True)
class ContactRow:
    who: str
    reason: str
    phone: str
    tel_href: str
    hours: str
    emergency: bool


@dataclass(frozen=True)
class ChangeRow:
    title: str
    lines: list[str]


@dataclass(frozen=True)
class PatientView:
    available: bool
    document_public_id: str = ""
    version: int = 0
    version_date: str = ""
    handed_over: str = ""
    plan_summary: str = ""
    end_of_treatment: str = ""
    rcp_date: str = ""
    unread: bool = False
    first_read: bool = False
    reasons: list[str] = field(default_factory=list)
    changes: list[ChangeRow] = field(default_factory=list)
    next_steps: list[EventRow] = field(default_factory=list)
    upcoming: list[EventRow] = field(default_factory=list)
    past: list[EventRow] = field(default_factory=list)
    treatments: list[TreatmentCard] = field(default_factory=list)
    follow_up: list[Card] = field(default_factory=list)
    measures: list[Card] = field(default_factory=list)
    supportive_care: list[Card] = field(default_factory=list)
    social: list[Card] = field(default_factory=list)
    contacts: list[ContactRow] = field(default_factory=list)
    team: list[ContactRow] = field(default_factory=list)
    diagnosis: list[tuple[str, str]] = field(default_factory=list)
    history: list[VersionRow] = field(default_factory=list)


def day_long(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def tel_href(phone: str) -> str:
    """A tel: link made of the digits of a number (never of the text itself)."""
    digits = re.sub(r"[^0-9]", "", phone or "")
    if len(digits) < 3:
        return ""
    return "tel:" + ("+" if (phone or "").strip().startswith("+") else "") + digits


def event_rows(events: list[pc.PlannedEvent], *, today: date) -> tuple[list[EventRow], list[EventRow]]:
    """(upcoming, past), each with a month heading on its first event of a month."""

    def rows(selected: list[pc.PlannedEvent]) -> list[EventRow]:
        result, month = [], ""
        for event in selected:
            label = f"{MONTHS[event.day.month - 1]} {event.day.year}"
            result.append(EventRow(
                key=event.key, day=_capitalised(day_long(event.day)),
                time=f"{event.at.hour} h {event.at.minute:02d}" if event.at else "",
                until=f"jusqu'au {day_long(event.last_day)}" if event.last_day else "",
                title=event.label, type_label=event.short_type,
                place="À domicile" if event.at_home else event.place,
                month=_capitalised(label) if label != month else "", past=(event.last_day or event.day) < today,
            ))
            month = label
        return result

    upcoming = [event for event in events if (event.last_day or event.day) >= today]
    past = [event for event in events if (event.last_day or event.day) < today]
    return rows(upcoming), rows(list(reversed(past)))


def _cards(section: str, content: dict) -> list[Card]:
    spec = pc.SECTION_FIELDS[section][0]
    cards = []
    for item in content.get(section, []):
        if section == "follow_up":
            when = " ".join(part for part in (
                f"le {day_long(date.fromisoformat(item['date']))}" if item.get("date") else "",
                f"à {pc.display_value(pc.Spec('time', 'time', ''), item.get('time'))}" if item.get("time") else "",
            ) if part)
            extra = " · ".join(part for part in (item.get("rhythm", ""), item.get("place", "")) if part)
            cards.append(Card(str(item.get("title") or ""), pc.plain_label(spec.value_set, item.get("type", "")) + (f", {when}" if when else ""), extra))
        else:
            cards.append(Card(pc.plain_label(spec.value_set, item.get("type", "")), str(item.get("detail") or ""),
                              str(item.get("contact") or "")))
    return cards


def _treatment_cards(content: dict) -> list[TreatmentCard]:
    return [
        TreatmentCard(
            title=str(item.get("title") or ""),
            type_label=pc.plain_label(pc.TREATMENT_TYPES, item.get("type", "")),
            when=pc.treatment_when(item),
            rhythm=str(item.get("rhythm") or ""),
            place="À domicile" + (f" ({item['place']})" if item.get("place") else "") if item.get("at_home") else str(item.get("place") or ""),
            route=pc.plain_label(pc.ADMINISTRATION_ROUTES, item["route"]) if item.get("route") else "",
            side_effects=str(item.get("side_effects") or ""),
            management=str(item.get("management") or ""),
        )
        for item in content.get("treatments", [])
    ]


def contact_rows(content: dict) -> list[ContactRow]:
    rows = [
        ContactRow(str(item.get("who") or ""), str(item.get("reason") or ""), str(item.get("phone") or ""),
                   tel_href(str(item.get("phone") or "")), str(item.get("hours") or ""), bool(item.get("emergency")))
        for item in content.get("contacts", [])
    ]
    return sorted(rows, key=lambda row: not row.emergency)


def team_rows(content: dict) -> list[ContactRow]:
    team = content.get("team") or {}
    people = list(team.get("members", []))
    if team.get("medecin_traitant"):
        people.append({**team["medecin_traitant"], "role": "Médecin traitant"})
    return [ContactRow(person.get("name", ""), " · ".join(part for part in (person.get("role"), person.get("organisation")) if part),
                       person.get("phone", ""), tel_href(person.get("phone", "")), "", False) for person in people]


def handover_text(db: Session, document: Document, *, up_to_version: int | None = None) -> str:
    rows = [row for row in _handovers(db, document.id) if up_to_version is None or row.version <= up_to_version]
    if not rows:
        return ""
    latest = rows[-1]
    by = db.get(Professional, latest.handed_over_by_professional_id)
    return f"le {formatting.date_fr(latest.handed_over_on)} par {professional_label(by)}"


def _own_patient(db: Session, actor: Actor, action: str, detail: str) -> Patient:
    if actor.role != Role.PATIENT or actor.patient_id is None:
        raise access.deny(db, actor=actor, action=action, detail=detail)
    return db.get(Patient, actor.patient_id)


def visible_document_for_patient(db: Session, *, actor: Actor, action: str = AuditAction.READ,
                                 detail: str = "programme de soins", now: datetime | None = None) -> tuple[Patient, Document | None]:
    """The patient's own PPS when it has reached them (audited); otherwise None, with the same answer whether a
    PPS exists or not."""
    patient = _own_patient(db, actor, action, detail)
    document = current_document(db, patient_id=patient.id)
    if document is None or not access.patient_may_see(document, patient):
        access.require_patient(db, actor=actor, patient_public_id=patient.public_id, action=action, detail=detail, now=now)
        return patient, None
    document, patient, _grant = access.require_document(db, actor=actor, document_public_id=document.public_id,
                                                        action=action, detail=detail, now=now)
    return patient, document


def patient_view(db: Session, *, actor: Actor, now: datetime | None = None) -> PatientView:
    """The patient's own programme, in plain words, with what changed since the version they last confirmed."""
    patient, document = visible_document_for_patient(db, actor=actor, now=now)
    if document is None:
        return PatientView(available=False)
    today = formatting.paris_today(now)
    version = documents.version_row(db, document=document)
    content = documents.content_of(version)
    issued_from = first_issued_version(db, document_id=document.id) or document.current_version
    read = last_acknowledged(db, document_id=document.id, account_id=actor.account_id)
    changes, reasons = [], []
    if read is not None and issued_from <= read < document.current_version:
        changes = [ChangeRow(change.title, change.lines) for change in pc.differences(_content(db, document, read), content)]
        reasons = [row.reason for row in _version_rows(db, document, from_version=read + 1, plain=True)]
    upcoming, past = event_rows(pc.planned_events(content), today=today)
    return PatientView(
        available=True,
        document_public_id=document.public_id,
        version=document.current_version,
        version_date=formatting.date_fr(version.created_at),
        handed_over=handover_text(db, document),
        unread=read is None or read < document.current_version,
        first_read=read is None,
        reasons=reasons,
        changes=changes,
        next_steps=upcoming[:3],
        upcoming=upcoming,
        past=past,
        **_sections(content),
        history=_version_rows(db, document, from_version=issued_from, plain=True),
    )


def _sections(content: dict) -> dict:
    """The programme's sections as the patient's page and the printable PPS both show them."""
    end = content.get("end_of_treatment")
    return {
        "plan_summary": str(content.get("plan_summary") or ""),
        "end_of_treatment": day_long(date.fromisoformat(end)) if end else "",
        "rcp_date": formatting.date_fr(date.fromisoformat(content["rcp_date"])) if content.get("rcp_date") else "",
        "treatments": _treatment_cards(content),
        "follow_up": _cards("follow_up", content),
        "measures": _cards("measures", content),
        "supportive_care": _cards("supportive_care", content),
        "social": _cards("social", content),
        "contacts": contact_rows(content),
        "team": team_rows(content),
        "diagnosis": diagnosis_lines(content.get("diagnosis") or {}),
    }


def acknowledge(db: Session, *, actor: Actor, version: int, now: datetime | None = None) -> None:
    """The patient confirms they read this version (audited). Confirming an outdated version is refused."""
    _patient, document = visible_document_for_patient(db, actor=actor, action=AuditAction.ACKNOWLEDGE,
                                                      detail="prise de connaissance du programme de soins", now=now)
    if document is None:
        raise ValidationFailed({"version": "Aucun programme de soins à confirmer."})
    if not isinstance(version, int) or version != document.current_version:
        raise NewerVersion()
    if last_acknowledged(db, document_id=document.id, account_id=actor.account_id) != version:
        db.add(PpsAcknowledgement(document_id=document.id, version=version, account_id=actor.account_id,
                                  acknowledged_at=now or utcnow()))


# --- Print view, PDF -------------------------------------------------------------------------------------------


def print_html(db: Session, *, document: Document, version: DocumentVersion, patient: Patient, show_print_button: bool = True) -> str:
    """The printable PPS (documents.RENDERERS), written for the patient: large type, plain words."""
    content = documents.content_of(version)
    upcoming, past = event_rows(pc.planned_events(content), today=date.min)
    return render.render(
        "print/pps.html.j2",
        title=f"{TITLE} de {patient_name(patient)}",
        footer=f"{TITLE} — {patient_name(patient)} — version {version.version}",
        show_print_button=show_print_button,
        patient_name=patient_name(patient),
        birth_date=formatting.date_fr(patient.birth_date),
        ins=formatting.ins_display(patient.ins),
        version=version.version,
        version_date=formatting.date_fr(version.created_at),
        draft=document.status == DocumentStatus.DRAFT,
        reason=update_reason(content, plain=True),
        handed_over=handover_text(db, document, up_to_version=version.version),
        rcp_proposal=str(content.get("rcp_proposal") or ""),
        events=upcoming,
        **_sections(content),
    )


def pdf_bytes(db: Session, *, actor: Actor, document_public_id: str) -> bytes:
    """The PDF of the current version for anyone who may see it (audited export); for `documents export`."""
    return documents.produce_pdf(db, actor=actor, target=document_public_id).data


def export_pdf(db: Session, *, document: Document, version: DocumentVersion, patient: Patient) -> tuple[str, bytes]:
    """Operator export (services/exports.EXPORTERS)."""
    html = print_html(db, document=document, version=version, patient=patient, show_print_button=False)
    return f"pps-{document.public_id}-v{version.version}.pdf", render.print_pdf(html)
