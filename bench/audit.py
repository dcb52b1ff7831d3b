"""What the audit trail costs: writing the event of an audited read, and verifying a long chain.

    python -m bench.audit [--reads 2000] [--events 1000000]

Runs on a temporary SQLite database with the production settings (WAL, synchronous=FULL, one transaction per
event as in a Reflex handler) and prints a table. The 1,000,000-event chain is generated with executemany, its
hashes computed in Python exactly as the application does.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.common import percentiles, print_table
from dcc_portal import db as dbmod
from dcc_portal import migrate
from dcc_portal.models import (
    Account,
    CareTeamMembership,
    Organisation,
    Patient,
    Professional,
    ProfessionalOrganisation,
    Role,
)
from dcc_portal.services.access import audit
from dcc_portal.services.common import identifiers
from dcc_portal.services.identity import sessions
from dcc_portal.services.record import patients


def _world(url: str) -> tuple[str, str]:
    """One clinician in the care team of one patient; returns (session token, patient public id)."""
    with dbmod.transaction(url) as db:
        org = Organisation(name="CHU (banc d'essai)", kind="chu")
        pro = Professional(rpps=identifiers.with_rpps_check_digit("7777000001"), family_name="BANC", given_name="Essai",
                           specialty_code="G15_10/SM36")
        patient = Patient(ins=identifiers.with_ins_key("2600144001001"), local_id="BENCH-1", birth_family_name="ESSAI",
                          first_names="Marie", sex="F", birth_date=date(1960, 1, 1), search_name="ESSAI MARIE")
        db.add_all([org, pro, patient])
        db.flush()
        db.add(ProfessionalOrganisation(professional_id=pro.id, organisation_id=org.id))
        db.add(CareTeamMembership(patient_id=patient.id, professional_id=pro.id, team_role="oncologist", start_date=date(2020, 1, 1)))
        account = Account(identifier="banc.essai", role=Role.CLINICIAN, professional_id=pro.id, password_hash="x")
        db.add(account)
        db.flush()
        token = sessions.open_session(db, account_id=account.id, client_ip="127.0.0.1")
        return token, patient.public_id


def bench_record(url: str, count: int) -> tuple[float, float, float]:
    """audit.record + commit, one event per transaction (the floor of any audited action)."""
    durations = []
    for index in range(count):
        start = time.perf_counter()
        with dbmod.transaction(url) as db:
            audit.record(db, action="read", account_id=1, actor_role="clinician", patient_id=1, grant="care_team",
                         detail=f"banc d'essai {index}")
        durations.append(time.perf_counter() - start)
    return (count / sum(durations), *percentiles(durations))


def bench_audited_read(url: str, token: str, patient_id: str, count: int) -> tuple[float, float, float]:
    """What a handler does for a patient summary: resolve the session, decide access, audit, read, commit."""
    durations = []
    for _ in range(count):
        start = time.perf_counter()
        with dbmod.transaction(url) as db:
            actor = sessions.resolve(db, token=token)
            patients.summary(db, actor=actor, patient_public_id=patient_id)
        durations.append(time.perf_counter() - start)
    return (count / sum(durations), *percentiles(durations))


def generate_chain(path: Path, count: int, *, batch: int = 50_000) -> float:
    """Append `count` chained events after the current head, as fast as SQLite takes them; returns seconds."""
    columns = ["seq", "at", "account_id", "actor_role", "organisation_id", "action", "outcome", "patient_id", "document_id",
               "document_version", "grant", "justification", "detail", "client_ip", "session_hash", "prev_hash", "hash"]
    quoted = ", ".join('"' + column + '"' for column in columns)
    statement = f"INSERT INTO audit_event ({quoted}) VALUES ({', '.join('?' * len(columns))})"
    start = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")  # set-up data: the figures measured are the verification's
    seq, prev = connection.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    base = datetime(2026, 1, 1, 7, tzinfo=UTC)
    actions = ["read", "read", "read", "update", "search", "export", "login"]
    rows = []
    for index in range(count):
        seq += 1
        values = {
            "seq": seq, "at": base + timedelta(milliseconds=250 * index), "account_id": 1 + index % 500,
            "actor_role": "clinician", "organisation_id": 1 + index % 7, "action": actions[index % len(actions)],
            "outcome": "success", "patient_id": 1 + index % 100_000, "document_id": "", "document_version": None,
            "grant": "care_team", "justification": "", "detail": "banc d'essai", "client_ip": "10.0.0.1",
            "session_hash": f"{index % 65536:016x}",
        }
        digest = audit.event_hash(prev, values)
        stored_at = values["at"].astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        rows.append([values[c] if c != "at" else stored_at for c in columns[:-2]] + [prev, digest])
        prev = digest
        if len(rows) == batch:
            connection.execute("BEGIN")
            connection.executemany(statement, rows)
            connection.execute("COMMIT")
            rows = []
    connection.execute("BEGIN")
    if rows:
        connection.executemany(statement, rows)
    connection.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, prev))
    connection.execute("COMMIT")
    connection.close()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audit", description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=2000, help="audited reads to time (default 2000)")
    parser.add_argument("--events", type=int, default=1_000_000, help="length of the chain to verify (default 1000000)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="dcc-bench-") as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        token, patient_id = _world(url)

        print(f"DCC Portal — audit trail benchmark (SQLite, WAL, synchronous=FULL, {os.cpu_count()} CPU), {date.today()}")
        print()
        record = bench_record(url, args.reads)
        read = bench_audited_read(url, token, patient_id, args.reads)
        dbmod.dispose_engines()

        written = generate_chain(path, args.events)
        with dbmod.transaction(url) as db:
            start = time.perf_counter()
            report = audit.verify(db)
            verify_seconds = time.perf_counter() - start
        dbmod.dispose_engines()
        if not report.ok:
            print(f"verify failed: {report}", file=sys.stderr)
            return 1

        rows = [
            ("audit.record + commit (1 event / transaction)", f"{record[0]:,.0f} events/s", f"{record[1]:.2f} ms", f"{record[2]:.2f} ms"),
            ("audited read (session + access + audit + summary)", f"{read[0]:,.0f} reads/s", f"{read[1]:.2f} ms", f"{read[2]:.2f} ms"),
            (f"generate {args.events:,} chained events (executemany)", f"{args.events / written:,.0f} events/s", f"{written:.1f} s total", ""),
            (f"audit verify on {report.checked:,} events", f"{report.checked / verify_seconds:,.0f} events/s", f"{verify_seconds:.1f} s total", ""),
        ]
        print_table(("measure", "throughput", "p50", "p95"), rows)
        print()
        print(f"database file after the run: {path.stat().st_size / 1e6:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
