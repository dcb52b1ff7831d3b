"""The patient's pathway: dated steps, each pointing at its document when there is one, and where the patient stands.

Care stage (Patient.care_stage, shown in every patient list): stored on the patient row rather than computed from
the timeline, so that lists read it with the patient and never join the pathway. The services that move a patient
forward set it through `move_stage`: RCP registration and signed fiche (rcp), medical announcement (announcement),
PPS handover and treatment start (treatment), end of treatment and follow-up (follow_up), a diagnosis date
(diagnosis). The step with the latest date wins (Patient.care_stage_on keeps it): a step entered late with an
earlier date does not move the patient back, while a new RCP registration after a relapse does.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, bindparam, or_
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    CareStage,
    Document,
    DocumentRead,
    Grant,
    NotificationKind,
    PathwayEvent,
    PathwayEventKind,
    Patient,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.record import notifications

EVENT_LABELS = {
    PathwayEventKind.SUSPICION: "Suspicion",
    PathwayEventKind.DIAGNOSIS: "Diagnostic",
    PathwayEventKind.REPORT: "Compte rendu",
    PathwayEventKind.ANNOUNCEMENT_MEDICAL: "Annonce : temps médical",
    PathwayEventKind.ANNOUNCEMENT_NURSING: "Annonce : temps soignant",
    PathwayEventKind.SUPPORTIVE_CARE: "Soins de support",
    PathwayEventKind.GP_LIAISON: "Lien avec le médecin traitant",
    PathwayEventKind.RCP_REGISTERED: "Inscription en RCP",
    PathwayEventKind.RCP_DECISION: "Décision de RCP",
    PathwayEventKind.PPS: "Programme personnalisé de soins",
    PathwayEventKind.TREATMENT_START: "Début de traitement",
    PathwayEventKind.TREATMENT_END: "Fin de traitement",
    PathwayEventKind.FOLLOW_UP: "Surveillance",
    PathwayEventKind.SYMPTOM_ALERT: "Suivi des symptômes",
}

# Steps that reveal the cancer: the patient sees them only once the medical announcement was recorded.
GATED_FOR_PATIENT = frozenset({PathwayEventKind.DIAGNOSIS, PathwayEventKind.REPORT, PathwayEventKind.RCP_DECISION,
                               PathwayEventKind.PPS})


# The pathway in order, as the GP screens show it (suspicion comes before the first of these).
STAGE_ORDER = [CareStage.SUSPICION, CareStage.DIAGNOSIS, CareStage.RCP, CareStage.ANNOUNCEMENT, CareStage.TREATMENT,
               CareStage.FOLLOW_UP]


def move_stage(db: Session, *, patient: Patient, stage: str, on: date) -> bool:
    """Set the patient's care stage from a step dated `on`, unless a later-dated step already set it."""
    if patient.care_stage_on is not None and on < patient.care_stage_on:
        return False
    changed = patient.care_stage != stage
    patient.care_stage, patient.care_stage_on = stage, on
    db.add(patient)
    return changed


def add_event(db: Session, *, patient_id: int, kind: str, occurred_on: date, title: str,
              document_id: int | None = None, author_professional_id: int | None = None) -> PathwayEvent:
    event = PathwayEvent(patient_id=patient_id, kind=kind, occurred_on=occurred_on, title=title[:200],
                         document_id=document_id, author_professional_id=author_professional_id)
    db.add(event)
    return event


@dataclass(frozen=True)
class TimelineItem:
    public_id: str
    kind: str
    kind_label: str
    date: str
    title: str
    document_public_id: str


def timeline(db: Session, *, actor: Actor, patient_public_id: str, now: datetime | None = None) -> list[TimelineItem]:
    """Oldest first. Steps pointing at a document the actor may not see are left out."""
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id,
                                            action=AuditAction.READ, detail="parcours", now=now)
    return [TimelineItem(public_id=step.public_id, kind=step.kind, kind_label=EVENT_LABELS.get(step.kind, step.kind),
                         date=formatting.date_fr(step.occurred_on), title=step.title,
                         document_public_id=step.document_public_id or "")
            for step in visible_steps(db, actor=actor, grant=grant, patient=patient)]


