"""DMP feeding screens: the status board (team and admin) and the patient's opposition (patient and team)."""

from __future__ import annotations

import reflex as rx

from dcc_portal import texts
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.exchange import sharing
from dcc_portal.services.record import downloads
from dcc_portal.state.display import rows
from dcc_portal.state.patient_file import PatientFileState
from dcc_portal.state.session import authenticated

T = texts.SHARING


class SharingBoardMixin(rx.State, mixin=True):
    """A paginated, filtered page of submissions; every action re-checks access in the service."""

    items: list[dict[str, str]] = []
    counts: dict[str, int] = {}
    status_filter: str = "all"
    page: int = 1
    page_count: int = 1
    total: int = 0
    patient_public_id: str = ""
    patient_name: str = ""
    notice: str = ""
    error: str = ""
    busy_id: str = ""
    cancel_target: str = ""
    loaded: bool = False

    async def _reload(self) -> None:
        async with authenticated(self) as (db, actor):
            result = sharing.board(db, actor=actor, page=self.page, status_filter=self.status_filter,
                                   patient_public_id=self.patient_public_id)
        self.items = rows(result.page.items)
        self.counts = {key: int(value) for key, value in result.counts.items()}
        self.total = result.page.total
        self.page = result.page.page
        self.page_count = result.page.page_count
        self.patient_name = result.patient_name
        self.loaded = True

    @rx.event
    async def load(self):
        self.page, self.notice, self.error, self.busy_id, self.cancel_target = 1, "", "", "", ""
        self.patient_public_id = self.router.url.query_parameters.get("p", "")[:32]
        await self._reload()

    @rx.event
    async def set_filter(self, name: str):
        self.status_filter = name if name in sharing.FILTERS else "all"
        self.page, self.notice, self.error = 1, "", ""
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

    @rx.event
    async def resend(self, public_id: str):
        self.notice, self.error, self.busy_id = "", "", str(public_id)[:32]
        yield
        try:
            async with authenticated(self) as (db, actor):
                sharing.resend(db, actor=actor, submission_public_id=str(public_id)[:32])
            self.notice = T["resent"]
        except ValidationFailed as problem:
            self.error = problem.message
        self.busy_id = ""
        await self._reload()

    @rx.event
    def ask_cancel(self, public_id: str):
        self.notice, self.error = "", ""
        self.cancel_target = str(public_id)[:32]

    @rx.event
    def keep(self):
        self.cancel_target = ""

    @rx.event
    async def confirm_cancel(self, form_data: dict):
        target, self.cancel_target = self.cancel_target, ""
        self.busy_id = target
        yield
        try:
            async with authenticated(self) as (db, actor):
                sharing.cancel(db, actor=actor, submission_public_id=target, reason=str(form_data.get("reason", ""))[:200])
            self.notice = T["cancelled"]
        except ValidationFailed as problem:
            self.error = problem.message
        self.busy_id = ""
        await self._reload()

    @rx.event
    async def download_xdm(self, public_id: str):
        self.busy_id = str(public_id)[:32]
        yield
        async with authenticated(self) as (db, actor):
            url = downloads.issue(db, actor=actor, producer="sharing_xdm", target=str(public_id)[:32])
        self.busy_id = ""
        yield rx.download(url=url)


class TeamSharingState(SharingBoardMixin, rx.State):
    """/team/sharing (?p=<patient> to see one patient)."""


class AdminSharingState(SharingBoardMixin, rx.State):
    """/admin/sharing: every submission, operational metadata only."""


class DmpOppositionState(PatientFileState):
    """The patient's opposition to DMP feeding: on the patient's profile, and on the team's patient page (?p=)."""

    opposed: bool = False
    since: str = ""
    source: str = ""
    open_submissions: int = 0
    patient_public_id: str = ""
    confirming: bool = False
    saving: bool = False
    notice: str = ""
    loaded: bool = False
    outside_team: bool = False  # the reader holds the record outside the care team: no panel

    def _target(self) -> str:
        return self.router.url.query_parameters.get("p", "")[:32]

    async def _refresh(self) -> None:
        async with authenticated(self) as (db, actor):
            state = sharing.opposition(db, actor=actor, patient_public_id=self._target())
        self.outside_team, self.loaded = state is None, True
        if state is None:
            return
        self.opposed, self.since, self.source = state.opposed, state.since, state.source
        self.open_submissions, self.patient_public_id = state.open_submissions, state.patient_public_id

    @rx.event
    async def load(self):
        self.confirming, self.notice, self.saving = False, "", False
        await self._refresh()

    @rx.event
    def ask(self):
        self.notice = ""
        self.confirming = True

    @rx.event
    def back(self):
        self.confirming = False

    @rx.event
    async def confirm(self):
        self.saving = True
        yield
        async with authenticated(self) as (db, actor):
            sharing.set_opposition(db, actor=actor, opposed=not self.opposed, patient_public_id=self._target())
        self.saving, self.confirming = False, False
        await self._refresh()
        self.notice = T["my_dmp_saved"] if self.router.url.path.startswith("/patient") else T["dmp_saved"]
