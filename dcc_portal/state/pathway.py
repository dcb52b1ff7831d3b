"""The patient file's pathway tab: the diagnosis (with its pickers) and the timeline; the timeline also on the GP page."""

from __future__ import annotations

import reflex as rx

from dcc_portal import formatting, texts
from dcc_portal.services.common import terminology
from dcc_portal.services.common.errors import StaleVersion, ValidationFailed
from dcc_portal.services.record import diagnosis, pathway
from dcc_portal.state.display import row, rows
from dcc_portal.state.patient_file import PatientFileState
from dcc_portal.state.session import authenticated

FIELDS = ("laterality", "tnm_prefix", "tnm_t", "tnm_n", "tnm_m", "other_staging", "performance", "performance_date",
          "suspicion_date", "diagnosis_date", "discovery_mode", "clinical_phase")


class PathwayState(PatientFileState):
    diagnosis: dict[str, str] = {}
    timeline: list[dict[str, str]] = []
    loaded: bool = False
    can_edit: bool = False
    editing: bool = False
    form_values: dict[str, str] = {}
    form_key: int = 0
    errors: dict[str, str] = {}
    notice: str = ""
    saving: bool = False
    icd10: list[str] = ["", ""]  # picked [code, label]
    morphology: list[str] = ["", ""]
    icd10_results: list[list[str]] = []
    morphology_results: list[list[str]] = []
    can_add_step: bool = False
    today: str = ""
    step_errors: dict[str, str] = {}
    step_form_key: int = 0
    adding_step: bool = False
    _patient_public_id: str = ""
    _version: int = 0

    async def _refresh(self) -> None:
        async with authenticated(self) as (db, actor):
            view = diagnosis.current(db, actor=actor, patient_public_id=self._patient_public_id)
            items = pathway.timeline(db, actor=actor, patient_public_id=self._patient_public_id)
            self.can_edit = actor.role in diagnosis.WRITERS
            self.can_add_step = actor.role in pathway.MILESTONE_WRITERS
        self.today = formatting.paris_today().isoformat()
        self.diagnosis = row(view) if view else {}
        self._version = view.version if view else 0
        self.timeline = rows(list(reversed(items)))  # newest first
        self.loaded = True

    @rx.event
    async def load(self):
        self.loaded, self.editing, self.errors, self.notice = False, False, {}, ""
        self.diagnosis, self.timeline = {}, []
        self._patient_public_id = self.router.url.query_parameters.get("p", "")[:32]
        await self._refresh()

    @rx.event
    async def add_step(self, form_data: dict):
        self.step_errors, self.notice = {}, ""
        self.adding_step = True
        yield
        try:
            async with authenticated(self) as (db, actor):
                pathway.record_milestone(db, actor=actor, patient_public_id=self._patient_public_id,
                                         kind=str(form_data.get("milestone_kind", ""))[:40],
                                         occurred_on=str(form_data.get("milestone_date", ""))[:20],
                                         detail=str(form_data.get("milestone_detail", ""))[:200])
        except ValidationFailed as error:
            self.step_errors = error.errors
            return
        finally:
            self.adding_step = False
        self.step_form_key += 1
        self.notice = texts.PATHWAY["milestone_saved"]
        await self._refresh()
        yield

    @rx.event
    def start_edit(self):
        current = self.diagnosis
        self.form_values = {name: current.get(name, "") for name in FIELDS}
        if not current:
            self.form_values.update({"tnm_prefix": "c", "clinical_phase": "initial"})
        self.icd10 = [current.get("icd10_code", ""), current.get("icd10_label", "")]
        self.morphology = [current.get("morphology_code", ""), current.get("morphology_label", "")]
        self.icd10_results, self.morphology_results = [], []
        self.errors, self.notice = {}, ""
        self.form_key += 1
        self.editing = True

    @rx.event
    def cancel_edit(self):
        self.editing, self.errors = False, {}

    @rx.event
    async def search_icd10(self, query: str):
        async with authenticated(self):
            found = diagnosis.search_terms(terminology.TUMOURS, str(query)[:100])
        self.icd10_results = [[option.code, option.label] for option in found]

    @rx.event
    async def search_morphology(self, query: str):
        async with authenticated(self):
            found = diagnosis.search_terms(terminology.MORPHOLOGIES, str(query)[:100])
        self.morphology_results = [[option.code, option.label] for option in found]

    @rx.event
    def pick_icd10(self, code: str):
        concept = terminology.concept(terminology.TUMOURS, str(code)[:10])
        if concept:
            self.icd10 = [concept.code, concept.display]
            self.icd10_results = []
            self.errors = {k: v for k, v in self.errors.items() if k != "icd10_code"}

    @rx.event
    def pick_morphology(self, code: str):
        concept = terminology.concept(terminology.MORPHOLOGIES, str(code)[:10])
        if concept:
            self.morphology = [concept.code, concept.display]
            self.morphology_results = []

    @rx.event
    def clear_morphology(self):
        self.morphology = ["", ""]

    @rx.event
    async def save(self, form_data: dict):
        self.errors, self.notice = {}, ""
        values = {name: str(form_data.get(name, ""))[:200] for name in FIELDS}
        values.update(icd10_code=self.icd10[0], morphology_code=self.morphology[0])
        self.form_values = values  # what the user typed survives a refusal
        self.saving = True
        yield
        try:
            async with authenticated(self) as (db, actor):
                diagnosis.save(db, actor=actor, patient_public_id=self._patient_public_id,
                               expected_version=self._version, values=values)
        except ValidationFailed as error:
            self.errors = error.errors
            return
        except StaleVersion as error:
            self.errors = {"form": error.message}
            return
        finally:
            self.saving = False
        self.editing = False
        self.notice = "Diagnostic enregistré."
        await self._refresh()
        yield
