"""Every page and every event handler of every state, called in-process as each role with other patients' and
other documents' ids, in event arguments and in the URL (?p=, ?d=): nothing identifying another patient (name,
INS, local id) nor a document the role may not see (its title) reaches a public var or an event sent to the
browser, every refusal is written to the audit trail, and a refused call changes nothing else in the database
(the database is compared before and after each one: only the audit trail and the login throttling counters may
differ).

The states are driven the way Reflex's event processor drives them (reflex_base/event/processor/
base_state_processor.py): one real root `State` holding the whole tree, router data set on the root, the
payload prepared from the handler's annotations, async generators consumed, chained backend events run. States
and handlers are enumerated from the app, so a screen added later is crawled without touching this test.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from passlib.context import CryptContext
from sqlalchemy import event
from sqlmodel import select

import dcc_portal
from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    AuditEvent,
    AuditHead,
    Document,
    Notification,
    Patient,
    PatientOpposition,
    Role,
)
from dcc_portal.services.access import audit, charter, visibility
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.errors import (
    AccessDenied,
    DomainError,
    NotAuthenticated,
)
from dcc_portal.services.identity import passwords, sessions
from dcc_portal.services.record import documents
from tests import factories as f

CRAWL_PASSWORD = "mot de passe du parcours des écrans"
ROLES = [Role.PATIENT, Role.GP, Role.CLINICIAN, Role.NURSE, Role.RCP_SECRETARY, Role.ADMIN]

CRAWLER = "crawler"  # the user agent of the crawl's browser, which its sessions are bound to


def _form_field_names() -> list[str]:
    """Every identifier-like string literal of the state modules: a superset of the form fields handlers read."""
    names = set()
    for path in sorted((Path(dcc_portal.__file__).parent / "state").glob("*.py")):
        names.update(re.findall(r"[\"']([a-z][a-z0-9_]{0,40})[\"']", path.read_text()))
    return sorted(names)


FORM_FIELDS = _form_field_names()


def _form(value: str) -> dict[str, str]:
    """A submitted form where every field holds the same (hostile) value."""
    return dict.fromkeys(FORM_FIELDS, value)


# What a refused call may change: the audit trail and the login throttling counters (a table, or some columns).
MAY_CHANGE_WHEN_REFUSED = {
    "audit_event": None, "audit_head": None, "login_throttle": None, "identifier_throttle": None,
    "account": {"failed_count", "last_failed_at", "locked_until"},
}
_WRITE = re.compile(r'^\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)', re.IGNORECASE)


class DatabaseWatch:
    """Snapshots of every table, to compare the database before and after a refused call. A snapshot is taken
    again only when a transaction committed a write to a compared table since the last one (every statement of the
    portal goes through the engine watched here): most calls write nothing but audit events, and the crawl stays
    fast."""

    def __init__(self, db_url: str):
        from sqlmodel import SQLModel

        self.engine = dbmod.get_engine(db_url)
        self.tables = []
        for table in SQLModel.metadata.sorted_tables:
            skipped = MAY_CHANGE_WHEN_REFUSED.get(table.name, set())
            if skipped is not None:
                columns = [column for column in table.columns if column.name not in skipped]
                self.tables.append((table.name, select(*columns).order_by(*table.primary_key.columns)))
        self.current: dict | None = None
        event.listen(self.engine, "before_cursor_execute", self._executed)
        event.listen(self.engine, "commit", self._committed)
        event.listen(self.engine, "rollback", self._rolled_back)

    def _executed(self, connection, _cursor, statement, *_args) -> None:
        written = _WRITE.match(statement)
        if written and MAY_CHANGE_WHEN_REFUSED.get(written.group(1).lower(), set()) is not None:
            connection.info["dcc_wrote"] = True

    def _committed(self, connection) -> None:
        if connection.info.pop("dcc_wrote", False):
            self.current = None

    def _rolled_back(self, connection) -> None:
        connection.info.pop("dcc_wrote", None)

    def snapshot(self) -> dict:
        if self.current is None:
            with self.engine.connect() as connection:
                self.current = {name: connection.execute(statement).all() for name, statement in self.tables}
                connection.rollback()
        return self.current

    def changed_since(self, before: dict) -> list[str]:
        if self.current is before:
            return []  # no transaction committed a write to a compared table since `before` was taken
        self.current = None
        after = self.snapshot()
        return [name for name in before if before[name] != after[name]]

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._executed)
        event.remove(self.engine, "commit", self._committed)
        event.remove(self.engine, "rollback", self._rolled_back)


@dataclass
class World:
    url: str
    own: Patient
    foreign: Patient
    foreign_ids: list[str]
    foreign_document: str
    tokens: dict[Role, str]
    account_ids: dict[Role, int]
    titles: dict[str, str] = field(default_factory=dict)  # document public id -> title
    rcp_session: str = ""
    watch: DatabaseWatch | None = None


def _build_world(db_url: str) -> World:
    with dbmod.transaction(db_url) as db:
        f.publish_charter(db)
        org = f.organisation(db)
        pros = {role: f.professional(db, org=org, specialty="G15_10/SM54" if role == Role.GP else "G15_10/SM36")
                for role in (Role.GP, Role.CLINICIAN, Role.NURSE, Role.RCP_SECRETARY, Role.ADMIN)}
        stranger = f.professional(db, org=org, family="ETRANGER")
        own = f.patient(db, gp=pros[Role.GP], family="OWNPATIENT")
        foreign = f.patient(db, gp=stranger, family="ZZFOREIGN")
        foreign.first_names = foreign.used_first_name = "Secretina"
        db.add(foreign)
        for role in (Role.CLINICIAN, Role.NURSE, Role.RCP_SECRETARY):
            f.member(db, patient=own, pro=pros[role])
        foreign_membership = f.member(db, patient=foreign, pro=stranger)
        accounts = {role: f.account(db, role=role, professional=pro, password=CRAWL_PASSWORD)[0] for role, pro in pros.items()}
        accounts[Role.PATIENT] = f.account(db, role=Role.PATIENT, patient=own, password=CRAWL_PASSWORD)[0]
        stranger_account = f.account(db, role=Role.CLINICIAN, professional=stranger, password=CRAWL_PASSWORD)[0]
        author = f.actor_for(db, stranger_account)
        f.member(db, patient=own, pro=stranger)  # writes a masked document on the own patient's record, then leaves
        titles = {}

        def document(patient, title, *, validate=True, **flags):
            row, _ = documents.create(db, actor=author, patient=patient, kind="consultation", title=title, content={"t": title})
            if validate:
                documents.validate(db, actor=author, document=row)
            if flags:
                visibility.set_flags(db, actor=author, document_public_id=row.public_id, **flags)
            titles[row.public_id] = title
            return row

        foreign_validated = document(foreign, "Titre confidentiel AZERTY-1")
        foreign_draft = document(foreign, "Titre confidentiel AZERTY-2", validate=False)
        own_masked = document(own, "Titre masque WXCVBN", hidden_from_professionals=True)
        own_hidden = document(own, "Titre retenu QWERTY", invisible_to_patient=True)
        document(own, "Titre partage POIUYT")
        own_membership_of_stranger = db.exec(select(access.CareTeamMembership).where(
            access.CareTeamMembership.patient_id == own.id, access.CareTeamMembership.professional_id == stranger.id)).one()
        own_membership_of_stranger.removed_at = access.utcnow()
        db.add(own_membership_of_stranger)
        opposition = PatientOpposition(patient_id=foreign.id, professional_id=pros[Role.GP].id)
        notification = Notification(account_id=stranger_account.id, kind="document_shared", title="ZZFOREIGN Secretina : document",
                                    patient_id=foreign.id, document_id=foreign_validated.id)
        db.add_all([opposition, notification])
        db.flush()
        tokens = {}
        for role, account in accounts.items():
            tokens[role] = sessions.open_session(db, account_id=account.id, client_ip="10.9.9.9", user_agent=CRAWLER)
            charter.accept(db, actor=sessions.resolve(db, token=tokens[role]), version_id=charter.current(db).id)
        # an RCP the crawled secretary does not run: its secretariat would reach the patients on its agenda
        rcp_session, rcp_case = _rcp_agenda(db, sessions.resolve(db, token=tokens[Role.ADMIN]), author, foreign, org)
        foreign_ids = [foreign.public_id, foreign_validated.public_id, foreign_draft.public_id, own_masked.public_id,
                       own_hidden.public_id, foreign_membership.public_id, opposition.public_id, notification.public_id]
        return World(
            url=f"/team/patient?p={foreign.public_id}&d={foreign_validated.public_id}&s={rcp_session}&c={rcp_case}",
            own=own, foreign=foreign, foreign_ids=foreign_ids, foreign_document=foreign_validated.public_id,
            tokens=tokens, account_ids={role: account.id for role, account in accounts.items()}, titles=titles,
            rcp_session=rcp_session,
        )


def _rcp_agenda(db, editor, author, patient: Patient, org) -> tuple[str, str]:
    """A published RCP session (?s=) with the foreign patient's case (?c=) on its agenda, registered by their team."""
    from dcc_portal.services.rcp import directory, registration, sessions as rcp_sessions

    board = directory.save_rcp(db, actor=editor, form=directory.RcpForm(
        name="RCP digestive", national_id="44000123", network_id="5201", manager_id="520114", manager_name="3C",
        organisation_public_id=org.public_id, appareil_code="86762007", organ_codes=["69695003"]))
    session = rcp_sessions.plan_sessions(db, actor=editor, rcp_public_id=board, start_time="13:00", deadline_days=2,
                                         deadline_time="12:00", first_date=(date.today() + timedelta(days=30)).isoformat())[0]
    rcp_sessions.set_session_status(db, actor=editor, session_public_id=session, status="published")
    case = registration.register_case(db, actor=author, patient_public_id=patient.public_id, session_public_id=session,
                                      reason="treatment_proposal", question="Chirurgie ?", summary="Résumé")
    return session, case


