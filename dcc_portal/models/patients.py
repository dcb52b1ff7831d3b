"""Patients and their care teams."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import new_public_id, utcnow


class Patient(SQLModel, table=True):
    __table_args__ = (
        Index("ix_patient_gp_search", "gp_professional_id", "search_name"),
        Index("ix_patient_id_name", "id", "search_name"),  # a list's page sorted without reading whole rows
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True, index=True)
    ins: str | None = Field(default=None, max_length=15, unique=True)  # matricule INS: 13 chars + 2-digit key
    ins_oid: str = Field(default="", max_length=40)  # 1.2.250.1.213.1.4.8 real NIR, .10 test INS
    local_id: str = Field(max_length=40, unique=True)  # IPP in the regional record
    birth_family_name: str = Field(max_length=100)
    used_family_name: str = Field(default="", max_length=100)
    first_names: str = Field(max_length=200)  # all birth first names, space separated
    used_first_name: str = Field(default="", max_length=100)
    sex: str = Field(max_length=1)
    birth_date: date = Field(index=True)  # the emergency search: exact family name and birth date
    birth_place_code: str = Field(default="", max_length=5)  # INSEE code
    address: str = Field(default="", max_length=200)
    postal_code: str = Field(default="", max_length=10)
    city: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=200)
    gp_professional_id: int | None = Field(default=None, foreign_key="professional.id")  # médecin traitant
    care_stage: str = Field(default="diagnosis", max_length=20)
    # Date of the pathway step that set care_stage: a step dated earlier (entered late) does not move it back.
    care_stage_on: date | None = None
    # When the medical announcement consultation was first recorded: documents that announce a cancer
    # reach the patient from then on (release gating).
    medical_announcement_at: datetime | None = None
    # Opposition to feeding the DMP (CSP L.1111-15): set by the patient or by the team on the patient's word.
    dmp_opposed_at: datetime | None = None
    dmp_opposition_source: str | None = Field(default=None, max_length=10)  # patient | team (who: the audit trail)
    # Upper-case, accent-free "USEDNAME BIRTHNAME FIRSTNAMES" for indexed prefix search.
    search_name: str = Field(default="", max_length=400, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class CareTeamMembership(SQLModel, table=True):
    __tablename__ = "care_team_membership"
    __table_args__ = (
        # Covers the worklist's conditions: counting a clinician's current patients reads the index alone.
        Index("ix_care_team_professional_patient", "professional_id", "patient_id", "start_date", "end_date", "removed_at"),
        Index("ix_care_team_patient", "patient_id", "end_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)
    patient_id: int = Field(foreign_key="patient.id")
    professional_id: int = Field(foreign_key="professional.id")
    team_role: str = Field(max_length=30)
    start_date: date
    end_date: date | None = None  # planned last day of membership, inclusive
    removed_at: datetime | None = None  # removal takes effect at once, whatever the dates
    added_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    ended_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
