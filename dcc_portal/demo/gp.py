"""Demo data for the GP's area: treatment starts and follow-up entries on the demo pathways (so the care stage and
the delays have their dates), steps dated when they happened, and Dr Durand's past visits and readings (so "what
is new" differs from one patient to the next). Idempotent: nothing happens once a visit exists."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.demo import calendar_days
from dcc_portal.demo import rcp as demo_rcp
from dcc_portal.models import (
    Account,
    CareStage,
    Document,
    DocumentRead,
    Notification,
    PathwayEvent,
    PathwayEventKind,
    Patient,
    PatientVisit,
    utcnow,
)
from dcc_portal.services.record import pathway

GP_IDENTIFIER = "mg.durand"
K = PathwayEventKind
VISIT_HOURS = (8, 12, 13, 19)


def _at(day: date, hour: int = 18) -> datetime:
    return datetime.combine(day, time(hour, 0), formatting.PARIS).astimezone(UTC)


def load(db: Session, *, today: date | None = None) -> bool:
    if db.exec(select(PatientVisit.account_id)).first() is not None:
        return False
    durand = db.exec(select(Account).where(Account.identifier == GP_IDENTIFIER)).first()
    demo = db.exec(select(Patient).where(Patient.local_id.startswith("DEMO-")).order_by(Patient.local_id)).all()
    if durand is None or not demo:
        return False
    today = today or formatting.paris_today()
    now = utcnow()
    for patient in demo:
        events = list(db.exec(select(PathwayEvent).where(PathwayEvent.patient_id == patient.id)).all())
        for event in events:  # recorded when they happened, not when the demo was loaded
            event.created_at = min(now, _at(event.occurred_on))
            db.add(event)
        stage = patient.care_stage
        if stage not in (CareStage.TREATMENT, CareStage.FOLLOW_UP) or any(e.kind == K.TREATMENT_START for e in events):
            continue
        story = demo_rcp.patient_story(patient, today)
        if story.treatment is None:
            continue
        pathway.add_event(db, patient_id=patient.id, kind=K.TREATMENT_START, occurred_on=story.treatment,
                          title="Début du traitement").created_at = _at(story.treatment)
        pathway.move_stage(db, patient=patient, stage=CareStage.TREATMENT, on=story.treatment)
        if story.follow_up is not None:
            pathway.add_event(db, patient_id=patient.id, kind=K.FOLLOW_UP, occurred_on=story.follow_up,
                              title="Entrée en surveillance").created_at = _at(story.follow_up)
            pathway.move_stage(db, patient=patient, stage=CareStage.FOLLOW_UP, on=story.follow_up)
    db.flush()
    _date_notifications(db, now=now)

    # Dr Durand opened most of her patients' records some days ago and read what was there then.
    mine = [p for p in demo if p.gp_professional_id == durand.professional_id]
    for index, patient in enumerate(mine):
        if index % 7 == 3:
            continue  # never opened yet
        # between two consultations, on a working day
        seen = _at(calendar_days.open_on_or_before(today - timedelta(days=4 + 9 * (index % 4))), VISIT_HOURS[index % 4]) \
            + timedelta(minutes=(7 * index) % 50)
        db.add(PatientVisit(account_id=durand.id, patient_id=patient.id, last_seen_at=seen))
        shared = db.exec(select(Document).where(Document.patient_id == patient.id, Document.status == "validated",
                                                Document.updated_at < seen)).all()
        for document in shared:
            db.add(DocumentRead(account_id=durand.id, document_id=document.id, version=document.current_version,
                                read_at=seen))
    db.flush()
    return True



def _date_notifications(db: Session, *, now: datetime) -> None:
    """Notifications about a demo document dated with it; those of more than three weeks ago were read then."""
    rows = db.exec(select(Notification, Document.updated_at).join(Document, Document.id == Notification.document_id)).all()
    for notification, written in rows:
        written = written if written.tzinfo else written.replace(tzinfo=UTC)
        notification.created_at = min(now, written)
        if now - written > timedelta(days=21):
            notification.read_at = written + timedelta(days=1)
        db.add(notification)
    db.flush()
