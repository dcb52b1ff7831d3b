"""The audit trail: append-only in the database, hash-chained, and any tampering named by `verify`."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal.models import AuditEvent, AuditHead, Role
from dcc_portal.services.access import audit
from tests import factories
from tests.factories import T0


def write_events(db: Session, count: int, *, per_commit: int = 5) -> None:
    for index in range(count):
        audit.record(db, action="read", account_id=index % 7 or None, actor_role="clinician", patient_id=index,
                     detail=f"événement {index} – « accentué » \"cité\" \\ fin", client_ip="10.0.0.1", at=T0 + timedelta(seconds=index))
        if index % per_commit == per_commit - 1:
            db.commit()
    db.commit()


def drop_protection(db: Session) -> None:
    """What someone with direct write access to the database (file or superuser) could do first."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("DROP TRIGGER audit_event_no_update"))
        db.execute(text("DROP TRIGGER audit_event_no_delete"))
    else:
        db.execute(text("DROP TRIGGER audit_event_no_change ON audit_event"))
    db.commit()


def test_events_are_chained_in_order_and_verify(db):
    write_events(db, 120)
    report = audit.verify(db, batch=7)  # small batches: the walk crosses many page boundaries
    assert (report.ok, report.checked) == (True, 120)
    seqs = db.exec(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == list(range(1, 121))


def test_each_event_links_to_the_previous_one(db):
    write_events(db, 3)
    first, second, third = db.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert first.prev_hash == audit.GENESIS_HASH
    assert (second.prev_hash, third.prev_hash) == (first.hash, second.hash)
    assert db.get(AuditHead, 1).hash == third.hash


def test_empty_trail_verifies(db):
    assert audit.verify(db) == audit.VerifyReport(True, 0)


def test_event_records_the_actor_context(db):
    account, _ = factories.account(db, role=Role.NURSE, professional=factories.professional(db, org=factories.organisation(db)))
    actor = factories.actor_for(db, account)
    audit.record(db, actor=actor, action="read", patient_id=3, grant="care_team", detail="synthèse")
    db.commit()
    event = db.exec(select(AuditEvent)).one()
    assert (event.account_id, event.actor_role, event.organisation_id, event.session_hash, event.client_ip) == (
        account.id, "nurse", actor.organisation_id, actor.session_hash, "127.0.0.1"
    )
    assert event.at.tzinfo is not None


def test_one_access_is_one_event_and_only_the_same_access_is_joined(db):
    account, _ = factories.account(db, role=Role.CLINICIAN, professional=factories.professional(db, org=factories.organisation(db)))
    actor = factories.actor_for(db, account)

    def read(detail, **changes):
        audit.record(db, **({"actor": actor, "action": "read", "patient_id": 3, "grant": "care_team", "detail": detail} | changes))

    read("synthèse patient")
    read("diagnostic")
    read("synthèse patient")  # read again: named once
    read("ouverture du document", document_id="D1", document_version=2)
    read("destinataires", document_id="D1", document_version=2)
    read("ancienne version", document_id="D1", document_version=1)
    read("en urgence", grant="emergency", justification="patient aux urgences")
    read("autre patient", patient_id=4)
    read("refusé", outcome="denied")
    read("refusé encore", outcome="denied")
    read("modification", action="update")
    read("modification encore", action="update")
    at = T0 + timedelta(days=1)
    read("histoire rejouée", at=at)
    read("même instant", at=at)
    read("autre instant", at=at + timedelta(seconds=1))
    db.commit()
    events = db.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [(e.action, e.outcome, e.patient_id, e.document_id, e.document_version, e.grant, e.detail) for e in events] == [
        ("read", "success", 3, "", None, "care_team", "synthèse patient ; diagnostic"),
        ("read", "success", 3, "D1", 2, "care_team", "ouverture du document ; destinataires"),
        ("read", "success", 3, "D1", 1, "care_team", "ancienne version"),
        ("read", "success", 3, "", None, "emergency", "en urgence"),
        ("read", "success", 4, "", None, "care_team", "autre patient"),
        ("read", "denied", 3, "", None, "care_team", "refusé"),
        ("read", "denied", 3, "", None, "care_team", "refusé encore"),
        ("update", "success", 3, "", None, "care_team", "modification"),
        ("update", "success", 3, "", None, "care_team", "modification encore"),
        ("read", "success", 3, "", None, "care_team", "histoire rejouée ; même instant"),
        ("read", "success", 3, "", None, "care_team", "autre instant"),
    ]
    assert audit.verify(db).ok
    read("synthèse patient")  # the next transaction's access is an event of its own
    db.commit()
    assert db.exec(select(AuditEvent).order_by(AuditEvent.seq.desc())).first().detail == "synthèse patient"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET detail = 'rien à signaler' WHERE seq = 2",
        "UPDATE audit_event SET outcome = 'success'",
        "DELETE FROM audit_event WHERE seq = 2",
        "DELETE FROM audit_event",
    ],
)
def test_database_refuses_to_change_or_delete_events(db, statement):
    write_events(db, 3)
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(statement))
    db.rollback()
    assert audit.verify(db).ok and audit.verify(db).checked == 3


