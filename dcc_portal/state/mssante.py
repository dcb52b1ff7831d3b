"""The « Messagerie sécurisée » panel of the document reader: recipients preselected, added from the MSSanté
directory or unticked, then sent; the status of each sending below."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from dcc_portal import texts
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.paging import Page
from dcc_portal.services.exchange import mssante, mssante_directory
from dcc_portal.state.display import rows
from dcc_portal.state.paging import PagedListMixin
from dcc_portal.state.session import authenticated

T = texts.MSSANTE


class MssanteState(rx.State):
    available: bool = False
    recipients: list[dict[str, str]] = []  # address, label, checked ("true" or "")
    sendings: list[dict[str, str]] = []
    query: str = ""
    found: list[dict[str, str]] = []
    error: str = ""
    notice: str = ""
    sending: bool = False
    history_page: int = 1
    history_pages: int = 1

    def _document_id(self) -> str:
        return self.router.url.query_parameters.get("d", "")[:32]

    async def _refresh(self, *, keep_choice: bool = False) -> None:
        async with authenticated(self) as (db, actor):
            shown = mssante.panel(db, actor=actor, document_public_id=self._document_id(), page=self.history_page)
        self.available = shown is not None
        if shown is None:
            self.recipients, self.sendings = [], []
            return
        self.sendings = rows(shown.sendings.items)
        self.history_page, self.history_pages = shown.sendings.page, shown.sendings.page_count
        if not keep_choice:
            self.recipients = [{"address": r.address, "label": r.label, "checked": "true"} for r in shown.recipients]

    @rx.event
    async def load(self):
        self.query, self.found, self.error, self.notice, self.history_page = "", [], "", "", 1
        await self._refresh()

    @rx.event
    def toggle(self, address: str):
        self.recipients = [{**r, "checked": "" if r["checked"] else "true"} if r["address"] == address else r
                           for r in self.recipients]

    @rx.event
    async def search(self, value: str):
        self.query = str(value or "")[:80]
        if len(self.query.strip()) < 2:
            self.found = []
            return
        async with authenticated(self) as (db, actor):
            found = mssante_directory.search(db, actor=actor, query=self.query)
        chosen = {r["address"] for r in self.recipients}
        self.found = [{"address": r.address, "label": r.label} for r in found if r.address not in chosen]

    @rx.event
    def add(self, address: str):
        picked = next((r for r in self.found if r["address"] == address), None)
        if picked is not None:
            self.recipients = [*self.recipients, {**picked, "checked": "true"}]
        self.query, self.found = "", []

    @rx.event
    async def send(self):
        self.error, self.notice, self.sending = "", "", True
        yield
        chosen = [r["address"] for r in self.recipients if r["checked"]]
        try:
            async with authenticated(self) as (db, actor):
                queued = mssante.send(db, actor=actor, document_public_id=self._document_id(), addresses=chosen)
            self.notice = T["queued"].format(n=len(queued)) if queued else T["nothing_new"]
        except ValidationFailed as problem:
            self.error = problem.errors.get("recipients") or problem.message
        self.sending = False
        await self._refresh(keep_choice=True)

    @rx.event
    async def refresh(self):
        await self._refresh(keep_choice=True)

    @rx.event
    async def next_history(self):
        self.history_page += 1
        await self._refresh(keep_choice=True)

    @rx.event
    async def previous_history(self):
        self.history_page = max(1, self.history_page - 1)
        await self._refresh(keep_choice=True)

    @rx.event
    async def resend(self, public_id: str):
        self.error, self.notice = "", ""
        self.notice, self.error = await _resend(self, public_id)
        await self._refresh(keep_choice=True)


async def _resend(state: rx.State, public_id: str) -> tuple[str, str]:
    """(notice, error) of « Renvoyer », from a document's panel or the network's board."""
    try:
        async with authenticated(state) as (db, actor):
            mssante.resend(db, actor=actor, message_public_id=str(public_id)[:32])
        return T["resent"], ""
    except ValidationFailed as problem:
        return "", problem.errors.get("recipients") or problem.message


class MssanteBoardState(PagedListMixin, rx.State):
    """/admin/mssante: every sending of the network, newest first, with « renvoyer » for a refused one."""

    board_notice: str = ""

    def _fetch(self, session: Session, actor: Actor) -> Page:
        return mssante.board(session, actor=actor, page=self.page)

    @rx.event
    async def resend(self, public_id: str):
        self.board_notice = ""
        notice, error = await _resend(self, public_id)
        self.board_notice = notice or error
        await self._reload()
