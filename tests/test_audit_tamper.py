"""The audit trail against tampering through raw SQL: the database refuses UPDATE and DELETE, and whatever
someone with the power to drop the triggers does (edit, delete, reorder, insert, truncate) is found by
`audit verify`, which names the first bad record."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlmodel import select

from dcc_portal import cli
from dcc_portal.models import AuditEvent
from dcc_portal.services.access import audit

EVENTS = 12
REFUSED = (sqlite3.DatabaseError, psycopg.Error)


class Raw:
    """A connection outside the application, with the power of the database owner (SQLite file or PostgreSQL)."""

    def __init__(self, db_url: str):
        self.postgres = db_url.startswith("postgresql")
        if self.postgres:
            self.connection = psycopg.connect(db_url.replace("+psycopg", ""), autocommit=True)
        else:
            self.connection = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)

    def execute(self, sql: str, params: tuple = ()):
        return self.connection.execute(sql.replace("?", "%s") if self.postgres else sql, params)

    def drop_triggers(self) -> None:
        if self.postgres:
            self.execute("DROP TRIGGER audit_event_no_change ON audit_event")
        else:
            self.execute("DROP TRIGGER audit_event_no_update")
            self.execute("DROP TRIGGER audit_event_no_delete")

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def chain(db, db_url):
    """Twelve chained events written through the application; returns a raw connection to the same database."""
    start = datetime(2026, 3, 10, 8, tzinfo=UTC)
    for index in range(EVENTS):
        audit.record(db, action="read", account_id=index + 1, actor_role="clinician", patient_id=100 + index,
                     grant="care_team", detail=f"événement {index + 1}", at=start + timedelta(minutes=index))
        if index % 4 == 3:
            db.commit()
    db.commit()
    assert audit.verify(db).ok
    db.rollback()  # every transaction holds the SQLite write lock (BEGIN IMMEDIATE): release it for the raw connection
    raw = Raw(db_url)
    yield raw
    raw.close()


def _drop_triggers(raw: Raw) -> None:
    """What only the database owner can do: the application's role cannot."""
    raw.drop_triggers()


def _id_of(raw, seq: int) -> int:
    return raw.execute("SELECT id FROM audit_event WHERE seq = ?", (seq,)).fetchone()[0]


def _verify(db) -> audit.VerifyReport:
    db.expire_all()
    try:
        return audit.verify(db)
    finally:
        db.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET detail = 'rien' WHERE seq = 5",
        "UPDATE audit_event SET outcome = 'success' WHERE outcome = 'success'",
        "UPDATE audit_event SET seq = seq + 100",
        "DELETE FROM audit_event WHERE seq = 5",
        "DELETE FROM audit_event",
    ],
)
def test_the_database_refuses_update_and_delete(db, chain, statement):
    with pytest.raises(REFUSED, match="append-only"):
        chain.execute(statement)
    assert chain.execute("SELECT count(*) FROM audit_event").fetchone()[0] == EVENTS
    assert _verify(db).ok


def test_an_edited_event_is_named(db, chain):
    _drop_triggers(chain)
    chain.execute("UPDATE audit_event SET detail = 'autre chose' WHERE seq = 7")
    report = _verify(db)
    assert (report.ok, report.first_bad_seq, report.first_bad_id, report.checked) == (False, 7, _id_of(chain, 7), 6)
    assert report.reason == "le contenu de l'événement a été modifié"


@pytest.mark.parametrize("stored", ["2026-03-10 08:04:01", "2026-03-10T08:03:00.000000", "2026-03-10 08:04:00.000001", "hier"])
def test_a_rewritten_time_is_named_whatever_its_form(db, chain, stored):
    """Event 5 happened at 08:04:00.000000 UTC; any other instant, in any text form, or no time at all, is found."""
    _drop_triggers(chain)
    if chain.postgres and stored == "hier":  # a typed column: PostgreSQL refuses what is not a time
        with pytest.raises(psycopg.errors.InvalidDatetimeFormat):
            chain.execute("UPDATE audit_event SET at = ? WHERE seq = 5", (stored,))
        return
    chain.execute("UPDATE audit_event SET at = ? WHERE seq = 5", (stored,))
    report = _verify(db)
    assert (report.ok, report.first_bad_seq, report.reason) == (False, 5, "le contenu de l'événement a été modifié")


def test_an_edited_event_with_its_hash_recomputed_breaks_the_next_link(db, chain):
    _drop_triggers(chain)
    row = db.exec(select(AuditEvent).where(AuditEvent.seq == 4)).one()
    values = {name: getattr(row, name) for name in audit.HASHED_FIELDS} | {"outcome": "denied"}
    forged = audit.event_hash(row.prev_hash, values)
    db.rollback()
    chain.execute("UPDATE audit_event SET outcome = 'denied', hash = ? WHERE seq = 4", (forged,))
    report = _verify(db)
    assert (report.first_bad_seq, report.reason) == (5, "le lien avec l'événement précédent est rompu")


