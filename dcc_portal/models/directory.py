"""Organisations and professionals of the regional network."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import false, text
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import new_public_id, utcnow


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True, index=True)
    finess: str | None = Field(default=None, max_length=9, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    city: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=30)
    created_at: datetime = Field(default_factory=utcnow)
    # The administrator allows accounts without password or TOTP here: their professionals sign in with Pro Santé
    # Connect only.
    psc_only_allowed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Professional(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True, index=True)
    rpps: str = Field(max_length=11, unique=True)
    family_name: str = Field(max_length=100)
    given_name: str = Field(max_length=100)
    # Code from the ANS value set JDV_J01_XdsAuthorSpecialty (e.g. G15_10/SM36 medical oncology).
    specialty_code: str = Field(max_length=20)
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    # What Pro Santé Connect said at the last login when it differs from the above (names, profession), for the
    # administrator to look at; empty when it matches.
    psc_reported: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": text("''")})


class ProfessionalOrganisation(SQLModel, table=True):
    __tablename__ = "professional_organisation"

    professional_id: int = Field(foreign_key="professional.id", primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True, index=True)
    is_primary: bool = Field(default=True)
