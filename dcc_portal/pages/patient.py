"""Patient area (phones): my care team, my profile."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import notice
from dcc_portal.components.layout import area_page
from dcc_portal.components.patients import contact_card, team_grid
from dcc_portal.pages.record import identity_card
from dcc_portal.pages.sharing import patient_opposition_card
from dcc_portal.state.patient_record import MyRecordState
from dcc_portal.state.session import SessionState
from dcc_portal.state.sharing import DmpOppositionState

T = texts.PATIENT


@area_page(route="/patient", title=T["home"], area="patient", on_load=[MyRecordState.load])
def patient_home() -> rx.Component:
    return rx.vstack(
        rx.text(T["welcome"], " ", SessionState.user_name, weight="medium", size="4"),
        notice(T["team_intro"]),
        rx.heading(T["medecin_traitant"], size="4", as_="h2"),
        rx.cond(MyRecordState.medecin_traitant.length() > 0, contact_card(MyRecordState.medecin_traitant)),
        rx.heading(T["team"], size="4", as_="h2"),
        team_grid(MyRecordState.care_team),
        spacing="3",
        width="100%",
    )


@area_page(route="/patient/profile", title=T["profile"], area="patient", on_load=[MyRecordState.load, DmpOppositionState.load])
def patient_profile() -> rx.Component:
    return rx.vstack(
        rx.cond(MyRecordState.identity.length() > 0, identity_card(MyRecordState.identity), rx.spinner()),
        rx.text(T["profile_help"], size="2", color_scheme="gray"),
        patient_opposition_card(),
        spacing="3",
        width="100%",
    )
