"""The RCPs' figures, counted in SQL per session held in the period; the quorum of a discussed case is the one
recorded when it was discussed, else the session's attendance judged by the RCP rules (services/rcp/rules.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import and_, bindparam, case, exists, func, or_, select
from sqlmodel import Session

from dcc_portal.models import (
    Account,
    CancerDiagnosis,
    Document,
    DocumentKind,
    DocumentStatus,
    DocumentVersion,
    Notification,
    Patient,
    PatientOpposition,
    Rcp,
    RcpAttendance,
    RcpCase,
    RcpCaseStatus,
    RcpSession,
    RcpSessionStatus,
    SharingSubmission,
    SubmissionStatus,
)
from dcc_portal.services.indicators.sql import Filters, hours_between, month_of, rcp_conditions, site_condition
from dcc_portal.services.rcp import rules

SIGNATURE_HOURS = 7 * 24
HELD = (RcpSessionStatus.OPEN, RcpSessionStatus.CLOSED)
DECIDED = (RcpCaseStatus.RECORDED, RcpCaseStatus.DISCUSSED)


COUNTS = ("registered", "complete", "decided", "discussed", "quorum", "signed", "signed_in_time", "with_gp",
          "sent_to_gp", "gp_refused", "sent_to_dmp", "dmp_refused")


@dataclass
class SessionCounts:
    session_id: int
    rcp_id: int
    month: str
    registered: int = 0
    complete: int = 0
    decided: int = 0
    discussed: int = 0
    quorum: int = 0
    signed: int = 0
    signed_in_time: int = 0
    with_gp: int = 0
    sent_to_gp: int = 0
    gp_refused: int = 0
    sent_to_dmp: int = 0
    dmp_refused: int = 0
    sessions: int = 1  # more than one when the counts of several sessions are summed (the summary tables)


def _flag(condition):
    return func.sum(case((condition, 1), else_=0))


def _in_record_before(kind: str, moment):
    return exists().where(Document.patient_id == RcpCase.patient_id, Document.kind == kind,
                          Document.status == DocumentStatus.VALIDATED, Document.validated_at <= moment)


def _complete_at_registration():
    declared = RcpCase.checklist_json
    coded = exists().where(CancerDiagnosis.patient_id == RcpCase.patient_id, CancerDiagnosis.icd10_code != "",
                           CancerDiagnosis.morphology_code != "",
                           or_(CancerDiagnosis.tnm_t != "", CancerDiagnosis.other_staging != ""),
                           CancerDiagnosis.who_performance_status.is_not(None))
    return and_(
        declared.like('%"patient_informed": true%'),
        _in_record_before(DocumentKind.CR_ACP, RcpCase.created_at),
        or_(_in_record_before(DocumentKind.IMAGING, RcpCase.created_at), declared.like('%"imaging_reviewed": true%')),
        coded, Patient.gp_professional_id.is_not(None),
    )


def period_bounds(filters: Filters) -> tuple[datetime, datetime]:
    """The period's first and after-last instants (UTC) of Paris days."""
    return (rules.paris_to_utc(filters.date_from, time(0, 0)),
            rules.paris_to_utc(filters.date_to + timedelta(days=1), time(0, 0)))


def starts_of(db: Session, ids: list[int]) -> dict[int, datetime]:
    starts: dict[int, datetime] = {}
    for chunk in range(0, len(ids), 2000):
        starts.update(db.exec(select(RcpSession.id, RcpSession.starts_at).where(RcpSession.id.in_(ids[chunk:chunk + 2000]))).all())
    return starts


def held_sessions(db: Session, filters: Filters) -> dict[int, SessionCounts]:
    start, end = period_bounds(filters)
    statement = (select(RcpSession.id, RcpSession.rcp_id, month_of(db, RcpSession.starts_at))
                 .join(Rcp, Rcp.id == RcpSession.rcp_id)
                 .where(RcpSession.status.in_(HELD), RcpSession.starts_at >= start, RcpSession.starts_at < end,
                        *rcp_conditions(filters, RcpSession.rcp_id, Rcp.organisation_id)))
    return {row[0]: SessionCounts(*row) for row in db.exec(statement).all()}


