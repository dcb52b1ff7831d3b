"""The PPS screens: team overview and handover, the editor, and the patient's programme, calendar and contacts."""

from __future__ import annotations

import reflex as rx

from dcc_portal import texts
from dcc_portal.services.common.errors import StaleVersion, ValidationFailed
from dcc_portal.services.pps import calendar as pps_calendar
from dcc_portal.services.pps import content as pc
from dcc_portal.services.pps import programme as pps
from dcc_portal.services.pps import reading as pps_reading
from dcc_portal.services.record import downloads
from dcc_portal.state.display import row, rows
from dcc_portal.state.session import authenticated

T = texts.PPS
MAX_TEXT = 5000


def _query_patient(state: rx.State) -> str:
    return str(state.router.url.query_parameters.get("p", ""))[:32]


class TeamPpsState(rx.State):
    """/team/pps?p=<patient>: status, versions, handover and consent."""

    view: dict[str, str] = {}
    versions: list[dict[str, str]] = []
    handovers: list[dict[str, str]] = []
    people: list[list[str]] = []
    problems: list[str] = []
    errors: dict[str, str] = {}
    notice: str = ""
    busy: bool = False
    loaded: bool = False
    _patient_public_id: str = ""

    async def _refresh(self) -> None:
        async with authenticated(self) as (db, actor):
            view = pps.team_view(db, actor=actor, patient_public_id=self._patient_public_id)
        self.view = row(view)
        self.versions = rows(view.versions)
        self.handovers = rows(view.handovers)
        self.people = [list(person) for person in view.handover_people]
        self.problems = view.handover_problems
        self.loaded = True

    @rx.event
    async def load(self):
        self._patient_public_id = _query_patient(self)
        self.errors, self.loaded = {}, False
        self.notice = T["saved"] if self.router.url.query_parameters.get("saved") == "1" else ""
        await self._refresh()

    @rx.event
    async def record_handover(self, form_data: dict):
        self.errors, self.notice, self.busy = {}, "", True
        yield
        try:
            async with authenticated(self) as (db, actor):
                pps.record_handover(
                    db, actor=actor, patient_public_id=self._patient_public_id,
                    expected_version=int(self.view.get("version") or 0),
                    handed_over_on=str(form_data.get("handed_over_on", ""))[:20],
                    by_professional_public_id=str(form_data.get("handed_over_by", ""))[:32],
                    gp_consent=str(form_data.get("gp_consent", ""))[:20],
                )
        except ValidationFailed as error:
            self.errors = error.errors
        except StaleVersion as error:
            self.errors = {"form": error.message}
        else:
            self.notice = T["handover_saved"]
        self.busy = False
        await self._refresh()

    @rx.event
    async def record_consent(self, form_data: dict):
        self.errors, self.notice = {}, ""
        try:
            async with authenticated(self) as (db, actor):
                pps.record_gp_consent(db, actor=actor, patient_public_id=self._patient_public_id,
                                      gp_consent=str(form_data.get("consent", ""))[:20])
        except ValidationFailed as error:
            self.errors = {"consent": " ".join(error.errors.values())}
            return
        self.notice = T["consent_saved"]
        await self._refresh()


SCALARS = tuple(spec.name for spec in pc.SCALAR_FIELDS)
FIELDS = {section: {spec.name for spec in specs} for section, specs in pc.SECTION_FIELDS.items()}


