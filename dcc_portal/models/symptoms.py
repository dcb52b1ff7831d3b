"""Patient-reported symptoms between two cycles: the weekly check-in, its answers (saved one by one), the alerts it
raised with the team's acknowledgement, and the patient's pause of the check-ins."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import new_public_id, utcnow


class SymptomReport(SQLModel, table=True):
    """One check-in: open while the patient answers, submitted once."""

    __tablename__ = "symptom_report"
    __table_args__ = (
        Index("ix_symptom_report_patient_started", "patient_id", "started_at"),
        Index("ix_symptom_report_patient_submitted", "patient_id", "submitted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)
    patient_id: int = Field(foreign_key="patient.id")
    account_id: int = Field(foreign_key="account.id")
    treatment: str = Field(max_length=20)  # rules.TreatmentGroup at the time of the check-in
    started_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None


class SymptomAnswer(SQLModel, table=True):
    """The answer to one item, written as soon as it is given (a second answer to the same item replaces it)."""

    __tablename__ = "symptom_answer"
    __table_args__ = (UniqueConstraint("report_id", "item", name="uq_symptom_answer_item"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="symptom_report.id")
    item: str = Field(max_length=20)
    present: bool = False
    severity: int | None = None  # PRO-CTCAE 0-4
    interference: int | None = None  # PRO-CTCAE 0-4
    temperature_tenths: int | None = None  # °C x 10 (fever item)
    note: str = Field(default="", max_length=1000)
    answered_at: datetime = Field(default_factory=utcnow)


class SymptomAlert(SQLModel, table=True):
    """What a submitted check-in raised; open until a nurse of the team acknowledges it with the action taken."""

    __tablename__ = "symptom_alert"
    __table_args__ = (
        Index("ix_symptom_alert_open", "acknowledged_at", "created_at", "id"),
        Index("ix_symptom_alert_patient_created", "patient_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)
    patient_id: int = Field(foreign_key="patient.id")
    report_id: int = Field(foreign_key="symptom_report.id")
    level: str = Field(max_length=20)  # rules.Level
    reasons: str = Field(max_length=1000)  # one line per rule that fired
    created_at: datetime = Field(default_factory=utcnow)
    escalated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    action: str = Field(default="", max_length=20)  # alerts.ACTIONS
    action_note: str = Field(default="", max_length=1000)


class SymptomPause(SQLModel, table=True):
    """The patient paused the weekly check-ins (row present) until they resume them (row removed)."""

    __tablename__ = "symptom_pause"

    patient_id: int = Field(foreign_key="patient.id", primary_key=True)
    paused_at: datetime = Field(default_factory=utcnow)


class SymptomGpSharing(SQLModel, table=True):
    """The patient lets their médecin traitant read the detailed answers (row present) until they withdraw it."""

    __tablename__ = "symptom_gp_sharing"

    patient_id: int = Field(foreign_key="patient.id", primary_key=True)
    agreed_at: datetime = Field(default_factory=utcnow)


class SymptomInvitation(SQLModel, table=True):
    """The weekly check-in invitation sent to a patient (in-portal notification, e-mail if opted in): one a week."""

    __tablename__ = "symptom_invitation"
    __table_args__ = (UniqueConstraint("patient_id", "week", name="uq_symptom_invitation_week"),)

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    week: date  # the Monday of the week (Paris)
    sent_at: datetime = Field(default_factory=utcnow)
