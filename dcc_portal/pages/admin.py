"""Administration area: accounts, organisations, care teams."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.care_team import care_team_panel
from dcc_portal.components.forms import (
    banner,
    field,
    pager,
    search_button,
    select_field,
    submit_button,
)
from dcc_portal.components.layout import area_page
from dcc_portal.models import OrganisationKind, Role
from dcc_portal.services.common.terminology import SPECIALTIES, load, specialty_label
from dcc_portal.services.identity.accounts import ROLE_LABELS
from dcc_portal.services.identity.organisations import KIND_LABELS
from dcc_portal.state.admin import (
    AdminAccountsState,
    AdminOrganisationsState,
    CareTeamState,
)
from dcc_portal.state.patient_lists import AdminPatientSearchState

T = texts.ADMIN

PROFESSIONAL_ROLES = [(role.value, ROLE_LABELS[role]) for role in Role if role != Role.PATIENT]
SPECIALTY_OPTIONS = sorted(
    ((c.code, specialty_label(c.code)) for c in load(SPECIALTIES).concepts if c.code.startswith(("G15_10", "G15_60")) or c.code == "SECRETARIAT_MEDICAL"),
    key=lambda item: item[1],
)


def _account_card(item: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(item["name"], weight="bold"),
                rx.badge(item["role"], variant="soft"),
                rx.badge(item["status"], color_scheme=rx.cond(item["status"] == "Actif", "green", "gray")),
                rx.cond(item["locked"] != "", rx.badge(T["locked"], color_scheme="red")),
                wrap="wrap",
                align="center",
            ),
            rx.text(item["identifier"], " · ", T["second_factor"], " : ", item["second_factor"], " · ", T["last_login"], " : ", item["last_login"], size="2", color_scheme="gray"),
            rx.cond(
                item["psc_reported"] != "",
                rx.callout(rx.text(T["psc_reported"], " ", rx.text.strong(item["psc_reported"])), icon="badge-alert",
                           color="amber", size="1", data_testid="psc-reported"),
            ),
            rx.hstack(
                rx.cond(
                    item["status"] == "Actif",
                    rx.button(T["disable"], on_click=AdminAccountsState.disable(item["public_id"]), variant="soft", color_scheme="red", size="2"),
                    rx.button(T["enable"], on_click=AdminAccountsState.enable(item["public_id"]), variant="soft", size="2"),
                ),
                rx.button(T["reset_mfa"], on_click=AdminAccountsState.reset_mfa(item["public_id"]), variant="soft", size="2"),
                rx.cond(item["locked"] != "", rx.button(T["unlock"], on_click=AdminAccountsState.unlock(item["public_id"]), variant="soft", size="2")),
                wrap="wrap",
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_testid="account-card",
    )


def _create_professional_form() -> rx.Component:
    errors = AdminAccountsState.create_errors
    return rx.form(
        rx.vstack(
            rx.grid(
                field(T["identifier"], "identifier", error=errors.get("identifier", ""), max_length=120),
                select_field(T["role"], "role", PROFESSIONAL_ROLES, error=errors.get("role", "")),
                field(T["family_name"], "family_name", error=errors.get("family_name", ""), max_length=100),
                field(T["given_name"], "given_name", error=errors.get("given_name", ""), max_length=100),
                field(T["rpps"], "rpps", error=errors.get("rpps", ""), input_mode="numeric", max_length=11),
                select_field(T["specialty"], "specialty_code", SPECIALTY_OPTIONS, error=errors.get("specialty_code", "")),
                select_field(T["organisation"], "organisation", AdminAccountsState.organisation_options, error=errors.get("organisation", "")),
                field(texts.COMMON["email"], "email", type="email", max_length=200),
                field(texts.COMMON["phone"], "phone", type="tel", max_length=30),
                field(T["initial_password"], "initial_password", type="password", autocomplete="new-password", error=errors.get("initial_password", ""), max_length=10_000),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="3",
                width="100%",
            ),
            rx.text(T["psc_only_help"], size="2", color_scheme="gray"),
            submit_button(T["create"]),
            spacing="3",
            width="100%",
        ),
        on_submit=AdminAccountsState.create_professional,
        width="100%",
    )


def _create_patient_form() -> rx.Component:
    errors = AdminAccountsState.patient_errors
    return rx.form(
        rx.vstack(
            rx.grid(
                field(T["identifier"], "patient_identifier", error=errors.get("patient_identifier", ""), max_length=120),
                field(T["patient_key"], "patient", error=errors.get("patient", ""), max_length=40),
                field(texts.COMMON["email"], "patient_email", type="email", max_length=200),
                field(T["initial_password"], "patient_password", type="password", autocomplete="new-password", error=errors.get("patient_password", ""), max_length=10_000),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="3",
                width="100%",
            ),
            submit_button(T["create"]),
            spacing="3",
            width="100%",
        ),
        on_submit=AdminAccountsState.create_patient,
        width="100%",
    )


def _section(title: str, content: rx.Component, *, value: str) -> rx.Component:
    return rx.accordion.item(header=title, content=content, value=value)


@area_page(route="/admin", title=T["accounts"], area="admin", on_load=[AdminAccountsState.load])
def admin_accounts() -> rx.Component:
    state = AdminAccountsState
    return rx.vstack(
        banner(state.notice, color="green", icon="check", testid="notice"),
        rx.accordion.root(
            _section(T["new_account"], _create_professional_form(), value="pro"),
            _section(T["new_patient_account"], _create_patient_form(), value="patient"),
            collapsible=True,
            type="single",
            width="100%",
            variant="outline",
        ),
        rx.form(
            rx.hstack(
                rx.input(name="q", placeholder=T["search_accounts"], size="3", width="100%", aria_label=T["search_accounts"], max_length=100),
                search_button(),
                width="100%",
            ),
            on_submit=state.search,
            width="100%",
        ),
        rx.vstack(rx.foreach(state.items, _account_card), spacing="2", width="100%"),
        pager(state.page, state.page_count, on_previous=state.previous_page, on_next=state.next_page),
        spacing="4",
        width="100%",
    )


def _organisation_card(item: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(item["name"], weight="bold"),
            rx.text(item["kind"], " · FINESS ", rx.cond(item["finess"] != "", item["finess"], "—"), " · ", item["city"], " · ", item["phone"], size="2", color_scheme="gray"),
            rx.cond(
                item["psc_only_allowed"],
                rx.hstack(
                    rx.badge(T["psc_only_on"], color_scheme="blue"),
                    rx.button(T["psc_only_stop"], on_click=AdminOrganisationsState.allow_psc_only(item["public_id"], False),
                              variant="soft", size="2"),
                    wrap="wrap", align="center",
                ),
                rx.button(T["psc_only_allow"], on_click=AdminOrganisationsState.allow_psc_only(item["public_id"], True),
                          variant="soft", size="2"),
            ),
            spacing="2",
        ),
        width="100%",
    )


@area_page(route="/admin/organisations", title=T["organisations"], area="admin", on_load=[AdminOrganisationsState.load])
def admin_organisations() -> rx.Component:
    state = AdminOrganisationsState
    errors = state.create_errors
    return rx.vstack(
        banner(state.notice, color="green", icon="check", testid="notice"),
        rx.accordion.root(
            _section(
                T["new_organisation"],
                rx.form(
                    rx.vstack(
                        rx.grid(
                            field(T["org_name"], "name", error=errors.get("name", "")),
                            select_field(T["org_kind"], "kind", [(k.value, KIND_LABELS[k]) for k in OrganisationKind], error=errors.get("kind", "")),
                            field(T["finess"], "finess", error=errors.get("finess", ""), max_length=9),
                            field(T["city"], "city", max_length=100),
                            field(texts.COMMON["phone"], "phone", type="tel", max_length=30),
                            columns=rx.breakpoints(initial="1", md="2"),
                            spacing="3",
                            width="100%",
                        ),
                        submit_button(T["create"]),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=state.create,
                    width="100%",
                ),
                value="org",
            ),
            collapsible=True,
            type="single",
            width="100%",
            variant="outline",
        ),
        rx.vstack(rx.foreach(state.items, _organisation_card), spacing="2", width="100%"),
        pager(state.page, state.page_count, on_previous=state.previous_page, on_next=state.next_page),
        spacing="4",
        width="100%",
    )


def _patient_pick(item: rx.Var) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(item["name"], weight="bold"),
                rx.text(item["birth_date"], " · INS ", item["ins"], size="2", color_scheme="gray"),
                spacing="1",
            ),
            rx.spacer(),
            rx.button(T["choose"], on_click=CareTeamState.open(item["public_id"]), size="2", variant="soft"),
            align="center",
            width="100%",
        ),
        width="100%",
    )


@area_page(route="/admin/care-teams", title=T["care_teams"], area="admin", on_load=[AdminPatientSearchState.load])
def admin_care_teams() -> rx.Component:
    state = AdminPatientSearchState
    return rx.vstack(
        rx.cond(CareTeamState.patient.length() > 0, care_team_panel()),
        rx.separator(),
        rx.form(
            rx.hstack(
                rx.input(name="q", placeholder=T["find_patient"], size="3", width="100%", aria_label=T["find_patient"], max_length=100),
                search_button(),
                width="100%",
            ),
            on_submit=state.search,
            width="100%",
        ),
        rx.vstack(rx.foreach(state.items, _patient_pick), spacing="2", width="100%"),
        pager(state.page, state.page_count, on_previous=state.previous_page, on_next=state.next_page),
        spacing="4",
        width="100%",
    )
