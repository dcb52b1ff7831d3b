"""The patient file's announcement tab: status at a glance, the steps, and the form recording or correcting one."""

from __future__ import annotations

import secrets

import reflex as rx

from dcc_portal import formatting
from dcc_portal.models import Role
from dcc_portal.services.common.errors import StaleVersion, ValidationFailed
from dcc_portal.services.record import announcement
from dcc_portal.state.display import rows
from dcc_portal.state.patient_file import PatientFileState
from dcc_portal.state.session import authenticated

FORM_FIELDS = ("occurred_on", "notes", "accompanied_by", "channel",
               *(f"need_{domain}" for domain, _ in announcement.NEED_DOMAINS))


class AnnouncementState(PatientFileState):
    status: list[dict[str, str]] = []
    steps: list[dict[str, str]] = []
    medical_announcement: str = ""
    held_documents: int = 0
    allowed: list[list[str]] = []  # [temps, label] this user may record
    allowed_codes: list[str] = []
    recorded_once: list[dict[str, str]] = []  # steps recorded once, shown in place of their button
    medical_recorded: bool = False
    loaded: bool = False
    # The form: temps being recorded ("" when closed), the step being corrected ("" for a new one).
    form_temps: str = ""
    form_title: str = ""
    form_step: str = ""
    form_values: dict[str, str] = {}
    form_key: str = ""
    history: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    warning: str = ""
    saving: bool = False
    _patient_public_id: str = ""
    _form_version: int = 0

    async def _refresh(self) -> None:
        async with authenticated(self) as (db, actor):
            over = announcement.overview(db, actor=actor, patient_public_id=self._patient_public_id)
            may_record = [list(item) for item in announcement.allowed_temps(actor.role)] if actor.role != Role.GP else []
        self.allowed_codes = [item[0] for item in may_record]
        once = over.recorded_once
        self.allowed = [item for item in may_record if item[0] not in {step.temps for step in once}]
        self.recorded_once = [{"temps": step.temps, "label": announcement.SHORT_LABELS[step.temps], "date": step.date,
                               "author": step.author, "public_id": step.public_id} for step in once]
        self.medical_recorded = over.medical_recorded
        self.status = rows(over.status)
        self.steps = rows(over.steps)
        self.medical_announcement = over.medical_announcement
        self.held_documents = over.held_documents
        self.loaded = True

    @rx.event
    async def load(self):
        self.loaded, self.form_temps, self.errors, self.notice, self.warning = False, "", {}, "", ""
        self.status, self.steps, self.recorded_once = [], [], []
        self._patient_public_id = self.router.url.query_parameters.get("p", "")[:32]
        await self._refresh()

    @rx.event
    def open_new(self, temps: str):
        if temps not in announcement.TEMPS_LABELS:
            return
        self.form_temps, self.form_step, self._form_version = temps, "", 0
        self.form_title = announcement.TEMPS_LABELS[temps]
        self.form_values = {"occurred_on": formatting.paris_today().isoformat()}
        self.history, self.errors, self.notice, self.warning = [], {}, "", ""
        self.form_key = secrets.token_hex(16)

    @rx.event
    async def open_correction(self, step_public_id: str):
        async with authenticated(self) as (db, actor):
            current, history = announcement.step_detail(db, actor=actor, step_public_id=str(step_public_id)[:32])
        values = {"occurred_on": current.date_iso, "notes": current.notes, "accompanied_by": current.accompanied_by,
                  "channel": current.channel}
        values.update({f"need_{need.domain}": need.value for need in current.needs})
        self.form_temps, self.form_step, self._form_version = current.temps, current.public_id, current.version
        self.form_title = f"Corriger : {current.temps_label} (version {current.version})"
        self.form_values = values
        self.history = rows(history)
        self.errors, self.notice, self.warning = {}, "", ""
        self.form_key = secrets.token_hex(16)

    @rx.event
    def close_form(self):
        self.form_temps, self.form_step, self.errors = "", "", {}

    @rx.event
    async def submit(self, form_data: dict):
        if not self.form_temps or self.saving:
            return
        self.errors, self.notice, self.warning = {}, "", ""
        values = {name: str(form_data.get(name, "") or "")[:6000] for name in FORM_FIELDS}
        reason = str(form_data.get("reason", "") or "")[:600]
        self.form_values = {**values, "reason": reason}  # kept if refused
        self.saving = True
        yield
        try:
            async with authenticated(self) as (db, actor):
                if self.form_step:
                    announcement.correct(db, actor=actor, step_public_id=self.form_step,
                                         expected_version=self._form_version, values=values, reason=reason)
                else:
                    step = announcement.record(db, actor=actor, patient_public_id=self._patient_public_id,
                                               temps=self.form_temps, values=values, submission_key=self.form_key)
                    self.warning = step.warning
        except ValidationFailed as error:
            self.errors = error.errors
            return
        except StaleVersion as error:
            self.errors = {"form": error.message}
            return
        finally:
            self.saving = False
        self.notice = "Correction enregistrée (nouvelle version)." if self.form_step else (
            "Étape enregistrée. Le médecin traitant a été notifié.")
        self.form_temps, self.form_step = "", ""
        await self._refresh()
        # The timeline and the documents' release state change with a new step.
        from dcc_portal.state.pathway import PathwayState
        from dcc_portal.state.patient_record import PatientSummaryState
        from dcc_portal.state.reports import TeamDocumentsState

        yield [PatientSummaryState.load, PathwayState.load, TeamDocumentsState.load]



