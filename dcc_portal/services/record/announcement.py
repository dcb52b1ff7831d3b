"""The dispositif d'annonce: each temps recorded as a dated, authored step; corrections are new versions.

Who records what (all of them members of the patient's care team):
- physicians the medical time (announcement of the diagnosis, then of the treatment proposal);
- nurses the nursing accompaniment and the supportive-care needs assessment;
- either of them the liaison with the médecin traitant.
The first medical-time record releases the documents that announce the cancer to the patient (release gating),
and every step is put on the timeline and notified to the médecin traitant (title without clinical detail).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import bindparam, func
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    AnnouncementStep,
    AnnouncementStepVersion,
    AnnouncementTemps,
    AuditAction,
    CareStage,
    Document,
    DocumentStatus,
    Grant,
    NotificationKind,
    PathwayEvent,
    PathwayEventKind,
    Patient,
    Professional,
    ReleaseMode,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs, terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import StaleVersion, ValidationFailed
from dcc_portal.services.common.names import LABEL_COLUMNS, professional_label
from dcc_portal.services.record import documents, notifications, pathway

T = AnnouncementTemps
TEMPS_ORDER = [T.MEDICAL_DIAGNOSIS, T.MEDICAL_TREATMENT, T.NURSING, T.SUPPORTIVE_CARE, T.GP_LIAISON]
TEMPS_LABELS = {
    T.MEDICAL_DIAGNOSIS: "Temps médical : annonce du diagnostic",
    T.MEDICAL_TREATMENT: "Temps médical : proposition thérapeutique",
    T.NURSING: "Temps d'accompagnement soignant",
    T.SUPPORTIVE_CARE: "Soins de support : évaluation des besoins",
    T.GP_LIAISON: "Lien avec le médecin traitant",
}
SHORT_LABELS = {
    T.MEDICAL_DIAGNOSIS: "Annonce du diagnostic",
    T.MEDICAL_TREATMENT: "Proposition thérapeutique",
    T.NURSING: "Temps soignant",
    T.SUPPORTIVE_CARE: "Besoins en soins de support",
    T.GP_LIAISON: "Médecin traitant informé",
}
WHO_MAY_RECORD = {
    T.MEDICAL_DIAGNOSIS: frozenset({Role.CLINICIAN}),
    T.MEDICAL_TREATMENT: frozenset({Role.CLINICIAN}),
    T.NURSING: frozenset({Role.NURSE}),
    T.SUPPORTIVE_CARE: frozenset({Role.NURSE}),
    T.GP_LIAISON: frozenset({Role.CLINICIAN, Role.NURSE}),
}
MEDICAL = frozenset({T.MEDICAL_DIAGNOSIS, T.MEDICAL_TREATMENT})
# A diagnosis is announced once: later changes are corrections of that step.
ONCE = frozenset({T.MEDICAL_DIAGNOSIS})
NO_MEDICAL_YET = "Aucun temps médical enregistré pour ce patient."
WITH_NEEDS = frozenset({T.NURSING, T.SUPPORTIVE_CARE})
EVENT_KINDS = {
    T.MEDICAL_DIAGNOSIS: PathwayEventKind.ANNOUNCEMENT_MEDICAL,
    T.MEDICAL_TREATMENT: PathwayEventKind.ANNOUNCEMENT_MEDICAL,
    T.NURSING: PathwayEventKind.ANNOUNCEMENT_NURSING,
    T.SUPPORTIVE_CARE: PathwayEventKind.SUPPORTIVE_CARE,
    T.GP_LIAISON: PathwayEventKind.GP_LIAISON,
}

NEED_DOMAINS = [
    ("pain", "Douleur"),
    ("nutrition", "Nutrition"),
    ("psychological", "Psychologique"),
    ("social", "Social"),
    ("physical_activity", "Activité physique"),
    ("fertility", "Fertilité"),
    ("addictions", "Addictions"),
]
NEED_LABELS = dict(NEED_DOMAINS)
# Referrals offered for each domain: codes of JDV_SoinsOncoDeSupport_CISIS, or local codes where it has none.
# The value set's labels are long; the screens use these short ones (the code is what is stored).
REFERRAL_LABELS = {
    "ORG-035": "Consultation douleur",
    "ORG-036": "Diététicien(ne)",
    "PSYCHO": "Psychologue / psycho-oncologue",
    "ORG-037": "Soutien des proches et aidants",
    "SOCIAL": "Assistant(e) de service social",
    "ORG-175": "Activité physique adaptée",
    "MED-051": "Préservation de la fertilité",
    "MED-562": "Sevrage tabagique",
    "MED-563": "Sevrage alcoolique",
    "MED-564": "Sevrage (autre addiction)",
}
REFERRALS = {
    "pain": ["ORG-035"],
    "nutrition": ["ORG-036"],
    "psychological": ["PSYCHO", "ORG-037"],
    "social": ["SOCIAL"],
    "physical_activity": ["ORG-175"],
    "fertility": ["MED-051"],
    "addictions": ["MED-562", "MED-563", "MED-564"],
}
NO_NEED = "none"
NEED_NO_REFERRAL = "need"
CHANNELS = {"phone": "Téléphone", "letter": "Courrier", "mssante": "Messagerie sécurisée (MSSanté)",
            "portal": "Portail DCC", "meeting": "Rencontre / concertation"}


def referral_label(code: str) -> str:
    return REFERRAL_LABELS.get(code, code)


def referral_official_label(code: str) -> str:
    """The value set's own label (local codes keep the portal's)."""
    return terminology.load(terminology.SUPPORTIVE_CARE).label(code, REFERRAL_LABELS.get(code, code))


def need_options(domain: str) -> list[tuple[str, str]]:
    """Choices of one domain's select: not assessed, no need, need without referral, need with each referral."""
    return [("", "Non évalué"), (NO_NEED, "Pas de besoin"), (NEED_NO_REFERRAL, "Besoin repéré, sans orientation")] + [
        (code, f"Besoin repéré → {referral_label(code)}") for code in REFERRALS[domain]
    ]


