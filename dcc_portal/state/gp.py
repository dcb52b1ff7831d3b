"""The GP's area: my patients with what is new, one patient's pathway, the documents shared with me."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.paging import Page
from dcc_portal.services.gp import area as gp
from dcc_portal.state.display import row, rows
from dcc_portal.state.paging import PagedListMixin, PatientSearchMixin, return_href
from dcc_portal.state.session import authenticated


class GpPatientsState(PatientSearchMixin, rx.State):
    """/gp: my patients, searchable, with their stage and what is new since my last visit."""

    def _fetch(self, session: Session, actor: Actor) -> Page:
        return gp.my_patients(session, actor=actor, query=self.query, page=self.page)


class GpPatientState(rx.State):
    """/gp/patient?p=<public id>: the pathway on the phone."""

    patient: dict[str, str] = {}
    stages: list[dict[str, str]] = []
    timeline: list[dict[str, str]] = []
    delays: list[dict[str, str]] = []
    next_steps: list[dict[str, str]] = []
    announcement: list[dict[str, str]] = []
    medecin_traitant: dict[str, str] = {}
    care_team: list[dict[str, str]] = []
    back_href: str = "/gp"
    loaded: bool = False

    @rx.event
    async def load(self):
        self.loaded = False
        self.patient, self.stages, self.timeline, self.delays = {}, [], [], []
        self.next_steps, self.announcement, self.medecin_traitant, self.care_team = [], [], {}, []
        public_id = self.router.url.query_parameters.get("p", "")[:32]
        self.back_href = return_href(self, "/gp")
        async with authenticated(self) as (db, actor):
            view = gp.patient_pathway(db, actor=actor, patient_public_id=public_id)
        self.patient = row(view)
        self.stages = rows(view.stages)
        self.timeline = rows(view.timeline)
        self.delays = rows(view.delays)
        self.next_steps = rows(view.next_steps)
        self.announcement = rows(view.announcement)
        self.medecin_traitant = row(view.medecin_traitant) if view.medecin_traitant else {}
        self.care_team = rows(view.care_team)
        self.loaded = True


class GpDocumentsState(PagedListMixin, rx.State):
    """The documents shared with me for one patient, unread first."""

    _patient_public_id: str = ""

    def _fetch(self, session: Session, actor: Actor) -> Page:
        return gp.shared_documents(session, actor=actor, patient_public_id=self._patient_public_id, page=self.page)

    @rx.event
    async def load(self):
        self._patient_public_id = self.router.url.query_parameters.get("p", "")[:32]
        self.page = 1
        await self._reload()
