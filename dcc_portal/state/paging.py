"""Server-side paginated lists with a search box."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.paging import Page
from dcc_portal.state.display import rows
from dcc_portal.state.session import authenticated


class PagedListMixin(rx.State, mixin=True):
    query: str = ""
    page: int = 1
    page_count: int = 1
    total: int = 0
    items: list[dict[str, str]] = []
    loaded: bool = False

    def _fetch(self, session: Session, actor: Actor) -> Page:
        raise NotImplementedError

    async def _reload(self) -> None:
        async with authenticated(self) as (session, actor):
            result = self._fetch(session, actor)
        self.items = rows(result.items)
        self.total = result.total
        self.page = result.page
        self.page_count = result.page_count
        self.loaded = True

    @rx.event
    async def load(self):
        self.page = 1
        await self._reload()

    @rx.event
    async def search(self, form_data: dict):
        self.query = str(form_data.get("q", ""))[:100]
        self.page = 1
        await self._reload()

    @rx.event
    async def next_page(self):
        if self.page < self.page_count:
            self.page += 1
            await self._reload()

    @rx.event
    async def previous_page(self):
        if self.page > 1:
            self.page -= 1
            await self._reload()
