"""The patient's control over their record: who accessed it (/patient/access-log) and their oppositions
(/patient/oppositions). Both read the signed-in patient's own record only; no handler takes a patient id."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from dcc_portal import texts
from dcc_portal.services.access import audit_log, oppositions
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.paging import Page
from dcc_portal.state.display import rows
from dcc_portal.state.paging import PagedListMixin
from dcc_portal.state.session import authenticated


class AccessLogState(PagedListMixin, rx.State):
    def _fetch(self, session: Session, actor: Actor) -> Page:
        return audit_log.access_log(session, actor=actor, page=self.page)


class OppositionsState(rx.State):
    current: list[dict[str, str]] = []
    choices: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    searched: bool = False

    async def _refresh(self) -> None:
        async with authenticated(self) as (db, actor):
            self.current = rows(oppositions.list_current(db, actor=actor))

    @rx.event
    async def load(self):
        self.choices, self.errors, self.notice, self.searched = [], {}, "", False
        await self._refresh()

    @rx.event
    async def find(self, form_data: dict):
        self.errors, self.notice = {}, ""
        try:
            async with authenticated(self) as (db, actor):
                found = oppositions.search_professionals(db, actor=actor, query=str(form_data.get("who", ""))[:100])
        except ValidationFailed as error:
            self.errors, self.choices, self.searched = error.errors, [], False
            return
        self.choices = rows(found)
        self.searched = True

    @rx.event
    async def oppose(self, professional_public_id: str):
        self.errors, self.notice = {}, ""
        try:
            async with authenticated(self) as (db, actor):
                oppositions.add(db, actor=actor, professional_public_id=str(professional_public_id)[:32])
        except ValidationFailed as error:
            self.errors = error.errors
            return
        self.notice = texts.PATIENT["opposed"]
        self.choices, self.searched = [], False
        await self._refresh()

    @rx.event
    async def withdraw(self, opposition_public_id: str):
        self.errors, self.notice = {}, ""
        try:
            async with authenticated(self) as (db, actor):
                oppositions.withdraw(db, actor=actor, opposition_public_id=str(opposition_public_id)[:32])
        except ValidationFailed as error:
            self.errors = error.errors
            return
        self.notice = texts.PATIENT["withdrawn"]
        await self._refresh()
