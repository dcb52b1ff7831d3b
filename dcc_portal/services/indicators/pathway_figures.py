"""The pathway of new patients, counted in SQL: the cohort grouped by month of diagnosis, RCP, delays and flags, so
that the counts and the delay histograms come from one statement and no patient row leaves the database.

The cohort reads each patient's steps in one pass over the (patient, kind, date) index, the RCP of the first
registration and the first PPS handover through correlated look-ups on indexed columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, select
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


def cohort(db: Session, filters: Filters):
    """New patients of the period: (month, RCP of the first registration, first dates), one row per patient."""
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
    # The patient's steps in one pass over the (patient, kind, date) index rather than one look-up per kind.
    after = PathwayEvent.occurred_on >= since
    steps = (select(
        pid.label("patient_id"), since.label("diagnosed"),
        func.min(case((and_(PathwayEvent.kind == K.RCP_DECISION, after), PathwayEvent.occurred_on))).label("rcp_day"),
        func.min(case((and_(PathwayEvent.kind == K.TREATMENT_START, after), PathwayEvent.occurred_on))).label("treatment_day"),
        func.max(case((PathwayEvent.kind == K.ANNOUNCEMENT_MEDICAL, 1), else_=0)).label("announced"),
    ).select_from(first_diagnoses)
        .outerjoin(PathwayEvent, and_(PathwayEvent.patient_id == pid, PathwayEvent.kind.in_(
            [K.RCP_DECISION, K.TREATMENT_START, K.ANNOUNCEMENT_MEDICAL])))
        .group_by(pid, since).subquery("steps"))
    first_board = (select(RcpSession.rcp_id).join(RcpCase, RcpCase.session_id == RcpSession.id)
                   .where(RcpCase.patient_id == steps.c.patient_id, RcpCase.status != RcpCaseStatus.WITHDRAWN)
                   .order_by(RcpSession.starts_at, RcpCase.id).limit(1).scalar_subquery())
    pps_day = (select(func.min(PpsHandover.handed_over_on)).join(Document, Document.id == PpsHandover.document_id)
               .where(Document.patient_id == steps.c.patient_id, Document.kind == DocumentKind.PPS).scalar_subquery())
    people = select(
        steps.c.diagnosed, month_of(db, steps.c.diagnosed).label("month"), first_board.label("rcp_id"),
        steps.c.rcp_day, steps.c.treatment_day, pps_day.label("pps_day"), steps.c.announced,
    ).offset(0).subquery("people")  # OFFSET 0: kept whole, its look-ups run once per patient however often they are read
    chosen = (select(people, Rcp.organisation_id.label("organisation_id"))
              .select_from(people).outerjoin(Rcp, Rcp.id == people.c.rcp_id)
              .where(*rcp_conditions(filters, people.c.rcp_id, Rcp.organisation_id)))
    return chosen.subquery("cohort")


def _flag(condition):
    return case((condition, 1), else_=0)


DELAYS = ("diagnosis_to_rcp", "rcp_to_treatment", "rcp_to_pps")


def grouped(db: Session, filters: Filters, *, by_day: bool = False):
    """The cohort grouped by month (or day, month, RCP and establishment), RCP, the three delays (NULL when a date is
    missing) and the flags, with the number of patients last."""
    c = cohort(db, filters).c
    with_rcp = c.rcp_day.is_not(None)
    spans = (
        case((with_rcp, days_between(db, c.diagnosed, c.rcp_day))),
        case((and_(with_rcp, c.treatment_day >= c.rcp_day), days_between(db, c.rcp_day, c.treatment_day))),
        case((and_(with_rcp, c.pps_day >= c.rcp_day), days_between(db, c.rcp_day, c.pps_day))),
    )
    flags = (
        _flag(c.treatment_day.is_not(None)),
        _flag(and_(with_rcp, c.treatment_day.is_not(None), c.rcp_day <= c.treatment_day)),
        c.announced, _flag(with_rcp), _flag(and_(with_rcp, c.pps_day.is_not(None))),
    )
    where = (c.diagnosed, c.month, c.rcp_id, c.organisation_id) if by_day else (c.month, c.rcp_id)
    keys = (*where, *spans, *flags)
    return select(*keys, func.count()).group_by(*keys)


def fold(rows) -> tuple[list[PathwayCounts], dict[str, list[tuple[str, int | None, int, int]]]]:
    """(counts by month and RCP, {delay key: [(month, RCP, days, patients)]}) from rows
    (month, RCP, three delays, five flags, patients)."""
    totals: dict[tuple, list[int]] = {}
    histograms: dict[str, dict[tuple, int]] = {key: {} for key in DELAYS}
    for month, rcp_id, d1, d2, d3, treated, first, announced, presented, pps, n in rows:
        n = int(n)
        row = totals.setdefault((month, rcp_id), [0] * 6)
        for index, value in enumerate((1, treated, first, announced, presented, pps)):
            row[index] += int(value or 0) * n
        for key, days in zip(DELAYS, (d1, d2, d3)):
            if days is not None:
                bucket = (month, rcp_id, int(days))
                histograms[key][bucket] = histograms[key].get(bucket, 0) + n
    counts = [PathwayCounts(month, rcp_id, *values) for (month, rcp_id), values in totals.items()]
    return counts, {key: [(*bucket, n) for bucket, n in rows.items()] for key, rows in histograms.items()}


def figures(db: Session, filters: Filters) -> tuple[list[PathwayCounts], dict[str, list[tuple[str, int | None, int, int]]]]:
    """(counts by month and RCP, {delay key: [(month, RCP, days, patients)]}) straight from the record, in one
    statement."""
    return fold(db.exec(grouped(db, filters)).all())


@dataclass(frozen=True)
class Histograms:
    """One delay's patients by number of days, for each month and for each RCP (what the page shows)."""
    by_month: dict[str, dict[int, int]]
    by_rcp: dict[int | None, dict[int, int]]


def histograms_of(rows) -> Histograms:
    """From rows (month, RCP, days, patients)."""
    months: dict[str, dict[int, int]] = {}
    boards: dict[int | None, dict[int, int]] = {}
    for month, rcp_id, days, n in rows:
        for table, key in ((months, month), (boards, rcp_id)):
            histogram = table.setdefault(key, {})
            histogram[days] = histogram.get(days, 0) + n
    return Histograms(months, boards)


def counts(db: Session, filters: Filters) -> list[PathwayCounts]:
    return figures(db, filters)[0]


def delay_histograms(db: Session, filters: Filters) -> dict[str, list[tuple[str, int | None, int, int]]]:
    """{delay key: [(month, RCP, days, patients)]}, for the patients whose two dates are known."""
    return figures(db, filters)[1]
