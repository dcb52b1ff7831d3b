"""The login session as the browser sees it: an opaque token in local storage, resolved on the server
at every privileged event (never trusted for who the user is)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import reflex as rx
from sqlmodel import Session

from dcc_portal import db
from dcc_portal.models import AuditAction, AuditOutcome, Role
from dcc_portal.services import audit, charter, notifications, sessions
from dcc_portal.services.actor import Actor
from dcc_portal.services.errors import NotAuthenticated

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


def client_ip(state: rx.State) -> str:
    return state.router.session.client_ip or ""


def user_agent(state: rx.State) -> str:
    return (state.router.headers.user_agent or "")[:200]


class SessionState(rx.State):
    token: str = rx.LocalStorage("", name="dcc_session", sync=True)
    user_name: str = ""
    user_role: str = ""
    home: str = "/login"
    unread: int = 0

    def _resolve(self, session: Session) -> Actor | None:
        return sessions.resolve(session, token=self.token, client_ip=client_ip(self))

    @rx.event
    def guard(self, area: str):
        """on_load of every protected page: signed in, charter accepted, and the right role for the area."""
        with db.transaction() as session:
            actor = self._resolve(session)
            if actor is None:
                self._forget()
                return rx.redirect("/login")
            self.user_name = actor.display_name
            self.user_role = str(actor.role)
            self.home = HOME_BY_ROLE[actor.role]
            if area != "charter" and charter.needs_acceptance(session, account_id=actor.account_id):
                return rx.redirect("/charter")
            self.unread = notifications.unread_count(session, actor=actor)
            if actor.role not in AREA_ROLES.get(area, set()):
                audit.record(
                    session,
                    actor=actor,
                    action=AuditAction.AREA_ACCESS,
                    outcome=AuditOutcome.DENIED,
                    detail=f"espace {str(area)[:20]} ({self.router.url.path[:80]})",
                )
                return rx.redirect("/forbidden")
        return None

    def _forget(self) -> None:
        self.token = ""
        self.user_name = ""
        self.user_role = ""
        self.home = "/login"

    @rx.event
    def logout(self):
        with db.transaction() as session:
            actor = self._resolve(session)
            if actor is not None:
                sessions.revoke_token(session, token=self.token, reason="logout")
                audit.record(session, actor=actor, action=AuditAction.LOGOUT)
        self._forget()
        return rx.redirect("/login")

    def _signed_in(self, token: str, role: Role, name: str) -> None:
        self.token = token
        self.user_role = str(role)
        self.user_name = name
        self.home = HOME_BY_ROLE[role]


@asynccontextmanager
async def authenticated(state: rx.State) -> AsyncIterator[tuple[Session, Actor]]:
    """One transaction with the actor resolved from the session token; NotAuthenticated otherwise.

    Every handler that touches patient data goes through here, then through a service that checks access.
    """
    session_state = await state.get_state(SessionState)
    with db.transaction() as session:
        actor = sessions.resolve(session, token=session_state.token, client_ip=client_ip(state))
        if actor is None:
            raise NotAuthenticated()
        yield session, actor
