"""RCP screens: sessions, planning, directory, the sitting (attendance, quorum), case decision and signature,
registration of a patient. Each handler calls one service inside `authenticated`; ids come from the URL."""

from __future__ import annotations

from datetime import date

import reflex as rx

from dcc_portal.services.common.errors import StaleVersion, ValidationFailed
from dcc_portal.services.common.paging import Page
from dcc_portal.services.rcp import correspondents as rcp_correspondents
from dcc_portal.services.rcp import decision as rcp_decision
from dcc_portal.services.rcp import directory as rcp_directory
from dcc_portal.services.rcp import fiche as frcp
from dcc_portal.services.rcp import registration as rcp_registration
from dcc_portal.services.rcp import rules as rcp_rules
from dcc_portal.services.rcp import sessions as rcp_sessions
from dcc_portal.services.rcp import sitting as rcp_sitting
from dcc_portal.services.record import documents
from dcc_portal.state.display import row, rows
from dcc_portal.state.paging import PagedListMixin
from dcc_portal.state.session import authenticated

PROPOSAL_ROWS = 3


class RcpSessionsState(PagedListMixin, rx.State):
    """/team/rcp: upcoming (or past) sessions the user may see."""

    past: bool = False

    def _fetch(self, session, actor) -> Page:
        return rcp_sessions.upcoming_sessions(session, actor=actor, page=self.page, past=self.past)

    @rx.event
    async def show_past(self, value: bool):
        self.past = bool(value)
        self.page = 1
        await self._reload()


class RcpPlanState(rx.State):
    """/team/rcp/plan: the secretariat plans one-off or recurring sessions."""

    rcp_options: list[list[str]] = []
    errors: dict[str, str] = {}
    message: str = ""
    saving: bool = False

    @rx.event
    async def load(self):
        self.errors, self.message = {}, ""
        async with authenticated(self) as (db, actor):
            result = rcp_directory.list_rcps(db, actor=actor, page=1, mine=True)
        self.rcp_options = [[item.public_id, item.name] for item in result.items if item.active]

    @rx.event
    async def submit(self, form: dict):
        self.saving = True
        yield
        try:
            async with authenticated(self) as (db, actor):
                created = rcp_sessions.plan_sessions(
                    db, actor=actor, rcp_public_id=str(form.get("rcp", ""))[:32], first_date=str(form.get("first_date", "")),
                    start_time=str(form.get("start_time", "")), recurrence=str(form.get("recurrence") or "none"),
                    count=form.get("count") or 1, deadline_days=form.get("deadline_days") or 0,
                    deadline_time=str(form.get("deadline_time", "")), place=str(form.get("place", ""))[:200],
                    visio_url=str(form.get("visio_url", ""))[:300],
                )
                if form.get("publish"):
                    for public_id in created:
                        rcp_sessions.set_session_status(db, actor=actor, session_public_id=public_id, status="published")
        except ValidationFailed as error:
            self.errors = error.errors
            self.saving = False
            return
        self.saving = False
        self.errors = {}
        yield rx.redirect(f"/team/rcp/session?s={created[0]}")


