"""/document?d=<id>: any document a user may see, in the page (print view or PDF), with PDF download."""

from __future__ import annotations

import reflex as rx

from dcc_portal.services import documents, downloads
from dcc_portal.state.display import row
from dcc_portal.state.session import authenticated


class DocumentReaderState(rx.State):
    info: dict[str, str] = {}
    view_url: str = ""
    preparing: bool = False

    def _document_id(self) -> str:
        return self.router.url.query_parameters.get("d", "")[:32]

    @rx.event
    async def load(self):
        self.info, self.view_url = {}, ""
        document_id = self._document_id()
        async with authenticated(self) as (db, actor):
            info = documents.describe(db, actor=actor, document_public_id=document_id)
            self.view_url = downloads.issue(db, actor=actor, producer="document_view", target=document_id, inline=True)
        self.info = row(info)

    @rx.event
    async def download_pdf(self):
        self.preparing = True
        yield
        async with authenticated(self) as (db, actor):
            url = downloads.issue(db, actor=actor, producer="document_pdf", target=self._document_id())
        self.preparing = False
        yield rx.download(url=url)