@dataclass(frozen=True)
class NeedLine:
    domain: str
    label: str
    value: str
    text: str  # "Pas de besoin", "Besoin repéré → Diététicien(ne)"...


@dataclass(frozen=True)
class StepView:
    public_id: str
    temps: str
    temps_label: str
    date: str  # dd/mm/yyyy
    date_iso: str
    author: str
    recorded: str  # when the current version was saved (Paris time)
    version: int
    reason: str
    notes: str
    accompanied_by: str
    channel: str
    channel_label: str
    needs_summary: str
    referrals_summary: str
    needs: list[NeedLine] = field(default_factory=list)
    warning: str = ""  # said when the step was recorded (a nursing time before any medical time)


@dataclass(frozen=True)
class StatusItem:
    temps: str
    label: str
    done: bool
    date: str


@dataclass(frozen=True)
class Overview:
    status: list[StatusItem]
    steps: list[StepView]  # newest first
    medical_announcement: str  # when the medical time was first recorded ("" if not yet)
    held_documents: int  # documents announcing the cancer that wait for the medical announcement
    medical_recorded: bool = False
    recorded_once: list[StepView] = field(default_factory=list)  # the steps recorded once (ONCE), in TEMPS_ORDER


def _canonical(content: dict) -> tuple[str, str]:
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text, hashlib.sha256(text.encode()).hexdigest()


def _summaries(needs: dict[str, str]) -> tuple[str, str]:
    detected = [NEED_LABELS[d].lower() for d, _ in NEED_DOMAINS if needs.get(d) and needs[d] != NO_NEED]
    referrals = [referral_label(needs[d]) for d, _ in NEED_DOMAINS if needs.get(d) not in ("", None, NO_NEED, NEED_NO_REFERRAL)]
    return ", ".join(detected), ", ".join(referrals)


def _need_text(value: str) -> str:
    if not value:
        return "Non évalué"
    if value == NO_NEED:
        return "Pas de besoin"
    if value == NEED_NO_REFERRAL:
        return "Besoin repéré, sans orientation"
    return f"Besoin repéré → {referral_label(value)}"


