"""The symptom follow-up screens: the patient's weekly check-in (one question per screen), the nurses' alert
worklist with acknowledgement, and the symptom history on the team patient file."""

from __future__ import annotations

from typing import Any

import reflex as rx

from dcc_portal import texts
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.pps.reading import tel_href
from dcc_portal.services.symptoms import alerts, checkin, history
from dcc_portal.state.display import row, rows
from dcc_portal.state.patient_file import PatientFileState
from dcc_portal.state.session import authenticated

T = texts.SYMPTOMS
ANSWER_FIELDS = ("present", "severity", "interference", "temperature", "note")


class SymptomCheckInState(rx.State):
    """/patient (banner) and /patient/symptoms: the patient's own check-in."""

    in_treatment: bool = False
    paused: bool = False
    due: bool = False
    resuming: bool = False
    last_submitted: str = ""
    news: list[dict[str, str]] = []
    gp_shared: bool = False
    treatment_label: str = ""
    questions: list[dict[str, str]] = []
    index: int = 0
    answer: dict[str, str] = {}
    errors: dict[str, str] = {}
    finished: bool = False
    outcome_level: str = ""
    instruction: str = ""
    call_phone: str = ""
    call_href: str = ""
    _report_id: str = ""

    def _home(self, view: checkin.Home) -> None:
        self.in_treatment, self.paused, self.due, self.resuming = view.in_treatment, view.paused, view.due, view.resuming
        self.last_submitted, self.gp_shared = view.last_submitted, view.gp_shared
        self.news = rows(view.alerts)

    def _show(self, view: checkin.CheckIn, *, index: int | None = None) -> None:
        self._report_id, self.treatment_label = view.report_public_id, view.treatment_label
        self.questions = rows(view.questions)
        self.index = view.next_index if index is None else max(0, min(index, len(view.questions)))
        self._fill()

    def _fill(self) -> None:
        current = self.questions[self.index] if self.index < len(self.questions) else {}
        self.answer = {name: current.get(name, "") for name in ANSWER_FIELDS}
        self.answer["interference"] = current.get("interference_value", "")
        self.errors = {}

    @rx.event
    async def load_home(self):
        async with authenticated(self) as (db, actor):
            self._home(checkin.home(db, actor=actor))

    @rx.event
    async def load(self):
        await self._load()

    async def _load(self) -> None:
        self.finished, self.outcome_level, self.instruction, self.call_phone, self.call_href = False, "", "", "", ""
        self.questions, self.index = [], 0
        async with authenticated(self) as (db, actor):
            home = checkin.home(db, actor=actor)
            self._home(home)
            if home.in_treatment and not home.paused:
                self._show(checkin.start(db, actor=actor))

    @rx.event
    def set_field(self, name: str, value: str):
        if name in ANSWER_FIELDS:
            self.answer = {**self.answer, name: str(value)[:20_000]}

    @rx.event
    async def choose_present(self, value: str):
        self.answer = {**self.answer, "present": value}
        if value == "no":
            await self._save()

    @rx.event
    async def save(self):
        await self._save()

    async def _save(self) -> None:
        if not self._report_id or self.index >= len(self.questions):
            return
        item = self.questions[self.index]["item"]
        try:
            async with authenticated(self) as (db, actor):
                view = checkin.answer(db, actor=actor, report_public_id=self._report_id, item=item, form=self.answer)
        except ValidationFailed as error:
            self.errors = error.errors
            return
        self._show(view, index=self.index + 1)

    @rx.event
    def previous(self):
        if self.index > 0:
            self.index -= 1
            self._fill()

    @rx.event
    async def submit(self):
        try:
            async with authenticated(self) as (db, actor):
                outcome = checkin.submit(db, actor=actor, report_public_id=self._report_id)
                self._home(checkin.home(db, actor=actor))
        except ValidationFailed as error:
            self.errors = error.errors
            return
        self.finished, self.outcome_level, self.instruction = True, outcome.level, outcome.instruction
        self.call_phone, self.call_href = outcome.call_phone, tel_href(outcome.call_phone)

    @rx.event
    async def pause_checkins(self, paused: bool):
        async with authenticated(self) as (db, actor):
            checkin.set_paused(db, actor=actor, paused=bool(paused))
        await self._load()

    @rx.event
    async def share_with_gp(self, shared: bool):
        async with authenticated(self) as (db, actor):
            checkin.set_gp_sharing(db, actor=actor, shared=bool(shared))
            self._home(checkin.home(db, actor=actor))


class SymptomAlertsState(rx.State):
    """/team/symptoms: the coordination nurses' worklist."""

    items: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    page_count: int = 1
    selected: str = ""
    action: str = ""
    note: str = ""
    errors: dict[str, str] = {}
    notice: str = ""

    async def _refresh(self) -> None:
        async with authenticated(self) as (db, actor):
            result = alerts.worklist(db, actor=actor, page=self.page)
        self.items = [{**row(item), "reasons": "\n".join(item.reasons)} for item in result.items]
        self.total, self.page, self.page_count = result.total, result.page, result.page_count

    @rx.event
    async def load(self):
        self.page, self.selected, self.notice, self.errors = 1, "", "", {}
        await self._refresh()

    @rx.event
    async def go_to(self, page: int):
        self.page = int(page)
        await self._refresh()

    @rx.event
    def choose(self, public_id: str):
        self.selected, self.action, self.note, self.errors, self.notice = str(public_id)[:32], "", "", {}, ""

    @rx.event
    def set_action(self, value: str):
        self.action = str(value)[:20]

    @rx.event
    def set_note(self, value: str):
        self.note = str(value)[:20_000]

    @rx.event
    async def acknowledge(self):
        try:
            async with authenticated(self) as (db, actor):
                alerts.acknowledge(db, actor=actor, alert_public_id=self.selected, action=self.action, note=self.note)
        except ValidationFailed as error:
            self.errors = error.errors
            return
        self.selected, self.errors, self.notice = "", {}, T["acknowledged"]
        await self._refresh()


class SymptomHistoryState(PatientFileState):
    """The symptom section of the team patient file and of the GP's patient screen (?p=<public id>)."""

    available: bool = False
    summary: str = ""
    treatments: str = ""
    open_alerts: int = 0
    care_team: bool = False
    charts: list[dict[str, Any]] = []

    @rx.event
    async def load(self):
        public_id = str(self.router.url.query_parameters.get("p", ""))[:32]
        async with authenticated(self) as (db, actor):
            view = history.team_history(db, actor=actor, patient_public_id=public_id)
        self.available, self.summary, self.treatments, self.open_alerts, self.care_team = (
            view.available, view.summary, view.treatments, view.open_alerts, view.care_team)
        self.charts = [{"label": series.label, "top": series.top, "points": series.points} for series in view.series]
