"""What each professional has seen: the last time they opened a patient, the version of each document they read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import utcnow


class PatientVisit(SQLModel, table=True):
    """When an account last opened a patient's pathway page: "what is new" is counted from there."""

    __tablename__ = "patient_visit"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", primary_key=True)
    last_seen_at: datetime = Field(default_factory=utcnow)


class DocumentRead(SQLModel, table=True):
    """The latest version of a document an account opened in the reader; a newer version is unread again."""

    __tablename__ = "document_read"
    __table_args__ = (Index("ix_document_read_at", "read_at"),)  # the network's « documents opened by GPs »

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    document_id: int = Field(foreign_key="document.id", primary_key=True)
    version: int
    read_at: datetime = Field(default_factory=utcnow)
