"""Tumour boards (RCP): the directory, the sessions, the registered cases, attendance and the decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from dcc_portal.models.base import new_public_id, utcnow


class Rcp(SQLModel, table=True):
    """One entry of the regional RCP directory (annuaire des RCP)."""

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True, index=True)
    national_id: str = Field(max_length=20, unique=True)  # identifiant national de la RCP
    network_id: str = Field(default="", max_length=20)  # identifiant national du réseau (RRC / DSRC)
    manager_id: str = Field(default="", max_length=20)  # identifiant national du gestionnaire (3C)
    manager_name: str = Field(default="", max_length=200)  # the organising 3C
    name: str = Field(max_length=200)
    organisation_id: int = Field(foreign_key="organisation.id")  # organising establishment
    kind: str = Field(max_length=20)  # RcpKind
    is_recours: bool = Field(default=False)
    is_pediatric: bool = Field(default=False)
    appareil_code: str = Field(default="", max_length=20)  # JDV_RCP_Appareil_CISIS (SNOMED CT)
    organ_codes: str = Field(default="", max_length=400)  # JDV_RCP_Organe_CISIS codes, space separated
    transversal_code: str = Field(default="", max_length=20)  # JDV_TraitementSoins_FRCP_CISIS, transversal RCPs
    quorum_specialties: str = Field(default="", max_length=400)  # JDV_J01 codes, space separated
    usual_schedule: str = Field(default="", max_length=200)
    place: str = Field(default="", max_length=200)
    visio_url: str = Field(default="", max_length=300)
    active: bool = Field(default=True)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RcpMember(SQLModel, table=True):
    __tablename__ = "rcp_member"
    __table_args__ = (Index("ix_rcp_member_professional", "professional_id", "rcp_id"),)

    rcp_id: int = Field(foreign_key="rcp.id", primary_key=True)
    professional_id: int = Field(foreign_key="professional.id", primary_key=True)
    is_coordinator: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class RcpSecretariat(SQLModel, table=True):
    """A 3C secretary who manages an RCP: its sessions, agenda, attendance and directory entry. Set by the
    administrator; a member sits in the board, the secretariat runs it."""

    __tablename__ = "rcp_secretariat"
    __table_args__ = (Index("ix_rcp_secretariat_professional", "professional_id", "rcp_id"),)

    rcp_id: int = Field(foreign_key="rcp.id", primary_key=True)
    professional_id: int = Field(foreign_key="professional.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class RcpSession(SQLModel, table=True):
    __tablename__ = "rcp_session"
    __table_args__ = (Index("ix_rcp_session_rcp_start", "rcp_id", "starts_at"), Index("ix_rcp_session_start", "starts_at"))

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True, index=True)
    rcp_id: int = Field(foreign_key="rcp.id")
    starts_at: datetime  # UTC
    registration_deadline: datetime  # UTC; registration is refused from then on
    place: str = Field(default="", max_length=200)
    visio_url: str = Field(default="", max_length=300)
    status: str = Field(default="planned", max_length=20)  # RcpSessionStatus
    series_id: str = Field(default="", max_length=32)  # shared by the sessions of one recurring plan
    published_at: datetime | None = None
    created_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)


ACTIVE_CASE = text("status != 'withdrawn'")


class RcpCase(SQLModel, table=True):
    """A patient registered for one session (inscription), and what the board decided."""

    __tablename__ = "rcp_case"
    __table_args__ = (
        Index("ix_rcp_case_session", "session_id", "status"),
        Index("ix_rcp_case_patient", "patient_id", "status"),
        # a patient is registered once per session (a withdrawn registration may be made again)
        Index("uq_rcp_case_active", "session_id", "patient_id", unique=True, sqlite_where=ACTIVE_CASE,
              postgresql_where=ACTIVE_CASE),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True, index=True)
    session_id: int = Field(foreign_key="rcp_session.id")
    patient_id: int = Field(foreign_key="patient.id")
    requester_professional_id: int = Field(foreign_key="professional.id")  # demandeur
    presenter_professional_id: int | None = Field(default=None, foreign_key="professional.id")  # présentateur
    reason: str = Field(max_length=30)  # RcpCaseReason
    question: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    checklist_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))  # declared items
    status: str = Field(default="registered", max_length=20)  # RcpCaseStatus
    created_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None
    # The decision (draft until signed; the signed fiche is a Document of kind FRCP with versions).
    proposal_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    guideline: str = Field(default="", max_length=300)
    trial_proposed: bool = Field(default=False)
    trial_detail: str = Field(default="", max_length=300)
    additional_exams: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    quorum_reached: bool | None = None  # snapshot when the case was discussed
    needs_representation: bool = Field(default=False)  # discussed without quorum: present it again soon
    decided_at: datetime | None = None
    decision_version: int = Field(default=0)  # optimistic concurrency on the decision
    document_id: int | None = Field(default=None, foreign_key="document.id")  # the FRCP
    updated_at: datetime = Field(default_factory=utcnow)


class RcpCorrespondent(SQLModel, table=True):
    """A professional named at registration to be informed of the case (« correspondant à informer »): offered, besides
    the médecin traitant, as a recipient of the fiche RCP and of the patient's later documents."""

    __tablename__ = "rcp_correspondent"
    __table_args__ = (UniqueConstraint("case_id", "professional_id", name="uq_rcp_correspondent"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="rcp_case.id")
    professional_id: int = Field(foreign_key="professional.id")
    created_at: datetime = Field(default_factory=utcnow)


class RcpAttendance(SQLModel, table=True):
    __tablename__ = "rcp_attendance"
    __table_args__ = (UniqueConstraint("session_id", "professional_id", name="uq_rcp_attendance"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="rcp_session.id", index=True)
    professional_id: int = Field(foreign_key="professional.id")
    specialty_code: str = Field(max_length=20)  # as it was that day
    recorded_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    via: str = Field(default="room", max_length=10)  # "tablet": joined the live view; "room": marked present by staff
    confirmed: bool = Field(default=True)  # a tablet join waits for the secretariat's confirmation
    left_at: datetime | None = None  # left before the end: no longer counts for the quorum of the next cases


class RcpLive(SQLModel, table=True):
    """The live sitting of a session: the case on every screen and the one writer of its proposal. `version` grows at
    every change, so each screen watches one integer."""

    __tablename__ = "rcp_live"

    session_id: int = Field(foreign_key="rcp_session.id", primary_key=True)
    current_case_id: int | None = Field(default=None, foreign_key="rcp_case.id")
    version: int = Field(default=1)
    writer_professional_id: int | None = Field(default=None, foreign_key="professional.id")
    draft_case_id: int | None = Field(default=None, foreign_key="rcp_case.id")
    draft_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    draft_saved_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class RcpCaseSitting(SQLModel, table=True):
    """What the sitting recorded for one case when the board validated its decision: who was present, the quorum then,
    and, without quorum, why the coordinator decided anyway."""

    __tablename__ = "rcp_case_sitting"

    case_id: int = Field(foreign_key="rcp_case.id", primary_key=True)
    present_names: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # [{"professional_id", "specialty_code", "counted", "guest"}]: the physicians in the room for this case, for the fiche
    present_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    quorum_reached: bool = Field(default=False)
    quorum_summary: str = Field(default="", max_length=400)
    override_reason: str = Field(default="", max_length=300)
    validated_by_professional_id: int | None = Field(default=None, foreign_key="professional.id")
    validated_at: datetime = Field(default_factory=utcnow)


class RcpCaseGuest(SQLModel, table=True):
    """A professional invited by the coordinator for one case only (a radiologist, the requesting physician): sees that
    case in the live sitting and counts in its quorum while present."""

    __tablename__ = "rcp_case_guest"
    __table_args__ = (Index("ix_rcp_case_guest_professional", "professional_id", "case_id"),)

    case_id: int = Field(foreign_key="rcp_case.id", primary_key=True)
    professional_id: int = Field(foreign_key="professional.id", primary_key=True)
    specialty_code: str = Field(max_length=20)  # as it was that day
    invited_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    invited_at: datetime = Field(default_factory=utcnow)
    joined_at: datetime | None = None  # present while joined_at is set and left_at is not
    left_at: datetime | None = None
