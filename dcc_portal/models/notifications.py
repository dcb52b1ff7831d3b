"""In-portal notifications (the inbox). Titles carry no clinical detail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import new_public_id, utcnow


class Notification(SQLModel, table=True):
    __table_args__ = (
        Index("ix_notification_account_read", "account_id", "read_at", "created_at"),
        Index("ix_notification_document", "document_id", "account_id"),  # was the médecin traitant told of a fiche
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)
    account_id: int = Field(foreign_key="account.id")
    kind: str = Field(max_length=30)  # NotificationKind
    patient_id: int | None = Field(default=None, foreign_key="patient.id")
    document_id: int | None = Field(default=None, foreign_key="document.id")
    title: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