def _view(step: AnnouncementStep, version: AnnouncementStepVersion, author: Professional | None) -> StepView:
    content = json.loads(version.content_json)
    needs = content.get("needs", {}) or {}
    needs_summary, referrals_summary = _summaries(needs)
    return StepView(
        public_id=step.public_id,
        temps=step.temps,
        temps_label=TEMPS_LABELS.get(step.temps, step.temps),
        date=formatting.date_fr(version.occurred_on),
        date_iso=version.occurred_on.isoformat(),
        author=professional_label(author) if author else "",
        recorded=formatting.datetime_fr(version.created_at),
        version=version.version,
        reason=version.reason,
        notes=content.get("notes", ""),
        accompanied_by=content.get("accompanied_by", ""),
        channel=content.get("channel", ""),
        channel_label=CHANNELS.get(content.get("channel", ""), ""),
        needs_summary=needs_summary,
        referrals_summary=referrals_summary,
        needs=[NeedLine(d, label, needs.get(d, ""), _need_text(needs.get(d, ""))) for d, label in NEED_DOMAINS]
        if step.temps in WITH_NEEDS else [],
    )


def _event_title(temps: str, author: Professional | None, needs: dict[str, str]) -> str:
    title = TEMPS_LABELS[temps]
    if author is not None:
        title += f" ({professional_label(author)})"
    if temps in WITH_NEEDS:
        detected, referrals = _summaries(needs)
        title += f" — besoins : {detected or 'aucun'}"
        if referrals:
            title += f" ; orientations : {referrals}"
    return title[:200]


def _content(temps: str, values: dict, errors: dict[str, str]) -> dict:
    notes = inputs.text(values.get("notes"), 5000)
    inputs.check_length(values.get("notes"), 5000, "notes", errors)
    content: dict = {"notes": notes}
    if temps in MEDICAL:
        content["accompanied_by"] = inputs.text(values.get("accompanied_by"), 200)
        inputs.check_length(values.get("accompanied_by"), 200, "accompanied_by", errors)
    if temps in WITH_NEEDS:
        needs = {}
        for domain, _label in NEED_DOMAINS:
            value = str(values.get(f"need_{domain}", "") or "")
            allowed = {"", NO_NEED, NEED_NO_REFERRAL, *REFERRALS[domain]}
            if value not in allowed:
                errors[f"need_{domain}"] = "Choix inconnu."
            needs[domain] = value
        content["needs"] = needs
        if temps == T.SUPPORTIVE_CARE and not any(needs.values()):
            errors["needs"] = "Évaluez au moins un domaine de besoins."
    if temps == T.GP_LIAISON:
        channel = str(values.get("channel", "") or "")
        if channel not in CHANNELS:
            errors["channel"] = "Indiquez comment le médecin traitant a été informé."
        content["channel"] = channel
    if not notes and temps != T.SUPPORTIVE_CARE:
        errors["notes"] = "Décrivez ce qui a été dit et compris (quelques lignes suffisent)."
    return content


def _check_writer(db: Session, *, actor: Actor, patient: Patient, grant: str, temps: str, action: str) -> None:
    if grant != Grant.CARE_TEAM:
        raise access.deny(db, actor=actor, action=action, patient_id=patient.id, detail="annonce : hors équipe de soins")
    if actor.role not in WHO_MAY_RECORD[temps]:
        raise access.deny(db, actor=actor, action=action, patient_id=patient.id,
                          detail=f"annonce : {TEMPS_LABELS[temps]} non autorisé pour le rôle {actor.role}")


