"""The patient's pathway timeline: dated steps, each pointing at its document when there is one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import AuditAction, Document, Grant, PathwayEvent, PathwayEventKind
from dcc_portal.services import access
from dcc_portal.services.actor import Actor

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
}

# Steps that reveal the cancer: the patient sees them only once the medical announcement was recorded.
GATED_FOR_PATIENT = frozenset({PathwayEventKind.DIAGNOSIS, PathwayEventKind.REPORT, PathwayEventKind.RCP_DECISION,
                               PathwayEventKind.PPS})


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
    rows = db.exec(
        select(PathwayEvent, Document)
        .outerjoin(Document, Document.id == PathwayEvent.document_id)
        .where(PathwayEvent.patient_id == patient.id)
        .order_by(PathwayEvent.occurred_on, PathwayEvent.id)
        .limit(500)
    ).all()
    items = []
    announced = patient.medical_announcement_at is not None
    for event, document in rows:
        if document is not None and not access.document_visible(actor=actor, grant=grant, document=document, patient=patient):
            continue
        if grant == Grant.SELF and not announced and event.kind in GATED_FOR_PATIENT:
            continue
        items.append(TimelineItem(
            public_id=event.public_id,
            kind=event.kind,
            kind_label=EVENT_LABELS.get(event.kind, event.kind),
            date=formatting.date_fr(event.occurred_on),
            title=event.title,
            document_public_id=document.public_id if document is not None else "",
        ))
    return items
