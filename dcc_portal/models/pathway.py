"""The cancer pathway: the diagnosis being treated and the timeline of what happened."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import new_public_id, utcnow


class CancerDiagnosis(SQLModel, table=True):
    """One primary cancer of a patient (most patients have one)."""

    __tablename__ = "cancer_diagnosis"
    __table_args__ = (
        # The network indicators: new patients of a period (range on the date), and "no earlier first cancer".
        Index("ix_cancer_diagnosis_phase_date", "clinical_phase", "diagnosis_date", "patient_id", "icd10_code"),
        Index("ix_cancer_diagnosis_patient_phase", "patient_id", "clinical_phase", "diagnosis_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    icd10_code: str = Field(max_length=10)  # CIM-10 (JDV_Tumeur_CISIS), e.g. C50.9
    icd10_label: str = Field(default="", max_length=250)
    morphology_code: str = Field(default="", max_length=10)  # ICD-O-3 (JDV_Morphologie_CISIS), e.g. 8500/3
    morphology_label: str = Field(default="", max_length=250)
    laterality: str = Field(default="", max_length=10)  # right | left | bilateral | ""
    tnm_prefix: str = Field(default="c", max_length=2)  # c (clinical) | p (pathological) | y...
    tnm_t: str = Field(default="", max_length=10)
    tnm_n: str = Field(default="", max_length=10)
    tnm_m: str = Field(default="", max_length=10)
    other_staging: str = Field(default="", max_length=100)  # FIGO, Ann Arbor, Gleason...
    who_performance_status: int | None = None  # OMS/ECOG 0-4
    who_performance_date: date | None = None
    suspicion_date: date | None = None
    diagnosis_date: date | None = None  # date of the CR-ACP establishing it
    discovery_mode: str = Field(default="", max_length=20)  # screening | symptoms | incidental
    clinical_phase: str = Field(default="initial", max_length=30)  # initial | relapse | progression_local...
    version: int = Field(default=1)  # optimistic concurrency
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PathwayEvent(SQLModel, table=True):
    """One dated step of the timeline, pointing at its document when there is one."""

    __tablename__ = "pathway_event"
    __table_args__ = (
        Index("ix_pathway_event_patient_when", "patient_id", "occurred_on"),
        Index("ix_pathway_event_patient_created", "patient_id", "created_at"),  # what is new since a visit
        Index("ix_pathway_event_patient_kind_when", "patient_id", "kind", "occurred_on"),  # first step of a kind
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)
    patient_id: int = Field(foreign_key="patient.id")
    kind: str = Field(max_length=40)  # PathwayEventKind
    occurred_on: date
    title: str = Field(max_length=200)
    document_id: int | None = Field(default=None, foreign_key="document.id")
    author_professional_id: int | None = Field(default=None, foreign_key="professional.id")
    created_at: datetime = Field(default_factory=utcnow)
