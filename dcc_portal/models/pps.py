"""What the PPS adds to its document: handovers to the patient, the patient's consent to share it with the
médecin traitant, and the patient's acknowledgements of each version. All three are append-only."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import utcnow


class PpsHandover(SQLModel, table=True):
    """The PPS (at a given version) handed to the patient and explained, at the announcement consultation."""

    __tablename__ = "pps_handover"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    version: int
    handed_over_on: date
    handed_over_by_professional_id: int = Field(foreign_key="professional.id")
    recorded_at: datetime = Field(default_factory=utcnow)
    recorded_by_account_id: int = Field(foreign_key="account.id")


class PpsGpConsent(SQLModel, table=True):
    """The patient's answer to "may your médecin traitant receive this PPS?"; the latest row is in force."""

    __tablename__ = "pps_gp_consent"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    consent: str = Field(max_length=10)  # GpConsent
    recorded_at: datetime = Field(default_factory=utcnow)
    recorded_by_account_id: int = Field(foreign_key="account.id")


class PpsAcknowledgement(SQLModel, table=True):
    """The patient confirmed reading this version in their space."""

    __tablename__ = "pps_acknowledgement"
    __table_args__ = (
        UniqueConstraint("document_id", "version", "account_id", name="uq_pps_acknowledgement"),
        Index("ix_pps_acknowledgement_document_account", "document_id", "account_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    version: int
    account_id: int = Field(foreign_key="account.id")
    acknowledged_at: datetime = Field(default_factory=utcnow)
