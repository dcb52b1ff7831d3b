"""The « Usage » figures: how the network's professionals use the portal over the period (and the period alone: the
RCP, establishment and site filters say nothing of a login). Counted from the record:
- logins: the audit trail's successful `login` events, per month (the whole months the period touches), role and
  account; read from `indicator_login_cell`, recounted with the other summaries (the current and previous months
  every few minutes, the whole history daily), else from the audit trail (partial index `ix_audit_login_at`);
- documents opened by GPs: `document_read`, the latest version each account opened in the reader, by its date
  (`ix_document_read_at`);
- emergency accesses: `emergency_access`, by the date it was opened.
Only the administrator's view shows them (see report.build)."""

from __future__ import annotations

from dataclasses import dataclass, field

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, delete, func, insert
from sqlmodel import Session, select

from dcc_portal.models import Account, AuditEvent, DocumentRead, EmergencyAccess, IndicatorLoginCell, Role
from dcc_portal.models.audit import SUCCESSFUL_LOGIN
from dcc_portal.services.indicators.board_figures import period_bounds
from dcc_portal.services.indicators.sql import Filters, month_of


@dataclass
class UseCounts:
    active_by_role: dict[str, int] = field(default_factory=dict)  # distinct accounts over the period
    active_by_month: dict[str, int] = field(default_factory=dict)  # distinct accounts each month
    gp_logins_by_month: dict[str, int] = field(default_factory=dict)
    gp_accounts: int = 0  # distinct GPs who logged in over the period
    gp_reads_by_month: dict[str, int] = field(default_factory=dict)  # documents opened by GPs
    gp_readers: int = 0
    emergency_by_month: dict[str, int] = field(default_factory=dict)
    emergency_by_role: dict[str, int] = field(default_factory=dict)


def _months(filters: Filters) -> tuple[str, str, datetime, datetime]:
    """The whole months the period touches ('YYYY-MM' first and last, and their UTC bounds): logins are counted by
    month, from the summary or from the audit trail alike."""
    first = filters.date_from.replace(day=1)
    after = (filters.date_to.replace(day=1) + timedelta(days=32)).replace(day=1)
    last = after - timedelta(days=1)
    return (first.strftime("%Y-%m"), last.strftime("%Y-%m"), datetime.combine(first, time(0), UTC),
            datetime.combine(after, time(0), UTC))


def _logins_from_audit(db: Session, start: datetime, end: datetime):
    """(month, role, account, logins) of the successful logins between two instants (range on `ix_audit_login_at`)."""
    month = month_of(db, AuditEvent.at)
    return (select(month.label("month"), AuditEvent.actor_role.label("role"), AuditEvent.account_id.label("account_id"),
                   func.count().label("logins"))
            .where(SUCCESSFUL_LOGIN, AuditEvent.at >= start, AuditEvent.at < end)
            .group_by(month, AuditEvent.actor_role, AuditEvent.account_id))


def recount_logins(db: Session, *, since: date | None) -> None:
    """Replace the login cells from the month of `since` on (all of them with None) by a fresh count."""
    cell = IndicatorLoginCell
    start = datetime.combine((since or date(1900, 1, 1)).replace(day=1), time(0), UTC)
    db.execute(delete(cell).where(cell.month >= start.strftime("%Y-%m")))
    db.execute(insert(cell).from_select(["month", "role", "account_id", "logins"],
                                        _logins_from_audit(db, start, datetime(9999, 1, 1, tzinfo=UTC))))


def counts(db: Session, filters: Filters, *, summarised: bool = False) -> UseCounts:
    result = UseCounts()
    first, last, start, end = _months(filters)
    if summarised:
        cell = IndicatorLoginCell
        logins = (select(cell.month, cell.role, cell.account_id, cell.logins)
                  .where(cell.month >= first, cell.month <= last).subquery())
    else:
        logins = _logins_from_audit(db, start, end).subquery()
    professionals = logins.c.role != Role.PATIENT
    for month, accounts, gp_logins in db.exec(
            select(logins.c.month, func.count(func.distinct(logins.c.account_id)),
                   func.sum(case((logins.c.role == Role.GP, logins.c.logins), else_=0)))
            .where(professionals).group_by(logins.c.month)).all():
        result.active_by_month[month] = accounts
        if gp_logins:
            result.gp_logins_by_month[month] = int(gp_logins)
    result.active_by_role = dict(db.exec(
        select(logins.c.role, func.count(func.distinct(logins.c.account_id))).where(professionals)
        .group_by(logins.c.role)).all())
    result.gp_accounts = result.active_by_role.get(Role.GP, 0)
    start, end = period_bounds(filters)

    read_month = month_of(db, DocumentRead.read_at)
    result.gp_reads_by_month = dict(db.exec(
        select(read_month, func.count()).join(Account, Account.id == DocumentRead.account_id)
        .where(DocumentRead.read_at >= start, DocumentRead.read_at < end, Account.role == Role.GP)
        .group_by(read_month)).all())
    result.gp_readers = db.exec(
        select(func.count(func.distinct(DocumentRead.account_id))).join(Account, Account.id == DocumentRead.account_id)
        .where(DocumentRead.read_at >= start, DocumentRead.read_at < end, Account.role == Role.GP)).one()

    opened_month = month_of(db, EmergencyAccess.started_at)
    emergencies = db.exec(
        select(opened_month, Account.role, func.count()).join(Account, Account.id == EmergencyAccess.account_id)
        .where(EmergencyAccess.started_at >= start, EmergencyAccess.started_at < end)
        .group_by(opened_month, Account.role)).all()
    for opened, role, number in emergencies:
        result.emergency_by_month[opened] = result.emergency_by_month.get(opened, 0) + number
        result.emergency_by_role[role] = result.emergency_by_role.get(role, 0) + number
    return result
