"""The patient summary shown to professionals with access: identity header, médecin traitant, care team."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.patients import contact_card, stage_badge, team_grid
from dcc_portal.state.patient_record import PatientSummaryState

T = texts.TEAM


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
            rx.cond(item["running"] != "", rx.badge(T["emergency_running"], color_scheme="red", margin_left="0.5rem")),
            size="2", color_scheme="gray",
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
            width="100%",
            data_testid="emergency-list",
        ),
    )


def _emergency_banner(identity: rx.Var) -> rx.Component:
    return rx.cond(
        identity["emergency_until"] != "",
        rx.callout(
            rx.text(rx.text.strong(T["emergency_until_prefix"], " ", identity["emergency_until"], "."), " ", T["emergency_until_suffix"]),
            icon="siren", color_scheme="red", width="100%", data_testid="emergency-banner",
        ),
    )


def patient_summary_view(*, back_href: str, team_href: str | None = None) -> rx.Component:
    manage = (
        rx.cond(
            PatientSummaryState.identity["grant"] == "care_team",
            rx.link(
                rx.button(rx.icon("users-round", size=16), T["manage_team"], variant="soft", size="3"),
                href=team_href + "?p=" + PatientSummaryState.identity["public_id"].to(str),
                data_testid="manage-team",
            ),
        )
        if team_href
        else rx.fragment()
    )
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text(T["back"])), href=back_href),
        rx.cond(
            PatientSummaryState.identity.length() > 0,
            rx.vstack(
                _emergency_banner(PatientSummaryState.identity),
                identity_card(PatientSummaryState.identity),
                emergency_list(PatientSummaryState.emergencies, intro=T["emergency_list_help"]),
                rx.heading(T["medecin_traitant"], size="4", as_="h2"),
                rx.cond(
                    PatientSummaryState.medecin_traitant.length() > 0,
                    contact_card(PatientSummaryState.medecin_traitant),
                    rx.text(T["none"]),
                ),
                rx.hstack(
                    rx.heading(T["care_team"], size="4", as_="h2"),
                    rx.spacer(),
                    manage,
                    align="center",
                    wrap="wrap",
                    width="100%",
                ),
                team_grid(PatientSummaryState.care_team),
                spacing="3",
                width="100%",
            ),
            rx.spinner(),
        ),
        spacing="3",
        width="100%",
    )