class PpsEditorState(rx.State):
    """/team/pps/edit?p=<patient>: the whole programme as one draft held here until it is saved."""

    patient_id: str = ""
    patient_name: str = ""
    prefill_note: str = ""
    expected_version: int = 0
    issued: bool = False
    nurse_only: bool = False
    diagnosis: list[list[str]] = []
    rcp_date: str = ""
    rcp_proposal: str = ""
    plan_summary: str = ""
    end_of_treatment: str = ""
    treatments: list[dict[str, str]] = []
    follow_up: list[dict[str, str]] = []
    measures: list[dict[str, str]] = []
    supportive_care: list[dict[str, str]] = []
    social: list[dict[str, str]] = []
    contacts: list[dict[str, str]] = []
    reason_code: str = ""
    reason_detail: str = ""
    errors: dict[str, str] = {}
    stale: bool = False
    busy: bool = False
    loaded: bool = False
    _patient_public_id: str = ""

    def _fill(self, data: pps.EditorData) -> None:
        self.patient_id = data.patient_public_id
        self.patient_name = data.patient_name
        self.prefill_note = data.prefill_note
        self.expected_version = data.expected_version
        self.issued = data.issued
        self.nurse_only = data.nurse_only
        self.diagnosis = [list(line) for line in data.diagnosis]
        for name in SCALARS:
            setattr(self, name, data.form.get(name, ""))
        for section in pc.SECTIONS:
            setattr(self, section, data.form.get(section, []))
        self.reason_code, self.reason_detail = "", ""
        self.errors, self.stale, self.loaded = {}, False, True

    async def _load(self) -> None:
        async with authenticated(self) as (db, actor):
            data = pps.editor(db, actor=actor, patient_public_id=self._patient_public_id)
        self._fill(data)

    @rx.event
    async def load(self):
        self._patient_public_id = _query_patient(self)
        self.loaded = False
        await self._load()

    @rx.event
    async def reload(self):
        await self._load()

    @rx.event
    def set_scalar(self, name: str, value: str):
        if name in SCALARS:
            setattr(self, name, str(value)[:MAX_TEXT])
            self.errors = {key: message for key, message in self.errors.items() if key != name}

    @rx.event
    def set_item(self, section: str, index: int, name: str, value: str | bool):
        if section not in FIELDS or name not in FIELDS[section]:
            return
        items = list(getattr(self, section))
        if not isinstance(index, int) or not 0 <= index < len(items):
            return
        text = ("true" if value else "") if isinstance(value, bool) else str(value)[:MAX_TEXT]
        items[index] = {key: item for key, item in items[index].items() if key != f"err_{name}"} | {name: text}
        setattr(self, section, items)

    @rx.event
    def add_item(self, section: str):
        if section in FIELDS and len(getattr(self, section)) < pc.MAX_ITEMS:
            setattr(self, section, [*getattr(self, section), pc.empty_item(section)])

    @rx.event
    def remove_item(self, section: str, index: int):
        items = list(getattr(self, section)) if section in FIELDS else []
        if isinstance(index, int) and 0 <= index < len(items):
            setattr(self, section, items[:index] + items[index + 1:])

    @rx.event
    def set_reason(self, value: str):
        self.reason_code = str(value)[:40]
        self.errors = {key: message for key, message in self.errors.items() if key != "reason"}

    @rx.event
    def set_reason_detail(self, value: str):
        self.reason_detail = str(value)[:400]
        self.errors = {key: message for key, message in self.errors.items() if key != "reason_detail"}

    def _form(self) -> dict:
        form: dict = {name: getattr(self, name) for name in SCALARS}
        for section in pc.SECTIONS:
            form[section] = [{key: value for key, value in item.items() if not key.startswith("err_")}
                             for item in getattr(self, section)]
        return form

    def _show_errors(self, errors: dict[str, str]) -> None:
        """Item errors go into the items (shown next to their field), the others stay in `errors`."""
        self.errors = {}
        per_item: dict[str, dict[int, dict[str, str]]] = {}
        for key, message in errors.items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] in FIELDS and parts[1].isdigit():
                per_item.setdefault(parts[0], {}).setdefault(int(parts[1]), {})[f"err_{parts[2]}"] = message
            else:
                self.errors[key] = message
        for section in pc.SECTIONS:
            marks = per_item.get(section, {})
            setattr(self, section, [
                {key: value for key, value in item.items() if not key.startswith("err_")} | marks.get(index, {})
                for index, item in enumerate(getattr(self, section))
            ])
        if errors and "form" not in self.errors:
            self.errors["form"] = T["errors"]

    @rx.event
    async def save(self):
        self.busy = True
        yield
        try:
            async with authenticated(self) as (db, actor):
                pps.save(db, actor=actor, patient_public_id=self._patient_public_id, form=self._form(),
                                  expected_version=self.expected_version, reason_code=self.reason_code,
                                  reason_detail=self.reason_detail)
        except ValidationFailed as error:
            self._show_errors(error.errors)
            self.busy = False
            return
        except StaleVersion as error:
            self.errors, self.stale, self.busy = {"form": error.message}, True, False
            return
        self.busy = False
        yield rx.redirect(f"/team/pps?p={self._patient_public_id}&saved=1")