def record(
    db: Session,
    *,
    actor: Actor,
    patient_public_id: str,
    temps: str,
    values: dict,
    submission_key: str = "",
    now: datetime | None = None,
) -> StepView:
    """Record one temps. `values`: occurred_on (ISO date), notes, accompanied_by, need_<domain>, channel."""
    now = now or utcnow()
    if temps not in WHO_MAY_RECORD:
        raise ValidationFailed({"temps": "Choisissez le temps de l'annonce."})
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id,
                                            action=AuditAction.CREATE, detail=f"annonce : {TEMPS_LABELS[temps]}", now=now)
    _check_writer(db, actor=actor, patient=patient, grant=grant, temps=temps, action=AuditAction.CREATE)
    previous = inputs.already_submitted(db, actor=actor, key=submission_key)
    if previous:
        return _step_view_by_id(db, previous)
    errors: dict[str, str] = {}
    occurred_on = inputs.parse_date(values.get("occurred_on", ""), "occurred_on", errors, not_before=patient.birth_date,
                                    not_before_label="la naissance du patient", now=now)
    content = _content(temps, values, errors)
    if errors:
        raise ValidationFailed(errors)
    recorded = set(db.exec(select(AnnouncementStep.temps).where(AnnouncementStep.patient_id == patient.id)).all())
    if temps in ONCE and temps in recorded:
        raise ValidationFailed({"form": _already_recorded(db, patient_id=patient.id, temps=temps)})
    author = db.get(Professional, actor.professional_id) if actor.professional_id else None
    step, version = create_step(db, patient=patient, temps=temps, occurred_on=occurred_on, content=content, author=author,
                                account_id=actor.account_id, now=now)
    if not inputs.record_submission(db, actor=actor, key=submission_key, target=step.public_id):
        raise StaleVersion()
    if temps in MEDICAL:
        pathway.move_stage(db, patient=patient, stage=CareStage.ANNOUNCEMENT, on=occurred_on)
    if temps in MEDICAL and patient.medical_announcement_at is None:
        patient.medical_announcement_at = now
        db.add(patient)
        audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id, grant=grant,
                     detail="annonce médicale enregistrée : documents annonçant le cancer mis à disposition du patient")
        documents.release_changed(db, actor=actor, now=now, documents=list(db.exec(select(Document).where(
            Document.patient_id == patient.id, Document.announces_cancer.is_(True),
            Document.status == DocumentStatus.VALIDATED, Document.release_mode == ReleaseMode.AUTO)).all()))
    notifications.notify_medecin_traitant(db, patient=patient, kind=NotificationKind.ANNOUNCEMENT_RECORDED,
                                          title="nouvelle étape du dispositif d'annonce")
    db.flush()
    view = _view(step, version, author)
    if temps == T.NURSING and not recorded & MEDICAL:
        view = replace(view, warning=NO_MEDICAL_YET)
    return view


def _already_recorded(db: Session, *, patient_id: int, temps: str) -> str:
    day = db.exec(select(AnnouncementStep.occurred_on).where(AnnouncementStep.patient_id == patient_id,
                                                             AnnouncementStep.temps == temps)).first()
    return (f"{SHORT_LABELS[temps]} déjà enregistrée (le {formatting.date_fr(day)}) : "
            "corrigez l'étape enregistrée plutôt que d'en créer une seconde.")


def create_step(db: Session, *, patient: Patient, temps: str, occurred_on, content: dict, author: Professional | None,
                account_id: int | None, now: datetime) -> tuple[AnnouncementStep, AnnouncementStepVersion]:
    """The rows of a new step and its line on the timeline (checks are the caller's)."""
    event = PathwayEvent(patient_id=patient.id, kind=EVENT_KINDS[temps], occurred_on=occurred_on,
                         title=_event_title(temps, author, content.get("needs", {})),
                         author_professional_id=author.id if author else None)
    db.add(event)
    db.flush()
    step = AnnouncementStep(patient_id=patient.id, temps=temps, occurred_on=occurred_on, current_version=1,
                            author_professional_id=author.id if author else None, created_by_account_id=account_id,
                            pathway_event_id=event.id, created_at=now, updated_at=now)
    db.add(step)
    db.flush()
    text, digest = _canonical(content)
    version = AnnouncementStepVersion(step_id=step.id, version=1, occurred_on=occurred_on, content_json=text, sha256=digest,
                                      author_account_id=account_id, author_professional_id=author.id if author else None,
                                      reason="création", created_at=now)
    db.add(version)
    return step, version