def test_a_deleted_event_is_named(db, chain):
    _drop_triggers(chain)
    victim_next = _id_of(chain, 6)
    chain.execute("DELETE FROM audit_event WHERE seq = 5")
    report = _verify(db)
    assert (report.ok, report.first_bad_seq, report.first_bad_id) == (False, 6, victim_next)
    assert report.reason.startswith("séquence rompue : attendu 5")


def test_reordered_events_are_named(db, chain):
    _drop_triggers(chain)
    chain.execute("UPDATE audit_event SET seq = -1 WHERE seq = 3")
    chain.execute("UPDATE audit_event SET seq = 3 WHERE seq = 8")
    chain.execute("UPDATE audit_event SET seq = 8 WHERE seq = -1")
    report = _verify(db)
    assert (report.first_bad_seq, report.first_bad_id) == (3, _id_of(chain, 3))


def test_swapped_contents_are_named(db, chain):
    """Same sequence numbers, rows exchanged by id: the chain links no longer match."""
    _drop_triggers(chain)
    columns = ["at", "account_id", "patient_id", "detail", "prev_hash", "hash"]
    first = chain.execute(f"SELECT {', '.join(columns)} FROM audit_event WHERE seq = 9").fetchone()
    second = chain.execute(f"SELECT {', '.join(columns)} FROM audit_event WHERE seq = 10").fetchone()
    assignments = ", ".join(f"{column} = ?" for column in columns)
    chain.execute(f"UPDATE audit_event SET {assignments} WHERE seq = 9", second)
    chain.execute(f"UPDATE audit_event SET {assignments} WHERE seq = 10", first)
    report = _verify(db)
    assert report.first_bad_seq == 9 and not report.ok


def test_an_event_inserted_in_the_middle_is_named(db, chain):
    """Inserting needs no dropped trigger, but making room in the sequence does."""
    _drop_triggers(chain)
    chain.execute("UPDATE audit_event SET seq = seq + 1000 WHERE seq >= 6")
    chain.execute("UPDATE audit_event SET seq = seq - 999 WHERE seq >= 1006")
    previous = chain.execute("SELECT hash FROM audit_event WHERE seq = 5").fetchone()[0]
    chain.execute(
        "INSERT INTO audit_event (seq, at, account_id, actor_role, action, outcome, document_id, \"grant\", justification, "
        "detail, client_ip, session_hash, prev_hash, hash) VALUES (6, '2026-03-10 08:05:30.000000', 99, 'clinician', "
        "'read', 'success', '', 'care_team', '', 'faux', '', '', ?, ?)",
        (previous, "f" * 64),
    )
    report = _verify(db)
    assert (report.first_bad_seq, report.reason) == (6, "le contenu de l'événement a été modifié")
    assert report.first_bad_id == _id_of(chain, 6)


def test_an_event_appended_outside_the_application_is_found(db, chain):
    """Even with a correct hash: the head kept by the application does not move."""
    last = db.exec(select(AuditEvent).where(AuditEvent.seq == EVENTS)).one()
    values = {name: getattr(last, name) for name in audit.HASHED_FIELDS} | {"seq": EVENTS + 1, "detail": "ajout"}
    forged = audit.event_hash(last.hash, values)
    db.rollback()
    chain.execute(
        "INSERT INTO audit_event (seq, at, account_id, actor_role, organisation_id, action, outcome, patient_id, document_id, "
        "document_version, \"grant\", justification, detail, client_ip, session_hash, prev_hash, hash) "
        "SELECT ?, at, account_id, actor_role, organisation_id, action, outcome, patient_id, document_id, document_version, "
        "\"grant\", justification, 'ajout', client_ip, session_hash, hash, ? FROM audit_event WHERE seq = ?",
        (EVENTS + 1, forged, EVENTS),
    )
    report = _verify(db)
    assert (report.ok, report.first_bad_seq) == (False, EVENTS + 1)
    assert report.reason == "la fin de la chaîne ne correspond pas à la tête enregistrée"


def test_a_truncated_tail_is_found(db, chain):
    _drop_triggers(chain)
    chain.execute(f"DELETE FROM audit_event WHERE seq > {EVENTS - 3}")
    report = _verify(db)
    assert (report.ok, report.checked, report.first_bad_seq) == (False, EVENTS - 3, EVENTS - 2)


def test_the_command_reports_the_first_broken_link(db, db_url, chain, monkeypatch, capsys):
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    assert cli.main(["audit", "verify"]) == 0
    assert f"{EVENTS} événements vérifiés" in capsys.readouterr().out
    _drop_triggers(chain)
    chain.execute("UPDATE audit_event SET patient_id = 999 WHERE seq = 3")
    assert cli.main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"ROMPUE à l'événement n° 3 (id {_id_of(chain, 3)})" in err and "2 événements vérifiés" in err
