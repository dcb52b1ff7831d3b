"""/team/rcp/live?s=: the live sitting on each participant's tablet.

Each connected participant runs one background task that reads the sitting's version counter from the database when
someone changed the sitting (state/live_signal.py: at once in this worker, through Redis in the others), and at the
latest every WATCH_SECONDS, and reloads the view when the version moved. The database is the one source, so
participants served by different workers follow the same sitting, even if a signal is lost."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import reflex as rx

from dcc_portal import db as database
from dcc_portal import settings
from dcc_portal.services.common.errors import AccessDenied, NotAuthenticated, ValidationFailed
from dcc_portal import texts
from dcc_portal.services.access import care_teams
from dcc_portal.services.rcp import decision as rcp_decision
from dcc_portal.services.rcp import guests as rcp_guests
from dcc_portal.services.rcp import live
from dcc_portal.state import live_signal
from dcc_portal.state.display import row, rows
from dcc_portal.state.session import Browser, authenticated

WATCH_SECONDS = 1.0
WATCH_HOURS = 6
ROUTE = "/team/rcp/live"
MAX_ALTERNATIVES = live.MAX_ALTERNATIVES


def _connected(token: str) -> bool:
    """Whether this worker still holds the browser's websocket (a closed tab ends its watcher)."""
    try:
        from reflex.utils.prerequisites import get_and_validate_app

        namespace = get_and_validate_app().app.event_namespace
    except Exception:  # noqa: BLE001 - outside a running app (compile, in-process tests): nothing to watch for
        return False
    return namespace is not None and token in namespace.token_to_sid


@dataclass(frozen=True)
class _View:
    """Which case a participant's screen shows, taken from their state: what a reload reads depends on it."""

    session_id: str
    following: bool
    shown_case: str
    case_id: str

    @classmethod
    def of(cls, state: RcpLiveState) -> _View:
        return cls(state._session_id(), state.following, state.shown_case, state.case.get("public_id", ""))

    def read(self, db, actor) -> tuple:
        def case_to_show(status) -> str:
            target = status.current_case_public_id if self.following else self.shown_case
            return target if target and target != self.case_id else ""

        return live.screen(db, actor=actor, session_public_id=self.session_id, case_to_show=case_to_show)

    def reload(self, browser: Browser) -> tuple:
        with browser.transaction() as (db, actor):
            return self.read(db, actor)


_RELOADS: dict[str, asyncio.Semaphore] = {}


def _reloads() -> asyncio.Semaphore:
    """How many tablets of this worker reload at once: one on SQLite (its transactions take the one write lock in turn
    anyway), a few on PostgreSQL."""
    key = "sqlite" if settings.db_url().startswith("sqlite") else "server"
    if key not in _RELOADS:
        _RELOADS[key] = asyncio.Semaphore(1 if key == "sqlite" else 4)
    return _RELOADS[key]


