"""The weekly invitation to the check-in, for the patients who turned e-mail notifications on: an in-portal
notification whose e-mail (services/record/mail.py) says only that something waits in the portal. At most one a
week (Monday to Sunday, Paris) per patient, whatever the number of portal processes looking at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    Account,
    AccountStatus,
    NotificationKind,
    Patient,
    Role,
    SymptomInvitation,
    SymptomPause,
    utcnow,
)
from dcc_portal.services.common import periodic
from dcc_portal.services.record import notifications
from dcc_portal.services.symptoms import checkin

TITLE = "Votre questionnaire de la semaine vous attend"  # no symptom, no treatment: the title is all it says
INVITATION_POLL = 3600  # seconds


def week_of(now: datetime):
    today = formatting.paris_today(now)
    return today - timedelta(days=today.weekday())


def invite_due(db: Session, *, now: datetime | None = None) -> int:
    """Invite each opted-in patient whose check-in is due and who was not invited this week; returns how many."""
    now = now or utcnow()
    week = week_of(now)
    invited_this_week = select(SymptomInvitation.patient_id).where(SymptomInvitation.week == week)
    candidates = db.exec(
        select(Account.id, Patient).join(Patient, Patient.id == Account.patient_id)
        .where(Account.role == Role.PATIENT, Account.status == AccountStatus.ACTIVE, Account.email_notifications.is_(True),
               Patient.id.not_in(invited_this_week), Patient.id.not_in(select(SymptomPause.patient_id)))
        .order_by(Patient.id)).all()
    invited = 0
    for account_id, patient in candidates:
        if not checkin.is_due(db, patient=patient, now=now):
            continue
        try:
            with db.begin_nested():  # another process may be inviting the same patient
                db.add(SymptomInvitation(patient_id=patient.id, week=week, sent_at=now))
                db.flush()
        except IntegrityError:
            continue
        notifications.notify_account(db, account_id=account_id, kind=NotificationKind.SYMPTOM_CHECKIN, title=TITLE,
                                     patient_id=patient.id)
        invited += 1
    db.commit()
    return invited


def invite_in_new_session() -> int:
    with dbmod.transaction() as db:
        return invite_due(db)


async def lifespan_task() -> None:
    """Started with the portal (Reflex lifespan task): invites what is due every INVITATION_POLL seconds.
    DCC_SYMPTOM_INVITATION_WORKER=0 turns it off (then run `python -m dcc_portal symptoms-invite` from cron)."""
    await periodic.every(INVITATION_POLL, invite_in_new_session, switch="DCC_SYMPTOM_INVITATION_WORKER", what="symptom invitations")