def _identity_markers(patient: Patient) -> set[str]:
    return {patient.birth_family_name, "Secretina" if patient.birth_family_name == "ZZFOREIGN" else patient.birth_family_name,
            patient.ins, formatting.ins_display(patient.ins), patient.local_id}


def _forbidden_markers(db_url: str, world: World, role: Role) -> dict[str, str]:
    """Marker text -> what it is, for everything this role may not see, decided by the access module."""
    forbidden = {}
    with dbmod.transaction(db_url) as db:
        actor = sessions.resolve(db, token=world.tokens[role])
        for patient in (world.own, world.foreign):
            patient = db.get(Patient, patient.id)
            grant = access.grant_for(db, actor=actor, patient=patient)
            # The administrator manages identities and teams (administrative data) but no clinical content.
            if grant is None and role != Role.ADMIN:
                forbidden.update({marker: f"identity of {patient.local_id}" for marker in _identity_markers(patient)})
            for doc in db.exec(select(Document).where(Document.patient_id == patient.id)).all():
                if grant is None or not access.document_visible(actor=actor, grant=grant, document=doc, patient=patient):
                    forbidden[world.titles[doc.public_id]] = f"title of document {doc.public_id}"
    return forbidden


# --- driving the states in-process ---


def _app():
    from dcc_portal.dcc_portal import app

    if not app._load_events:
        app._apply_decorated_pages()
    return app


