"""Messages received from hospital and laboratory systems (HL7 v2 feed) and the local ids those systems give patients."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import new_public_id, utcnow


class Hl7Message(SQLModel, table=True):
    """A message the feed took responsibility for (acknowledged AA): filed, waiting for identity vigilance, or rejected
    by the referent. Refused messages (AE/AR) leave only an audit event."""

    __tablename__ = "hl7_message"
    __table_args__ = (
        UniqueConstraint("sending_facility", "control_id", name="uq_hl7_message_control"),
        Index("ix_hl7_message_status_received", "status", "received_at"),
        Index("ix_hl7_message_document_ref", "sending_facility", "document_ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)
    sending_facility: str = Field(max_length=60)  # MSH-4, allow-listed
    sending_application: str = Field(default="", max_length=60)  # MSH-3
    control_id: str = Field(max_length=60)  # MSH-10
    message_type: str = Field(max_length=20)  # ORU^R01, MDM^T02
    received_at: datetime = Field(default_factory=utcnow)
    status: str = Field(max_length=10)  # filed | waiting | rejected
    vigilance_reason: str = Field(default="", max_length=200)  # why the identity did not match
    # The identity the message carries (PID), shown to the identity-vigilance referent.
    ins: str = Field(default="", max_length=15)
    local_id: str = Field(default="", max_length=40)
    family_name: str = Field(default="", max_length=100)
    given_names: str = Field(default="", max_length=200)
    birth_date: date | None = None
    sex: str = Field(default="", max_length=1)
    document_kind: str = Field(max_length=30)
    document_title: str = Field(default="", max_length=200)
    document_ref: str = Field(default="", max_length=120)  # the sender's document id (CDA setId, TXA-12 or OBR-3)
    raw_file: str = Field(max_length=80)  # the message as received, in the file store
    raw_sha256: str = Field(max_length=64)
    ack: str = Field(default="", max_length=2000)  # the ACK answered, answered again to a replay
    patient_id: int | None = Field(default=None, foreign_key="patient.id")
    document_id: int | None = Field(default=None, foreign_key="document.id")
    document_version: int | None = None
    resolved_at: datetime | None = None
    resolved_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    resolution: str = Field(default="", max_length=500)  # attached | created | the rejection's reason


class PatientLocalId(SQLModel, table=True):
    """The id a sending establishment gives the patient (PID-3 of type PI), learnt when an identity was confirmed."""

    __tablename__ = "patient_local_id"
    __table_args__ = (UniqueConstraint("facility", "value", name="uq_patient_local_id"),)

    id: int | None = Field(default=None, primary_key=True)
    facility: str = Field(max_length=60)
    value: str = Field(max_length=40)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
