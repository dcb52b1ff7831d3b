"""The summary tables behind the Indicateurs area, so that a page reads a few thousand pre-counted rows instead of
following every patient's pathway: new patients by day of diagnosis, RCP, delays and flags; sessions held with their
cases' counts; each for every tumour site and for each site alone, computed by the very queries that count straight
from the record (`pathway_figures.grouped`, `board_figures.session_counts`).

With them, the successful logins by month and account (`indicator_login_cell`, services/indicators/use_figures.py).

The portal's periodic job brings them up to date: every REFRESH_SECONDS the recent window (pathways still moving:
diagnoses and sessions of the last WINDOW_DAYS), and the whole history once a day. The page says how fresh they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    IndicatorPathwayCell,
    IndicatorRefresh,
    IndicatorSessionCell,
    Rcp,
    utcnow,
)
from dcc_portal.services.common import periodic
from dcc_portal.services.indicators import board_figures, pathway_figures, use_figures
from dcc_portal.services.indicators.definitions import SITES
from dcc_portal.services.indicators.sql import Filters, is_postgres, rcp_conditions
from dcc_portal.services.rcp import rules

REFRESH_SECONDS = 300
WINDOW_DAYS = 400
REBUILD_EVERY = timedelta(days=1)
EARLIEST = date(1900, 1, 1)
NAME = "network"
ADVISORY_KEY = 250_425  # PostgreSQL advisory lock taken by a recount
JOB_KEY = 250_426  # PostgreSQL advisory lock held by the process running the periodic job
SITE_KEYS = ("", *(site.key for site in SITES))


def state(db: Session) -> IndicatorRefresh | None:
    return db.get(IndicatorRefresh, NAME)


def _lock(db: Session) -> IndicatorRefresh | None:
    """The refresh row, locked until the transaction ends (PostgreSQL; SQLite has one writer at a time anyway)."""
    return db.exec(select(IndicatorRefresh).where(IndicatorRefresh.name == NAME).with_for_update()).first()


def _plan(current: IndicatorRefresh | None, *, today: date, now: datetime, rebuild: bool | None) -> tuple[bool, date]:
    """(whole history?, first day recounted)."""
    if rebuild is None:
        rebuild = current is None or now - current.rebuilt_at >= REBUILD_EVERY
    return rebuild, EARLIEST if rebuild else today - timedelta(days=WINDOW_DAYS)


def _one_recount_at_a_time(db: Session) -> None:
    """Until the transaction ends (PostgreSQL; SQLite has one writer at a time anyway)."""
    if is_postgres(db):
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})


def recount(db: Session, *, site: str, since: date, today: date) -> None:
    """Replace one site's rows from `since` on by a fresh count (two recounts of a site never interleave)."""
    _one_recount_at_a_time(db)
    # Counted before anything is deleted: on SQLite the first write takes the lock, held until the commit.
    filters = Filters(since, today + timedelta(days=366), site=site)
    pathway = [
        {"site": site, "day": day, "month": month, "rcp_id": rcp_id, "organisation_id": organisation_id,
         "diagnosis_to_rcp": d1, "rcp_to_treatment": d2, "rcp_to_pps": d3, "treated": treated,
         "rcp_before_treatment": first, "announced": announced, "presented": presented, "pps": pps, "patients": n}
        for day, month, rcp_id, organisation_id, d1, d2, d3, treated, first, announced, presented, pps, n
        in db.exec(pathway_figures.grouped(db, filters, by_day=True)).all()
    ]
    sessions = board_figures.session_counts(db, filters)
    session_rows = []
    if sessions:
        organisation_of = dict(db.exec(select(Rcp.id, Rcp.organisation_id)).all())
        starts = board_figures.starts_of(db, [s.session_id for s in sessions])
        session_rows = [{"site": site, "organisation_id": organisation_of[s.rcp_id], "starts_at": starts[s.session_id],
                         **{name: value for name, value in vars(s).items() if name != "sessions"}} for s in sessions]
    db.execute(delete(IndicatorPathwayCell).where(IndicatorPathwayCell.site == site, IndicatorPathwayCell.day >= since))
    db.execute(delete(IndicatorSessionCell).where(IndicatorSessionCell.site == site,
                                                  IndicatorSessionCell.starts_at >= rules.paris_to_utc(since, time(0, 0))))
    if pathway:
        db.execute(insert(IndicatorPathwayCell.__table__), pathway)
    if session_rows:
        db.execute(insert(IndicatorSessionCell.__table__), session_rows)


def _mark(db: Session, *, now: datetime, since: date, rebuild: bool) -> IndicatorRefresh:
    # Two processes starting on an empty database may both get here: one inserts the row, the other finds it.
    dialect_insert = postgresql.insert if is_postgres(db) else sqlite.insert
    db.execute(dialect_insert(IndicatorRefresh).values(name=NAME, refreshed_at=now, window_from=since, rebuilt_at=now)
               .on_conflict_do_nothing())
    current = db.exec(select(IndicatorRefresh).where(IndicatorRefresh.name == NAME).with_for_update()
                      .execution_options(populate_existing=True)).one()
    current.refreshed_at, current.window_from = now, since
    if rebuild:
        current.rebuilt_at = now
    db.add(current)
    db.flush()
    return current


