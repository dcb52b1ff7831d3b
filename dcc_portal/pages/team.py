"""Team area (tablets): worklist and patient summary."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.layout import area_page
from dcc_portal.components.patients import searchable_list
from dcc_portal.pages.record import patient_summary_view
from dcc_portal.pages.sharing import team_opposition_card
from dcc_portal.state.patient_lists import TeamWorklistState
from dcc_portal.state.patient_record import PatientSummaryState
from dcc_portal.state.sharing import DmpOppositionState

T = texts.TEAM


@area_page(route="/team", title=T["home"], area="team", on_load=[TeamWorklistState.load])
def team_home() -> rx.Component:
    return rx.vstack(
        rx.text(T["intro"], size="2", color_scheme="gray"),
        searchable_list(TeamWorklistState, placeholder=T["search_placeholder"], href_base="/team/patient", count_label=T["count"]),
        width="100%",
    )


@area_page(route="/team/patient", title=T["summary"], area="team", on_load=[PatientSummaryState.load, DmpOppositionState.load])
def team_patient() -> rx.Component:
    return rx.vstack(patient_summary_view(back_href="/team"), team_opposition_card(), spacing="3", width="100%")
