"""The dispositif d'annonce: each temps recorded as a dated, authored step with append-only versions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import new_public_id, utcnow


class AnnouncementStep(SQLModel, table=True):
    __tablename__ = "announcement_step"
    __table_args__ = (Index("ix_announcement_step_patient", "patient_id", "occurred_on"),)

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)
    patient_id: int = Field(foreign_key="patient.id")
    temps: str = Field(max_length=30)  # AnnouncementTemps
    occurred_on: date  # as in the current version
    current_version: int = Field(default=0)  # optimistic concurrency: a correction names the version it started from
    author_professional_id: int | None = Field(default=None, foreign_key="professional.id")  # of the current version
    created_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    pathway_event_id: int | None = Field(default=None, foreign_key="pathway_event.id")  # its line on the timeline
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AnnouncementStepVersion(SQLModel, table=True):
    __tablename__ = "announcement_step_version"
    __table_args__ = (UniqueConstraint("step_id", "version", name="uq_announcement_step_version"),)

    id: int | None = Field(default=None, primary_key=True)
    step_id: int = Field(foreign_key="announcement_step.id", index=True)
    version: int
    occurred_on: date
    content_json: str = Field(sa_column=Column(Text, nullable=False))  # notes, needs, referrals (canonical JSON)
    sha256: str = Field(max_length=64)
    author_account_id: int | None = Field(default=None, foreign_key="account.id")
    author_professional_id: int | None = Field(default=None, foreign_key="professional.id")
    reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class FormSubmission(SQLModel, table=True):
    """One row per submitted creation form: a double submit of the same form creates nothing twice."""

    __tablename__ = "form_submission"
    __table_args__ = (UniqueConstraint("account_id", "key", name="uq_form_submission"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    key: str = Field(max_length=64)
    target: str = Field(default="", max_length=32)  # public id of what the submission created
    created_at: datetime = Field(default_factory=utcnow)