class RcpDirectoryState(PagedListMixin, rx.State):
    """/team/rcp/directory: the RCP directory, and for the secretariat a form to add an entry and its members."""

    can_edit: bool = False
    selected: dict[str, str] = {}
    members: list[dict[str, str]] = []
    board_secretariat: list[dict[str, str]] = []
    board_secretary_choices: list[list[str]] = []
    can_edit_selected: bool = False
    can_set_secretariat: bool = False
    choices: list[dict[str, str]] = []
    organisations: list[list[str]] = []
    appareils: list[list[str]] = []
    organs: list[list[str]] = []
    transversals: list[list[str]] = []
    errors: dict[str, str] = {}
    saving: bool = False

    def _fetch(self, session, actor) -> Page:
        from dcc_portal.models import Role

        self.can_edit = actor.role in (Role.RCP_SECRETARY, Role.ADMIN)
        return rcp_directory.list_rcps(session, actor=actor, page=self.page)

    @rx.event
    async def load_form(self):
        from dcc_portal.services.common import terminology
        from dcc_portal.services.identity import organisations

        async with authenticated(self) as (db, actor):
            if actor.role in rcp_rules.EDITOR_ROLES:
                self.organisations = [list(choice) for choice in organisations.hospital_choices(db, actor=actor)]
        self.appareils = [[c.code, c.display.capitalize()] for c in terminology.load(rcp_rules.APPAREIL).concepts]
        self.organs = [[c.code, c.display.capitalize()] for c in terminology.load(rcp_rules.ORGANE).concepts]
        self.transversals = [[c.code, c.display.capitalize()] for c in terminology.load(rcp_rules.TRANSVERSAL_TYPES).concepts]

    @rx.event
    async def show_members(self, public_id: str):
        async with authenticated(self) as (db, actor):
            detail = rcp_directory.rcp_detail(db, actor=actor, rcp_public_id=str(public_id)[:32])
        self.selected = row(detail.row)
        self.members = rows(detail.members)
        self.board_secretariat = rows(detail.secretariat)
        self.can_edit_selected, self.can_set_secretariat = detail.can_edit, detail.can_set_secretariat
        self.choices = []
        if detail.can_set_secretariat:
            async with authenticated(self) as (db, actor):
                named = {person.public_id for person in detail.secretariat}
                self.board_secretary_choices = [[person.public_id, person.name] for person in
                                                rcp_directory.secretary_choices(db, actor=actor)
                                                if person.public_id not in named]

    @rx.event
    async def search_people(self, form: dict):
        async with authenticated(self) as (db, actor):
            self.choices = rows(rcp_directory.professional_choices(db, actor=actor, query=str(form.get("q", ""))[:50]))

    @rx.event
    async def set_member(self, professional_public_id: str, member: bool, coordinator: bool = False):
        rcp_id = self.selected.get("public_id", "")
        try:
            async with authenticated(self) as (db, actor):
                rcp_directory.set_member(db, actor=actor, rcp_public_id=rcp_id, professional_public_id=str(professional_public_id)[:32],
                               member=bool(member), coordinator=bool(coordinator))
        except ValidationFailed as error:
            yield rx.toast.error(error.message)
            return
        yield RcpDirectoryState.show_members(rcp_id)
        yield RcpDirectoryState.load

    @rx.event
    async def set_secretariat(self, professional_public_id: str, assigned: bool):
        rcp_id = self.selected.get("public_id", "")
        try:
            async with authenticated(self) as (db, actor):
                rcp_directory.set_secretariat(db, actor=actor, rcp_public_id=rcp_id,
                                              professional_public_id=str(professional_public_id)[:32], assigned=bool(assigned))
        except ValidationFailed as error:
            yield rx.toast.error(error.message)
            return
        yield RcpDirectoryState.show_members(rcp_id)

    @rx.event
    async def add_secretariat(self, form: dict):
        if form.get("secretary"):
            yield RcpDirectoryState.set_secretariat(str(form["secretary"])[:32], True)

    @rx.event
    async def create(self, form: dict):
        self.saving = True
        yield
        organ = str(form.get("organ", ""))
        try:
            async with authenticated(self) as (db, actor):
                public_id = rcp_directory.save_rcp(db, actor=actor, form=rcp_directory.RcpForm(
                    name=str(form.get("name", ""))[:200], national_id=str(form.get("national_id", ""))[:20],
                    network_id=str(form.get("network_id", ""))[:20], manager_id=str(form.get("manager_id", ""))[:20],
                    manager_name=str(form.get("manager_name", ""))[:200],
                    organisation_public_id=str(form.get("organisation", ""))[:32], kind=str(form.get("kind", "")),
                    is_recours=bool(form.get("is_recours")), is_pediatric=bool(form.get("is_pediatric")),
                    appareil_code=str(form.get("appareil", "")), organ_codes=[organ] if organ else [],
                    transversal_code=str(form.get("transversal", "")), usual_schedule=str(form.get("usual_schedule", ""))[:200],
                    place=str(form.get("place", ""))[:200], visio_url=str(form.get("visio_url", ""))[:300],
                ))
        except ValidationFailed as error:
            self.errors = error.errors
            self.saving = False
            return
        self.errors, self.saving = {}, False
        yield RcpDirectoryState.load
        yield RcpDirectoryState.show_members(public_id)


