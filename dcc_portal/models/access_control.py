"""Access outside the care team: emergency access (bris de glace) and the patient's oppositions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import new_public_id, utcnow


class EmergencyAccess(SQLModel, table=True):
    """A professional outside the care team opened the record for a stated reason, for a limited time."""

    __tablename__ = "emergency_access"
    __table_args__ = (
        Index("ix_emergency_professional_patient", "professional_id", "patient_id", "expires_at"),
        Index("ix_emergency_patient_started", "patient_id", "started_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)
    patient_id: int = Field(foreign_key="patient.id")
    professional_id: int = Field(foreign_key="professional.id")
    account_id: int = Field(foreign_key="account.id")
    reason: str = Field(max_length=500)
    started_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class PatientOpposition(SQLModel, table=True):
    """The patient objects to access by a named professional outside their current care team."""

    __tablename__ = "patient_opposition"
    __table_args__ = (
        Index("ix_opposition_patient_professional", "patient_id", "professional_id", "withdrawn_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)
    patient_id: int = Field(foreign_key="patient.id")
    professional_id: int = Field(foreign_key="professional.id")
    created_at: datetime = Field(default_factory=utcnow)
    created_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    withdrawn_at: datetime | None = None
    withdrawn_by_account_id: int | None = Field(default=None, foreign_key="account.id")
