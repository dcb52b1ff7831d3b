"""What the GP's phone screens cost with a large practice: "my patients" (first page, a search, a later page) and one
patient's pathway, for a GP with 2,000 patients and 50 documents each, in a region of other patients.

    python -m bench.gp [--patients 2000] [--documents 50] [--others 20000] [--runs 200]

Runs on a temporary SQLite database with the production settings (WAL, synchronous=FULL) and prints a table. Each
measure is what the event handler does: resolve the session, decide access, run the service, write its audit event,
commit. The "bare SQL" column runs the same statements the service issues for the data (compiled by SQLAlchemy,
executed with sqlite3, no ORM, no access check, no audit, no commit): the floor the screen cannot go under.
The data are generated with executemany in a few seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlmodel import select

from dcc_portal import db as dbmod
from dcc_portal import formatting, migrate
from dcc_portal.models import Document, PathwayEvent, Patient
from dcc_portal.services.access import charter
from dcc_portal.services.common import identifiers
from dcc_portal.services.gp import area as gp
from dcc_portal.services.identity import sessions

KINDS = ["frcp", "consultation", "imaging", "cr_acp", "biology", "letter", "treatment_summary", "cro"]
STEPS = ["suspicion", "diagnosis", "rcp_registered", "announcement_medical", "announcement_nursing", "gp_liaison",
         "treatment_start", "supportive_care"]
FAMILY = ["MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU", "LAURENT",
          "SIMON", "MICHEL", "LEFEBVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL", "FOURNIER", "GIRARD"]
FIRST = ["MARIE", "JEAN", "ANNE", "PIERRE", "CLAIRE", "LOUIS", "SOPHIE", "PAUL", "JULIE", "MICHEL"]
NOW = datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _insert(connection: sqlite3.Connection, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    quoted = ", ".join(f'"{c}"' for c in columns)
    connection.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" * len(columns))})',
                           [[row[c] for c in columns] for row in rows])


def generate(path: Path, url: str, *, patients: int, documents: int, others: int) -> tuple[str, str]:
    """The GP (account, session, charter accepted) and the region; returns (session token, one patient's public id)."""
    with dbmod.transaction(url) as db:
        version = charter.publish(db, version="1.0", title="Charte", body="Texte.")
        db.flush()
        charter_id = version.id
    rng = random.Random(2026)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous=OFF")  # set-up data: the figures measured are the screens'
    connection.execute("BEGIN")
    _insert(connection, "organisation", [{"id": 1, "public_id": "org1", "name": "CHU (banc d'essai)", "kind": "chu",
                                          "city": "", "phone": "", "created_at": _stamp(NOW)}])
    pros = []
    for index in range(1, 41):
        pros.append({"id": index, "public_id": f"pro{index:030d}", "rpps": identifiers.with_rpps_check_digit(f"7777{index:06d}"),
                     "family_name": f"PRO{index}", "given_name": "Essai",
                     "specialty_code": "G15_10/SM54" if index <= 20 else "G15_10/SM36",
                     "phone": f"02 99 00 00 {index:02d}", "email": f"pro{index}@example.org", "created_at": _stamp(NOW)})
    _insert(connection, "professional", pros)
    _insert(connection, "professional_organisation", [{"professional_id": p["id"], "organisation_id": 1, "is_primary": 1}
                                                      for p in pros])
    _insert(connection, "account", [{"id": 1, "public_id": "acc1", "identifier": "banc.medecin", "role": "gp",
                                     "status": "active", "email": "", "email_notifications": 0, "professional_id": 1,
                                     "patient_id": None, "password_hash": "x", "password_changed_at": _stamp(NOW),
                                     "failed_count": 0, "created_at": _stamp(NOW)}])
    _insert(connection, "charter_acceptance", [{"account_id": 1, "charter_version_id": charter_id,
                                                "accepted_at": _stamp(NOW), "client_ip": ""}])
    total = patients + others
    rows, team, diagnoses = [], [], []
    for index in range(1, total + 1):
        family, first = FAMILY[index % len(FAMILY)], FIRST[(index // 7) % len(FIRST)]
        rows.append({"id": index, "public_id": f"{index:032x}", "ins": identifiers.with_ins_key(f"1{60 + index % 30:02d}01{index:08d}"),
                     "ins_oid": identifiers.INS_OID_TEST, "local_id": f"B-{index:07d}", "birth_family_name": family,
                     "used_family_name": "", "first_names": first, "used_first_name": "", "sex": "M",
                     "birth_date": date(1950 + index % 40, 1 + index % 12, 1 + index % 28).isoformat(), "birth_place_code": "",
                     "address": "", "postal_code": "", "city": "", "phone": "", "email": "",
                     "gp_professional_id": 1 if index <= patients else 2 + index % 19,
                     "care_stage": ["diagnosis", "rcp", "announcement", "treatment", "follow_up"][index % 5],
                     "care_stage_on": None, "medical_announcement_at": None, "dmp_opposed_at": None,
                     "dmp_opposition_source": None, "search_name": f"{family} {first} {index}", "created_at": _stamp(NOW)})
        team.append({"public_id": f"m{index:031x}", "patient_id": index, "professional_id": 21 + index % 20,
                     "team_role": "referent_physician", "start_date": "2020-01-01", "end_date": None, "removed_at": None,
                     "added_by_account_id": None, "ended_by_account_id": None, "created_at": _stamp(NOW)})
        diagnoses.append({"public_id": f"d{index:031x}", "patient_id": index, "icd10_code": "C18.9",
                          "icd10_label": "Tumeur maligne du côlon", "morphology_code": "8140/3", "morphology_label": "Adénocarcinome",
                          "laterality": "", "tnm_prefix": "c", "tnm_t": "3", "tnm_n": "1", "tnm_m": "0", "other_staging": "",
                          "who_performance_status": 1, "who_performance_date": None, "suspicion_date": None,
                          "diagnosis_date": (NOW.date() - timedelta(days=90)).isoformat(), "discovery_mode": "symptoms",
                          "clinical_phase": "initial", "version": 1, "created_at": _stamp(NOW), "updated_at": _stamp(NOW)})
    _insert(connection, "patient", rows)
    _insert(connection, "care_team_membership", team)
    _insert(connection, "cancer_diagnosis", diagnoses)

    document_id, event_id = 0, 0
    docs, versions, events, reads, visits = [], [], [], [], []
    for patient_id in range(1, patients + 1):
        last_seen = NOW - timedelta(days=rng.randint(1, 60))
        if patient_id % 4:
            visits.append({"account_id": 1, "patient_id": patient_id, "last_seen_at": _stamp(last_seen)})
        for number in range(documents):
            document_id += 1
            when = NOW - timedelta(days=rng.randint(0, 400), minutes=number)
            kind = KINDS[number % len(KINDS)]
            docs.append({"id": document_id, "public_id": f"{document_id:032x}", "patient_id": patient_id, "kind": kind,
                         "title": f"Document {number}", "status": "validated", "current_version": 1,
                         "service_date": when.date().isoformat(), "organisation_id": 1,
                         "author_professional_id": 21 + patient_id % 20, "created_by_account_id": None,
                         "created_at": _stamp(when), "updated_at": _stamp(when), "validated_at": _stamp(when),
                         "hidden_from_professionals": 0, "invisible_to_patient": 0, "invisible_to_legal_reps": 0,
                         "withheld_from_medecin_traitant": 0, "announces_cancer": 0, "release_mode": "auto",
                         "release_reason": "", "released_at": None, "share_with_dmp": 0})
            versions.append({"document_id": document_id, "version": 1,
                             "content_json": json.dumps({"author": "Dr Essai", "body": "Texte."}), "file_name": None,
                             "mime_type": "application/json", "size": 10, "sha256": "0" * 64, "author_account_id": None,
                             "author_professional_id": 21 + patient_id % 20, "reason": "création", "created_at": _stamp(when),
                             "signed_at": None, "signed_by_account_id": None})
            if when < last_seen and number % 3:
                reads.append({"account_id": 1, "document_id": document_id, "version": 1, "read_at": _stamp(last_seen)})
            if number % 5 == 0:  # a step pointing at the document
                event_id += 1
                events.append({"id": event_id, "public_id": f"e{event_id:031x}", "patient_id": patient_id, "kind": "report",
                               "occurred_on": when.date().isoformat(), "title": f"Compte rendu {number}",
                               "document_id": document_id, "author_professional_id": None, "created_at": _stamp(when)})
        for number, kind in enumerate(STEPS):
            event_id += 1
            when = NOW - timedelta(days=rng.randint(0, 400))
            events.append({"id": event_id, "public_id": f"e{event_id:031x}", "patient_id": patient_id, "kind": kind,
                           "occurred_on": when.date().isoformat(), "title": f"Étape {number}", "document_id": None,
                           "author_professional_id": None, "created_at": _stamp(when)})
        if len(docs) >= 20_000:
            for table, batch in (("document", docs), ("document_version", versions), ("pathway_event", events),
                                 ("document_read", reads)):
                _insert(connection, table, batch)
            docs, versions, events, reads = [], [], [], []
    for table, batch in (("document", docs), ("document_version", versions), ("pathway_event", events),
                         ("document_read", reads), ("patient_visit", visits)):
        _insert(connection, table, batch)
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()
    with dbmod.transaction(url) as db:
        token = sessions.open_session(db, account_id=1, client_ip="127.0.0.1")
        public_id = db.exec(select(Patient.public_id).where(Patient.id == patients // 2)).one()
    return token, public_id


def _percentiles(durations: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(durations, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000


def timed(run, count: int) -> tuple[float, float]:
    durations = []
    for _ in range(count):
        start = time.perf_counter()
        run()
        durations.append(time.perf_counter() - start)
    return _percentiles(durations)


def handler(url: str, token: str, call):
    """What an event handler does: resolve the session, call the service, commit."""

    def run():
        with dbmod.transaction(url) as db:
            call(db, sessions.resolve(db, token=token))

    return run


def bare(path: Path, statements) -> callable:
    """The statements alone, compiled once, run with sqlite3."""
    compiled = [str(s.compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True})) for s in statements]
    connection = sqlite3.connect(path)

    def run():
        for sql in compiled:
            connection.execute(sql).fetchall()

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gp", description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=2000, help="patients of the GP (default 2000)")
    parser.add_argument("--documents", type=int, default=50, help="documents per patient of the GP (default 50)")
    parser.add_argument("--others", type=int, default=20000, help="other patients of the region (default 20000)")
    parser.add_argument("--runs", type=int, default=200, help="timed runs per measure (default 200)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="dcc-bench-") as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        start = time.perf_counter()
        token, patient_id = generate(path, url, patients=args.patients, documents=args.documents, others=args.others)
        generated = time.perf_counter() - start
        with dbmod.transaction(url) as db:
            actor = sessions.resolve(db, token=token)
            patient_pk = db.exec(select(Patient.id).where(Patient.public_id == patient_id)).one()
        today = formatting.paris_today()
        late_page = max(1, args.patients // 20 // 2)
        search = "MORE"
        print(f"DCC Portal — GP screens benchmark (SQLite, WAL, synchronous=FULL, {os.cpu_count()} CPU), {date.today()}")
        print(f"{args.patients:,} patients of the GP with {args.documents} documents each "
              f"({args.patients * args.documents:,} documents), {args.others:,} other patients; "
              f"generated in {generated:.1f} s")
        print()

        steps = (select(PathwayEvent, Document).outerjoin(Document, Document.id == PathwayEvent.document_id)
                 .where(PathwayEvent.patient_id == patient_pk).order_by(PathwayEvent.occurred_on, PathwayEvent.id).limit(500))

        measures = [
            ("my patients, first page",
             handler(url, token, lambda db, a: gp.my_patients(db, actor=a, page=1)),
             bare(path, gp.list_statements_with_values(actor, query="", page=1, today=today))),
            (f"my patients, search « {search.lower()} »",
             handler(url, token, lambda db, a: gp.my_patients(db, actor=a, query=search)),
             bare(path, gp.list_statements_with_values(actor, query=search, page=1, today=today))),
            (f"my patients, page {late_page}",
             handler(url, token, lambda db, a: gp.my_patients(db, actor=a, page=late_page)),
             bare(path, gp.list_statements_with_values(actor, query="", page=late_page, today=today))),
            (f"pathway view ({args.documents} documents)",
             handler(url, token, lambda db, a: gp.patient_pathway(db, actor=a, patient_public_id=patient_id)),
             bare(path, [steps])),
            ("shared documents, first page",
             handler(url, token, lambda db, a: gp.shared_documents(db, actor=a, patient_public_id=patient_id)),
             bare(path, gp.documents_statements(actor, patient_id=patient_pk, page=1))),
        ]
        rows = []
        for label, full, floor in measures:
            p50, p95 = timed(full, args.runs)
            f50, f95 = timed(floor, args.runs)
            rows.append((label, f"{p50:.1f} ms", f"{p95:.1f} ms", f"{f50:.2f} ms", f"{f95:.2f} ms"))
        dbmod.dispose_engines()
        header = ("measure", "p50", "p95", "bare SQL p50", "bare SQL p95")
        widths = [max(len(row[i]) for row in [*rows, header]) for i in range(5)]
        print("  ".join(text.ljust(width) for text, width in zip(header, widths, strict=True)))
        print("  ".join("-" * width for width in widths))
        for row in rows:
            print("  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)))
        print()
        print(f"database file: {path.stat().st_size / 1e6:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