def _edit(db, n):
    db.execute(text("UPDATE audit_event SET patient_id = 999 WHERE seq = 5"))
    return 5


def _garble_time(db, n):
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("a typed timestamp column refuses a garbled time by itself")
    db.execute(text("UPDATE audit_event SET at = 'not a date' WHERE seq = 6"))
    return 6


def _edit_time(db, n):
    db.execute(text("UPDATE audit_event SET at = '2020-01-01 00:00:00.000000' WHERE seq = 7"))
    return 7


def _delete_middle(db, n):
    db.execute(text("DELETE FROM audit_event WHERE seq = 5"))
    return 6  # the chain breaks where seq 5 is missing: at the event that follows


def _delete_first(db, n):
    db.execute(text("DELETE FROM audit_event WHERE seq = 1"))
    return 2


def _delete_last(db, n):
    db.execute(text("DELETE FROM audit_event WHERE seq = :n"), {"n": n})
    return n


def _swap(db, n):
    """Exchange everything but the position of events 3 and 8 (content, links and hashes)."""
    columns = [c for c in AuditEvent.__table__.columns.keys() if c not in ("id", "seq")]
    quoted = ", ".join('"%s"' % c for c in columns)
    rows = {
        seq: db.execute(text(f"SELECT {quoted} FROM audit_event WHERE seq = :s"), {"s": seq}).one() for seq in (3, 8)
    }
    assignments = ", ".join('"%s" = :%s' % (c, c) for c in columns)
    for seq, other in ((3, 8), (8, 3)):
        values = dict(zip(columns, rows[other], strict=True))
        db.execute(text(f"UPDATE audit_event SET {assignments} WHERE seq = :s"), {**values, "s": seq})
    return 3