class RcpSessionState(rx.State):
    """/team/rcp/session?s=: the agenda, attendance and live quorum, session status."""

    info: dict[str, str] = {}
    attendees: list[dict[str, str]] = []
    quorum: dict[str, str] = {}
    cases: list[dict[str, str]] = []
    can_manage: bool = False
    can_decide: bool = False
    busy: bool = False

    def _session_id(self) -> str:
        return self.router.url.query_parameters.get("s", "")[:32]

    def _expose(self, detail: rcp_sitting.SessionDetail) -> None:
        self.info = {**row(detail.row), "kind": detail.rcp_kind_label, "scope": detail.scope}
        self.attendees = rows(detail.attendees)
        self.quorum = {"reached": "true" if detail.quorum.reached else "", "summary": detail.quorum.summary,
                       "specialties": ", ".join(detail.quorum.specialties)}
        self.cases = rows(detail.cases)
        self.can_manage, self.can_decide = detail.can_manage, detail.can_decide

    @rx.event
    async def load(self):
        self.info = {}
        async with authenticated(self) as (db, actor):
            detail = rcp_sitting.session_detail(db, actor=actor, session_public_id=self._session_id())
        self._expose(detail)

    @rx.event
    async def toggle(self, professional_public_id: str, present: bool):
        try:
            async with authenticated(self) as (db, actor):
                rcp_sitting.set_attendance(db, actor=actor, session_public_id=self._session_id(),
                                   professional_public_id=str(professional_public_id)[:32], present=bool(present))
                detail = rcp_sitting.session_detail(db, actor=actor, session_public_id=self._session_id())
        except ValidationFailed as error:
            yield rx.toast.error(error.message)
            return
        self._expose(detail)

    @rx.event
    async def set_status(self, status: str):
        self.busy = True
        yield
        async with authenticated(self) as (db, actor):
            rcp_sessions.set_session_status(db, actor=actor, session_public_id=self._session_id(), status=str(status)[:20])
            detail = rcp_sitting.session_detail(db, actor=actor, session_public_id=self._session_id())
        self._expose(detail)
        self.busy = False


