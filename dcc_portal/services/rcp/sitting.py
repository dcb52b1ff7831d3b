"""The session itself: its agenda, the attendance sheet and the quorum it gives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, select

from dcc_portal.models import (
    AuditAction,
    Patient,
    Professional,
    RcpAttendance,
    RcpCase,
    RcpCaseStatus,
    RcpMember,
    RcpSessionStatus,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.names import professional_label
from dcc_portal.services.rcp import live_clock
from dcc_portal.services.rcp.directory import manages, membership, scope_label
from dcc_portal.services.rcp.registration import CaseRow, case_rows
from dcc_portal.services.rcp.rules import (
    KIND_LABELS,
    QuorumStatus,
    is_physician,
    quorum_rule,
    session_quorum,
    specialty_label,
    split_codes,
)
from dcc_portal.services.rcp.sessions import (
    SessionRow,
    load_session,
    require_session_staff,
    require_session_visible,
    session_row,
)


@dataclass(frozen=True)
class AttendeeRow:
    public_id: str
    name: str
    specialty: str
    present: bool
    counted: bool  # physician whose specialty counts for this RCP's quorum
    is_coordinator: bool


@dataclass(frozen=True)
class SessionDetail:
    row: SessionRow
    rcp_kind_label: str
    scope: str
    attendees: list[AttendeeRow]
    quorum: QuorumStatus
    cases: list[CaseRow]
    can_manage: bool  # secretariat / admin: status, attendance
    can_decide: bool  # member physicians: decisions
    is_coordinator: bool  # may sign the fiches


_ATTENDANCE = select(RcpAttendance.professional_id, RcpAttendance.specialty_code).where(
    RcpAttendance.session_id == bindparam("session_id"), RcpAttendance.left_at.is_(None))


_MEMBERS = (select(RcpMember.is_coordinator, Professional.id, Professional.public_id, Professional.family_name,
                   Professional.given_name, Professional.specialty_code)
            .join(Professional, Professional.id == RcpMember.professional_id)
            .where(RcpMember.rcp_id == bindparam("rcp_id")).order_by(Professional.family_name))


_AGENDA = (select(RcpCase, Patient).join(Patient, Patient.id == RcpCase.patient_id)
           .where(RcpCase.session_id == bindparam("session_id"), RcpCase.status != RcpCaseStatus.WITHDRAWN)
           .order_by(RcpCase.created_at))


def session_detail(db: Session, *, actor: Actor, session_public_id: str, now: datetime | None = None) -> SessionDetail:
    now = now or utcnow()
    loaded = load_session(db, session_public_id)
    if loaded is None:
        raise access.deny(db, actor=actor, action=AuditAction.READ, detail="séance RCP inconnue")
    session, rcp = loaded
    require_session_visible(db, actor=actor, session=session, rcp=rcp, action=AuditAction.READ)
    member = membership(db, rcp_id=rcp.id, professional_id=actor.professional_id)
    relevant = set(split_codes(rcp.quorum_specialties))
    attendance = db.exec(_ATTENDANCE, params={"session_id": session.id}).all()
    present = {professional_id for professional_id, _specialty in attendance}
    members = db.exec(_MEMBERS, params={"rcp_id": rcp.id}).all()
    attendees = [
        AttendeeRow(pro.public_id, professional_label(pro), specialty_label(pro.specialty_code), pro.id in present,
                    is_physician(pro.specialty_code) and (not relevant or pro.specialty_code in relevant), pro.is_coordinator)
        for pro in members
    ]
    agenda = db.exec(_AGENDA, params={"session_id": session.id}).all()
    access.prefetch(db, actor=actor, patient_ids=[patient.id for _, patient in agenda], now=now)
    for _case, patient in agenda:
        access.authorize_patient(db, actor=actor, patient=patient, action=AuditAction.READ,
                                 detail=f"ordre du jour RCP {rcp.national_id}", now=now)
    cases = case_rows(db, agenda, session, rcp)
    is_physician_member = member is not None and is_physician(db.get(Professional, actor.professional_id).specialty_code)
    return SessionDetail(
        row=session_row(db, session, rcp, now, len(cases)), rcp_kind_label=KIND_LABELS.get(rcp.kind, rcp.kind),
        scope=scope_label(rcp), attendees=attendees,
        quorum=quorum_rule(rcp=rcp, present_specialties=[specialty for _pro, specialty in attendance]),
        cases=cases, can_manage=manages(db, actor=actor, rcp=rcp) or (member is not None and actor.role == Role.CLINICIAN),
        can_decide=is_physician_member, is_coordinator=bool(member and member.is_coordinator),
    )


def set_attendance(db: Session, *, actor: Actor, session_public_id: str, professional_public_id: str, present: bool) -> QuorumStatus:
    loaded = load_session(db, session_public_id)
    if loaded is None:
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="séance RCP inconnue")
    session, rcp = loaded
    require_session_staff(db, actor=actor, rcp=rcp, session=session, action=AuditAction.UPDATE)
    if session.status in (RcpSessionStatus.CLOSED, RcpSessionStatus.CANCELLED):
        raise ValidationFailed({"attendance": "La séance est close : la feuille de présence ne peut plus changer."})
    pro = db.exec(select(Professional).where(Professional.public_id == str(professional_public_id)[:32])).first()
    if pro is None or db.get(RcpMember, (rcp.id, pro.id)) is None:
        raise ValidationFailed({"attendance": "Seuls les membres de la RCP figurent sur la feuille de présence."})
    row = db.exec(select(RcpAttendance).where(RcpAttendance.session_id == session.id, RcpAttendance.professional_id == pro.id)).first()
    if present and row is None:
        db.add(RcpAttendance(session_id=session.id, professional_id=pro.id, specialty_code=pro.specialty_code,
                             recorded_by_account_id=actor.account_id))
    elif not present and row is not None:
        db.delete(row)
    db.flush()
    live_clock.touch(db, session_id=session.id)
    audit.record(db, actor=actor, action=AuditAction.UPDATE,
                 detail=f"présence RCP {rcp.national_id} : {pro.rpps} {'présent' if present else 'absent'}")
    return session_quorum(db, session=session)
