"""The identity-vigilance queue (/admin/identity-vigilance): every action re-checks the permission in the service."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from dcc_portal import texts
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.paging import Page
from dcc_portal.services.exchange import hl7_vigilance
from dcc_portal.state.display import row, rows
from dcc_portal.state.paging import PagedListMixin
from dcc_portal.state.session import authenticated

T = texts.VIGILANCE


class VigilanceState(PagedListMixin, rx.State):
    selected: str = ""
    message: dict[str, str] = {}
    candidates: list[dict[str, str]] = []
    notice: str = ""
    error: str = ""
    reason_error: str = ""
    busy: bool = False

    def _fetch(self, session: Session, actor: Actor) -> Page:
        return hl7_vigilance.queue(session, actor=actor, page=self.page)

    def _clear(self) -> None:
        self.selected, self.message, self.candidates = "", {}, []
        self.error, self.reason_error, self.busy = "", "", False

    @rx.event
    async def load(self):
        self._clear()
        self.page, self.notice = 1, ""
        await self._reload()

    @rx.event
    async def examine(self, public_id: str):
        self._clear()
        self.notice = ""
        try:
            async with authenticated(self) as (db, actor):
                waiting = hl7_vigilance.detail(db, actor=actor, message_public_id=str(public_id)[:32])
        except ValidationFailed as problem:
            self.error = problem.message
            await self._reload()
            return
        self.selected, self.message, self.candidates = waiting.public_id, row(waiting), rows(waiting.candidates)

    @rx.event
    def close(self):
        self._clear()

    async def _act(self, action, done: str, **values):
        self.busy, self.error, self.reason_error = True, "", ""
        yield
        try:
            async with authenticated(self) as (db, actor):
                action(db, actor=actor, message_public_id=self.selected, **values)
        except ValidationFailed as problem:
            self.busy = False
            if "reason" in problem.errors:
                self.reason_error = problem.errors["reason"]
            else:
                self.error = problem.message
            return
        self._clear()
        self.notice = done
        await self._reload()

    @rx.event
    async def attach(self, patient_public_id: str):
        async for update in self._act(hl7_vigilance.attach, T["attached"], patient_public_id=str(patient_public_id)[:32]):
            yield update

    @rx.event
    async def create(self):
        async for update in self._act(hl7_vigilance.create_patient, T["created"]):
            yield update

    @rx.event
    async def reject(self, form_data: dict):
        async for update in self._act(hl7_vigilance.reject, T["rejected"], reason=str(form_data.get("reason", ""))[:500]):
            yield update
