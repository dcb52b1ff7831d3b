"""Team area (tablets): worklist and patient summary."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.layout import area_page
from dcc_portal.components.patients import searchable_list
from dcc_portal.pages.record import patient_summary_view
from dcc_portal.state.patient_lists import TeamWorklistState
from dcc_portal.state.patient_record import PatientSummaryState

T = texts.TEAM


@area_page(route="/team", title=T["home"], area="team", on_load=[TeamWorklistState.load])
def team_home() -> rx.Component:
    return rx.vstack(
        rx.text(T["intro"], size="2", color_scheme="gray"),
        searchable_list(TeamWorklistState, placeholder=T["search_placeholder"], href_base="/team/patient", count_label=T["count"]),
        width="100%",
    )


@area_page(route="/team/patient", title=T["summary"], area="team", on_load=[PatientSummaryState.load])
def team_patient() -> rx.Component:
    return rx.vstack(
        rx.cond(
            PatientSummaryState.identity.length() > 0,
            rx.hstack(
                rx.link(
                    rx.button(rx.icon("calendar-plus", size=16), texts.RCP["register_link"], size="3", variant="soft"),
                    href="/team/rcp/register?p=" + PatientSummaryState.identity["public_id"].to(str),
                    data_testid="register-rcp",
                ),
                rx.link(
                    rx.button(rx.icon("notebook-text", size=16), texts.PPS["open"], size="3", variant="soft"),
                    href="/team/pps?p=" + PatientSummaryState.identity["public_id"].to(str),
                    data_testid="open-pps",
                ),
                wrap="wrap",
                spacing="2",
            ),
        ),
        patient_summary_view(back_href="/team"),
        spacing="3",
        width="100%",
    )