def correct(
    db: Session,
    *,
    actor: Actor,
    step_public_id: str,
    expected_version: int,
    values: dict,
    reason: str,
    now: datetime | None = None,
) -> StepView:
    """A new version of a step, from the version the user started from (StaleVersion if someone saved meanwhile)."""
    now = now or utcnow()
    step = _step(db, actor=actor, public_id=step_public_id, action=AuditAction.UPDATE)
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=_patient_public_id(db, step),
                                            action=AuditAction.UPDATE, detail=f"annonce corrigée : {TEMPS_LABELS[step.temps]}", now=now)
    _check_writer(db, actor=actor, patient=patient, grant=grant, temps=step.temps, action=AuditAction.UPDATE)
    errors: dict[str, str] = {}
    occurred_on = inputs.parse_date(values.get("occurred_on", ""), "occurred_on", errors, not_before=patient.birth_date,
                                    not_before_label="la naissance du patient", now=now)
    content = _content(step.temps, values, errors)
    reason = inputs.text(reason, 500)
    if len(reason) < 3:
        errors["reason"] = "Indiquez le motif de la correction."
    if errors:
        raise ValidationFailed(errors)
    table = AnnouncementStep.__table__
    updated = db.execute(
        table.update()
        .where(table.c.id == step.id, table.c.current_version == int(expected_version or -1))
        .values(current_version=int(expected_version) + 1, occurred_on=occurred_on,
                author_professional_id=actor.professional_id, updated_at=now)
    )
    if updated.rowcount != 1:
        raise StaleVersion()
    db.refresh(step)
    text, digest = _canonical(content)
    version = AnnouncementStepVersion(step_id=step.id, version=step.current_version, occurred_on=occurred_on,
                                      content_json=text, sha256=digest, author_account_id=actor.account_id,
                                      author_professional_id=actor.professional_id, reason=reason, created_at=now)
    db.add(version)
    author = db.get(Professional, actor.professional_id) if actor.professional_id else None
    if step.pathway_event_id:
        event = db.get(PathwayEvent, step.pathway_event_id)
        if event is not None:
            event.occurred_on = occurred_on
            event.title = _event_title(step.temps, author, content.get("needs", {}))
            db.add(event)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id, grant=grant,
                 detail=f"annonce corrigée (version {version.version}) : {reason[:150]}")
    db.flush()
    return _view(step, version, author)


def _step(db: Session, *, actor: Actor, public_id: str, action: str) -> AnnouncementStep:
    step = None
    if isinstance(public_id, str) and 0 < len(public_id) <= 32:
        step = db.exec(select(AnnouncementStep).where(AnnouncementStep.public_id == public_id)).first()
    if step is None:
        raise access.deny(db, actor=actor, action=action, detail=f"étape d'annonce inconnue {str(public_id)[:40]}")
    return step


def _patient_public_id(db: Session, step: AnnouncementStep) -> str:
    return db.exec(select(Patient.public_id).where(Patient.id == step.patient_id)).one()


def _step_view_by_id(db: Session, public_id: str) -> StepView:
    step = db.exec(select(AnnouncementStep).where(AnnouncementStep.public_id == public_id)).one()
    version = db.exec(select(AnnouncementStepVersion).where(
        AnnouncementStepVersion.step_id == step.id, AnnouncementStepVersion.version == step.current_version)).one()
    author = db.get(Professional, version.author_professional_id) if version.author_professional_id else None
    return _view(step, version, author)


