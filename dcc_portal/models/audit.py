"""The tamper-evident audit trail: append-only, each event chained to the previous one by hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel


SUCCESSFUL_LOGIN = text("action = 'login' AND outcome = 'success'")


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    # Searches page by (at DESC, id DESC): id ends each index so that PostgreSQL reads a page without sorting
    # (SQLite indexes carry the rowid anyway).
    __table_args__ = (
        Index("ix_audit_patient_at", "patient_id", "at", "id"),
        Index("ix_audit_account_at", "account_id", "at", "id"),
        Index("ix_audit_action_at", "action", "at", "id"),
        Index("ix_audit_at", "at", "id"),
        # the successful logins alone, with what the « Usage » indicators count (services/indicators/use_figures.py)
        Index("ix_audit_login_at", "at", "actor_role", "account_id", sqlite_where=SUCCESSFUL_LOGIN,
              postgresql_where=SUCCESSFUL_LOGIN),
    )

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)  # position in the chain, gap-free
    at: datetime
    account_id: int | None = None
    actor_role: str = Field(default="", max_length=20)
    organisation_id: int | None = None
    action: str = Field(max_length=40)
    outcome: str = Field(max_length=10)
    patient_id: int | None = None
    document_id: str = Field(default="", max_length=64)
    document_version: int | None = None
    grant: str = Field(default="", max_length=20)
    justification: str = Field(default="", max_length=500)
    detail: str = Field(default="", max_length=500)
    client_ip: str = Field(default="", max_length=64)
    session_hash: str = Field(default="", max_length=16)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """Single row pointing at the end of the chain; writers lock it to append in order."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0)
    hash: str = Field(default="0" * 64, max_length=64)