def _all_states():
    from reflex.state import State

    found, pending = [], [State]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(sorted(cls.get_substates(), key=lambda sub: sub.get_full_name()))
    return sorted(found, key=lambda cls: cls.get_full_name())


def _router_data(path_and_query: str, token: str) -> dict:
    from reflex_base.constants.route import RouteVar

    path, _, query = path_and_query.partition("?")
    params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
    return {
        RouteVar.PATH: path, RouteVar.ORIGIN: path_and_query, RouteVar.QUERY: params,
        RouteVar.HEADERS: {"origin": "http://localhost:3000", "user-agent": CRAWLER, "cookie": f"dcc_session={token}"},
        RouteVar.CLIENT_IP: "10.9.9.9", RouteVar.CLIENT_TOKEN: f"crawl-{token[:8]}", RouteVar.SESSION_ID: "sid",
    }


def _new_root(path_and_query: str, token: str):
    from reflex.state import State

    root = State(_reflex_internal_init=True)
    root.router_data = root._update_router_vars(_router_data(path_and_query, token), {})
    return root


async def _run(root, handler, payload: dict, sent: list, depth: int = 0) -> None:
    """Run one handler like the event processor does, then the backend events it chains."""
    from reflex_base.event import Event, EventHandler, EventSpec
    from reflex_base.event.processor.base_state_processor import _prepare_event_payload

    state = root.get_substate(handler.state._get_substate_path())
    result = handler.fn(state, **_prepare_event_payload(handler, payload))
    outputs = []
    if inspect.isasyncgen(result):
        outputs = [item async for item in result]
    elif inspect.isgenerator(result):
        outputs = list(result)
    else:
        outputs = [await result if inspect.isawaitable(result) else result]
    for output in outputs:
        for item in (output if isinstance(output, (list, tuple)) else [output]):
            if item is None:
                continue
            sent.append(repr(item))
            if depth < 3 and isinstance(item, (EventHandler, EventSpec)):
                spec = item() if isinstance(item, EventHandler) else item
                if not spec.handler.fn.__name__.startswith("_") and spec.handler.state is not None:
                    await _run(root, spec.handler, {k._js_expr: v._decode() for k, v in spec.args}, sent, depth + 1)
            elif isinstance(item, Event):
                sent.append(json.dumps(item.payload, default=str))