class RcpLiveState(rx.State):
    info: dict[str, str] = {}
    agenda: list[dict[str, str]] = []
    participants: list[dict[str, str]] = []
    quorum: dict[str, str] = {}
    case: dict[str, str] = {}
    checklist: list[dict[str, str]] = []
    documents: list[dict[str, str]] = []
    fiches: list[dict[str, str]] = []
    draft: dict[str, str] = {}
    alternatives: list[dict[str, str]] = []
    guests: list[dict[str, str]] = []  # invited for the case being discussed
    guest_candidates: list[list[str]] = []
    sitting: dict[str, str] = {}
    types: list[list[str]] = []
    following: bool = True
    shown_case: str = ""
    version: int = 0
    errors: dict[str, str] = {}
    message: str = ""
    _watch_id: int = 0

    def _session_id(self) -> str:
        return self.router.url.query_parameters.get("s", "")[:32]

    def _refresh(self, db, actor, keep_own_draft: bool = False) -> None:
        view = _View.of(self)
        self._apply(view, view.read(db, actor), keep_own_draft)

    def _apply(self, view: _View, read: tuple, keep_own_draft: bool) -> None:
        status, shown = read
        target = status.current_case_public_id if view.following else view.shown_case
        self._set(version=status.version, info=row(status), agenda=rows(status.agenda),
                  participants=rows(status.participants), guests=rows(status.guests) if status.can_lead else [],
                  quorum={"reached": "true" if status.quorum.reached else "", "summary": status.quorum.summary},
                  sitting={key: str(value) for key, value in status.sitting.items()})
        if not (status.writer_is_me and keep_own_draft):  # while typing, the writer's own fields are the source
            self._set(draft={key: ("true" if value is True else "" if value is False else str(value))
                             for key, value in status.draft.items() if key != "alternatives"},
                      alternatives=[{"type": item["type"], "detail": item["detail"]}
                                    for item in status.draft.get("alternatives", [])])
        if shown is not None:
            self.case = row(shown)
            self.checklist, self.documents, self.fiches = rows(shown.checklist), shown.documents, shown.fiches
            self.shown_case = target
        elif not target:
            self._set(case={}, checklist=[], documents=[], fiches=[])

    def _set(self, **values) -> None:
        """Only what changed is sent again to the browser (most of the sitting stays as it was at each change)."""
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)

    def _lose_view(self, message: str) -> None:
        self.info, self.case, self.agenda, self.participants, self.draft, self.alternatives = {}, {}, [], [], {}, []
        self.guests, self.guest_candidates, self.checklist, self.documents, self.fiches = [], [], [], [], []
        self.quorum, self.sitting = {}, {}
        self.message = message
        self._watch_id += 1

    @rx.event
    async def load(self):
        self.errors, self.message, self.following, self.case = {}, "", True, {}
        self.types = [list(item) for item in rcp_decision.treatment_types()]
        try:
            async with authenticated(self) as (db, actor):
                live.join(db, actor=actor, session_public_id=self._session_id())
                self._refresh(db, actor)
        except ValidationFailed as error:
            self._lose_view(error.message)
            return
        self._watch_id += 1
        # The others' presence lists are told from `watch`: here the page's transaction is still open (this is a
        # loader of the guard), and awaiting Redis with the sitting's row locked would let the next participant's
        # join in this worker wait for that lock inside the event loop, which then never resumes this one.
        return RcpLiveState.watch

    @rx.event(background=True)
    async def watch(self):
        async with self:
            watch_id, session_id, token = self._watch_id, self._session_id(), self.router.session.client_token
        until = time.monotonic() + WATCH_HOURS * 3600
        signal = live_signal.listen(session_id)
        await live_signal.changed(session_id)  # this participant joined (committed): the others' presence lists
        try:
            while time.monotonic() < until and _connected(token):
                try:
                    await asyncio.wait_for(signal.wait(), WATCH_SECONDS)
                except TimeoutError:
                    pass
                signal.clear()
                version = await live_signal.version(session_id, self._pulse)
                async with self:
                    if self._watch_id != watch_id or self.router.page.path != ROUTE:
                        return
                    if version == self.version:
                        continue
                    view, browser = _View.of(self), Browser.of(self)
                try:  # the reads outside the state's lock and the event loop: the other tablets are served meanwhile
                    async with _reloads():
                        read = await asyncio.to_thread(view.reload, browser)
                except (AccessDenied, NotAuthenticated, ValidationFailed):
                    async with self:
                        if self._watch_id == watch_id:
                            self._lose_view("Vous n'avez plus accès à cette séance.")
                    return
                async with self:
                    if self._watch_id != watch_id:
                        return
                    if view == _View.of(self) and read[0].version >= self.version:  # else the next turn reads again
                        self._apply(view, read, keep_own_draft=True)
        finally:
            live_signal.stop_listening(session_id, signal)

    @staticmethod
    def _pulse(session_id: str) -> int:
        with database.transaction() as db:
            return live.pulse(db, session_id)

    async def _act(self, work, keep_own_draft: bool = False) -> None:
        self.errors = {}
        before = self.version
        try:
            async with authenticated(self) as (db, actor):
                work(db, actor)
                self._refresh(db, actor, keep_own_draft)
        except ValidationFailed as error:
            self.errors = error.errors
            return
        if self.version != before:
            await live_signal.changed(self._session_id())

    @rx.event
    async def step(self, offset: int):
        await self._act(lambda db, actor: live.step(db, actor=actor, session_public_id=self._session_id(), offset=int(offset)))

    @rx.event
    async def show(self, case_public_id: str):
        """Browse a case alone (the coordinator moves everyone instead)."""
        if self.info.get("can_lead"):
            await self._act(lambda db, actor: live.move(db, actor=actor, session_public_id=self._session_id(),
                                                        case_public_id=str(case_public_id)[:32]))
            return
        self.following, self.shown_case = False, str(case_public_id)[:32]
        await self._act(lambda db, actor: None)

    @rx.event
    async def follow(self):
        self.following = True
        await self._act(lambda db, actor: None)

    @rx.event
    async def presence(self, professional_public_id: str, present: bool):
        await self._act(lambda db, actor: live.set_presence(db, actor=actor, session_public_id=self._session_id(),
                                                            professional_public_id=str(professional_public_id)[:32],
                                                            present=bool(present)))

    @rx.event
    async def find_guest(self, form: dict):
        self.errors = {}
        try:
            async with authenticated(self) as (db, actor):
                found = care_teams.search_professionals(db, actor=actor, query=str(form.get("who", ""))[:100])
        except AccessDenied:
            found = []
        self.guest_candidates = [[option.public_id, option.label] for option in found]
        if not found:
            self.errors = {"guest": texts.COMMON["no_result"]}

    @rx.event
    async def invite(self, professional_public_id: str):
        self.guest_candidates = []
        await self._act(lambda db, actor: rcp_guests.invite(
            db, actor=actor, session_public_id=self._session_id(), case_public_id=self.info.get("current_case_public_id", ""),
            professional_public_id=str(professional_public_id)[:32]))

    @rx.event
    async def withdraw_guest(self, professional_public_id: str):
        await self._act(lambda db, actor: rcp_guests.withdraw(
            db, actor=actor, session_public_id=self._session_id(), case_public_id=self.info.get("current_case_public_id", ""),
            professional_public_id=str(professional_public_id)[:32]))

    @rx.event
    async def take_pen(self):
        await self._act(lambda db, actor: live.take_pen(db, actor=actor, session_public_id=self._session_id()))

    @rx.event
    async def release_pen(self):
        await self._act(lambda db, actor: live.release_pen(db, actor=actor, session_public_id=self._session_id()))

    @rx.event
    async def type_draft(self, key: str, value):
        if key not in live.DRAFT_FIELDS and key != "trial_proposed":
            return
        self.draft = {**self.draft, key: ("true" if value is True else "" if value is False else str(value)[:4000])}
        await self._save_draft()

    async def _save_draft(self) -> None:
        draft = {**self.draft, "trial_proposed": self.draft.get("trial_proposed") == "true", "alternatives": self.alternatives}
        await self._act(lambda db, actor: live.write(db, actor=actor, session_public_id=self._session_id(), draft=draft),
                        keep_own_draft=True)

    @rx.event
    async def add_alternative(self):
        if len(self.alternatives) < live.MAX_ALTERNATIVES:
            self.alternatives = [*self.alternatives, {"type": "", "detail": ""}]
            await self._save_draft()

    @rx.event
    async def remove_alternative(self, index: int):
        self.alternatives = [item for position, item in enumerate(self.alternatives) if position != int(index)]
        await self._save_draft()

    @rx.event
    async def type_alternative(self, index: int, key: str, value: str):
        if key not in ("type", "detail") or not 0 <= int(index) < len(self.alternatives):
            return
        self.alternatives = [{**item, key: str(value)[:1000]} if position == int(index) else item
                             for position, item in enumerate(self.alternatives)]
        await self._save_draft()

    @rx.event
    async def validate(self, form: dict):
        reason = str(form.get("override_reason", ""))[:300]
        await self._act(lambda db, actor: live.validate_case(db, actor=actor, session_public_id=self._session_id(),
                                                             override_reason=reason))
