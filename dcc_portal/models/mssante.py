"""MSSanté, the trusted health messaging space: the directory of MSSanté mailboxes of the network's professionals and
organisations, and the outbox of documents addressed to them (one row per document version and recipient).

Subject and body never carry clinical detail: the document travels as attachments (IHE XDM ZIP and PDF).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import new_public_id, utcnow


class MssAddress(SQLModel, table=True):
    """An MSSanté mailbox: personal (a professional's) or organisational (a service or establishment's)."""

    __tablename__ = "mss_address"
    __table_args__ = (
        Index("ix_mss_address_professional", "professional_id"),
        Index("ix_mss_address_organisation", "organisation_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)
    address: str = Field(max_length=200, unique=True)  # lower case
    professional_id: int | None = Field(default=None, foreign_key="professional.id")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    label: str = Field(default="", max_length=200)  # an organisational mailbox's name (« Secrétariat d'oncologie »)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class MssMessage(SQLModel, table=True):
    """A document version addressed to one MSSanté mailbox: idempotent per (document, version, address)."""

    __tablename__ = "mss_message"
    __table_args__ = (
        UniqueConstraint("document_id", "document_version", "to_address", name="uq_mss_message_recipient"),
        Index("ix_mss_due", "status", "next_attempt_at"),
        Index("ix_mss_patient", "patient_id", "created_at"),
        Index("ix_mss_document", "document_id", "created_at"),
        Index("ix_mss_created", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)  # also the Message-ID's left part
    document_id: int = Field(foreign_key="document.id")
    document_version: int
    patient_id: int = Field(foreign_key="patient.id")
    to_address: str = Field(max_length=200)
    to_label: str = Field(default="", max_length=200)  # « Dr Claire Durand (médecin traitant) »
    to_professional_id: int | None = Field(default=None, foreign_key="professional.id")
    sender_account_id: int | None = Field(default=None, foreign_key="account.id")
    sender_professional_id: int | None = Field(default=None, foreign_key="professional.id")
    status: str = Field(default="pending", max_length=20)  # MailStatus
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = None
    lease_owner: str = Field(default="", max_length=80)
    lease_expires_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str = Field(default="", max_length=500)
    sent_at: datetime | None = None
    # What the MSSanté space reported back (services/exchange/mssante_inbox.py): the operator's delivery status
    # notification and the recipient's read notification.
    delivery: str = Field(default="", max_length=20)  # "" (nothing reported) | delivered | failed | delayed
    delivery_detail: str = Field(default="", max_length=300)
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
