"""The « Usage » figures: how the network's professionals use the portal over the period (and the period alone: the
RCP, establishment and site filters say nothing of a login). Counted from the record:
- logins: the audit trail's successful `login` events (range on `ix_audit_action_at`), per month, role and account;
- documents opened by GPs: `document_read`, the latest version each account opened in the reader, by its date
  (`ix_document_read_at`);
- emergency accesses: `emergency_access`, by the date it was opened.
Only the administrator's view shows them (see report.build)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from dcc_portal.models import Account, AuditAction, AuditEvent, AuditOutcome, DocumentRead, EmergencyAccess, Role
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


def counts(db: Session, filters: Filters) -> UseCounts:
    start, end = period_bounds(filters)
    result = UseCounts()
    month = month_of(db, AuditEvent.at)
    logins = db.exec(
        select(month, AuditEvent.actor_role, AuditEvent.account_id, func.count())
        .where(AuditEvent.action == AuditAction.LOGIN, AuditEvent.at >= start, AuditEvent.at < end,
               AuditEvent.outcome == AuditOutcome.SUCCESS, AuditEvent.actor_role != Role.PATIENT)
        .group_by(month, AuditEvent.actor_role, AuditEvent.account_id)).all()
    by_role: dict[str, set] = defaultdict(set)
    by_month: dict[str, set] = defaultdict(set)
    gp_logins: dict[str, int] = defaultdict(int)
    for login_month, role, account_id, number in logins:
        by_role[role].add(account_id)
        by_month[login_month].add(account_id)
        if role == Role.GP:
            gp_logins[login_month] += number
    result.active_by_role = {role: len(accounts) for role, accounts in by_role.items()}
    result.active_by_month = {key: len(accounts) for key, accounts in by_month.items()}
    result.gp_logins_by_month = dict(gp_logins)
    result.gp_accounts = len(by_role.get(Role.GP, ()))

    read_month = month_of(db, DocumentRead.read_at)
    reads = db.exec(
        select(read_month, func.count(), func.count(func.distinct(DocumentRead.account_id)))
        .join(Account, Account.id == DocumentRead.account_id)
        .where(DocumentRead.read_at >= start, DocumentRead.read_at < end, Account.role == Role.GP)
        .group_by(read_month)).all()
    result.gp_reads_by_month = {read: number for read, number, _readers in reads}
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
