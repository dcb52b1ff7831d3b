"""The pathway of new patients, counted in SQL: one row per (month of diagnosis, RCP) and the delays as histograms.

The cohort is read per patient through correlated subqueries on indexed (patient, kind, date) columns, then grouped:
no patient row leaves the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, literal, select, union_all
from sqlmodel import Session

from dcc_portal.models import (
    CancerDiagnosis,
    Document,
    DocumentKind,
    PathwayEvent,
    PathwayEventKind,
    PpsHandover,
    Rcp,
    RcpCase,
    RcpCaseStatus,
    RcpSession,
)
from dcc_portal.services.indicators.sql import Filters, days_between, month_of, rcp_conditions, site_condition

K = PathwayEventKind


@dataclass(frozen=True)
class PathwayCounts:
    month: str
    rcp_id: int | None
    new: int
    treated: int
    rcp_before_treatment: int
    announced: int
    with_rcp: int
    pps: int


def _first(kind: str, patient_id, since):
    return (select(func.min(PathwayEvent.occurred_on))
            .where(PathwayEvent.patient_id == patient_id, PathwayEvent.kind == kind, PathwayEvent.occurred_on >= since)
            .scalar_subquery())


def cohort(db: Session, filters: Filters):
    """New patients of the period: (patient, month, RCP of the first registration, first dates)."""
    earlier = CancerDiagnosis.__table__.alias("earlier")
    diagnosed = func.min(CancerDiagnosis.diagnosis_date).label("diagnosed")
    conditions = [
        CancerDiagnosis.clinical_phase == "initial",
        CancerDiagnosis.diagnosis_date.between(filters.date_from, filters.date_to),
        ~exists().where(earlier.c.patient_id == CancerDiagnosis.patient_id, earlier.c.clinical_phase == "initial",
                        earlier.c.diagnosis_date < CancerDiagnosis.diagnosis_date),
    ]
    site = site_condition(filters.site)
    if site is not None:
        conditions.append(site)
    first_diagnoses = (select(CancerDiagnosis.patient_id.label("patient_id"), diagnosed)
                       .where(*conditions).group_by(CancerDiagnosis.patient_id).subquery("first_diagnoses"))
    pid, since = first_diagnoses.c.patient_id, first_diagnoses.c.diagnosed
    first_board = (select(RcpSession.rcp_id).join(RcpCase, RcpCase.session_id == RcpSession.id)
                   .where(RcpCase.patient_id == pid, RcpCase.status != RcpCaseStatus.WITHDRAWN)
                   .order_by(RcpSession.starts_at, RcpCase.id).limit(1).scalar_subquery())
    pps_day = (select(func.min(PpsHandover.handed_over_on)).join(Document, Document.id == PpsHandover.document_id)
               .where(Document.patient_id == pid, Document.kind == DocumentKind.PPS).scalar_subquery())
    announced = exists().where(PathwayEvent.patient_id == pid, PathwayEvent.kind == K.ANNOUNCEMENT_MEDICAL)
    people = select(
        pid.label("patient_id"), since.label("diagnosed"), month_of(db, since).label("month"),
        first_board.label("rcp_id"), _first(K.RCP_DECISION, pid, since).label("rcp_day"),
        _first(K.TREATMENT_START, pid, since).label("treatment_day"), pps_day.label("pps_day"),
        case((announced, 1), else_=0).label("announced"),
    ).subquery("people")
    chosen = (select(people, Rcp.organisation_id.label("organisation_id"))
              .select_from(people).outerjoin(Rcp, Rcp.id == people.c.rcp_id)
              .where(*rcp_conditions(filters, people.c.rcp_id, Rcp.organisation_id)))
    return chosen.cte("cohort")


def _flag(condition):
    return func.sum(case((condition, 1), else_=0))


def counts(db: Session, filters: Filters) -> list[PathwayCounts]:
    c = cohort(db, filters).c
    presented_first = and_(c.rcp_day.is_not(None), c.treatment_day.is_not(None), c.rcp_day <= c.treatment_day)
    statement = (select(
        c.month, c.rcp_id, func.count(), _flag(c.treatment_day.is_not(None)), _flag(presented_first),
        func.sum(c.announced), _flag(c.rcp_day.is_not(None)), _flag(and_(c.rcp_day.is_not(None), c.pps_day.is_not(None))),
    ).group_by(c.month, c.rcp_id))
    return [PathwayCounts(month, rcp_id, int(new), int(treated or 0), int(first or 0), int(announced or 0),
                          int(with_rcp or 0), int(pps or 0))
            for month, rcp_id, new, treated, first, announced, with_rcp, pps in db.exec(statement).all()]


def delay_histograms(db: Session, filters: Filters) -> dict[str, list[tuple[str, int | None, int, int]]]:
    """{delay key: [(month, RCP, days, patients)]}, for the patients whose two dates are known."""
    c = cohort(db, filters).c
    spans = {
        "diagnosis_to_rcp": (c.diagnosed, c.rcp_day, c.rcp_day.is_not(None)),
        "rcp_to_treatment": (c.rcp_day, c.treatment_day, and_(c.rcp_day.is_not(None), c.treatment_day >= c.rcp_day)),
        "rcp_to_pps": (c.rcp_day, c.pps_day, and_(c.rcp_day.is_not(None), c.pps_day >= c.rcp_day)),
    }
    parts = []
    for key, (start, end, known) in spans.items():
        days = days_between(db, start, end)
        parts.append(select(literal(key).label("key"), c.month, c.rcp_id, days.label("days"), func.count().label("n"))
                     .where(known).group_by(c.month, c.rcp_id, days))
    result: dict[str, list] = {key: [] for key in spans}
    for key, month, rcp_id, days, n in db.exec(union_all(*parts)).all():
        result[key].append((month, rcp_id, int(days), int(n)))
    return result
