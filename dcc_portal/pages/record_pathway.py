"""Patient file, pathway tab: the diagnosis (view and edit with the value-set pickers) and the timeline."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import (
    banner,
    error_text,
    field,
    select_field,
    submit_button,
)
from dcc_portal.components.pathway import timeline_view
from dcc_portal.services.record import diagnosis, pathway
from dcc_portal.state.pathway import PathwayState

T = texts.PATHWAY
S = PathwayState

PHASE_OPTIONS = [(key, diagnosis.phase_label(key)) for key in diagnosis.PHASES]
PERFORMANCE_OPTIONS = [("", "Non évalué")] + [(str(k), diagnosis.performance_label(k)) for k in diagnosis.PERFORMANCE]
LATERALITY_OPTIONS = list(diagnosis.LATERALITY.items())
DISCOVERY_OPTIONS = list(diagnosis.DISCOVERY.items())
PREFIX_OPTIONS = list(diagnosis.TNM_PREFIXES.items())


def _line(label: str, value: rx.Var) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(rx.cond(value != "", value, "—")))


def diagnosis_summary() -> rx.Component:
    d = S.diagnosis
    return rx.data_list.root(
        _line(T["site"], d["icd10_code"].to(str) + " " + d["icd10_label"].to(str)),
        _line(T["morphology"], rx.cond(d["morphology_code"] != "", d["morphology_code"].to(str) + " " + d["morphology_label"].to(str), "")),
        _line(T["laterality"], d["laterality_label"]),
        _line(T["tnm"], d["tnm"]),
        _line(T["other_staging"], d["other_staging"]),
        _line(T["performance"], rx.cond(d["performance_label"] != "", d["performance_label"].to(str) + " (" + d["performance_date_fr"].to(str) + ")", "")),
        _line(T["suspicion_date"], d["suspicion_date_fr"]),
        _line(T["diagnosis_date"], d["diagnosis_date_fr"]),
        _line(T["discovery_mode"], d["discovery_label"]),
        _line(T["clinical_phase"], d["clinical_phase_label"]),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        size="2",
        data_testid="diagnosis-summary",
    )


def _picker(*, label: str, placeholder: str, picked: rx.Var, results: rx.Var, on_search, on_pick, testid: str,
            error: rx.Var, on_clear=None) -> rx.Component:
    def option(item: rx.Var) -> rx.Component:
        return rx.button(
            rx.text(rx.text.strong(item[0]), " ", item[1], size="2", align="left", white_space="normal"),
            on_click=on_pick(item[0]), variant="ghost", size="2", width="100%", justify="start",
            height="auto", min_height="44px", padding_y="0.35rem", data_testid=f"{testid}-option",
        )

    return rx.vstack(
        rx.el.label(label, html_for=f"{testid}-search", style={"fontWeight": "500", "fontSize": "0.95rem"}),
        rx.cond(
            picked[0] != "",
            rx.hstack(
                rx.badge(picked[0], size="2"), rx.text(picked[1], size="2", data_testid=f"{testid}-picked"),
                rx.cond(on_clear is not None, rx.button(T["clear"], on_click=on_clear, variant="ghost", size="1")) if on_clear else rx.fragment(),
                wrap="wrap", align="center",
            ),
        ),
        rx.input(id=f"{testid}-search", placeholder=placeholder, on_change=on_search.debounce(250), size="3", width="100%",
                 max_length=100, auto_complete="off", data_testid=f"{testid}-search"),
        rx.cond(results.length() > 0, rx.card(rx.vstack(rx.foreach(results, option), spacing="0", width="100%"), width="100%", size="1")),
        error_text(error, field_id=testid),
        spacing="1", width="100%",
    )


def diagnosis_form() -> rx.Component:
    v, e = S.form_values, S.errors
    return rx.vstack(
        _picker(label=T["site"], placeholder=T["site_search"], picked=S.icd10, results=S.icd10_results,
                on_search=S.search_icd10, on_pick=S.pick_icd10, testid="icd10", error=e.get("icd10_code", "")),
        _picker(label=T["morphology"], placeholder=T["morphology_search"], picked=S.morphology, results=S.morphology_results,
                on_search=S.search_morphology, on_pick=S.pick_morphology, testid="morphology",
                error=e.get("morphology_code", ""), on_clear=S.clear_morphology),
        rx.form(
            rx.vstack(
                rx.grid(
                    select_field(T["laterality"], "laterality", LATERALITY_OPTIONS, placeholder=None, default_value=v["laterality"], error=e.get("laterality", "")),
                    select_field(T["clinical_phase"], "clinical_phase", PHASE_OPTIONS, placeholder=None, default_value=v["clinical_phase"], error=e.get("clinical_phase", "")),
                    columns="2", spacing="3", width="100%",
                ),
                rx.grid(
                    select_field(T["tnm_prefix"], "tnm_prefix", PREFIX_OPTIONS, placeholder=None, default_value=v["tnm_prefix"]),
                    field(T["tnm_t"], "tnm_t", default_value=v["tnm_t"], error=e.get("tnm_t", ""), max_length=12, placeholder="T2"),
                    field(T["tnm_n"], "tnm_n", default_value=v["tnm_n"], error=e.get("tnm_n", ""), max_length=12, placeholder="N0"),
                    field(T["tnm_m"], "tnm_m", default_value=v["tnm_m"], error=e.get("tnm_m", ""), max_length=12, placeholder="M0"),
                    columns=rx.breakpoints(initial="2", sm="4"), spacing="3", width="100%",
                ),
                field(T["other_staging"], "other_staging", default_value=v["other_staging"], error=e.get("other_staging", ""), max_length=100),
                select_field(T["performance"], "performance", PERFORMANCE_OPTIONS, placeholder=None, default_value=v["performance"], error=e.get("performance", "")),
                rx.grid(
                    field(T["performance_date"], "performance_date", type="date", default_value=v["performance_date"], error=e.get("performance_date", "")),
                    select_field(T["discovery_mode"], "discovery_mode", DISCOVERY_OPTIONS, placeholder=None, default_value=v["discovery_mode"], error=e.get("discovery_mode", "")),
                    field(T["suspicion_date"], "suspicion_date", type="date", default_value=v["suspicion_date"], error=e.get("suspicion_date", "")),
                    field(T["diagnosis_date"], "diagnosis_date", type="date", default_value=v["diagnosis_date"], error=e.get("diagnosis_date", "")),
                    columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                ),
                banner(e.get("form", "")),
                rx.grid(
                    rx.button(texts.COMMON["cancel"], on_click=S.cancel_edit, type="button", variant="soft", color_scheme="gray",
                              size="3", min_height="44px", width="100%"),
                    submit_button(texts.COMMON["save"], loading=S.saving, data_testid="diagnosis-save"),
                    columns="2", spacing="3", width="100%",
                ),
                spacing="3", width="100%",
            ),
            on_submit=S.save,
            key=S.form_key,
            width="100%",
        ),
        spacing="4", width="100%",
    )


MILESTONE_OPTIONS = [(kind.value, label) for kind, (_stage, label) in pathway.MILESTONES.items()]


def milestone_form() -> rx.Component:
    e = S.step_errors
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(T["milestone_title"], size="3", as_="h3"),
                rx.text(T["milestone_help"], size="2", color_scheme="gray"),
                rx.grid(
                    select_field(T["milestone_kind"], "milestone_kind", MILESTONE_OPTIONS, error=e.get("milestone_kind", "")),
                    field(T["milestone_date"], "milestone_date", type="date", default_value=S.today,
                          error=e.get("milestone_date", "")),
                    columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                ),
                field(T["milestone_detail"], "milestone_detail", max_length=150, error=e.get("milestone_detail", "")),
                submit_button(T["milestone_submit"], loading=S.adding_step, data_testid="milestone-submit"),
                spacing="3", width="100%",
            ),
            on_submit=S.add_step,
            key=S.step_form_key,
            width="100%",
        ),
        width="100%",
        data_testid="milestone-form",
    )


def pathway_tab() -> rx.Component:
    return rx.vstack(
        banner(S.notice, color="green", icon="check", testid="diagnosis-notice"),
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading(T["diagnosis"], size="4", as_="h2"),
                    rx.spacer(),
                    rx.cond(S.can_edit & ~S.editing,
                            rx.button(rx.icon("pencil", size=16), rx.cond(S.diagnosis.length() > 0, T["edit_diagnosis"], T["add_diagnosis"]),
                                      on_click=S.start_edit, variant="soft", size="3", data_testid="edit-diagnosis")),
                    width="100%", align="center", wrap="wrap",
                ),
                rx.cond(
                    S.editing,
                    diagnosis_form(),
                    rx.cond(S.diagnosis.length() > 0, diagnosis_summary(), rx.text(T["no_diagnosis"], color_scheme="gray")),
                ),
                rx.cond(S.diagnosis.length() > 0,
                        rx.text(T["updated"], " ", S.diagnosis["updated"], " · ", T["version"], " ", S.diagnosis["version"], size="1", color_scheme="gray")),
                spacing="3", width="100%",
            ),
            width="100%",
        ),
        rx.heading(T["timeline"], size="4", as_="h2"),
        rx.cond(S.can_add_step, milestone_form()),
        timeline_view(S.timeline),
        spacing="3", width="100%",
    )