def _calls(state_cls, candidates: list[str]):
    """(handler, payload) pairs: each candidate in every argument, and as every field of a submitted form."""
    for name, handler in sorted(state_cls.event_handlers.items()):
        if name == "setvar":
            for var_name, var_field in state_cls.get_fields().items():
                if not var_name.startswith("_") and var_field._owner is state_cls:
                    for value in candidates:
                        yield handler, {"var_name": var_name, "value": value}
            continue
        params = [p for p in inspect.signature(handler.fn).parameters.values() if p.name != "self"]
        if not params:
            yield handler, {}
            continue
        for value in candidates:
            yield handler, {p.name: value for p in params}
            yield handler, {p.name: _form(value) for p in params}


def _audit_position(watch: DatabaseWatch) -> int:
    with watch.engine.connect() as connection:
        return connection.execute(select(AuditHead.seq).where(AuditHead.id == 1)).scalar() or 0


def _refusal_audited(watch: DatabaseWatch, account_id: int, since: int) -> bool:
    with watch.engine.connect() as connection:
        return connection.execute(select(AuditEvent.id).where(
            AuditEvent.seq > since, AuditEvent.account_id == account_id, AuditEvent.outcome == "denied",
        )).first() is not None


def _sign_in_again(db_url: str, root, role: Role, world: World) -> None:
    """A crawled handler signed the user out (logout, ending sessions): open a new session to keep crawling."""
    from reflex_base.constants.route import RouteVar

    with dbmod.transaction(db_url) as db:
        world.tokens[role] = sessions.open_session(db, account_id=world.account_ids[role], client_ip="10.9.9.9",
                                                   user_agent=CRAWLER)
    path_and_query = root.router_data[RouteVar.ORIGIN]
    root.router_data = root._update_router_vars(_router_data(path_and_query, world.tokens[role]), root.router_data)


