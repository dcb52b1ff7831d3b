"""/charter: read and accept the current user charter."""

from __future__ import annotations

import reflex as rx

from dcc_portal import texts
from dcc_portal.services.access import charter
from dcc_portal.state.session import SessionState, authenticated


class CharterState(rx.State):
    title: str = ""
    version: str = ""
    paragraphs: list[str] = []
    message: str = ""
    _version_id: int = 0

    @rx.event
    async def load(self):
        async with authenticated(self) as (session, _actor):
            view = charter.view_current(session)
        if view is None:
            return
        self.title, self.version, self.paragraphs = view.title, view.version, view.paragraphs
        self._version_id = view.version_id
        self.message = ""

    @rx.event
    async def accept(self):
        async with authenticated(self) as (session, actor):
            accepted = charter.accept(session, actor=actor, version_id=self._version_id)
        if not accepted:
            self.message = texts.CHARTER["changed"]
            return CharterState.load
        home = (await self.get_state(SessionState)).home
        return rx.redirect(home)
