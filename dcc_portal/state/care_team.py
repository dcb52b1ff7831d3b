"""One patient's care team: the administrator (/admin/care-teams) and the team itself (/team/care-team?p=...)
add and remove members and change the médecin traitant. Every handler goes through care_teams, which checks
access again: a member removed meanwhile is refused at once."""

from __future__ import annotations

import reflex as rx

from dcc_portal import texts
from dcc_portal.services.access import care_teams
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.state.display import row, rows
from dcc_portal.state.session import authenticated


def _form(form_data: dict, *names: str) -> dict[str, str]:
    return {name: str(form_data.get(name, ""))[:200] for name in names}


class CareTeamState(rx.State):
    patient: dict[str, str] = {}
    members: list[dict[str, str]] = []
    candidates: list[list[str]] = []
    gp_candidates: list[list[str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    _patient_public_id: str = ""

    async def _refresh(self) -> None:
        async with authenticated(self) as (session, actor):
            team = care_teams.view(session, actor=actor, patient_public_id=self._patient_public_id)
        self.patient = row(team)
        self.members = rows(team.members)

    def _clear(self) -> None:
        self.errors, self.notice, self.candidates, self.gp_candidates = {}, "", [], []

    @rx.event
    async def load(self):
        """on_load of /team/care-team?p=<patient public id>."""
        self.patient, self.members = {}, []
        self._clear()
        self._patient_public_id = self.router.url.query_parameters.get("p", "")[:32]
        await self._refresh()

    @rx.event
    async def open(self, patient_public_id: str):
        self._patient_public_id = str(patient_public_id)[:32]
        self._clear()
        await self._refresh()

    @rx.event
    async def find_professionals(self, form_data: dict):
        async with authenticated(self) as (session, actor):
            found = care_teams.search_professionals(session, actor=actor, query=str(form_data.get("who", ""))[:100])
        self.candidates = [[option.public_id, option.label] for option in found]
        self.errors = {} if found else {"professional": texts.COMMON["no_result"]}

    @rx.event
    async def find_gps(self, form_data: dict):
        async with authenticated(self) as (session, actor):
            found = care_teams.search_professionals(session, actor=actor, query=str(form_data.get("gp_who", ""))[:100])
        self.gp_candidates = [[option.public_id, option.label] for option in found]
        self.errors = {} if found else {"medecin_traitant": texts.COMMON["no_result"]}

    @rx.event
    async def add_member(self, form_data: dict):
        self.errors, self.notice = {}, ""
        values = _form(form_data, "professional", "team_role", "start_date", "end_date")
        try:
            async with authenticated(self) as (session, actor):
                care_teams.add_member(
                    session, actor=actor, patient_public_id=self._patient_public_id,
                    professional_public_id=values["professional"], team_role=values["team_role"],
                    start_date=values["start_date"], end_date=values["end_date"],
                )
        except ValidationFailed as error:
            self.errors = error.errors
            return
        self.notice = texts.ADMIN["done"]
        self.candidates = []
        await self._refresh()

    @rx.event
    async def remove_member(self, membership_public_id: str):
        self.errors, self.notice = {}, ""
        try:
            async with authenticated(self) as (session, actor):
                care_teams.remove_member(
                    session, actor=actor, patient_public_id=self._patient_public_id,
                    membership_public_id=str(membership_public_id)[:32],
                )
        except ValidationFailed as error:
            self.errors = error.errors
            return
        self.notice = texts.ADMIN["removed"]
        await self._refresh()

    @rx.event
    async def set_medecin_traitant(self, form_data: dict):
        self.errors, self.notice = {}, ""
        try:
            async with authenticated(self) as (session, actor):
                care_teams.set_medecin_traitant(
                    session, actor=actor, patient_public_id=self._patient_public_id,
                    professional_public_id=str(form_data.get("medecin_traitant", ""))[:32],
                )
        except ValidationFailed as error:
            self.errors = error.errors
            return
        self.notice = texts.TEAM["gp_changed"]
        self.gp_candidates = []
        await self._refresh()
