"""The patient file shown to the team: identity header, médecin traitant, care team, and the pathway (diagnosis,
timeline), the announcement and the documents in tabs. The GP's phone view is pages/gp.py."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.patients import contact_card, stage_badge, team_grid
from dcc_portal.pages.record_announcement import announcement_tab
from dcc_portal.pages.record_documents import documents_tab
from dcc_portal.pages.record_pathway import pathway_tab
from dcc_portal.state.patient_record import PatientSummaryState

T = texts.TEAM
P = texts.PATHWAY


def _item(label: str, value: rx.Var) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(rx.cond(value != "", value, T["none"])))


def identity_card(identity: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(identity["name"], size="5", data_testid="patient-name"),
                stage_badge(identity["stage"]),
                wrap="wrap",
                align="center",
            ),
            rx.data_list.root(
                _item(T["birth_name"], identity["birth_name"]),
                _item(T["first_names"], identity["first_names"]),
                _item(T["birth_date"], identity["birth_date"]),
                _item(T["sex"], identity["sex"]),
                _item(T["ins"], identity["ins"]),
                _item(T["local_id"], identity["local_id"]),
                _item(T["address"], identity["address"]),
                _item(texts.COMMON["phone"], identity["phone"]),
                orientation=rx.breakpoints(initial="vertical", md="horizontal"),
                size="2",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def emergency_notice(item: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(
            rx.text.strong(item["who"]), " · ", item["role"],
            rx.cond(item["organisation"] != "", " · " + item["organisation"].to(str), ""),
            size="2",
        ),
        rx.text(
            item["started"], " → ", item["until"],
            rx.cond(item["running"] != "", rx.badge(T["emergency_running"], color_scheme="red", high_contrast=True, margin_left="0.5rem")),
            size="2",
        ),
        rx.text(texts.PATIENT["emergency_reason"], " ", rx.el.q(item["reason"]), size="2"),
        padding_y="0.4rem",
        border_top=f"1px solid {rx.color('amber', 6)}",
        width="100%",
        data_testid="emergency-notice",
    )


def emergency_list(items: rx.Var, *, intro: str) -> rx.Component:
    """Recent emergency accesses to the record, with their reason (care team, médecin traitant, patient)."""
    return rx.cond(
        items.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("siren")),
            rx.vstack(
                rx.text(intro, weight="bold"),
                rx.foreach(items, emergency_notice),
                spacing="1",
                width="100%",
            ),
            color_scheme="amber",
            high_contrast=True,
            width="100%",
            data_testid="emergency-list",
        ),
    )


def _emergency_banner(identity: rx.Var) -> rx.Component:
    return rx.cond(
        identity["emergency_until"] != "",
        rx.callout(
            rx.text(rx.text.strong(T["emergency_until_prefix"], " ", identity["emergency_until"], "."), " ", T["emergency_until_suffix"]),
            icon="siren", color_scheme="red", width="100%", data_testid="emergency-banner", high_contrast=True),
    )


def patient_header() -> rx.Component:
    """Always visible above the tabs: who this is (names, birth date, INS) and their médecin traitant."""
    identity = PatientSummaryState.identity
    gp = PatientSummaryState.medecin_traitant
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(identity["name"], size="5", as_="h2", data_testid="patient-name"),
                stage_badge(identity["stage"]),
                wrap="wrap", align="center",
            ),
            rx.text(identity["first_names"], " · ", P["born"], " ", identity["birth_date"], " (", identity["age"], " ans) · ",
                    identity["sex"], size="2"),
            rx.text(P["ins"], " ", identity["ins"], " · ", identity["local_id"], size="2", color_scheme="gray"),
            rx.text(P["gp"], " : ", rx.cond(gp.length() > 0, gp["name"], P["no_gp"]), size="2"),
            spacing="1", width="100%",
        ),
        width="100%",
        data_testid="patient-header",
    )


def _summary_tab() -> rx.Component:
    return rx.vstack(
        identity_card(PatientSummaryState.identity),
        rx.heading(T["medecin_traitant"], size="4", as_="h2"),
        rx.cond(PatientSummaryState.medecin_traitant.length() > 0, contact_card(PatientSummaryState.medecin_traitant), rx.text(T["none"])),
        rx.heading(T["care_team"], size="4", as_="h2"),
        team_grid(PatientSummaryState.care_team),
        spacing="3", width="100%",
    )


def _tab(value: str, label: str) -> rx.Component:
    return rx.tabs.trigger(label, value=value, min_height="44px", data_testid=f"tab-{value}")


def _team_actions() -> rx.Component:
    """What the team starts from a patient's file: an RCP registration, the PPS."""
    public_id = PatientSummaryState.identity["public_id"].to(str)
    return rx.hstack(
        rx.link(
            rx.button(rx.icon("calendar-plus", size=16), texts.RCP["register_link"], size="3", variant="soft"),
            href="/team/rcp/register?p=" + public_id,
            data_testid="register-rcp",
        ),
        rx.link(
            rx.button(rx.icon("notebook-text", size=16), texts.PPS["open"], size="3", variant="soft"),
            href="/team/pps?p=" + public_id,
            data_testid="open-pps",
        ),
        rx.cond(
            PatientSummaryState.identity["grant"] == "care_team",
            rx.link(
                rx.button(rx.icon("users-round", size=16), T["manage_team"], variant="soft", size="3"),
                href="/team/care-team?p=" + public_id,
                data_testid="manage-team",
            ),
        ),
        wrap="wrap",
        spacing="2",
    )


def team_patient_file() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text(T["back"])), href=PatientSummaryState.back_href,
                data_testid="back"),
        rx.cond(
            PatientSummaryState.identity.length() > 0,
            rx.vstack(
                _emergency_banner(PatientSummaryState.identity),
                patient_header(),
                emergency_list(PatientSummaryState.emergencies, intro=T["emergency_list_help"]),
                _team_actions(),
                rx.tabs.root(
                    rx.tabs.list(
                        _tab("pathway", P["tab_pathway"]),
                        _tab("announcement", P["tab_announcement"]),
                        _tab("documents", P["tab_documents"]),
                        _tab("summary", P["tab_summary"]),
                        size="2",
                    ),
                    rx.tabs.content(rx.box(pathway_tab(), padding_top="1rem"), value="pathway"),
                    rx.tabs.content(rx.box(announcement_tab(), padding_top="1rem"), value="announcement"),
                    rx.tabs.content(rx.box(documents_tab(), padding_top="1rem"), value="documents"),
                    rx.tabs.content(rx.box(_summary_tab(), padding_top="1rem"), value="summary"),
                    default_value="pathway",
                    width="100%",
                ),
                spacing="3", width="100%",
            ),
            rx.spinner(),
        ),
        spacing="3", width="100%",
    )