async def _call(db_url: str, root, role: Role, world: World, handler, payload: dict, report: list[str], where: str) -> tuple[list[str], bool]:
    """Run one call as the role; returns what was sent to the browser and whether access was refused."""
    for _attempt in range(2):
        since = _audit_position(world.watch)
        before = world.watch.snapshot()
        sent: list[str] = []
        refused = False
        try:
            await _run(root, handler, payload, sent)
        except NotAuthenticated:
            _sign_in_again(db_url, root, role, world)
            continue
        except AccessDenied:
            refused = True
            if not _refusal_audited(world.watch, world.account_ids[role], since):
                report.append(f"{where} refused without an audit record")
        except (DomainError, Exception):  # noqa: BLE001  the server answers these with a generic message
            pass
        refused = refused or any("/forbidden" in item for item in sent)
        if refused:
            changed = world.watch.changed_since(before)
            if changed:
                report.append(f"{where} refused, yet changed {', '.join(changed)}")
            return sent, True
        if any("/login" in item for item in sent):
            _sign_in_again(db_url, root, role, world)
        return sent, False
    return [], False


def _leaks(root, sent: list[str], forbidden: dict[str, str], *, changes_only: bool = False) -> list[str]:
    """Forbidden markers in what was sent and in the state: all of it, or with `changes_only` the vars changed since
    the last such check (what the next delta would carry), which are then marked as sent."""
    if changes_only:
        state = root.get_delta()
        root._clean()
    else:
        state = root.dict()
    text = json.dumps(state, default=str, ensure_ascii=False) + "\n".join(sent)
    return sorted({f"{what} ({marker!r})" for marker, what in forbidden.items() if marker and marker in text})


@pytest.fixture
def world(db_url, monkeypatch):
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    # Login and re-authentication handlers hash passwords: cheap parameters here, this test is about access.
    monkeypatch.setattr(passwords, "_context", CryptContext(schemes=["argon2"], argon2__type="ID", argon2__time_cost=1,
                                                            argon2__memory_cost=1024, argon2__parallelism=1))
    passwords._dummy_hash.cache_clear()
    # Thousands of short transactions: durability is not what this test is about.
    if db_url.startswith("sqlite"):
        event.listen(dbmod.get_engine(db_url), "connect",
                     lambda connection, _record: connection.execute("PRAGMA synchronous=OFF"))
    _app()
    built = _build_world(db_url)
    built.watch = DatabaseWatch(db_url)
    yield built
    built.watch.close()
    passwords._dummy_hash.cache_clear()


@pytest.mark.parametrize("role", ROLES, ids=[str(role) for role in ROLES])
def test_every_handler_with_foreign_ids_leaks_nothing_and_refusals_are_audited(db_url, world, role):
    asyncio.run(_crawl_handlers(db_url, world, role))


async def _crawl_handlers(db_url: str, world: World, role: Role) -> None:
    forbidden = _forbidden_markers(db_url, world, role)
    assert any("ZZFOREIGN" in marker for marker in forbidden) or role == Role.ADMIN
    # Hostile values, and one a workflow accepts ("cancelled": RCP sessions and cases, outbox entries), so that a
    # handler that writes before it checks access is caught writing.
    candidates = [*world.foreign_ids, "", "0", "../../etc/passwd", "%", "' OR 1=1 --", "cancelled"]
    root = _new_root(world.url, world.tokens[role])
    report, called, refused = [], 0, 0
    for state_cls in _all_states():
        for handler, payload in _calls(state_cls, candidates):
            where = f"{state_cls.__name__}.{handler.fn.__name__}({payload!r:.80})"
            sent, was_refused = await _call(db_url, root, role, world, handler, payload, report, where)
            called += 1
            refused += was_refused
            report.extend(f"{where}: {leak}" for leak in _leaks(root, sent, forbidden, changes_only=True))
        # The whole state as well, as a reload would send it: a value set without being marked changed is there too.
        report.extend(f"after {state_cls.__name__}'s handlers: {leak}" for leak in _leaks(root, [], forbidden))
    assert not report, "\n".join(report[:30])
    assert called > 500 and refused > 0, (called, refused)
    assert _forbidden_markers(db_url, world, role) == forbidden, "a crawled handler changed who may see what"


