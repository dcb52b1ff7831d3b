"""The e-mail outbox: one message per notification of an account that opted in, queued in the transaction that
creates the notification and sent by the mail worker (services/exchange/mail_worker.py) with a lease, retries and backoff.

Subject and body never carry clinical detail (no patient, no diagnosis, no document title): they say that something
new is waiting in the portal and link to it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import new_public_id, utcnow


class MailMessage(SQLModel, table=True):
    __tablename__ = "mail_message"
    __table_args__ = (
        Index("ix_mail_due", "status", "next_attempt_at"),
        Index("ix_mail_account_status", "account_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)  # also the Message-ID's left part
    account_id: int = Field(foreign_key="account.id")
    notification_id: int | None = Field(default=None, foreign_key="notification.id", unique=True)
    to_address: str = Field(max_length=200)
    subject: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=20)  # MailStatus
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = None
    lease_owner: str = Field(default="", max_length=80)
    lease_expires_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str = Field(default="", max_length=500)
    sent_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
