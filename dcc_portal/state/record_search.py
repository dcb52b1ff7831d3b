"""/team/search and /gp/search: find a record outside one's care team (minimal identity), then open it with an
emergency access and a reason. The records' public ids stay on the server until access is granted."""

from __future__ import annotations

import reflex as rx

from dcc_portal.services.access import emergency
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.state.notifications import PATIENT_PAGE
from dcc_portal.state.session import authenticated

ACCESS_LABELS = {
    "care_team": "Vous faites partie de l'équipe de soins",
    "medecin_traitant": "Vous êtes le médecin traitant",
    "rcp": "Dossier inscrit dans une de vos RCP",
    "emergency": "Accès en urgence en cours",
}


class RecordSearchState(rx.State):
    results: list[dict[str, str]] = []
    searched: bool = False
    errors: dict[str, str] = {}
    selected: dict[str, str] = {}
    busy: bool = False
    _ids: list[str] = []
    _selected_id: str = ""

    def _reset(self) -> None:
        self.results, self.searched, self.errors, self.selected, self.busy = [], False, {}, {}, False
        self._ids, self._selected_id = [], ""

    @rx.event
    def start(self):
        self._reset()

    @rx.event
    async def search(self, form_data: dict):
        self.errors, self.selected, self._selected_id = {}, {}, ""
        try:
            async with authenticated(self) as (db, actor):
                found = emergency.find_records(
                    db, actor=actor, ins=str(form_data.get("ins", ""))[:40],
                    family_name=str(form_data.get("family_name", ""))[:100],
                    birth_date=str(form_data.get("birth_date", ""))[:20],
                )
        except ValidationFailed as error:
            self.errors, self.results, self._ids, self.searched = error.errors, [], [], False
            return
        self._ids = [record.public_id for record in found]
        self.results = [
            {"index": str(index), "name": record.name, "birth_date": record.birth_date, "sex": record.sex,
             "access": ACCESS_LABELS.get(record.access, "")}
            for index, record in enumerate(found)
        ]
        self.searched = True

    def _pick(self, index: str) -> int | None:
        try:
            position = int(str(index)[:4])
        except ValueError:
            return None
        return position if 0 <= position < len(self._ids) else None

    @rx.event
    async def choose(self, index: str):
        position = self._pick(index)
        if position is None:
            return None
        if self.results[position]["access"]:
            async with authenticated(self) as (_db, actor):
                summary_page = PATIENT_PAGE.get(actor.role)
            return rx.redirect(f"{summary_page}?p={self._ids[position]}") if summary_page else None
        self.selected = self.results[position]
        self._selected_id = self._ids[position]
        self.errors = {}
        return None

    @rx.event
    def cancel(self):
        self.selected, self._selected_id, self.errors = {}, "", {}

    @rx.event
    async def request_access(self, form_data: dict):
        if not self._selected_id:
            return
        self.errors = {}
        self.busy = True
        yield
        try:
            async with authenticated(self) as (db, actor):
                public_id = emergency.open_access(db, actor=actor, patient_public_id=self._selected_id,
                                                  reason=str(form_data.get("reason", ""))[:2000])
                summary_page = PATIENT_PAGE.get(actor.role, "/")
        except ValidationFailed as error:
            self.errors = error.errors
            self.busy = False
            return
        self._reset()
        yield rx.redirect(f"{summary_page}?p={public_id}")