def refresh(db: Session, *, today: date, now: datetime | None = None, rebuild: bool | None = None) -> IndicatorRefresh:
    """Recount the window (or, when due or asked, the whole history), every site in this one transaction."""
    now = now or utcnow()
    rebuild, since = _plan(_lock(db), today=today, now=now, rebuild=rebuild)
    for site in SITE_KEYS:
        recount(db, site=site, since=since, today=today)
    recount_logins(db, today=today, rebuild=rebuild)
    return _mark(db, now=now, since=since, rebuild=rebuild)


def recount_logins(db: Session, *, today: date, rebuild: bool) -> None:
    """Logins of past months do not change: the window recounts the current and the previous month."""
    _one_recount_at_a_time(db)
    use_figures.recount_logins(db, since=None if rebuild else (today.replace(day=1) - timedelta(days=1)).replace(day=1))


def pathway(db: Session, filters: Filters) -> tuple[list[pathway_figures.PathwayCounts], dict[str, pathway_figures.Histograms]]:
    """What the page shows of the pathway, summed in SQL from the summary table: the counts by month and RCP, then
    each delay's histograms by month and by RCP (a few thousand rows at most, whatever the number of patients)."""
    cell = IndicatorPathwayCell
    where = (cell.site == filters.site, cell.day.between(filters.date_from, filters.date_to),
             *rcp_conditions(filters, cell.rcp_id, cell.organisation_id))
    flags = (cell.treated, cell.rcp_before_treatment, cell.announced, cell.presented, cell.pps)
    counts = [
        pathway_figures.PathwayCounts(month, rcp_id, *(int(value or 0) for value in values))
        for month, rcp_id, *values in db.exec(
            select(cell.month, cell.rcp_id, func.sum(cell.patients), *(func.sum(flag * cell.patients) for flag in flags))
            .where(*where).group_by(cell.month, cell.rcp_id)).all()
    ]
    histograms = {}
    for key in pathway_figures.DELAYS:
        days = getattr(cell, key)
        tables = []
        for group in (cell.month, cell.rcp_id):
            table: dict = {}
            for value, d, n in db.exec(select(group, days, func.sum(cell.patients))
                                       .where(*where, days.is_not(None)).group_by(group, days)).all():
                table.setdefault(value, {})[int(d)] = int(n)
            tables.append(table)
        histograms[key] = pathway_figures.Histograms(*tables)
    return counts, histograms


def session_counts(db: Session, filters: Filters) -> list[board_figures.SessionCounts]:
    """The counts of the sessions held in the period, summed in SQL by month and RCP (`sessions`: how many)."""
    cell = IndicatorSessionCell
    start, end = board_figures.period_bounds(filters)
    rows = db.exec(select(cell.rcp_id, cell.month, *(func.sum(getattr(cell, name)) for name in board_figures.COUNTS),
                          func.count())
                   .where(cell.site == filters.site, cell.starts_at >= start, cell.starts_at < end,
                          *rcp_conditions(filters, cell.rcp_id, cell.organisation_id))
                   .group_by(cell.rcp_id, cell.month)).all()
    return [board_figures.SessionCounts(0, rcp_id, month, *(int(value or 0) for value in values))
            for rcp_id, month, *values in rows]


def refresh_in_new_session() -> None:
    """The periodic job: one transaction per site, so that on SQLite (whose transactions hold the write lock) no
    writer waits for the whole recount; skipped while another portal process runs it or when one has just refreshed.
    Pages read the summaries once the first refresh is complete (until then they count from the record)."""
    with _job_alone() as alone:
        if alone:
            _refresh_site_by_site()


@contextmanager
def _job_alone() -> Iterator[bool]:
    """False while another process runs the job: every worker of every instance starts it together, and each would
    otherwise recount the same history at once (PostgreSQL; a SQLite portal is one process)."""
    engine = dbmod.get_engine()
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as connection:
        alone = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": JOB_KEY}).scalar())
        connection.commit()  # the lock is the session's: the connection is not left idle in a transaction
        try:
            yield alone
        finally:
            if alone:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": JOB_KEY})
                connection.commit()


def _refresh_site_by_site() -> None:
    today, now = formatting.paris_today(), utcnow()
    with dbmod.transaction() as db:
        current = _lock(db)
        if current is not None and now - current.refreshed_at < timedelta(seconds=REFRESH_SECONDS / 2):
            return
        rebuild, since = _plan(current, today=today, now=now, rebuild=None)
    for site in SITE_KEYS:
        with dbmod.transaction() as db:
            recount(db, site=site, since=since, today=today)
    with dbmod.transaction() as db:
        recount_logins(db, today=today, rebuild=rebuild)
    with dbmod.transaction() as db:
        _mark(db, now=now, since=since, rebuild=rebuild)


async def lifespan_task() -> None:
    """Started with the portal: keeps the summary tables fresh. DCC_INDICATORS_REFRESH=0 turns it off."""
    await periodic.every(REFRESH_SECONDS, refresh_in_new_session, switch="DCC_INDICATORS_REFRESH",
                         what="indicator summaries")


def freshness(refreshed_at: datetime, now: datetime) -> str:
    minutes = int((now - refreshed_at).total_seconds() // 60)
    if minutes < 1:
        return "à jour il y a moins d'une minute"
    if minutes < 120:
        return f"à jour il y a {minutes} min"
    return f"à jour il y a {minutes // 60} h"