def step_detail(db: Session, *, actor: Actor, step_public_id: str, now: datetime | None = None) -> tuple[StepView, list[StepView]]:
    """The current version and every version (newest first) of one step, for a professional with access."""
    step = _step(db, actor=actor, public_id=step_public_id, action=AuditAction.READ)
    if actor.role == Role.PATIENT:
        raise access.deny(db, actor=actor, action=AuditAction.READ, patient_id=step.patient_id, detail="annonce (espace patient)")
    access.require_patient(db, actor=actor, patient_public_id=_patient_public_id(db, step), action=AuditAction.READ,
                           detail="étape d'annonce et ses versions", now=now)
    versions = db.exec(select(AnnouncementStepVersion).where(AnnouncementStepVersion.step_id == step.id)
                       .order_by(AnnouncementStepVersion.version.desc())).all()
    authors = {p.id: p for p in db.exec(select(Professional).where(
        Professional.id.in_({v.author_professional_id for v in versions if v.author_professional_id}))).all()}
    views = [_view(step, v, authors.get(v.author_professional_id)) for v in versions]
    return views[0], views


def overview(db: Session, *, actor: Actor, patient_public_id: str, now: datetime | None = None) -> Overview:
    """The announcement status at a glance and every step, newest first (professionals with access)."""
    if actor.role == Role.PATIENT:
        raise access.deny(db, actor=actor, action=AuditAction.READ, detail="annonce (espace patient)")
    patient, _grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id,
                                             action=AuditAction.READ, detail="dispositif d'annonce", now=now)
    return overview_of(db, patient=patient)


_CURRENT_STEPS = dbmod.Read(
    select(AnnouncementStep.public_id, AnnouncementStep.temps, AnnouncementStepVersion.occurred_on,
           AnnouncementStepVersion.created_at, AnnouncementStepVersion.version, AnnouncementStepVersion.reason,
           AnnouncementStepVersion.content_json, *LABEL_COLUMNS)
    .join(AnnouncementStepVersion, (AnnouncementStepVersion.step_id == AnnouncementStep.id)
          & (AnnouncementStepVersion.version == AnnouncementStep.current_version))
    .outerjoin(Professional, Professional.id == AnnouncementStepVersion.author_professional_id)
    .where(AnnouncementStep.patient_id == bindparam("patient_id"))
    .order_by(AnnouncementStep.occurred_on.desc(), AnnouncementStep.id.desc())
    .limit(200)
)


# Documents announcing the cancer, held from the patient until the medical announcement is recorded.
_HELD = dbmod.Read(select(func.count(Document.id)).where(
    Document.patient_id == bindparam("patient_id"), Document.announces_cancer.is_(True),
    Document.status != DocumentStatus.ENTERED_IN_ERROR, Document.release_mode == ReleaseMode.AUTO))


def overview_of(db: Session, *, patient: Patient) -> Overview:
    """The overview of a patient whose access the caller has checked and audited."""
    rows = _CURRENT_STEPS.run(db, {"patient_id": patient.id})
    # Each row carries its step's, its current version's and its author's columns.
    steps = [_view(row, row, row if row.family_name is not None else None) for row in rows]
    first_dates: dict[str, str] = {}
    for row, view in zip(reversed(rows), reversed(steps), strict=True):
        first_dates.setdefault(row.temps, formatting.date_fr(row.occurred_on))
        if row.temps == T.NURSING and any(need.value for need in view.needs):
            # Needs assessed during the nursing time count as the supportive-care assessment.
            first_dates.setdefault(T.SUPPORTIVE_CARE.value, formatting.date_fr(row.occurred_on))
    held = 0
    if patient.medical_announcement_at is None:
        held = _HELD.scalar(db, {"patient_id": patient.id})
    return Overview(
        status=[StatusItem(t.value, SHORT_LABELS[t], t.value in first_dates, first_dates.get(t.value, "")) for t in TEMPS_ORDER],
        steps=steps,
        medical_announcement=formatting.datetime_fr(patient.medical_announcement_at),
        held_documents=held,
        medical_recorded=any(step.temps in MEDICAL for step in steps),
        recorded_once=[next(step for step in reversed(steps) if step.temps == t) for t in TEMPS_ORDER
                       if t in ONCE and t.value in {step.temps for step in steps}],
    )


def allowed_temps(role: Role) -> list[tuple[str, str]]:
    """The temps a role may record (for the buttons; the service checks again)."""
    return [(t.value, TEMPS_LABELS[t]) for t in TEMPS_ORDER if role in WHO_MAY_RECORD[t]]
