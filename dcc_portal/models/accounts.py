"""Accounts, second factor, server-side sessions and the user charter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import new_public_id, utcnow


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True, index=True)
    identifier: str = Field(max_length=120, unique=True)  # login, stored lower-case
    role: str = Field(max_length=20, index=True)
    status: str = Field(default="active", max_length=10)
    email: str = Field(default="", max_length=200)
    # Opt-in: an e-mail without clinical detail for each new notification (services/record/mail.py).
    email_notifications: bool = Field(default=False)
    professional_id: int | None = Field(default=None, foreign_key="professional.id", unique=True)
    patient_id: int | None = Field(default=None, foreign_key="patient.id", unique=True)
    password_hash: str = Field(max_length=255)
    password_changed_at: datetime = Field(default_factory=utcnow)
    # TOTP seed, AES-GCM encrypted with the deployment key; pending until the first code confirms it.
    totp_secret_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    totp_pending_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    totp_enrolled_at: datetime | None = None
    totp_last_step: int | None = None  # a time step is accepted once only
    failed_count: int = Field(default=0)
    last_failed_at: datetime | None = None
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class UserSession(SQLModel, table=True):
    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)  # SHA-256 of the opaque client token
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime  # absolute limit
    revoked_at: datetime | None = None
    revoke_reason: str = Field(default="", max_length=40)
    client_ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=200)  # the browser it was opened in: its fingerprint
    # Set while the token is a single-use handoff that only the cookie route may exchange for the session's token.
    handoff_until: datetime | None = None


class RecoveryCode(SQLModel, table=True):
    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    code_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    used_at: datetime | None = None


class LoginThrottle(SQLModel, table=True):
    """Failed attempts per client IP in the current window."""

    __tablename__ = "login_throttle"

    client_ip: str = Field(primary_key=True, max_length=64)
    window_start: datetime = Field(default_factory=utcnow)
    failures: int = Field(default=0)


class IdentifierThrottle(SQLModel, table=True):
    """Failed logins under an identifier that no account holds, counted, delayed and locked exactly like an
    account's, so that the answers do not tell which identifiers exist. Keyed by a keyed hash of the identifier
    (never the identifier: users sometimes type their password in that field)."""

    __tablename__ = "identifier_throttle"

    identifier_hash: str = Field(primary_key=True, max_length=64)
    failed_count: int = Field(default=0)
    last_failed_at: datetime | None = None
    locked_until: datetime | None = None


class CharterVersion(SQLModel, table=True):
    __tablename__ = "charter_version"

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=20, unique=True)
    title: str = Field(max_length=200)
    body: str
    published_at: datetime = Field(default_factory=utcnow, index=True)


class CharterAcceptance(SQLModel, table=True):
    __tablename__ = "charter_acceptance"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    charter_version_id: int = Field(foreign_key="charter_version.id")
    accepted_at: datetime = Field(default_factory=utcnow)
    client_ip: str = Field(default="", max_length=64)


class DownloadTicket(SQLModel, table=True):
    """A short-lived, single-use link to a file, issued to one session after an access check.

    The file is produced (and access checked again) only when the browser fetches it."""

    __tablename__ = "download_ticket"

    id: int | None = Field(default=None, primary_key=True)
    ticket_hash: str = Field(max_length=64, unique=True)
    session_id: int = Field(foreign_key="user_session.id")
    producer: str = Field(max_length=40)
    target: str = Field(max_length=64)
    variant: str = Field(default="", max_length=20)
    inline: bool = Field(default=False)
    expires_at: datetime
    used_at: datetime | None = None
