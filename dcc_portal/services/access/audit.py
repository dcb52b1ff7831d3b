"""The audit trail: who did what to which record, when, why and with what outcome.

Events are staged on the session with `record` and chained when the transaction commits, under a
lock on the single `audit_head` row, so the chain follows commit order even with several workers.
Never put passwords, codes, tokens or document contents in an event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, event, insert, text, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal.models import AuditAction, AuditEvent, AuditHead, AuditOutcome, utcnow
from dcc_portal.services.common.actor import Actor

GENESIS_HASH = "0" * 64
_PENDING_KEY = "dcc_audit_pending"
_DATED_KEY = "dcc_audit_dated"
DETAIL_SEPARATOR = " ; "

# Fields covered by the hash, in order. Changing this list breaks every existing chain.
HASHED_FIELDS = (
    "seq",
    "at",
    "account_id",
    "actor_role",
    "organisation_id",
    "action",
    "outcome",
    "patient_id",
    "document_id",
    "document_version",
    "grant",
    "justification",
    "detail",
    "client_ip",
    "session_hash",
)


def record(
    db: Session,
    *,
    action: str,
    outcome: str = "success",
    actor: Actor | None = None,
    account_id: int | None = None,
    actor_role: str = "",
    patient_id: int | None = None,
    document_id: str = "",
    document_version: int | None = None,
    grant: str = "",
    justification: str = "",
    detail: str = "",
    client_ip: str = "",
    session_hash: str = "",
    at: datetime | None = None,
) -> None:
    """Stage one audit event; it is written, chained, with the transaction (as a plain row: a model instance cost
    more to validate than the event costs to write, and an RCP agenda stages 25 of them).

    One access is one event: a successful read of the same patient (and document) under the same grant, staged again
    in the same transaction (a patient file's summary, diagnosis, pathway and documents), adds its detail to the first
    event instead of a new one."""
    pending = db.info.get(_PENDING_KEY, [])
    if not grant and actor is not None and patient_id is not None:
        # A change made after an access check in the same transaction is made under the grant that check recorded.
        for earlier in reversed(pending):
            if earlier["patient_id"] == patient_id and earlier["account_id"] == actor.account_id and earlier["grant"]:
                grant, justification = earlier["grant"], justification or earlier["justification"]
                break
    dated = at or db.info.get(_DATED_KEY)
    item = dict(
        seq=0,
        at=dated or utcnow(),
        account_id=actor.account_id if actor else account_id,
        actor_role=str(actor.role) if actor else actor_role,
        organisation_id=actor.organisation_id if actor else None,
        action=str(action),
        outcome=str(outcome),
        patient_id=patient_id,
        document_id=document_id,
        document_version=document_version,
        grant=str(grant),
        justification=justification[:500],
        detail=detail[:500],
        client_ip=(actor.client_ip if actor else client_ip)[:64],
        session_hash=actor.session_hash if actor else session_hash,
        prev_hash="",
        hash="",
    )
    # An event dated by its caller (a feed's message time, a replayed story) joins only one of the same time.
    if _joined_read(pending, item, _SAME_ACCESS if dated is None else (*_SAME_ACCESS, "at")):
        return
    if not db.in_transaction():
        db.begin()  # so that a rollback or close before any SQL statement still drops this event
    db.info.setdefault(_PENDING_KEY, []).append(item)


# What makes two staged reads the same access: every hashed field but their details, and their time only if a caller
# dated them.
_SAME_ACCESS = tuple(name for name in HASHED_FIELDS if name not in ("seq", "at", "detail"))


def _joined_read(pending: list[dict], item: dict, same: tuple[str, ...]) -> bool:
    """Add a successful read's detail to the same access staged earlier in the transaction; False if there is none."""
    if item["action"] != AuditAction.READ or item["outcome"] != AuditOutcome.SUCCESS or item["patient_id"] is None:
        return False
    for earlier in pending:
        if all(earlier[name] == item[name] for name in same):
            details = earlier["detail"].split(DETAIL_SEPARATOR) if earlier["detail"] else []
            if item["detail"] and item["detail"] not in details:
                earlier["detail"] = DETAIL_SEPARATOR.join([*details, item["detail"]])[:500]
            return True
    return False


@contextmanager
def dated(db: Session, at: datetime) -> Iterator[None]:
    """The demo's stories only, which replay acts of the past: the events recorded inside are dated `at`, the story's
    time of the act (they are still chained in commit order). Anywhere else an event is dated when it happens."""
    db.info[_DATED_KEY] = at
    try:
        yield
    finally:
        db.info.pop(_DATED_KEY, None)


def event_hash(prev_hash: str, values: dict) -> str:
    return _chain_hash([prev_hash] + [_canonical(values[name]) for name in HASHED_FIELDS])


def _chain_hash(payload: list) -> str:
    return hashlib.sha256(_hashed_text(payload).encode()).hexdigest()


def _hashed_text(payload: list) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


_AT = HASHED_FIELDS.index("at")


def _canonical_at(value) -> str:
    """`_canonical` of a stored time; SQLite hands back its own text form, 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC)."""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            return f"{value[:10]}T{value[11:]}"
        value = datetime.fromisoformat(value)
    return _canonical(value)


def _canonical(value):
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    return value


_HEAD_TABLE = AuditHead.__table__
_EVENT_TABLE = AuditEvent.__table__
# Built once; written as plain rows: the ORM's unit of work cost more than the hashing.
_LOCK_HEAD = select(_HEAD_TABLE.c.seq, _HEAD_TABLE.c.hash).where(_HEAD_TABLE.c.id == 1).with_for_update()
_CREATE_HEAD = insert(_HEAD_TABLE).values(id=1, seq=0, hash=GENESIS_HASH)
_ADVANCE_HEAD = update(_HEAD_TABLE).where(_HEAD_TABLE.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
_INSERT_EVENTS = insert(_EVENT_TABLE)


def _lock_head(db: OrmSession) -> tuple[int, str]:
    connection = dbmod.connection_of(db)
    head = connection.execute(_LOCK_HEAD).first()
    if head is None:
        connection.execute(_CREATE_HEAD)
        return 0, GENESIS_HASH
    return head.seq, head.hash


@event.listens_for(OrmSession, "before_commit")
def _chain_pending(db: OrmSession) -> None:
    pending: list[dict] = db.info.pop(_PENDING_KEY, [])
    if not pending:
        return
    # Every other change takes its row locks first: the head, which serialises all writers, is then held only for
    # the chaining and the commit, and never waited for while holding a lock another writer needs.
    db.flush()
    if db.get_bind().dialect.name == "postgresql" and _chain_in_one_statement(db, pending):
        return
    seq, prev = _lock_head(db)
    for item in pending:
        seq += 1
        item["seq"], item["prev_hash"] = seq, prev
        item["hash"] = prev = event_hash(prev, item)
    connection = dbmod.connection_of(db)
    connection.execute(_INSERT_EVENTS, pending)
    connection.execute(_ADVANCE_HEAD, {"new_seq": seq, "new_hash": prev})


# The same chaining as above in one round trip to PostgreSQL, which computes each hash: every writer waits for the
# head's lock, so its holder must not wait for the network (or for its Python thread) between statements. The hashed
# text is `event_hash`'s: '["' prev '",' seq ',' then the JSON of the other hashed fields, without its opening '['.
_COLUMNS = ", ".join(f'"{name}"' for name in HASHED_FIELDS[1:])
_CHAIN_IN_ONE_STATEMENT = text(f"""
WITH RECURSIVE
head AS (SELECT seq, hash FROM {_HEAD_TABLE.name} WHERE id = 1 FOR UPDATE),
item AS (
    SELECT e.n, e.value ->> 'rest' AS rest, jsonb_populate_record(NULL::{_EVENT_TABLE.name}, e.value) AS row
    FROM jsonb_array_elements(CAST(:events AS jsonb)) WITH ORDINALITY AS e(value, n)),
chain (n, seq, prev_hash, hash) AS (
    SELECT CAST(0 AS bigint), CAST(seq AS bigint), CAST('' AS text), CAST(hash AS text) FROM head
    UNION ALL
    SELECT chain.n + 1, chain.seq + 1, chain.hash,
           encode(sha256(convert_to('["' || chain.hash || '",' || (chain.seq + 1) || ',' || item.rest, 'UTF8')), 'hex')
    FROM chain JOIN item ON item.n = chain.n + 1),
inserted AS (
    INSERT INTO {_EVENT_TABLE.name} ("seq", {_COLUMNS}, "prev_hash", "hash")
    SELECT chain.seq, {", ".join(f'(item.row)."{name}"' for name in HASHED_FIELDS[1:])}, chain.prev_hash, chain.hash
    FROM chain JOIN item ON item.n = chain.n
    RETURNING 1),
last AS (SELECT seq, hash FROM chain ORDER BY n DESC LIMIT 1)
UPDATE {_HEAD_TABLE.name} SET seq = last.seq, hash = last.hash FROM last WHERE {_HEAD_TABLE.name}.id = 1
RETURNING {_HEAD_TABLE.name}.seq
""")


def _chain_in_one_statement(db: OrmSession, pending: list[dict]) -> bool:
    """False when there is no head yet (the first event ever): the general path creates it."""
    events = []
    for item in pending:
        values = {name: _canonical(item[name]) for name in HASHED_FIELDS[1:]}
        events.append({**values, "rest": _hashed_text(list(values.values()))[1:]})
    return dbmod.connection_of(db).execute(
        _CHAIN_IN_ONE_STATEMENT, {"events": json.dumps(events, ensure_ascii=False)}).first() is not None


@event.listens_for(OrmSession, "after_transaction_end")
def _drop_pending(db: OrmSession, transaction) -> None:
    """Events not written by the commit (rollback, close) must not leak into the session's next transaction."""
    if transaction.parent is None:
        db.info.pop(_PENDING_KEY, None)


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str = ""


def _rows(db: Session, batch: int) -> Iterator[tuple]:
    """Every row in seq order, including rows numbered outside the chain (seq < 1), which must not go unseen."""
    columns = ", ".join(["id", "prev_hash", "hash", *(f'"{name}"' for name in HASHED_FIELDS)])
    last_seq = None
    while True:
        if last_seq is None:
            query, params = f"SELECT {columns} FROM audit_event ORDER BY seq LIMIT :n", {"n": batch}
        else:
            query, params = f"SELECT {columns} FROM audit_event WHERE seq > :last ORDER BY seq LIMIT :n", {"last": last_seq, "n": batch}
        rows = db.execute(text(query), params).all()
        if not rows:
            return
        yield from rows
        last_seq = rows[-1][3]


def verify(db: Session, *, batch: int = 20000) -> VerifyReport:
    """Walk the chain in order and name the first event that does not link or does not hash."""
    prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for row in _rows(db, batch):
        event_id, prev_hash, stored_hash = row[0], row[1], row[2]
        payload = [prev, *row[3:]]  # the hashed fields in HASHED_FIELDS order; only the time needs a canonical form
        seq = payload[1]
        try:
            payload[1 + _AT] = _canonical_at(payload[1 + _AT])
        except (TypeError, ValueError):
            return VerifyReport(False, checked, seq, event_id, "le contenu de l'événement a été modifié")
        if seq != expected_seq:
            return VerifyReport(False, checked, seq, event_id, f"séquence rompue : attendu {expected_seq}, trouvé {seq}")
        if prev_hash != prev:
            return VerifyReport(False, checked, seq, event_id, "le lien avec l'événement précédent est rompu")
        if _chain_hash(payload) != stored_hash:
            return VerifyReport(False, checked, seq, event_id, "le contenu de l'événement a été modifié")
        prev = stored_hash
        expected_seq += 1
        checked += 1
    head = db.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)
    if head_seq != checked or head_hash != prev:
        # Events past the recorded head were added outside the application; missing ones were removed.
        first_bad = min(head_seq, checked) + 1 if head_seq != checked else checked
        return VerifyReport(False, checked, first_bad, None, "la fin de la chaîne ne correspond pas à la tête enregistrée")
    return VerifyReport(True, checked)
