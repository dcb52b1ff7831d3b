"""One patient's summary (team area) and the patient's own record (patient area)."""

from __future__ import annotations

import reflex as rx

from dcc_portal.services.record import patients
from dcc_portal.services.record.patients import PatientSummary
from dcc_portal.state.display import row, rows
from dcc_portal.state.paging import return_href
from dcc_portal.state.patient_file import PatientFileState
from dcc_portal.state.session import authenticated


def _expose(state, summary: PatientSummary) -> None:
    state.identity = row(summary)
    state.medecin_traitant = row(summary.medecin_traitant) if summary.medecin_traitant else {}
    state.care_team = rows(summary.care_team)
    state.emergencies = rows(summary.emergencies)


class PatientSummaryState(PatientFileState):
    """/team/patient and /gp/patient (?p=<public id>): identity header and care team."""

    identity: dict[str, str] = {}
    medecin_traitant: dict[str, str] = {}
    care_team: list[dict[str, str]] = []
    emergencies: list[dict[str, str]] = []
    back_href: str = "/team"

    @rx.event
    async def load(self):
        self.identity, self.medecin_traitant, self.care_team, self.emergencies = {}, {}, [], []
        self.back_href = return_href(self, "/team")
        public_id = self.router.url.query_parameters.get("p", "")
        async with authenticated(self) as (session, actor):
            summary = patients.summary(session, actor=actor, patient_public_id=public_id)
        _expose(self, summary)


class MyRecordState(rx.State):
    """The patient's own identity and care team."""

    identity: dict[str, str] = {}
    medecin_traitant: dict[str, str] = {}
    care_team: list[dict[str, str]] = []
    emergencies: list[dict[str, str]] = []

    @rx.event
    async def load(self):
        async with authenticated(self) as (session, actor):
            summary = patients.my_record(session, actor=actor)
        _expose(self, summary)
