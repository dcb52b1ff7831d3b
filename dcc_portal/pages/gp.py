"""GP area (phones): my patients."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.layout import area_page
from dcc_portal.components.patients import searchable_list
from dcc_portal.pages.record import gp_patient_file
from dcc_portal.state.pathway import PathwayState
from dcc_portal.state.patient_lists import GpPatientsState
from dcc_portal.state.patient_record import PatientSummaryState
from dcc_portal.state.reports import PatientDocumentsState

T = texts.GP


@area_page(route="/gp", title=T["home"], area="gp", on_load=[GpPatientsState.load])
def gp_home() -> rx.Component:
    return rx.vstack(
        rx.text(T["intro"], size="2", color_scheme="gray"),
        searchable_list(GpPatientsState, placeholder=T["search_placeholder"], href_base="/gp/patient", count_label=T["count"]),
        width="100%",
    )


@area_page(route="/gp/patient", title=texts.PATHWAY["file_title"], area="gp",
           on_load=[PatientSummaryState.load, PathwayState.load, PatientDocumentsState.load])
def gp_patient() -> rx.Component:
    return gp_patient_file()
