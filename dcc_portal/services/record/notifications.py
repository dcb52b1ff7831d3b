"""The in-portal inbox. Titles name the patient and the kind of news, never clinical content.

Every notification goes through `notify_account`, which also queues its e-mail when the account opted in
(services/record/mail.py: a message without any clinical detail, in the same transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    Account,
    AccountStatus,
    CareTeamMembership,
    Document,
    Notification,
    Patient,
    utcnow,
)
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.names import patient_name
from dcc_portal.services.common.paging import PAGE_SIZE, Page
from dcc_portal.services.record import mail


@dataclass(frozen=True)
class NotificationRow:
    public_id: str
    kind: str
    title: str
    created: str
    unread: bool
    patient_public_id: str
    document_public_id: str


def notify_account(db: Session, *, account_id: int, kind: str, title: str, patient_id: int | None = None,
                   document_id: int | None = None) -> Notification:
    row = Notification(account_id=account_id, kind=kind, title=title[:200], patient_id=patient_id, document_id=document_id)
    db.add(row)
    db.flush()
    mail.queue_for(db, notification=row)
    return row


def notify_professional(db: Session, *, professional_id: int, kind: str, title: str, patient_id: int | None = None,
                        document_id: int | None = None) -> Notification | None:
    """Notify the professional's active account, if they have one."""
    account_id = db.exec(
        select(Account.id).where(Account.professional_id == professional_id, Account.status == AccountStatus.ACTIVE)
    ).first()
    if account_id is None:
        return None
    return notify_account(db, account_id=account_id, kind=kind, title=title, patient_id=patient_id, document_id=document_id)


def notify_medecin_traitant(db: Session, *, patient: Patient, kind: str, title: str, document_id: int | None = None) -> Notification | None:
    """Tell the patient's médecin traitant, unless the patient objects to them (outside the care team) or the
    document is one they may not see (not validated, or the PPS the patient did not agree to share)."""
    if patient.gp_professional_id is None:
        return None
    gp = patient.gp_professional_id
    today = formatting.paris_today()
    if access.is_opposed(db, professional_id=gp, patient_id=patient.id) and not access.is_team_member(
            db, professional_id=gp, patient_id=patient.id, today=today):
        return None
    if document_id is not None:
        document = db.get(Document, document_id)
        if document is None or not access.medecin_traitant_may_see(document, patient):
            return None
    return notify_professional(
        db, professional_id=patient.gp_professional_id, kind=kind,
        title=f"{patient_name(patient)} : {title}", patient_id=patient.id, document_id=document_id,
    )



def notify_care_team(db: Session, *, patient: Patient, kind: str, title: str, document_id: int | None = None) -> int:
    """Tell every member of the patient's care team today (one notification each; the médecin traitant is told by
    `notify_medecin_traitant`); returns how many were told."""
    members = db.exec(
        select(Account.id).join(CareTeamMembership, CareTeamMembership.professional_id == Account.professional_id)
        .where(CareTeamMembership.patient_id == patient.id, access.active_membership_clause(formatting.paris_today()),
               Account.status == AccountStatus.ACTIVE, Account.professional_id != (patient.gp_professional_id or 0))
        .distinct()
    ).all()
    for account_id in members:
        notify_account(db, account_id=account_id, kind=kind, title=f"{patient_name(patient)} : {title}",
                       patient_id=patient.id, document_id=document_id)
    return len(members)

_NOTIFICATION = Notification.__table__
_SETTLE_ABOUT_DOCUMENT = (
    update(_NOTIFICATION)
    .where(_NOTIFICATION.c.account_id == bindparam("reader"), _NOTIFICATION.c.document_id == bindparam("document"),
           _NOTIFICATION.c.read_at.is_(None))
    .values(read_at=bindparam("now"))
)


def mark_read_for_document(db: Session, *, actor: Actor, document_id: int, now: datetime | None = None) -> int:
    """Reading a document settles the actor's notifications about it; returns how many were unread."""
    settled = db.execute(_SETTLE_ABOUT_DOCUMENT, {"reader": actor.account_id, "document": document_id, "now": now or utcnow()})
    return settled.rowcount


def unread_column(account_id):
    """The badge's count as a column of a larger statement (the session check of a page load)."""
    return select(func.count(Notification.id)).where(
        Notification.account_id == account_id, Notification.read_at.is_(None)).scalar_subquery()


_UNREAD = dbmod.Read(select(unread_column(bindparam("account_id"))))


def unread_count(db: Session, *, actor: Actor) -> int:
    return _UNREAD.scalar(db, {"account_id": actor.account_id})


def inbox(db: Session, *, actor: Actor, page: int = 1) -> Page:
    page = max(1, min(int(page or 1), 10_000))
    base = select(Notification).where(Notification.account_id == actor.account_id)
    total = db.exec(select(func.count()).select_from(base.subquery())).one()
    rows = db.exec(base.order_by(Notification.created_at.desc(), Notification.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    patient_ids = {row.patient_id for row in rows if row.patient_id}
    document_ids = {row.document_id for row in rows if row.document_id}
    patients = dict(db.exec(select(Patient.id, Patient.public_id).where(Patient.id.in_(patient_ids))).all()) if patient_ids else {}
    docs = dict(db.exec(select(Document.id, Document.public_id).where(Document.id.in_(document_ids))).all()) if document_ids else {}
    items = [
        NotificationRow(row.public_id, row.kind, row.title, formatting.datetime_fr(row.created_at), row.read_at is None,
                        patients.get(row.patient_id, ""), docs.get(row.document_id, ""))
        for row in rows
    ]
    return Page(items=items, page=page, page_size=PAGE_SIZE, total=total)


def mark_read(db: Session, *, actor: Actor, public_id: str, now: datetime | None = None) -> NotificationRow | None:
    """Marks one of the actor's own notifications read; returns it (for its link) or None."""
    row = db.exec(
        select(Notification).where(Notification.public_id == str(public_id)[:32], Notification.account_id == actor.account_id)
    ).first()
    if row is None:
        return None
    if row.read_at is None:
        row.read_at = now or utcnow()
        db.add(row)
    patient = db.get(Patient, row.patient_id) if row.patient_id else None
    document = db.get(Document, row.document_id) if row.document_id else None
    return NotificationRow(row.public_id, row.kind, row.title, formatting.datetime_fr(row.created_at), False,
                           patient.public_id if patient else "", document.public_id if document else "")