def _case_statement(db: Session, filters: Filters):
    signed = RcpCase.document_id.is_not(None)
    has_gp = Patient.gp_professional_id.is_not(None)
    in_time = exists().where(DocumentVersion.document_id == RcpCase.document_id, DocumentVersion.version == 1,
                             DocumentVersion.signed_at.is_not(None),
                             hours_between(db, RcpSession.starts_at, DocumentVersion.signed_at) <= SIGNATURE_HOURS)
    told_gp = exists().where(Notification.document_id == RcpCase.document_id, Account.id == Notification.account_id,
                             Account.professional_id == Patient.gp_professional_id)
    gp_refused = exists().where(PatientOpposition.patient_id == RcpCase.patient_id,
                                PatientOpposition.professional_id == Patient.gp_professional_id,
                                PatientOpposition.withdrawn_at.is_(None))
    in_dmp = exists().where(SharingSubmission.document_id == RcpCase.document_id,
                            SharingSubmission.status == SubmissionStatus.ACKNOWLEDGED)
    decided = RcpCase.status.in_(DECIDED)
    discussed = RcpCase.status == RcpCaseStatus.DISCUSSED
    conditions = [RcpCase.session_id.in_(bindparam("sessions", expanding=True)), RcpCase.status != RcpCaseStatus.WITHDRAWN]
    site = site_condition(filters.site)
    if site is not None:
        conditions.append(exists().where(CancerDiagnosis.patient_id == RcpCase.patient_id, site))
    return (select(
        RcpCase.session_id, func.count(), _flag(_complete_at_registration()), _flag(decided), _flag(discussed),
        _flag(and_(discussed, RcpCase.quorum_reached.is_(True))), _flag(and_(discussed, RcpCase.quorum_reached.is_(None))),
        _flag(and_(decided, signed)), _flag(and_(decided, signed, in_time)), _flag(and_(decided, signed, has_gp)),
        _flag(and_(decided, signed, has_gp, told_gp)), _flag(and_(decided, signed, has_gp, gp_refused)),
        _flag(and_(decided, signed, in_dmp)), _flag(and_(decided, signed, Patient.dmp_opposed_at.is_not(None))),
    ).join(RcpSession, RcpSession.id == RcpCase.session_id).join(Patient, Patient.id == RcpCase.patient_id)
        .where(*conditions).group_by(RcpCase.session_id))


def _quorum_by_session(db: Session, sessions: dict[int, SessionCounts], ids: list[int]) -> dict[int, bool]:
    """The RCP rule applied to each session's attendance (one query for all)."""
    present: dict[int, list[str]] = {session_id: [] for session_id in ids}
    for chunk in range(0, len(ids), 500):
        rows = db.exec(select(RcpAttendance.session_id, RcpAttendance.specialty_code)
                       .where(RcpAttendance.session_id.in_(ids[chunk:chunk + 500]))).all()
        for session_id, code in rows:
            present[session_id].append(code)
    boards = {rcp.id: rcp for rcp in db.exec(select(Rcp).where(Rcp.id.in_({sessions[i].rcp_id for i in ids}))).scalars()}
    return {session_id: rules.quorum_rule(rcp=boards[sessions[session_id].rcp_id], present_specialties=codes).reached
            for session_id, codes in present.items()}


def session_counts(db: Session, filters: Filters) -> list[SessionCounts]:
    """The sessions held in the period with their cases' counts; with a tumour-site filter, only the sessions that
    handled a case of that site."""
    sessions = held_sessions(db, filters)
    if not sessions:
        return []
    unknown: dict[int, int] = {}
    seen = set()
    ids = sorted(sessions)
    statement = _case_statement(db, filters)
    for chunk in range(0, len(ids), 2000):
        for row in db.exec(statement, params={"sessions": ids[chunk:chunk + 2000]}).all():
            session_id, registered, complete, decided, discussed, quorum, no_snapshot, *rest = (int(v or 0) for v in row)
            counts = sessions[session_id]
            counts.registered, counts.complete, counts.decided, counts.discussed, counts.quorum = (
                registered, complete, decided, discussed, quorum)
            (counts.signed, counts.signed_in_time, counts.with_gp, counts.sent_to_gp, counts.gp_refused,
             counts.sent_to_dmp, counts.dmp_refused) = rest
            seen.add(session_id)
            if no_snapshot:
                unknown[session_id] = no_snapshot
    if unknown:
        reached = _quorum_by_session(db, sessions, sorted(unknown))
        for session_id, count in unknown.items():
            if reached[session_id]:
                sessions[session_id].quorum += count
    if filters.site:
        return [sessions[i] for i in ids if i in seen]
    return [sessions[i] for i in ids]
