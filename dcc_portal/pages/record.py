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


def patient_summary_view(*, back_href: str) -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text(T["back"])), href=back_href),
        rx.cond(
            PatientSummaryState.identity.length() > 0,
            rx.vstack(
                identity_card(PatientSummaryState.identity),
                rx.heading(T["medecin_traitant"], size="4", as_="h2"),
                rx.cond(
                    PatientSummaryState.medecin_traitant.length() > 0,
                    contact_card(PatientSummaryState.medecin_traitant),
                    rx.text(T["none"]),
                ),
                rx.heading(T["care_team"], size="4", as_="h2"),
                team_grid(PatientSummaryState.care_team),
                spacing="3",
                width="100%",
            ),
            rx.spinner(),
        ),
        spacing="3",
        width="100%",
    )
