"""Paginated, searchable patient lists: team worklist, admin patient search (the GP's list: state/gp.py)."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from dcc_portal.services.access import care_teams
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.paging import Page
from dcc_portal.services.record import patients
from dcc_portal.state.paging import PagedListMixin, PatientSearchMixin


class TeamWorklistState(PatientSearchMixin, rx.State):
    def _fetch(self, session: Session, actor: Actor) -> Page:
        return patients.list_for_team(session, actor=actor, query=self.query, page=self.page)


class AdminPatientSearchState(PagedListMixin, rx.State):
    def _fetch(self, session: Session, actor: Actor) -> Page:
        return care_teams.search_patients_admin(session, actor=actor, query=self.query, page=self.page)
