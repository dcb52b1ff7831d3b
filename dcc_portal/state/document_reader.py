"""/document?d=<id>: any document a user may see, in the page (print view or PDF), with PDF download.

Opening a document marks it read for this account (and settles the notifications about it)."""

from __future__ import annotations

import reflex as rx

from dcc_portal.services.record import documents, downloads, notifications
from dcc_portal.state.display import row
from dcc_portal.state.session import SessionState, authenticated


class DocumentReaderState(rx.State):
    info: dict[str, str] = {}
    view_url: str = ""
    open_url: str = ""  # set when the document is to replace the page, cleared once opened
    preparing: bool = False
    opening: bool = False

    def _document_id(self) -> str:
        return self.router.url.query_parameters.get("d", "")[:32]

    @rx.event
    async def load(self):
        self.info, self.view_url, self.open_url = {}, "", ""
        document_id = self._document_id()
        async with authenticated(self) as (db, actor):
            info = documents.describe(db, actor=actor, document_public_id=document_id)
            self.view_url = downloads.issue(db, actor=actor, producer="document_view", target=document_id, inline=True)
            unread = notifications.unread_count(db, actor=actor)
        self.info = row(info)
        (await self.get_state(SessionState)).unread = unread

    @rx.event
    async def download_pdf(self):
        self.preparing = True
        yield
        async with authenticated(self) as (db, actor):
            url = downloads.issue(db, actor=actor, producer="document_pdf", target=self._document_id())
        self.preparing = False
        yield rx.download(url=url)

    @rx.event
    async def open_view(self):
        """The document on its own (the phone's PDF viewer for a PDF, the print view otherwise), in this tab."""
        self.opening = True
        yield
        async with authenticated(self) as (db, actor):
            url = downloads.issue(db, actor=actor, producer="document_view", target=self._document_id(), inline=True)
        self.opening = False
        self.open_url = url

    @rx.event
    def opened(self):
        self.open_url = ""
