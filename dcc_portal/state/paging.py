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


# In a patient list's URL: the user came back from a patient opened from the list's results.
RETURN = "retour"


def return_href(state: rx.State, list_path: str) -> str:
    """A patient page's "back" link: the list with its search when the patient was opened from the results, the list
    afresh otherwise."""
    return f"{list_path}?{RETURN}=1" if state.router.url.query_parameters.get(RETURN) == "1" else list_path


class PatientSearchMixin(PagedListMixin, mixin=True):
    """A patient list whose search holds only on the way back from a patient opened from its results: opened any
    other way (menu, home link, a typed address), it starts again with every patient. While a search is in force the
    page's search form marks the list's own address with RETURN, so that the loader, run again by the browser's
    "back" or when the page's connection comes back, keeps it."""

    @rx.event
    async def load(self):
        if self.router.url.query_parameters.get(RETURN) != "1":
            self.query = ""
            self.page = 1
        await self._reload()

    @rx.event
    async def search(self, form_data: dict):
        self.query = str(form_data.get("q", ""))[:100].strip()
        self.page = 1
        await self._reload()

    @rx.event
    async def clear_search(self):
        self.query = ""
        self.page = 1
        await self._reload()
