"""GP area (phones): my patients with what is new, and one patient's pathway."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.gp import (
    TOUCH,
    contact_card,
    delay_list,
    document_list,
    next_step_list,
    patient_list,
    stage_bar,
    stage_steps,
    vertical_timeline,
)
from dcc_portal.components.layout import area_page
from dcc_portal.components.pathway import status_chips
from dcc_portal.components.symptoms import team_symptoms_section
from dcc_portal.state.gp import GpDocumentsState, GpPatientState, GpPatientsState
from dcc_portal.state.symptoms import SymptomHistoryState

T = texts.GP
S = GpPatientState


@area_page(route="/gp", title=T["home"], area="gp", on_load=[GpPatientsState.load])
def gp_home() -> rx.Component:
    return rx.vstack(
        rx.text(T["intro"], size="2", color_scheme="gray"),
        patient_list(GpPatientsState),
        width="100%",
    )


def _section(title: str, *children, testid: str, open_: bool = False) -> rx.Component:
    """A section that folds (native <details>: keyboard and screen readers know it); its title is a 44 px target."""
    return rx.el.details(
        rx.el.summary(
            rx.heading(title, size="4", as_="h2", style={"display": "inline"}),
            style={"minHeight": TOUCH, "display": "flex", "alignItems": "center", "gap": "0.5rem", "cursor": "pointer",
                   "padding": "0.25rem 0", "listStylePosition": "inside"},
            data_testid=f"section-{testid}",
        ),
        rx.vstack(*children, spacing="2", width="100%", padding_top="0.5rem"),
        open=open_,
        style={"width": "100%", "borderTop": f"1px solid {rx.color('gray', 5)}", "paddingTop": "0.25rem"},
        data_testid=testid,
    )


def _next_dated_step() -> rx.Component:
    first = S.next_steps[0]
    return rx.hstack(
        rx.icon("calendar", size=18, color=rx.color("accent", 11), flex_shrink="0", margin_top="0.15rem"),
        rx.text(
            rx.text.strong(T["summary_next"], " : "),
            rx.match(
                S.patient["pps"],
                ("shared", rx.cond(S.next_steps.length() > 0,
                                   rx.fragment(first["day"], rx.cond(first["time"] != "", " · " + first["time"].to(str), ""),
                                               " · ", first["title"]),
                                   rx.fragment(T["summary_next_none"]))),
                ("withheld", rx.fragment(T["summary_next_withheld"])),
                rx.fragment(T["summary_next_no_pps"]),
            ),
            size="2", style={"overflowWrap": "anywhere"},
        ),
        align="start", spacing="2", width="100%", data_testid="summary-next-step",
    )


def _summary() -> rx.Component:
    """What the GP comes for, on the first screen: who, where in the pathway, what comes next, what is new."""
    patient = S.patient
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(patient["name"], size="5", as_="h2", data_testid="patient-name", style={"overflowWrap": "anywhere"}),
                rx.text(patient["first_names"], size="3"),
                wrap="wrap", align="baseline", spacing="2",
            ),
            rx.text(texts.PATHWAY["born"], " ", patient["birth_date"], " (", patient["age"], " ans) · ", patient["sex"],
                    " · ", rx.el.span(texts.PATHWAY["ins"], " ", patient["ins"], style={"whiteSpace": "nowrap"}),
                    size="2", color_scheme="gray"),
            rx.cond(patient["diagnosis"] != "",
                    rx.vstack(
                        rx.text(rx.text.strong(rx.cond(patient["suspicion_note"] != "", T["suspected"], T["diagnosis"]), " : "),
                                patient["diagnosis"], size="2"),
                        rx.cond(patient["suspicion_note"] != "",
                                rx.callout(patient["suspicion_note"], icon="triangle-alert", color_scheme="amber",
                                           high_contrast=True, size="1", data_testid="gp-suspected")),
                        rx.cond(patient["diagnosis_detail"] != "", rx.text(patient["diagnosis_detail"], size="2", color_scheme="gray")),
                        spacing="0", data_testid="gp-diagnosis",
                    )),
            rx.box(stage_bar(patient["stage_step"], patient["stage"]), width="100%", data_testid="summary-stage"),
            _next_dated_step(),
            _news(),
            spacing="2", width="100%",
        ),
        width="100%", data_testid="patient-header",
    )


def _news() -> rx.Component:
    patient = S.patient
    return rx.cond(
        patient["last_visit"] == "",
        rx.callout(T["first_visit"], icon="info", color_scheme="blue", high_contrast=True, size="1", width="100%",
                   data_testid="news-summary"),
        rx.cond(
            patient["new_count"] != "0",
            rx.callout(rx.text(rx.text.strong(patient["new_count"], " ", T["new_since"]), " (", patient["last_visit"], ")."),
                       icon="bell-ring", color_scheme="red", high_contrast=True, size="1", width="100%",
                       data_testid="news-summary"),
            rx.text(T["last_visit"], " ", patient["last_visit"], ".", size="2", color_scheme="gray", data_testid="news-summary"),
        ),
    )


def _next_steps() -> rx.Component:
    return rx.match(
        S.patient["pps"],
        ("shared", rx.cond(S.next_steps.length() > 0, next_step_list(S.next_steps),
                           rx.text(T["next_steps_none"], size="2", color_scheme="gray"))),
        ("withheld", rx.callout(T["pps_withheld"], icon="lock", color_scheme="gray", high_contrast=True, width="100%",
                                data_testid="pps-withheld")),
        rx.text(T["pps_none"], size="2", color_scheme="gray"),
    )


def _emergency_banner() -> rx.Component:
    return rx.cond(
        S.patient["emergency_until"] != "",
        rx.callout(
            rx.text(rx.text.strong(texts.TEAM["emergency_until_prefix"], " ", S.patient["emergency_until"], "."), " ",
                    texts.TEAM["emergency_until_suffix"]),
            icon="siren", color_scheme="red", width="100%", data_testid="emergency-banner",
        ),
    )


@area_page(route="/gp/patient", title=T["file_title"], area="gp",
           on_load=[GpPatientState.load, GpDocumentsState.load, SymptomHistoryState.load])
def gp_patient() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text(T["back"]), align="center"), href=S.back_href,
                min_height=TOUCH, display="flex", align_items="center", data_testid="back"),
        rx.cond(
            S.loaded,
            rx.vstack(
                _emergency_banner(),
                _summary(),
                _section(T["timeline"], stage_steps(S.stages), vertical_timeline(S.timeline), testid="pathway", open_=True),
                _section(T["documents"], document_list(GpDocumentsState), testid="documents"),
                rx.cond(SymptomHistoryState.available,
                        _section(texts.SYMPTOMS["team_title"], team_symptoms_section(), testid="symptoms")),
                _section(T["next_steps"], _next_steps(), testid="next-steps"),
                _section(T["delays"],
                         rx.cond(S.delays.length() > 0, delay_list(S.delays), rx.text(T["no_delay"], size="2", color_scheme="gray")),
                         rx.text(T["delays_help"], size="1", color_scheme="gray"),
                         testid="delays"),
                _section(T["announcement"], status_chips(S.announcement), testid="announcement"),
                _section(T["care_team"],
                         rx.cond(S.medecin_traitant.length() > 0, contact_card(S.medecin_traitant)),
                         rx.foreach(S.care_team, contact_card),
                         testid="care-team"),
                spacing="3", width="100%",
            ),
            rx.spinner(),
        ),
        spacing="3", width="100%",
    )
