"""Feeding the DMP: the outbox of document-sharing submissions and the record of every attempt.

One submission per validated document version (unique), queued in the transaction that validates the version.
Workers claim a due submission with a lease (status `sending`, `next_attempt_at` = end of the lease), send it,
then record the outcome only if they still hold the lease.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import new_public_id, utcnow


class SharingSubmission(SQLModel, table=True):
    __tablename__ = "sharing_submission"
    __table_args__ = (
        UniqueConstraint("document_id", "document_version", "metadata_version", name="uq_sharing_document_version_metadata"),
        Index("ix_sharing_due", "status", "next_attempt_at"),
        Index("ix_sharing_patient_created", "patient_id", "created_at"),
        Index("ix_sharing_created", "created_at"),
        Index("ix_sharing_status_created", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)
    document_id: int = Field(foreign_key="document.id")
    document_version: int
    patient_id: int = Field(foreign_key="patient.id")
    status: str = Field(default="pending", max_length=20)  # SubmissionStatus
    kind: str = Field(default="initial", max_length=20)  # SubmissionKind
    # PDSm meta.versionId of the DocumentReference: 1 when the version is registered, +1 at each metadata update.
    metadata_version: int = Field(default=1)
    sent_visibility: str = Field(default="", max_length=120)  # the visibility codes this submission sends
    # Identifiers derived from the document version, identical at every attempt (idempotency at the recipient).
    unique_id: str = Field(max_length=64)  # DocumentEntry.uniqueId = the CDA ClinicalDocument/id
    entry_uuid: str = Field(max_length=36)  # DocumentEntry.entryUUID
    submission_set_uuid: str = Field(max_length=36)  # SubmissionSet entryUUID; its uniqueId is the 2.25 OID of it
    format_code: str = Field(default="", max_length=80)
    cda_level: str = Field(default="", max_length=2)  # N1 (PDF body) or N3 (structured)
    # The CDA R2 document as validated, frozen in the file store: every attempt sends the same bytes.
    cda_file: str | None = Field(default=None, max_length=80)
    cda_sha1: str = Field(default="", max_length=40)  # hex
    cda_size: int = Field(default=0)
    # Who validated (the CDA's legal authenticator and the metadata's authenticator).
    authenticator_professional_id: int | None = Field(default=None, foreign_key="professional.id")
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = None
    lease_owner: str = Field(default="", max_length=80)
    lease_expires_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_http_status: int | None = None
    last_error: str = Field(default="", max_length=500)  # shown on the board (French or the recipient's words)
    recipient_id: str = Field(default="", max_length=120)  # the DocumentReference id the recipient assigned
    acknowledged_at: datetime | None = None
    closed_reason: str = Field(default="", max_length=300)  # why cancelled or superseded
    closed_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SharingAttempt(SQLModel, table=True):
    __tablename__ = "sharing_attempt"

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="sharing_submission.id", index=True)
    number: int
    worker: str = Field(default="", max_length=80)
    started_at: datetime
    finished_at: datetime | None = None
    outcome: str = Field(default="", max_length=20)  # acknowledged | duplicate | retry | rejected | lost_lease
    http_status: int | None = None
    detail: str = Field(default="", max_length=500)
    next_attempt_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