class RcpCaseState(rx.State):
    """/team/rcp/case?c=: one case, the board's proposal and the coordinator's signature."""

    case: dict[str, str] = {}
    checklist: list[dict[str, str]] = []
    proposal: list[dict[str, str]] = []
    types: list[list[str]] = []
    decision: dict[str, str] = {}
    quorum: dict[str, str] = {}
    errors: dict[str, str] = {}
    sign_errors: dict[str, str] = {}
    message: str = ""
    saving: bool = False
    signing: bool = False
    _decision_version: int = 0

    def _case_id(self) -> str:
        return self.router.url.query_parameters.get("c", "")[:32]

    def _expose(self, decision: rcp_decision.CaseDecision) -> None:
        self.case = row(decision.case)
        self.checklist = rows(decision.checklist)
        items = [row(item) for item in decision.proposal]
        while len(items) < PROPOSAL_ROWS:
            items.append({"type_code": "", "type_label": "", "intention": "alternative" if items else "first", "detail": ""})
        self.proposal = [{**item, "index": str(index)} for index, item in enumerate(items[:PROPOSAL_ROWS])]
        self.decision = {
            "status": decision.status, "guideline": decision.guideline, "trial_proposed": "true" if decision.trial_proposed else "",
            "trial_detail": decision.trial_detail, "additional_exams": decision.additional_exams, "comment": decision.comment,
            "summary": decision.summary, "rcp_name": decision.rcp_name, "session_date": decision.session_date,
            "decided": "true" if decision.decided else "", "document": decision.document_public_id,
            "document_version": str(decision.document_version), "signed_at": decision.signed_at, "signed_by": decision.signed_by,
            "can_decide": "true" if decision.can_decide else "", "is_coordinator": "true" if decision.is_coordinator else "",
            "needs_signature": "true" if decision.decided and not decision.case.signed else "",
            "version_key": str(decision.decision_version),
            "quorum_reached": {True: "true", False: "false", None: ""}[decision.quorum_reached],
        }
        self.quorum = {"reached": "true" if decision.quorum.reached else "", "summary": decision.quorum.summary}
        self._decision_version = decision.decision_version

    async def _refresh(self, db, actor) -> None:
        self._expose(rcp_decision.case_decision(db, actor=actor, case_public_id=self._case_id()))

    @rx.event
    async def load(self):
        self.case, self.errors, self.sign_errors, self.message = {}, {}, {}, ""
        self.types = [[code, label] for code, label in rcp_decision.treatment_types()]
        async with authenticated(self) as (db, actor):
            await self._refresh(db, actor)

    @rx.event
    async def save(self, form: dict):
        self.saving = True
        self.message = ""
        yield
        proposal = [{"type": str(form.get(f"type_{i}", "")), "intention": str(form.get(f"intention_{i}", "first")),
                     "detail": str(form.get(f"detail_{i}", ""))[:1000]} for i in range(PROPOSAL_ROWS)]
        try:
            async with authenticated(self) as (db, actor):
                rcp_decision.save_decision(
                    db, actor=actor, case_public_id=self._case_id(), expected_version=self._decision_version,
                    status=str(form.get("status", "")), proposal=proposal, guideline=str(form.get("guideline", ""))[:300],
                    trial_proposed=bool(form.get("trial_proposed")), trial_detail=str(form.get("trial_detail", ""))[:300],
                    additional_exams=str(form.get("additional_exams", ""))[:4000], comment=str(form.get("comment", ""))[:4000],
                )
                await self._refresh(db, actor)
        except (ValidationFailed, StaleVersion) as error:
            self.errors = getattr(error, "errors", {"form": error.message})
            self.saving = False
            return
        self.errors, self.saving = {}, False
        self.message = "Proposition enregistrée. Le médecin coordonnateur peut valider et signer la fiche."

    @rx.event
    async def sign(self, form: dict):
        self.signing = True
        self.message = ""
        yield
        try:
            async with authenticated(self) as (db, actor):
                signed = frcp.sign(db, actor=actor, case_public_id=self._case_id(), expected_version=self._decision_version,
                                   code=str(form.get("code", ""))[:20],
                                   correction_reason=str(form.get("correction_reason", ""))[:300])
        except (ValidationFailed, StaleVersion) as error:
            self.sign_errors = getattr(error, "errors", {"code": error.message})
            self.signing = False
            return
        documents.lay_out_pdf_ahead(signed)
        async with authenticated(self) as (db, actor):
            await self._refresh(db, actor)
        self.sign_errors, self.signing = {}, False
        self.message = "Fiche RCP validée et signée. Elle est envoyée au médecin traitant et aux correspondants."