# A step as plain columns (read without the ORM: a pathway has hundreds of steps): its document's columns are None
# when it points at none.
_STEP, _DOCUMENT = PathwayEvent.__table__.c, Document.__table__.c
STEP_COLUMNS = (_STEP.public_id, _STEP.kind, _STEP.occurred_on, _STEP.title, _DOCUMENT.public_id.label("document_public_id"))
_READ = DocumentRead.__table__.c
# What tells a reader which steps are new to them: the version of the step's document they last opened too.
STEP_NEWS_COLUMNS = (*STEP_COLUMNS, _STEP.created_at, _DOCUMENT.id.label("document_id"),
                     _DOCUMENT.current_version.label("document_version"), _DOCUMENT.updated_at.label("document_updated_at"),
                     _READ.version.label("read_version"))


def visible_steps(db: Session, *, actor: Actor, grant: str, patient: Patient, with_news: bool = False) -> list:
    """The steps the actor may see (access already checked and audited by the caller), oldest first, as rows of
    STEP_COLUMNS (or STEP_NEWS_COLUMNS). The document rule is `access.document_visibility`, applied in the query."""
    shape, values = access.document_visibility(actor=actor, grant=grant, patient=patient)
    gated = grant == Grant.SELF and patient.medical_announcement_at is None
    return _steps_read(shape, gated, with_news).run(db, {**values, "patient_id": patient.id, "reader": actor.account_id})


@functools.cache
def _steps_read(visibility: tuple, gated: bool, with_news: bool) -> dbmod.Read:
    conditions = [_STEP.patient_id == bindparam("patient_id"),
                  or_(_STEP.document_id.is_(None), access.visible_documents_clause(visibility))]
    if gated:
        conditions.extend(_STEP.kind != kind for kind in sorted(GATED_FOR_PATIENT))  # not an IN list (db.Read)
    steps = PathwayEvent.__table__.outerjoin(Document.__table__, _DOCUMENT.id == _STEP.document_id)
    if with_news:
        steps = steps.outerjoin(DocumentRead.__table__, and_(_READ.document_id == _DOCUMENT.id,
                                                             _READ.account_id == bindparam("reader")))
    return dbmod.Read(
        select(*(STEP_NEWS_COLUMNS if with_news else STEP_COLUMNS))
        .select_from(steps).where(*conditions).order_by(_STEP.occurred_on, _STEP.id).limit(500)
    )


# Steps the care team records by hand: the dates the portal cannot learn from a document.
MILESTONES = {
    PathwayEventKind.TREATMENT_START: (CareStage.TREATMENT, "Début du traitement"),
    PathwayEventKind.TREATMENT_END: (CareStage.FOLLOW_UP, "Fin des traitements actifs"),
    PathwayEventKind.FOLLOW_UP: (CareStage.FOLLOW_UP, "Entrée en surveillance"),
}
MILESTONE_WRITERS = frozenset({Role.CLINICIAN, Role.NURSE})


def record_milestone(db: Session, *, actor: Actor, patient_public_id: str, kind: str, occurred_on: str, detail: str = "",
                     now: datetime | None = None) -> str:
    """A treatment start, end of treatment or entry into follow-up, recorded by the care team (moves the care
    stage, tells the médecin traitant). Returns the step's public id."""
    now = now or utcnow()
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id,
                                            action=AuditAction.CREATE, detail="étape du parcours", now=now)
    if grant != Grant.CARE_TEAM or actor.role not in MILESTONE_WRITERS:
        raise access.deny(db, actor=actor, action=AuditAction.CREATE, patient_id=patient.id,
                          detail="étape du parcours : réservée à l'équipe de soins")
    errors: dict[str, str] = {}
    if kind not in MILESTONES:
        errors["milestone_kind"] = "Choisissez l'étape."
    day = inputs.parse_date(occurred_on, "milestone_date", errors, not_before=patient.birth_date,
                            not_before_label="la naissance du patient", now=now)
    detail = inputs.text(detail, 150)
    if errors:
        raise ValidationFailed(errors)
    stage, label = MILESTONES[PathwayEventKind(kind)]
    event = add_event(db, patient_id=patient.id, kind=kind, occurred_on=day, title=f"{label} : {detail}" if detail else label,
                      author_professional_id=actor.professional_id)
    move_stage(db, patient=patient, stage=stage, on=day)
    audit.record(db, actor=actor, action=AuditAction.CREATE, patient_id=patient.id, grant=grant,
                 detail=f"étape du parcours : {label} le {formatting.date_fr(day)}")
    notifications.notify_medecin_traitant(db, patient=patient, kind=NotificationKind.PATHWAY_STEP,
                                          title="nouvelle étape du parcours")
    db.flush()
    return event.public_id