@pytest.mark.parametrize("role", ROLES, ids=[str(role) for role in ROLES])
def test_every_page_with_foreign_ids_in_the_url_leaks_nothing(db_url, world, role):
    """Each registered route, loaded with ?p= and ?d= of another patient: its on_load events (guard included, and
    the loaders even when the guard redirects) expose nothing and every refusal is audited."""
    asyncio.run(_crawl_pages(db_url, world, role))


async def _crawl_pages(db_url: str, world: World, role: Role) -> None:
    from reflex_base.event import EventHandler

    app = _app()
    forbidden = _forbidden_markers(db_url, world, role)
    report, refused = [], 0
    routes = sorted(app._load_events)
    assert {"team/patient", "team/care-team", "team/search", "gp/search", "patient/access-log", "patient/oppositions",
            "admin/audit", "document"} <= set(routes)
    for route in routes:
        path = "/" if route == "index" else f"/{route}"
        root = _new_root(f"{path}?p={world.foreign.public_id}&d={world.foreign_document}", world.tokens[role])
        for item in app._load_events[route]:
            spec = item() if isinstance(item, EventHandler) else item
            payload = {k._js_expr: v._decode() for k, v in spec.args}
            where = f"{route}: {spec.handler.fn.__name__}"
            sent, was_refused = await _call(db_url, root, role, world, spec.handler, payload, report, where)
            refused += was_refused
            report.extend(f"{where}: {leak}" for leak in _leaks(root, sent, forbidden))
    assert not report, "\n".join(report[:30])
    assert refused > 0


def test_the_crawler_sees_a_leak_when_there_is_one(db_url, world):
    """The detector itself: a state exposing the foreign patient's summary is reported."""
    forbidden = _forbidden_markers(db_url, world, Role.CLINICIAN)
    root = _new_root(world.url, world.tokens[Role.CLINICIAN])
    from dcc_portal.state.patient_record import PatientSummaryState

    state = root.get_substate(PatientSummaryState._get_substate_path())
    with dbmod.transaction(db_url) as db:
        foreign = db.get(Patient, world.foreign.id)
        state.identity = {"name": f"{foreign.birth_family_name} Secretina", "ins": formatting.ins_display(foreign.ins)}
    assert len(_leaks(root, [], forbidden)) >= 2
    assert len(_leaks(root, [], forbidden, changes_only=True)) >= 2
    assert not _leaks(root, [], forbidden, changes_only=True), "the change was checked once, and is no longer new"
    assert _leaks(root, [], forbidden), "but it is still in the state"
    assert _leaks(root, ["rx.toast('Titre confidentiel AZERTY-2')"], forbidden, changes_only=True)


def test_a_page_opens_in_one_event_and_loads_whole_or_not_at_all(db_url, world, monkeypatch):
    asyncio.run(_open_patient_page(db_url, world, monkeypatch))


