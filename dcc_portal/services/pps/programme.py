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

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, func
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
from dcc_portal.services.common import inputs
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import StaleVersion, ValidationFailed
from dcc_portal.services.common.names import patient_name, professional_label
from dcc_portal.services.pps import content as pc
from dcc_portal.services.pps import sources as pps_sources
from dcc_portal.services.record import diagnosis as diagnosis_record
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


_CURRENT_DOCUMENT = (
    select(Document)
    .where(Document.patient_id == bindparam("patient_id"), Document.kind == DocumentKind.PPS,
           Document.status != DocumentStatus.ENTERED_IN_ERROR)
    .order_by(Document.created_at.desc(), Document.id.desc())
    .limit(1)
)


def current_document(db: Session, *, patient_id: int) -> Document | None:
    """The patient's PPS (one per patient, re-issued by versions); a withdrawn one does not count."""
    return db.exec(_CURRENT_DOCUMENT, params={"patient_id": patient_id}).first()


def handovers_of(db: Session, document_id: int) -> list[PpsHandover]:
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


def content_of(db: Session, document: Document, version: int | None = None) -> dict:
    return documents.content_of(documents.version_row(db, document=document, version=version))


def _reason_label(code: str, detail: str, *, plain: bool) -> str:
    label = pc.plain_label(pc.UPDATE_REASONS, code) if plain else pc.value_set_label(pc.UPDATE_REASONS, code)
    return f"{label} : {detail}" if detail else label


def update_reason(content: dict, *, plain: bool = False) -> str:
    update = content.get("update") or {}
    return _reason_label(update.get("code", ""), update.get("detail", ""), plain=plain) if update.get("code") else ""


def _staging(diagnosis) -> str:
    prefix = diagnosis.tnm_prefix or ""
    parts = []
    for letter, value in (("T", diagnosis.tnm_t), ("N", diagnosis.tnm_n), ("M", diagnosis.tnm_m)):
        if value:
            parts.append(prefix + (value if value.upper().startswith(letter) else letter + value))
    return " ".join(parts)


def diagnosis_snapshot(db: Session, *, patient: Patient) -> dict:
    diagnosis = diagnosis_record.latest(db, patient.id)
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


def version_rows(db: Session, document: Document, *, from_version: int = 1, plain: bool = False) -> list[VersionRow]:
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
    content = content_of(db, document)
    handovers = handovers_of(db, document.id)
    names = _names(db, {row.handed_over_by_professional_id for row in handovers})
    consent = current_consent(db, document_id=document.id)
    return TeamView(
        document_public_id=document.public_id,
        status="issued" if document.status == DocumentStatus.VALIDATED else "draft",
        version=document.current_version,
        consent=consent,
        consent_label=CONSENT_LABELS.get(consent, CONSENT_LABELS[""]),
        handover_problems=list(pc.handover_problems(content).values()),
        versions=version_rows(db, document),
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
        content, note = content_of(db, document), ""
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
    current = content_of(db, document) if document is not None else {}
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
    content = content_of(db, document)
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
