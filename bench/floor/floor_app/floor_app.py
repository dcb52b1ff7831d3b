"""A bare Reflex app of the portal's shape, for `bench.load --floor`: what Reflex itself costs.

The same routes, the same state and handler names (the load test addresses them by name) and rows with the portal's
columns, so that each event answers a delta of about the size the portal sends; but every answer comes from memory:
no database, no session check, no access rule, no audit (`bench.load --floor-duty` adds the least of these the
portal's rules ask: `duty.py`). The login accepts any identifier and code, and its cookie route only hands the session
cookie back. `bench.load --floor` prints the bytes each kind of event received from both
apps, so that the comparison can be checked.
"""

from __future__ import annotations

import random
import secrets

import reflex as rx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from floor_app import duty

PAGE_SIZE = 20
DUTY = duty.enabled()
_rng = random.Random(1)
_LAST = ["MARTIN", "DUBOIS", "LEROY", "BERNARD", "ROBERT", "PETIT", "GARNIER", "MOREAU", "LACROIX", "BONNET",
         "DURAND", "LEFEBVRE", "FAURE", "ROUSSEAU", "VINCENT", "MULLER", "FONTAINE", "CHEVALIER", "ROBIN", "GAUTHIER"]
_FIRST = ["Marie", "Jean", "Monique", "Pierre", "Françoise", "Michel", "Nathalie", "Alain", "Sylvie", "Bernard"]
_KINDS = [("frcp", "Fiche RCP"), ("pps", "Programme personnalisé de soins"), ("cr_consult", "Compte rendu de consultation"),
          ("cr_anapath", "Compte rendu d'anatomopathologie"), ("cr_imaging", "Compte rendu d'imagerie")]


def _patient(n: int) -> dict[str, str]:
    last, first = _rng.choice(_LAST), _rng.choice(_FIRST)
    year = _rng.randint(1935, 1985)
    return {
        "public_id": f"p{n:07d}{secrets.token_hex(6)}", "name": f"{last} {first}",
        "birth_date": f"{_rng.randint(1, 28):02d}/{_rng.randint(1, 12):02d}/{year}", "age": str(2026 - year),
        "sex": _rng.choice("FM"), "ins": f"{_rng.randint(1, 2)}{_rng.randint(10**13, 10**14 - 1)}",
        "stage": _rng.choice(["cT2 cN1 cM0", "pT1c pN0 cM0", "cT3 cN2 cM0", "cT4 cN3 cM1"]),
        "gp_name": f"Dr {_rng.choice(_FIRST)} {_rng.choice(_LAST)}",
    }


def _document(n: int) -> dict[str, str]:
    kind, label = _rng.choice(_KINDS)
    return {
        "public_id": f"d{n:08d}{secrets.token_hex(6)}", "kind": kind, "kind_label": label,
        "title": f"{label} du {_rng.randint(1, 28):02d}/{_rng.randint(1, 12):02d}/2026", "status": "validated",
        "version": "1", "service_date": "14/11/2026", "author": f"Dr {_rng.choice(_FIRST)} {_rng.choice(_LAST)}",
        "updated": "15/11/2026 10:42", "released": "22/11/2026", "author_shown": "true", "is_file": "",
    }


PATIENTS = [_patient(n) for n in range(5000)]
DOCUMENTS = [_document(n) for n in range(400)]
# The portal's patient file answers about 17 kB (summary, pathway with its delays, announcement, documents,
# symptoms): the floor's pathway is long enough for its page to answer as much.
PATHWAY = [{"label": f"{label} ({n // 6 + 1})", "date": f"{n % 28 + 1:02d}/11/2026", "status": "done",
            "detail": "Réalisé dans le délai attendu par le référentiel régional", "delay": f"{n + 3} jours",
            "source": "Centre hospitalier, service d'oncologie médicale", "reference": f"evt-{n:06d}"}
           for n, label in enumerate(["Diagnostic", "Consultation d'annonce", "RCP", "PPS remis", "Cycle de traitement",
                                      "Bilan intermédiaire"] * 6)]


class LoginState(rx.State):
    step: str = "password"
    form_error: str = ""
    code_error: str = ""
    _identifier: str = ""

    @rx.event
    def start(self):
        self.step, self.form_error, self.code_error = "password", "", ""

    @rx.event
    def submit_password(self, form_data: dict):
        self._identifier = str(form_data.get("identifier", "")).strip()
        self.step = "code" if self._identifier else "password"

    @rx.event
    async def submit_code(self, form_data: dict):
        home = "/gp" if ".mg" in self._identifier else "/team"  # the generated region's GPs are region.mg…
        (await self.get_state(SessionState)).handoff = f"{home}|{secrets.token_urlsafe(24)}"


class SessionState(rx.State):
    handoff: str = ""
    home: str = "/team"


