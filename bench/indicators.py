"""Server time of the Indicateurs page on the regional dataset, for each kind of filter, next to its floor.

    python -m dcc_portal generate-region --db-url URL      # once (minutes); then:
    python -m bench.indicators --db-url URL [--runs 20] [--markdown]

Each measure is what the page's event handler does: one transaction that resolves a real session into an Actor,
calls `services.indicators.report.indicators` (scope check, every figure, the audit event) and commits. The floor is
the figures alone (`report.compute`: the aggregate queries and their folding), without the access rule and the audit.
The summary tables are rebuilt first (timed, with a window refresh, as the periodic job runs them); `--direct`
measures the figures counted straight from the record instead.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

from sqlmodel import select

from bench.common import markdown_table, percentiles, print_table, timed_pair
from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import Account, CharterAcceptance, Organisation, Rcp
from dcc_portal.services.access import charter
from dcc_portal.services.identity import sessions
from dcc_portal.models import IndicatorRefresh
from dcc_portal.services.indicators import report, scope, summary
from dcc_portal.services.indicators.sql import Filters


def _token(url: str, identifier: str) -> str:
    with dbmod.transaction(url) as db:
        account = db.exec(select(Account).where(Account.identifier == identifier)).one()
        current = charter.current(db)
        if current is not None and charter.needs_acceptance(db, account_id=account.id):
            db.add(CharterAcceptance(account_id=account.id, charter_version_id=current.id))
        return sessions.open_session(db, account_id=account.id, client_ip="127.0.0.1", user_agent="bench.indicators")


def _cases(url: str) -> list[tuple[str, str, dict]]:
    today = formatting.paris_today()
    year = {"date_from": (today - timedelta(days=365)).isoformat(), "date_to": today.isoformat()}
    three_years = {"date_from": (today - timedelta(days=3 * 365)).isoformat(), "date_to": today.isoformat()}
    with dbmod.transaction(url) as db:
        busiest = db.exec(select(Rcp.public_id).order_by(Rcp.id)).first()
        organisation = db.exec(select(Organisation.public_id).join(Rcp, Rcp.organisation_id == Organisation.id)
                               .order_by(Rcp.id)).first()
    return [
        ("réseau, 12 mois", "admin.dsrc", year),
        ("réseau, 3 ans", "admin.dsrc", three_years),
        ("une RCP, 12 mois", "admin.dsrc", {**year, "rcp_public_id": busiest}),
        ("un établissement, 12 mois", "admin.dsrc", {**year, "organisation_public_id": organisation}),
        ("sein (C50), 12 mois", "admin.dsrc", {**year, "site": "C50"}),
        ("secrétariat (ses RCP), 12 mois", "sec.roux", year),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.indicators", description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--direct", action="store_true", help="without the summary tables (counted from the record)")
    args = parser.parse_args(argv)
    url = args.db_url
    for rebuild in (True, False):
        started = time.perf_counter()
        with dbmod.transaction(url) as db:
            summary.refresh(db, today=formatting.paris_today(), rebuild=rebuild)
        print(f"{'rebuild' if rebuild else 'window refresh'} of the summary tables: {time.perf_counter() - started:.1f} s")
    if args.direct:
        with dbmod.transaction(url) as db:
            db.delete(db.get(IndicatorRefresh, summary.NAME))
    tokens = {identifier: _token(url, identifier) for identifier in ("admin.dsrc", "sec.roux")}
    rows = []
    for label, identifier, query in _cases(url):
        def handler(_i, identifier=identifier, query=query):
            with dbmod.transaction(url) as db:
                actor = sessions.resolve(db, token=tokens[identifier], client_ip="127.0.0.1")
                report.indicators(db, actor=actor, **query)

        def floor(_i, identifier=identifier, query=query):
            with dbmod.transaction(url) as db:
                actor = sessions.resolve(db, token=tokens[identifier], client_ip="127.0.0.1")
                visible = scope.visible_rcp_ids(db, actor=actor)
                rcp_id = db.exec(select(Rcp.id).where(Rcp.public_id == query.get("rcp_public_id", ""))).first()
                organisation_id = db.exec(select(Organisation.id).where(
                    Organisation.public_id == query.get("organisation_public_id", ""))).first()
                filters = Filters(date.fromisoformat(query["date_from"]), date.fromisoformat(query["date_to"]), rcp_id,
                                  organisation_id, query.get("site", ""), frozenset(visible) if visible is not None else None)
                report.compute(db, filters, {}, summarised=not args.direct)

        handled, floored = timed_pair(handler, floor, args.runs, warmup=1)
        p50, p95 = percentiles(handled)
        f50, f95 = percentiles(floored)
        rows.append((label, f"{p50:.0f}", f"{p95:.0f}", f"{f50:.0f}", f"{f95:.0f}", f"{p95 / f95:.2f}"))
    header = ("filtre", "p50 ms", "p95 ms", "plancher p50", "plancher p95", "p95 / plancher")
    if args.markdown:
        print(markdown_table(header, rows))
    else:
        print_table(header, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
