"""Team area (tablets): worklist, patient summary, the patient's care team."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.care_team import care_team_panel
from dcc_portal.components.layout import area_page
from dcc_portal.components.patients import searchable_list
from dcc_portal.pages.record import team_patient_file
from dcc_portal.state.announcement import AnnouncementState
from dcc_portal.state.pathway import PathwayState
from dcc_portal.state.care_team import CareTeamState
from dcc_portal.state.patient_lists import TeamWorklistState
from dcc_portal.state.patient_record import PatientSummaryState
from dcc_portal.state.reports import TeamDocumentsState
from dcc_portal.pages.sharing import team_opposition_card
from dcc_portal.state.sharing import DmpOppositionState
from dcc_portal.components.symptoms import team_symptoms_section
from dcc_portal.state.symptoms import SymptomHistoryState

T = texts.TEAM


@area_page(route="/team", title=T["home"], area="team", on_load=[TeamWorklistState.load])
def team_home() -> rx.Component:
    return rx.vstack(
        rx.text(T["intro"], size="2", color_scheme="gray"),
        searchable_list(TeamWorklistState, placeholder=T["search_placeholder"], href_base="/team/patient", count_label=T["count"]),
        width="100%",
    )


@area_page(route="/team/patient", title=texts.PATHWAY["file_title"], area="team",
           on_load=[PatientSummaryState.load, PathwayState.load, AnnouncementState.load, TeamDocumentsState.load,
                    DmpOppositionState.load, SymptomHistoryState.load])
def team_patient() -> rx.Component:
    return rx.vstack(team_patient_file(), team_symptoms_section(), team_opposition_card(), spacing="3", width="100%")


@area_page(route="/team/care-team", title=T["team_screen"], area="team", on_load=[CareTeamState.load])
def team_care_team() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=16), rx.text(T["back_summary"])),
            href="/team/patient?p=" + CareTeamState.patient["patient_public_id"].to(str),
            data_testid="back-summary",
        ),
        rx.cond(CareTeamState.patient.length() > 0, care_team_panel(), rx.spinner()),
        spacing="3",
        width="100%",
    )
