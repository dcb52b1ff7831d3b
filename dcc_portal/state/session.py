"""The login session as the browser sees it: an opaque token in an HttpOnly cookie that page scripts cannot read. The
websocket's handshake carries it; every privileged event resolves it on the server (never trusted for who the user
is), with the browser's user agent."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property

import reflex as rx
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from dcc_portal import db
from dcc_portal.models import Account, AuditAction, Role
from dcc_portal.services.access import charter
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import NotAuthenticated
from dcc_portal.services.identity import sessions
from dcc_portal.services.indicators import scope as indicators_scope
from dcc_portal.services.record import notifications

HOME_BY_ROLE = {
    Role.PATIENT: "/patient",
    Role.GP: "/gp",
    Role.CLINICIAN: "/team",
    Role.NURSE: "/team",
    Role.RCP_SECRETARY: "/team",
    Role.ADMIN: "/admin",
}

# Which roles may open each area. "any" is for pages every signed-in user has (account, forbidden).
AREA_ROLES = {
    "gp": {Role.GP},
    "team": {Role.CLINICIAN, Role.NURSE, Role.RCP_SECRETARY},
    "patient": {Role.PATIENT},
    "admin": {Role.ADMIN},
    "any": set(Role),
    "charter": set(Role),
}


def resolve_browser(session: Session, state: rx.State) -> Actor | None:
    """The actor of the session cookie the websocket was opened with, from this browser only."""
    return Browser.of(state).resolve(session)


@dataclass(frozen=True)
class Browser:
    """What identifies the browser behind a state, taken while holding the state, for work done outside it (in a
    thread, without the state's lock): its session is resolved again there, as `authenticated` would."""

    token: str
    client_ip: str
    user_agent: str

    @classmethod
    def of(cls, state: rx.State) -> Browser:
        router = state.router  # assembled anew at each access
        return cls(sessions.token_from_cookies(router.headers.raw_headers.get("cookie", "")),
                   router.session.client_ip or "", (router.headers.user_agent or "")[:200])

    def resolve(self, session: Session) -> Actor | None:
        return self.resolve_with(session, ())[0]

    def resolve_with(self, session: Session, extra: tuple) -> tuple[Actor | None, tuple]:
        return sessions.resolve_with(session, extra, token=self.token, client_ip=self.client_ip,
                                     user_agent=self.user_agent)

    @contextmanager
    def transaction(self) -> Iterator[tuple[Session, Actor]]:
        """`authenticated` for this browser: one transaction with its actor; NotAuthenticated otherwise."""
        with db.transaction() as session:
            actor = self.resolve(session)
            if actor is None:
                raise NotAuthenticated()
            yield session, actor


# What the page header shows (the badge, the menu's Indicateurs), read with the session check of each page load.
_HEADER = (notifications.unread_column(Account.id), *indicators_scope.offered_columns(Account.professional_id))


class SessionState(rx.State):
    user_name: str = ""
    user_role: str = ""
    home: str = "/login"
    unread: int = 0
    sees_indicators: bool = False  # the menu offers Indicateurs only to whom the service would show figures
    # Set when a login is complete: the login page posts it to the cookie route at once (single use, this browser
    # only); cleared as soon as it is posted and by the next page, so that no later page load posts it again.
    handoff: str = ""

    @rx.event
    async def guard(self, route: str):
        """on_load of every protected page, in one transaction: signed in, charter accepted, the right role for the
        page's area, then the page's own loaders (each checks access in its service). The page loads whole or not at
        all: what the browser is sent was read in the transaction that commits its audit records."""
        self.handoff = ""
        page = PAGES.get(route)
        if page is None:
            return rx.redirect("/forbidden")
        # Fetched before the transaction: with page state in Redis this awaits the network, and no other event of this
        # worker may run while the transaction holds the database (SQLite's write lock is taken at its start). A shared
        # parent first: Redis sends it with all its substates in one read, and the loaders' states are then at hand.
        for parent in page.shared_parents:
            await self.get_state(parent)
        states = [await self.get_state(loader.state) for loader in page.loaders]
        for attempt in range(db.ATTEMPTS):
            try:
                return await self._open(page, states)
            except DBAPIError as error:
                # Another writer got in the way: the page is read again from the start (its states were reset).
                if attempt + 1 == db.ATTEMPTS or not db.is_contention(error):
                    raise
        return None

    async def _open(self, page: GuardedPage, states: list):
        with db.transaction() as session:
            actor, header = Browser.of(self).resolve_with(session, _HEADER)
            if actor is None:
                self._forget()
                return rx.redirect("/login")
            unread, *runs_rcps = header
            self.user_name = actor.display_name
            self.user_role = str(actor.role)
            self.home = HOME_BY_ROLE[actor.role]
            if page.area != "charter" and charter.needs_acceptance(session, account_id=actor.account_id):
                return rx.redirect("/charter")
            self.unread = unread
            self.sees_indicators = indicators_scope.offered(actor.role, runs_rcps)
            if actor.role not in AREA_ROLES.get(page.area, set()):
                access.deny(session, actor=actor, action=AuditAction.AREA_ACCESS,
                            detail=f"espace {page.area} ({self.router.url.path[:80]})")
                return rx.redirect("/forbidden")
            loaded = []
            try:
                with _within(session, actor):
                    for loader, state in zip(page.loaders, states):
                        loaded.append(state)
                        outcome = loader.fn(state)
                        if inspect.isawaitable(outcome):
                            outcome = await outcome
                        if outcome is not None:
                            return outcome
            except BaseException:
                # The page's reads are rolled back with their audit records: none of them may reach the browser.
                for state in loaded:
                    state.reset()
                raise
        return None

    def _forget(self) -> None:
        self.user_name = ""
        self.user_role = ""
        self.sees_indicators = False
        self.home = "/login"


@dataclass(frozen=True)
class GuardedPage:
    area: str
    loaders: tuple  # event handlers without arguments, run in this order

    @cached_property
    def shared_parents(self) -> tuple:
        """The states, other than the root, that are the parent of two loaders' states or more."""
        parents = [loader.state.get_parent_state() for loader in self.loaders]
        return tuple(parent for parent in dict.fromkeys(parents)
                     if parents.count(parent) > 1 and parent.get_parent_state() is not None)


# Route -> area and loaders, filled when the pages are declared (`guarded_page_load`).
PAGES: dict[str, GuardedPage] = {}


def guarded_page_load(route: str, area: str, loaders: list | None = None):
    """The one on_load event of a protected page: the guard, then the loaders, one transaction for all (a page
    used to cost an event, a session check and a durable commit per loader)."""
    loaders = tuple(loaders or ())
    if not all(getattr(loader, "fn", None) and getattr(loader, "state", None) for loader in loaders):
        raise TypeError(f"{route}: page loaders are event handlers without arguments")
    PAGES[route] = GuardedPage(area=area, loaders=loaders)
    return SessionState.guard(route)


# The transaction and actor of the page being opened: the loaders' `authenticated` blocks join them.
_OPEN_PAGE: ContextVar[tuple[Session, Actor] | None] = ContextVar("dcc_open_page", default=None)


@contextmanager
def _within(session: Session, actor: Actor) -> Iterator[None]:
    token = _OPEN_PAGE.set((session, actor))
    try:
        yield
    finally:
        _OPEN_PAGE.reset(token)


@asynccontextmanager
async def authenticated(state: rx.State) -> AsyncIterator[tuple[Session, Actor]]:
    """One transaction with the actor resolved from the session token; NotAuthenticated otherwise. Within a page's
    guard, the guard's transaction and actor.

    Every handler that touches patient data goes through here, then through a service that checks access.
    """
    opened = _OPEN_PAGE.get()
    if opened is not None:
        yield opened
        return
    with db.transaction() as session:
        actor = resolve_browser(session, state)
        if actor is None:
            raise NotAuthenticated()
        yield session, actor
