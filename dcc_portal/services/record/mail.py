"""E-mail notifications (opt-in per account, off by default): a message without any clinical detail queued in the
outbox in the same transaction as the in-portal notification; services/exchange/mail_worker.py sends it.

The subject and the body are the same for every notification: no patient, no diagnosis, no document title, only
that something new is waiting in the portal and the link to it (DCC_PUBLIC_URL). One message waiting is enough:
while one is not sent yet, later notifications of the same account do not queue another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from dcc_portal import settings
from dcc_portal.models import (
    OPEN_MAIL_STATUSES,
    Account,
    AccountStatus,
    AuditAction,
    MailMessage,
    MailStatus,
    Notification,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.common import render
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed

SUBJECT = "DCC Portal : une nouvelle information vous attend"
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def valid_address(address: str) -> bool:
    return bool(address) and len(address) <= 200 and EMAIL_PATTERN.match(address) is not None


def portal_link() -> str:
    return settings.public_url() + "/notifications"


def body() -> str:
    return render.render("mail/notification.txt.j2", link=portal_link())


def queue_for(db: Session, *, notification: Notification, now: datetime | None = None) -> MailMessage | None:
    """Queue the e-mail of a new notification when its account opted in (same transaction; no clinical detail)."""
    account = db.get(Account, notification.account_id)
    if account is None or not account.email_notifications or account.status != AccountStatus.ACTIVE:
        return None
    if not valid_address(account.email):
        return None
    waiting = db.exec(select(MailMessage.id).where(
        MailMessage.account_id == account.id, MailMessage.status.in_(list(OPEN_MAIL_STATUSES)))).first()
    if waiting is not None:
        return None
    now = now or utcnow()
    message = MailMessage(account_id=account.id, notification_id=notification.id, to_address=account.email,
                          subject=SUBJECT, body=body(), status=MailStatus.PENDING, next_attempt_at=now,
                          created_at=now, updated_at=now)
    db.add(message)
    return message


@dataclass(frozen=True)
class Preference:
    enabled: bool
    address: str  # the account's own address ("" when none is on file)


def preference(db: Session, *, actor: Actor) -> Preference:
    account = db.get(Account, actor.account_id)
    return Preference(bool(account.email_notifications), account.email if valid_address(account.email) else "")


def set_preference(db: Session, *, actor: Actor, enabled: bool) -> Preference:
    """Turn e-mail notifications on or off for one's own account (audited)."""
    account = db.get(Account, actor.account_id)
    enabled = enabled is True
    if enabled and not valid_address(account.email):
        raise ValidationFailed({"email_notifications": "Aucune adresse électronique valide n'est enregistrée pour votre "
                                                       "compte : demandez à l'administrateur du réseau de l'ajouter."})
    if account.email_notifications != enabled:
        account.email_notifications = enabled
        db.add(account)
        audit.record(db, actor=actor, action=AuditAction.UPDATE,
                     detail="notifications par courriel " + ("activées" if enabled else "désactivées"))
    return preference(db, actor=actor)
