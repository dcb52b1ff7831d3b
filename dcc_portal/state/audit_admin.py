"""/admin/audit: search the audit trail by patient, user, action, outcome and Paris dates; export as CSV."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from dcc_portal.services.access import audit_log
from dcc_portal.services.access.audit_log import AuditFilters
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.paging import Page
from dcc_portal.state.paging import PagedListMixin
from dcc_portal.state.session import authenticated

FILTER_FIELDS = ("patient", "user", "action", "outcome", "date_from", "date_to")


class AdminAuditState(PagedListMixin, rx.State):
    errors: dict[str, str] = {}
    capped: bool = False
    exporting: bool = False
    _filters: dict[str, str] = {}

    def _fetch(self, session: Session, actor: Actor) -> Page:
        result = audit_log.search(session, actor=actor, filters=AuditFilters(**self._filters), page=self.page)
        self.capped = result.capped
        return result

    @rx.event
    async def load(self):
        self._filters, self.errors, self.page = {}, {}, 1
        await self._reload()

    @rx.event
    async def search(self, form_data: dict):
        self._filters = {name: str(form_data.get(name, ""))[:120] for name in FILTER_FIELDS}
        self.errors, self.page = {}, 1
        try:
            await self._reload()
        except ValidationFailed as error:
            self.errors = error.errors
            self.items, self.total, self.page_count, self.capped = [], 0, 1, False

    @rx.event
    async def export(self):
        self.errors = {}
        self.exporting = True
        yield
        try:
            async with authenticated(self) as (db, actor):
                url = audit_log.issue_export(db, actor=actor, filters=AuditFilters(**self._filters))
        except ValidationFailed as error:
            self.errors = error.errors
            self.exporting = False
            return
        self.exporting = False
        yield rx.download(url=url)