class RcpRegisterState(rx.State):
    """/team/rcp/register?p=: register a patient of one's care team for a session."""

    patient_name: str = ""
    patient_public_id: str = ""
    sessions: list[list[str]] = []
    session_deadlines: list[dict[str, str]] = []
    checklist: list[dict[str, str]] = []
    cases: list[dict[str, str]] = []
    presenters: list[list[str]] = []
    presenter_is_self: bool = False  # the first presenter is the user ("Moi-même"): no empty choice
    registered: dict[str, str] = {}  # the registration just made, shown instead of the form
    correspondents: list[dict[str, str]] = []  # chosen: public_id, label, address
    correspondent_query: str = ""
    correspondent_found: list[dict[str, str]] = []
    correspondent_page: int = 1
    correspondent_pages: int = 1
    form_key: int = 0
    errors: dict[str, str] = {}
    message: str = ""
    saving: bool = False

    def _patient_id(self) -> str:
        return self.router.url.query_parameters.get("p", "")[:32]

    async def _refresh(self) -> None:
        async with authenticated(self) as (db, actor):
            context = rcp_registration.registration_context(db, actor=actor, patient_public_id=self._patient_id())
        self.patient_name = context.patient_name
        self.patient_public_id = self._patient_id()
        self.sessions = [[s.public_id, f"{s.rcp_name}, {s.starts}{' (inscriptions closes)' if s.deadline_passed else ''}"]
                         for s in context.sessions]
        self.session_deadlines = [{"name": f"{s.rcp_name}, {s.starts}", "deadline": s.deadline,
                                   "closed": "true" if s.deadline_passed else ""} for s in context.sessions]
        self.checklist = rows(context.checklist)
        self.cases = rows(context.cases)
        self.presenters = [list(option) for option in context.presenters]
        self.presenter_is_self = bool(context.presenters) and context.presenters[0][1].startswith("Moi-même")

    def _clear_correspondents(self) -> None:
        self.correspondents, self.correspondent_query, self.correspondent_found = [], "", []
        self.correspondent_page = self.correspondent_pages = 1

    @rx.event
    async def load(self):
        self.errors, self.message, self.registered = {}, "", {}
        self._clear_correspondents()
        await self._refresh()

    @rx.event
    def another(self):
        """Back to an empty form for another session."""
        self.errors, self.message, self.registered = {}, "", {}
        self._clear_correspondents()
        self.form_key += 1

    async def _find_correspondents(self) -> None:
        async with authenticated(self) as (db, actor):
            found = rcp_correspondents.choices(db, actor=actor, query=self.correspondent_query, page=self.correspondent_page)
        chosen = {c["public_id"] for c in self.correspondents}
        self.correspondent_found = [{**item, "chosen": "true" if item["public_id"] in chosen else ""} for item in rows(found.items)]
        self.correspondent_page, self.correspondent_pages = found.page, found.page_count

    @rx.event
    async def search_correspondents(self, value: str):
        self.correspondent_query, self.correspondent_page = str(value or "")[:80], 1
        await self._find_correspondents()

    @rx.event
    async def correspondents_next(self):
        self.correspondent_page += 1
        await self._find_correspondents()

    @rx.event
    async def correspondents_previous(self):
        self.correspondent_page = max(1, self.correspondent_page - 1)
        await self._find_correspondents()

    @rx.event
    async def add_correspondent(self, public_id: str):
        picked = next((c for c in self.correspondent_found if c["public_id"] == public_id), None)
        if picked is not None and all(c["public_id"] != public_id for c in self.correspondents):
            self.correspondents = [*self.correspondents, {k: picked[k] for k in ("public_id", "label", "address")}]
        await self._find_correspondents()

    @rx.event
    async def remove_correspondent(self, public_id: str):
        self.correspondents = [c for c in self.correspondents if c["public_id"] != public_id]
        if self.correspondent_query:
            await self._find_correspondents()

    @rx.event
    async def submit(self, form: dict):
        self.saving = True
        self.message = ""
        yield
        try:
            async with authenticated(self) as (db, actor):
                case_id = rcp_registration.register_case(
                    db, actor=actor, patient_public_id=self._patient_id(), session_public_id=str(form.get("session", ""))[:32],
                    reason=str(form.get("reason", "")), question=str(form.get("question", ""))[:4000],
                    summary=str(form.get("summary", ""))[:8000], presenter_public_id=str(form.get("presenter", ""))[:32],
                    declared={"patient_informed": bool(form.get("patient_informed")),
                              "imaging_reviewed": bool(form.get("imaging_reviewed"))},
                    correspondent_public_ids=[c["public_id"] for c in self.correspondents],
                )
        except ValidationFailed as error:
            self.errors = error.errors
            self.saving = False
            return
        self.errors, self.saving = {}, False
        self.message = "Patient inscrit. Le secrétariat de la RCP voit le dossier à l'ordre du jour."
        await self._refresh()
        self.registered = next((case for case in self.cases if case["public_id"] == case_id), {})


def today_iso() -> str:
    return date.today().isoformat()