def _forge_at_end(db, n):
    """A well-formed event appended outside the application: linked and hashed correctly, head untouched."""
    last = db.execute(text("SELECT hash FROM audit_event WHERE seq = :n"), {"n": n}).scalar_one()
    values = dict(seq=n + 1, at=T0.replace(tzinfo=None), account_id=1, actor_role="admin", organisation_id=None,
                  action="read", outcome="success", patient_id=1, document_id="", document_version=None, grant="",
                  justification="", detail="forged", client_ip="", session_hash="")
    forged_hash = audit.event_hash(last, values)  # exactly what verify will recompute
    db.execute(
        text('INSERT INTO audit_event (seq, at, account_id, actor_role, action, outcome, patient_id, document_id, "grant", '
             "justification, detail, client_ip, session_hash, prev_hash, hash) VALUES (:seq, :at, 1, 'admin', 'read', "
             "'success', 1, '', '', '', 'forged', '', '', :prev, :hash)"),
        {"seq": n + 1, "at": T0.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds"), "prev": last, "hash": forged_hash},
    )
    return n + 1


def _forge_outside_the_sequence(db, n):
    """A row numbered 0 sits before the first event: it must not go unnoticed."""
    db.execute(
        text('INSERT INTO audit_event (seq, at, actor_role, action, outcome, document_id, "grant", justification, detail, '
             "client_ip, session_hash, prev_hash, hash) VALUES (0, '2026-03-10 08:00:00.000000', 'clinician', 'read', "
             "'success', '', '', '', 'forged', '', '', :genesis, :genesis)"),
        {"genesis": audit.GENESIS_HASH},
    )
    return 0


def _rehash_edit(db, n):
    """Edit an event and recompute its own hash: the next event's link still gives it away."""
    row = db.execute(text("SELECT * FROM audit_event WHERE seq = 4")).mappings().one()
    values = {name: row[name] for name in audit.HASHED_FIELDS}
    values["detail"] = "edited"
    if isinstance(values["at"], str):
        values["at"] = datetime.fromisoformat(values["at"])
    new_hash = audit.event_hash(row["prev_hash"], values)
    db.execute(text("UPDATE audit_event SET detail = 'edited', hash = :h WHERE seq = 4"), {"h": new_hash})
    return 5


TAMPERING = {
    "edit-a-field": _edit,
    "edit-the-time": _edit_time,
    "garble-the-time": _garble_time,
    "edit-and-rehash": _rehash_edit,
    "delete-a-middle-event": _delete_middle,
    "delete-the-first-event": _delete_first,
    "delete-the-last-event": _delete_last,
    "swap-two-events": _swap,
    "insert-a-well-formed-event-at-the-end": _forge_at_end,
    "insert-an-event-outside-the-sequence": _forge_outside_the_sequence,
}


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_tampering_is_detected_and_the_first_bad_event_named(db, tamper):
    write_events(db, 10)
    drop_protection(db)
    first_bad = tamper(db, 10)
    db.commit()

    report = audit.verify(db)

    assert not report.ok
    assert report.first_bad_seq == first_bad
    assert report.reason


def test_events_written_concurrently_form_one_valid_chain(db_url):
    threads_count, transactions, per_transaction = 6, 15, 2
    errors: list[BaseException] = []
    start = threading.Barrier(threads_count)

    def worker(worker_id: int) -> None:
        try:
            start.wait()
            for index in range(transactions):
                with dbmod.transaction(db_url) as session:
                    for part in range(per_transaction):
                        audit.record(session, action="read", detail=f"w{worker_id}-t{index}-p{part}")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with dbmod.transaction(db_url) as session:
        report = audit.verify(session)
        details = session.exec(select(AuditEvent.detail)).all()
    total = threads_count * transactions * per_transaction
    assert (report.ok, report.checked) == (True, total)
    assert len(set(details)) == total


def test_rolled_back_transaction_leaves_no_event(db_url):
    with pytest.raises(RuntimeError), dbmod.transaction(db_url) as session:
        audit.record(session, action="update", detail="abandoned")
        raise RuntimeError("the save failed")
    with dbmod.transaction(db_url) as session:
        assert session.exec(select(AuditEvent)).all() == []
        assert session.get(AuditHead, 1).seq == 0


def test_events_of_a_rolled_back_transaction_are_not_written_by_the_next_one(db):
    audit.record(db, action="update", detail="abandoned")
    db.rollback()
    audit.record(db, action="update", detail="kept")
    db.commit()
    assert db.exec(select(AuditEvent.detail)).all() == ["kept"]


def test_events_of_a_closed_session_are_not_written_later(db):
    audit.record(db, action="update", detail="abandoned")
    db.close()
    audit.record(db, action="update", detail="kept")
    db.commit()
    assert db.exec(select(AuditEvent.detail)).all() == ["kept"]


def test_long_free_text_is_cut_to_fit(db):
    audit.record(db, action="read", detail="x" * 5000, justification="y" * 5000)
    db.commit()
    event = db.exec(select(AuditEvent)).one()
    assert (len(event.detail), len(event.justification)) == (500, 500)
    assert audit.verify(db).ok
