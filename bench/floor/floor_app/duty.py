"""The least database work the portal's rules ask of a page, for `bench.load --floor-duty`.

With `DCC_FLOOR_DUTY=1` the floor app does, for each page event, in one transaction on the region's PostgreSQL
database, through psycopg alone (no ORM, no SQLAlchemy), on the worker's event loop as the portal does:
- the session check: a session looked up by a token's hash (the tab's token: the floor has no login session);
- the access rule: the reader's care-team membership of the patient;
- the page's rows (20 patients, or a patient and 20 of its documents, or a document);
- one audit event chained to the previous one (sha256 computed by PostgreSQL, one statement, the head's row locked);
- a durable commit.
Four statements and a commit per page, where the portal sends 7 (a list) to 18 (a patient file). The audit chain lives
in its own schema (`bench_floor`), which `bench.load` drops after the run; the region's own tables are only read.
"""

from __future__ import annotations

import hashlib
import os

import psycopg

SCHEMA = "bench_floor"
_SETUP = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.audit_event (
    seq bigint PRIMARY KEY, at timestamptz NOT NULL, actor integer, action varchar(40) NOT NULL,
    patient_id integer, detail varchar(500) NOT NULL, prev_hash char(64) NOT NULL, hash char(64) NOT NULL);
CREATE TABLE IF NOT EXISTS {SCHEMA}.audit_head (id integer PRIMARY KEY, seq bigint NOT NULL, hash char(64) NOT NULL);
INSERT INTO {SCHEMA}.audit_head VALUES (1, 0, repeat('0', 64)) ON CONFLICT DO NOTHING;
"""
_SESSION = "SELECT id, account_id, expires_at, revoked_at FROM user_session WHERE token_hash = %s"
_ACCESS = ("SELECT EXISTS (SELECT 1 FROM care_team_membership WHERE patient_id = %s AND professional_id = %s "
           "AND (end_date IS NULL OR end_date >= current_date))")
_LIST = ("SELECT id, public_id, birth_family_name, first_names, birth_date, sex, ins FROM patient "
         "WHERE id >= %s ORDER BY id LIMIT 20")
_PATIENT = ("SELECT p.id, p.public_id, p.birth_family_name, p.first_names, p.birth_date, p.sex, p.ins, d.public_id, "
            "d.kind, d.title, d.status, d.current_version FROM patient p LEFT JOIN LATERAL (SELECT * FROM document "
            "WHERE document.patient_id = p.id ORDER BY id DESC LIMIT 20) d ON true WHERE p.id = %s")
_DOCUMENT = ("SELECT d.public_id, d.kind, d.title, d.status, d.current_version, v.created_at FROM document d "
             "JOIN document_version v ON v.document_id = d.id AND v.version = d.current_version "
             "WHERE d.id >= %s ORDER BY d.id LIMIT 1")
_AUDIT = f"""
WITH head AS (SELECT seq, hash FROM {SCHEMA}.audit_head WHERE id = 1 FOR UPDATE),
new AS (
    INSERT INTO {SCHEMA}.audit_event
    SELECT seq + 1, now(), %(actor)s::integer, %(action)s::text, %(patient)s::integer, %(detail)s::text, hash,
           encode(sha256(convert_to(hash || (seq + 1) || %(action)s::text || %(detail)s::text, 'UTF8')), 'hex')
    FROM head RETURNING seq, hash)
UPDATE {SCHEMA}.audit_head SET seq = new.seq, hash = new.hash FROM new WHERE audit_head.id = 1
"""

_connection: psycopg.Connection | None = None
_region: tuple[int, int, int] | None = None  # the largest patient, document and professional ids


def enabled() -> bool:
    return os.environ.get("DCC_FLOOR_DUTY") == "1"


def _connect(url: str) -> psycopg.Connection:
    """Autocommit: each page opens its own transaction."""
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def _open() -> psycopg.Connection:
    global _connection, _region
    if _connection is None or _connection.closed:
        _connection = _connect(os.environ["REFLEX_DB_URL"])
        with _connection.transaction():
            _connection.execute("SELECT pg_advisory_xact_lock(20261207)")
            _connection.execute(_SETUP)
        _region = _connection.execute("SELECT (SELECT max(id) FROM patient), (SELECT max(id) FROM document), "
                                      "(SELECT max(id) FROM professional)").fetchone()
    return _connection


def page(kind: str, key: str, session_token: str) -> None:
    """One page's duty (kind: list, patient or document), keyed by the page's parameter. The floor answers from
    memory: the rows are read, not shown."""
    connection = _open()
    patients, documents, professionals = _region
    spread = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big")
    patient_id = 1 + spread % patients
    with connection.transaction():
        connection.execute(_SESSION, (hashlib.sha256(session_token.encode()).hexdigest(),)).fetchone()
        connection.execute(_ACCESS, (patient_id, 1 + spread % professionals)).fetchone()
        if kind == "list":
            connection.execute(_LIST, (patient_id,)).fetchall()
        elif kind == "patient":
            connection.execute(_PATIENT, (patient_id,)).fetchall()
        else:
            connection.execute(_DOCUMENT, (1 + spread % documents,)).fetchall()
        connection.execute(_AUDIT, {"actor": 1 + spread % professionals, "action": "read", "patient": patient_id,
                                    "detail": f"{kind} {key[:80]}"})


def drop(url: str) -> None:
    with _connect(url) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
