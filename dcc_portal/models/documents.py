"""Clinical documents: append-only versions, DMP visibility flags and release gating for the patient."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import new_public_id, utcnow


class Document(SQLModel, table=True):
    __table_args__ = (
        Index("ix_document_patient_created", "patient_id", "created_at"),
        Index("ix_document_patient_kind", "patient_id", "kind"),
        Index("ix_document_patient_updated", "patient_id", "updated_at"),  # what is new since a visit
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True, index=True)
    patient_id: int = Field(foreign_key="patient.id")
    kind: str = Field(max_length=30)  # DocumentKind
    title: str = Field(max_length=200)
    status: str = Field(default="draft", max_length=20)  # DocumentStatus
    current_version: int = Field(default=0)  # optimistic concurrency: a save names the version it started from
    service_date: date | None = None  # date of the act the document reports
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    author_professional_id: int | None = Field(default=None, foreign_key="professional.id")
    created_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    validated_at: datetime | None = None
    # DMP visibility flags.
    hidden_from_professionals: bool = Field(default=False)  # MASQUE_PS
    invisible_to_patient: bool = Field(default=False)  # INVISIBLE_PATIENT, set by the team
    invisible_to_legal_reps: bool = Field(default=False)
    # The patient has not agreed (refused, or not asked yet) that their médecin traitant sees this document.
    withheld_from_medecin_traitant: bool = Field(default=False)
    # Release gating: a document that announces a cancer reaches the patient after the medical announcement.
    announces_cancer: bool = Field(default=False)
    release_mode: str = Field(default="auto", max_length=10)  # auto | released | held
    release_reason: str = Field(default="", max_length=500)
    released_at: datetime | None = None
    share_with_dmp: bool = Field(default=False)


class DocumentVersion(SQLModel, table=True):
    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "version", name="uq_document_version"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    version: int
    content_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # structured content
    file_name: str | None = Field(default=None, max_length=80)  # server-generated name in the file store
    mime_type: str = Field(default="application/json", max_length=80)
    size: int = Field(default=0)
    sha256: str = Field(max_length=64)
    author_account_id: int | None = Field(default=None, foreign_key="account.id")
    author_professional_id: int | None = Field(default=None, foreign_key="professional.id")
    reason: str = Field(default="", max_length=500)  # why this version (correction, update...)
    created_at: datetime = Field(default_factory=utcnow)
    signed_at: datetime | None = None
    signed_by_account_id: int | None = Field(default=None, foreign_key="account.id")
