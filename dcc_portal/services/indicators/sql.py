"""The filters of the area and the few SQL expressions that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, func, type_coerce
from sqlmodel import Session

from dcc_portal.models import CancerDiagnosis
from dcc_portal.services.indicators.definitions import SITE_BY_KEY


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date  # inclusive
    rcp_id: int | None = None
    organisation_id: int | None = None
    site: str = ""  # a key of definitions.SITES, "" for every site
    visible: frozenset[int] | None = None  # the RCPs the reader may see (None: the whole network)


def is_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def month_of(db: Session, column):
    """'YYYY-MM' of a date or timestamp."""
    return func.to_char(column, "YYYY-MM") if is_postgres(db) else func.strftime("%Y-%m", column)


def days_between(db: Session, start, end):
    """Whole days from one date to a later one (dates, not timestamps)."""
    if is_postgres(db):
        return type_coerce(end - start, Integer)
    return type_coerce(func.julianday(end) - func.julianday(start), Integer)


def hours_between(db: Session, start, end):
    """Hours from one timestamp to another (fractional)."""
    if is_postgres(db):
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def site_condition(site: str):
    """The diagnosis is of this CIM-10 group (no condition for every site)."""
    chosen = SITE_BY_KEY.get(site)
    if chosen is None:
        return None
    three = func.substr(CancerDiagnosis.icd10_code, 1, 3)
    return three.between(chosen.low, chosen.high)


def rcp_conditions(filters: Filters, rcp_column, organisation_column) -> list:
    conditions = []
    if filters.visible is not None:
        conditions.append(rcp_column.in_(sorted(filters.visible)))
    if filters.rcp_id is not None:
        conditions.append(rcp_column == filters.rcp_id)
    if filters.organisation_id is not None:
        conditions.append(organisation_column == filters.organisation_id)
    return conditions