async def _open_patient_page(db_url: str, world: World, monkeypatch) -> None:
    from dataclasses import replace

    from reflex_base.event import EventHandler

    from dcc_portal.state import session as session_module
    from dcc_portal.state.patient_record import PatientSummaryState
    from dcc_portal.state.reports import TeamDocumentsState

    route = "/team/patient"
    guard = session_module.SessionState.guard.fn

    def opened(role: Role):
        root = _new_root(f"{route}?p={world.own.public_id}", world.tokens[role])
        return root, root.get_substate(session_module.SessionState._get_substate_path())

    def details_since(since: int, role: Role) -> list[str]:
        with dbmod.transaction(db_url) as db:
            return list(db.exec(select(AuditEvent.detail).where(
                AuditEvent.seq > since, AuditEvent.account_id == world.account_ids[role]).order_by(AuditEvent.seq)).all())

    # The clinician of the care team: the guard then every loader, in one event, audited as one access. The page's
    # states are fetched (from Redis, in several workers' mode) while no database connection is held: another event
    # of the worker runs meanwhile, and must not find the database locked by this one.
    held_while_fetching = []
    fetch_state = session_module.SessionState.get_state

    async def watched_get_state(self, state_cls):
        held_while_fetching.append(dbmod.get_engine(db_url).pool.checkedout())
        return await fetch_state(self, state_cls)

    monkeypatch.setattr(session_module.SessionState, "get_state", watched_get_state)
    root, session_state = opened(Role.CLINICIAN)
    since = _audit_position(world.watch)
    assert await guard(session_state, route=route) is None
    monkeypatch.setattr(session_module.SessionState, "get_state", fetch_state)
    assert held_while_fetching and set(held_while_fetching) == {0}, held_while_fetching
    assert root.get_substate(PatientSummaryState._get_substate_path()).identity["name"].startswith("OWNPATIENT")
    titles = [item["title"] for item in root.get_substate(TeamDocumentsState._get_substate_path()).items]
    assert "Titre partage POIUYT" in titles and "Titre masque WXCVBN" not in titles
    [opened_once] = details_since(since, Role.CLINICIAN)  # one access, naming each of its reads
    assert {"synthèse patient", "liste des documents"} <= set(opened_once.split(audit.DETAIL_SEPARATOR)), opened_once

    # A loader that fails: the page loads whole or not at all; nothing read is left in the states, no audit record
    # is kept for what the browser was not sent, and the failure reaches the browser.
    page = session_module.PAGES[route]

    def broken(_state):
        raise RuntimeError("panne")

    failing = replace(page, loaders=(page.loaders[0], EventHandler(fn=broken, state=page.loaders[1].state), *page.loaders[2:]))
    monkeypatch.setitem(session_module.PAGES, route, failing)
    root, session_state = opened(Role.CLINICIAN)
    since = _audit_position(world.watch)
    with pytest.raises(RuntimeError):
        await guard(session_state, route=route)
    assert root.get_substate(PatientSummaryState._get_substate_path()).identity == {}
    assert details_since(since, Role.CLINICIAN) == []
    monkeypatch.setitem(session_module.PAGES, route, page)

    # A GP is turned away by the area check, audited, before any loader reads the record.
    root, session_state = opened(Role.GP)
    since = _audit_position(world.watch)
    answer = await guard(session_state, route=route)
    assert "/forbidden" in repr(answer)
    assert root.get_substate(PatientSummaryState._get_substate_path()).identity == {}
    assert details_since(since, Role.GP) == [f"espace team ({route})"]


def test_a_refused_call_keeps_none_of_the_writes_it_made_before_the_refusal(db_url, world):
    """The administrator may change an RCP session's status but may not read the patients on its agenda: the
    status change made before that refusal is rolled back, and only the refusal is written to the audit trail."""
    from dcc_portal.models import RcpSession
    from dcc_portal.state.rcp import RcpSessionState

    root = _new_root(f"/team/patient?s={world.rcp_session}", world.tokens[Role.ADMIN])
    since = _audit_position(world.watch)
    with pytest.raises(AccessDenied):
        asyncio.run(_run(root, RcpSessionState.event_handlers["set_status"], {"status": "cancelled"}, []))
    with dbmod.transaction(db_url) as db:
        assert db.exec(select(RcpSession.status).where(RcpSession.public_id == world.rcp_session)).one() == "published"
        written = db.exec(select(AuditEvent.action, AuditEvent.outcome).where(AuditEvent.seq > since)
                          .order_by(AuditEvent.seq)).all()
        assert [tuple(row) for row in written] == [("read", "denied")]
        assert audit.verify(db).ok


def test_the_crawler_sees_a_change_to_the_database_but_not_to_the_audit_trail(db_url, world):
    """The detector itself: a row written to a compared table is seen, an audit event is not."""
    before = world.watch.snapshot()
    with dbmod.transaction(db_url) as db:
        audit.record(db, action="read", outcome="denied", detail="crawl")
    assert world.watch.changed_since(before) == []
    with dbmod.transaction(db_url) as db:
        patient = db.get(Patient, world.own.id)
        patient.city = "Ailleurs"
        db.add(patient)
    assert world.watch.changed_since(before) == ["patient"]