class PagedList(rx.State, mixin=True):
    query: str = ""
    page: int = 1
    page_count: int = 1
    total: int = 0
    items: list[dict[str, str]] = []
    loaded: bool = False

    def _reload(self) -> None:
        if DUTY:
            duty.page("list", f"{self.query}|{self.page}", self.router.session.client_token)
        found = [p for p in PATIENTS if p["name"].startswith(self.query.upper())] if self.query else PATIENTS
        self.total, self.page_count = len(found), max(1, -(-len(found) // PAGE_SIZE))
        self.items = found[(self.page - 1) * PAGE_SIZE:self.page * PAGE_SIZE]
        self.loaded = True

    @rx.event
    def load(self):
        self.query, self.page = "", 1
        self._reload()

    @rx.event
    def search(self, form_data: dict):
        self.query, self.page = str(form_data.get("q", ""))[:100].strip(), 1
        self._reload()

    @rx.event
    def next_page(self):
        if self.page < self.page_count:
            self.page += 1
            self._reload()


class TeamWorklistState(PagedList, rx.State):
    pass


class GpPatientsState(PagedList, rx.State):
    pass


class PatientSummaryState(rx.State):
    """What the patient pages show above the documents: identity, diagnosis and pathway."""

    summary: dict[str, str] = {}
    pathway: list[dict[str, str]] = []
    loaded: bool = False


class DocumentList(rx.State, mixin=True):
    items: list[dict[str, str]] = []
    page_count: int = 1
    loaded: bool = False


class TeamDocumentsState(DocumentList, rx.State):
    pass


class GpDocumentsState(DocumentList, rx.State):
    pass


class DmpOppositionState(rx.State):
    opposed: bool = False
    since: str = ""
    open_submissions: int = 0
    loaded: bool = False


class DocumentReaderState(rx.State):
    info: dict[str, str] = {}


class PageLoader(rx.State):
    """One event per page fills every state the page shows, as the portal's guarded loaders do."""

    async def _patient_page(self, documents: type[rx.State]) -> None:
        key = self.router.url.query_parameters.get("p", "")
        if DUTY:
            duty.page("patient", key, self.router.session.client_token)
        patient = PATIENTS[hash(key) % len(PATIENTS)]
        header = await self.get_state(PatientSummaryState)
        header.summary = {**patient, "diagnosis": "Adénocarcinome du sein gauche (C50.4)", "oms": "1"}
        header.pathway, header.loaded = PATHWAY, True
        start = _rng.randrange(len(DOCUMENTS) - PAGE_SIZE)
        listing = await self.get_state(documents)
        listing.items, listing.loaded = DOCUMENTS[start:start + PAGE_SIZE], True

    @rx.event
    async def team_patient(self):
        await self._patient_page(TeamDocumentsState)
        opposition = await self.get_state(DmpOppositionState)
        opposition.loaded = True

    @rx.event
    async def gp_patient(self):
        await self._patient_page(GpDocumentsState)

    @rx.event
    async def document(self):
        reader = await self.get_state(DocumentReaderState)
        key = self.router.url.query_parameters.get("d", "")
        if DUTY:
            duty.page("document", key, self.router.session.client_token)
        document = DOCUMENTS[hash(key) % len(DOCUMENTS)]
        reader.info = {**document, "patient_public_id": PATIENTS[0]["public_id"], "patient_name": PATIENTS[0]["name"],
                       "validated": "15/11/2026 10:42", "version_reason": ""}


def _rows(items) -> rx.Component:
    return rx.foreach(items, lambda item: rx.card(rx.text(item["name"]), rx.text(item["stage"])))


def _documents(items) -> rx.Component:
    return rx.foreach(items, lambda item: rx.card(rx.text(item["title"]), rx.text(item["author"])))


def login() -> rx.Component:
    return rx.form(rx.input(name="identifier"), rx.input(name="password", type="password"), rx.button("Continuer"),
                   on_submit=LoginState.submit_password)


def team() -> rx.Component:
    return rx.vstack(_rows(TeamWorklistState.items))


def gp() -> rx.Component:
    return rx.vstack(_rows(GpPatientsState.items))


def team_patient() -> rx.Component:
    return rx.vstack(rx.text(PatientSummaryState.summary["name"]), _documents(TeamDocumentsState.items))


def gp_patient() -> rx.Component:
    return rx.vstack(rx.text(PatientSummaryState.summary["name"]), _documents(GpDocumentsState.items))


def document() -> rx.Component:
    return rx.vstack(rx.text(DocumentReaderState.info["title"]))


async def open_session(request: Request) -> RedirectResponse:
    """The handoff names the home page; the cookie is only carried back, never checked."""
    form = await request.form()
    home, _, token = str(form.get("handoff", "")).partition("|")
    answer = RedirectResponse(home or "/team", status_code=303)
    answer.set_cookie("dcc_session", token, httponly=True, samesite="strict")
    return answer


app = rx.App(api_transformer=Starlette(routes=[Route("/api/session", open_session, methods=["POST"])]))
app.add_page(login, route="/login", on_load=LoginState.start)
app.add_page(team, route="/team", on_load=TeamWorklistState.load)
app.add_page(gp, route="/gp", on_load=GpPatientsState.load)
app.add_page(team_patient, route="/team/patient", on_load=PageLoader.team_patient)
app.add_page(gp_patient, route="/gp/patient", on_load=PageLoader.gp_patient)
app.add_page(document, route="/document", on_load=PageLoader.document)