class PatientPpsState(rx.State):
    """/patient/pps, /patient/calendar, /patient/contacts: the patient's own programme."""

    available: bool = False
    loaded: bool = False
    info: dict[str, str] = {}
    changes: list[dict[str, str]] = []
    reasons: list[str] = []
    next_steps: list[dict[str, str]] = []
    upcoming: list[dict[str, str]] = []
    past: list[dict[str, str]] = []
    treatments: list[dict[str, str]] = []
    follow_up: list[dict[str, str]] = []
    measures: list[dict[str, str]] = []
    supportive_care: list[dict[str, str]] = []
    social: list[dict[str, str]] = []
    contacts: list[dict[str, str]] = []
    team: list[dict[str, str]] = []
    diagnosis: list[list[str]] = []
    history: list[dict[str, str]] = []
    detailed_calendar: bool = False
    preparing_pdf: bool = False
    preparing_ics: bool = False
    notice: str = ""
    error: str = ""
    _document_id: str = ""
    _version: int = 0

    async def _refresh(self) -> None:
        async with authenticated(self) as (db, actor):
            view = pps_reading.patient_view(db, actor=actor)
        self.available = view.available
        self._document_id, self._version = view.document_public_id, view.version
        self.info = row(view)
        self.changes = [{"title": change.title, "text": "\n".join(change.lines)} for change in view.changes]
        self.reasons = view.reasons
        for name in ("next_steps", "upcoming", "past", "treatments", "follow_up", "measures", "supportive_care", "social",
                     "contacts", "team", "history"):
            setattr(self, name, rows(getattr(view, name)))
        self.diagnosis = [list(line) for line in view.diagnosis]
        self.loaded = True

    @rx.event
    async def load(self):
        self.notice, self.error = "", ""
        await self._refresh()

    @rx.event
    async def acknowledge(self):
        self.notice, self.error = "", ""
        try:
            async with authenticated(self) as (db, actor):
                pps_reading.acknowledge(db, actor=actor, version=self._version)
        except ValidationFailed as error:
            self.error = " ".join(error.errors.values())
        else:
            self.notice = texts.PATIENT_PPS["acknowledged"]
        await self._refresh()

    @rx.event
    def set_detailed_calendar(self, value: bool):
        self.detailed_calendar = bool(value)

    @rx.event
    async def download_pdf(self):
        if not self._document_id:
            return
        self.preparing_pdf = True
        yield
        async with authenticated(self) as (db, actor):
            url = downloads.issue(db, actor=actor, producer="document_pdf", target=self._document_id)
        self.preparing_pdf = False
        yield rx.download(url=url)

    @rx.event
    async def download_ics(self):
        if not self._document_id:
            return
        self.preparing_ics = True
        yield
        async with authenticated(self) as (db, actor):
            url = downloads.issue(db, actor=actor, producer="pps_ics", target=self._document_id,
                                  variant=pps_calendar.DETAILED if self.detailed_calendar else "")
        self.preparing_ics = False
        yield rx.download(url=url)
