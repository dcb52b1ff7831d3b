"""Team area (tablets): the patient's PPS (status, handover, consent, versions) and its editor."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import banner, dropdown, error_text, submit_button
from dcc_portal.components.layout import area_page
from dcc_portal.services.pps import content as pc
from dcc_portal.state.pps import PpsEditorState, TeamPpsState

T = texts.PPS
LABEL_STYLE = {"fontWeight": "500", "fontSize": "0.95rem"}


# --- Overview --------------------------------------------------------------------------------------------------


def _radio(name: str, value: str, label: str) -> rx.Component:
    return rx.el.label(
        rx.el.input(type="radio", name=name, value=value, style={"width": "20px", "height": "20px"}),
        rx.text(label),
        style={"display": "flex", "alignItems": "center", "gap": "0.6rem", "minHeight": "44px", "cursor": "pointer"},
    )


def _consent_choice(name: str, error: rx.Var) -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(T["consent_question"], style=LABEL_STYLE),
        _radio(name, "agreed", T["consent_yes"]),
        _radio(name, "refused", T["consent_no"]),
        error_text(error, field_id=name),
        style={"border": "none", "padding": 0, "margin": 0},
    )


def _status_card() -> rx.Component:
    view = TeamPpsState.view
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.cond(
                    view["status"] == "issued",
                    rx.badge(T["status_issued"], color_scheme="green", size="2"),
                    rx.badge(T["status_draft"], color_scheme="amber", size="2"),
                ),
                rx.text(T["version"], " ", view["version"], size="2", color_scheme="gray"),
                wrap="wrap",
                align="center",
            ),
            rx.text(T["medecin_traitant"], " : ", rx.cond(view["medecin_traitant"] != "", view["medecin_traitant"], "—"), size="2"),
            rx.text(view["consent_label"], size="2", weight="medium", data_testid="consent-label"),
            rx.hstack(
                rx.cond(
                    view["can_write"] != "",
                    rx.link(rx.button(rx.icon("pencil", size=16), T["edit"], size="3"),
                            href="/team/pps/edit?p=" + view["patient_public_id"].to(str), data_testid="pps-edit"),
                    rx.cond(
                        view["can_edit_support"] != "",
                        rx.link(rx.button(rx.icon("pencil", size=16), T["edit_support"], size="3"),
                                href="/team/pps/edit?p=" + view["patient_public_id"].to(str), data_testid="pps-edit"),
                    ),
                ),
                rx.link(rx.button(rx.icon("printer", size=16), T["view"], size="3", variant="soft"),
                        href="/document?d=" + view["document_public_id"].to(str), data_testid="pps-view"),
                wrap="wrap",
                spacing="3",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _handover_card() -> rx.Component:
    state = TeamPpsState
    errors = state.errors
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(rx.cond(state.view["status"] == "issued", T["handover_again_title"], T["handover_title"]), size="4", as_="h2"),
                rx.cond(
                    state.problems.length() > 0,
                    rx.callout(
                        rx.vstack(rx.text(T["handover_missing"]), rx.foreach(state.problems, lambda problem: rx.text("• ", problem)), spacing="1"),
                        icon="list-checks", color_scheme="amber", width="100%", data_testid="handover-problems", high_contrast=True),
                ),
                rx.cond(
                    state.view["announcement_recorded"] == "",
                    rx.callout(T["announcement_missing"], icon="info", color_scheme="blue", width="100%", data_testid="announcement-missing", high_contrast=True),
                ),
                rx.grid(
                    rx.vstack(
                        rx.el.label(T["handover_date"], html_for="handed_over_on", style=LABEL_STYLE),
                        rx.input(id="handed_over_on", name="handed_over_on", type="date", default_value=state.view["today"],
                                 max=state.view["today"], size="3", width="100%"),
                        error_text(errors.get("handed_over_on", ""), field_id="handed_over_on"),
                        spacing="1", width="100%",
                    ),
                    rx.vstack(
                        rx.el.label(T["handover_by"], html_for="handed_over_by", style=LABEL_STYLE),
                        dropdown(state.people, id="handed_over_by", name="handed_over_by",
                                      default_value=state.view["default_by"]),
                        error_text(errors.get("handed_over_by", ""), field_id="handed_over_by"),
                        spacing="1", width="100%",
                    ),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
                _consent_choice("gp_consent", errors.get("gp_consent", "")),
                submit_button(T["handover_save"], loading=state.busy, data_testid="handover-submit"),
                spacing="3",
                width="100%",
            ),
            on_submit=state.record_handover,
            width="100%",
        ),
        width="100%",
    )


def _consent_card() -> rx.Component:
    state = TeamPpsState
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(T["consent_title"], size="4", as_="h2"),
                rx.text(state.view["consent_label"], size="2"),
                _consent_choice("consent", state.errors.get("consent", "")),
                rx.button(T["consent_save"], type="submit", size="3", variant="soft", min_height="44px", data_testid="consent-submit"),
                spacing="3",
                width="100%",
            ),
            on_submit=state.record_consent,
            reset_on_submit=True,
            width="100%",
        ),
        width="100%",
    )


def _history() -> rx.Component:
    state = TeamPpsState
    return rx.card(
        rx.vstack(
            rx.cond(
                state.handovers.length() > 0,
                rx.vstack(
                    rx.heading(T["handovers"], size="4", as_="h2"),
                    rx.foreach(state.handovers, lambda item: rx.text(
                        item["date"], " — ", T["version"].lower(), " ", item["version"], " — ", T["by"], " ", item["by"], size="2")),
                    spacing="1",
                ),
            ),
            rx.heading(T["versions"], size="4", as_="h2"),
            rx.foreach(state.versions, lambda item: rx.hstack(
                rx.badge(T["version"], " ", item["version"], variant=rx.cond(item["issued"] != "", "solid", "soft")),
                rx.vstack(
                    rx.text(item["reason"], size="2", weight="medium"),
                    rx.text(item["date"], " · ", item["author"], size="1", color_scheme="gray"),
                    spacing="0", min_width="0",
                ),
                align="center", width="100%", data_testid="pps-version",
            )),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


@area_page(route="/team/pps", title=T["title"], area="team", on_load=[TeamPpsState.load])
def team_pps() -> rx.Component:
    state = TeamPpsState
    view = state.view
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text(T["back_patient"])),
                href="/team/patient?p=" + view["patient_public_id"].to(str)),
        rx.cond(
            state.loaded,
            rx.vstack(
                rx.heading(view["patient_name"], " (", view["birth_date"], ")", size="5", as_="h2", data_testid="pps-patient"),
                banner(state.notice, color="green", icon="check", testid="notice"),
                banner(state.errors.get("form", "")),
                rx.cond(
                    view["status"] == "none",
                    rx.card(
                        rx.vstack(
                            rx.text(T["none"]),
                            rx.cond(view["can_write"] != "", rx.link(rx.button(rx.icon("file-plus", size=16), T["write"], size="3"),
                                                                     href="/team/pps/edit?p=" + view["patient_public_id"].to(str), data_testid="pps-write")),
                            spacing="3",
                        ),
                        width="100%",
                    ),
                    rx.vstack(
                        _status_card(),
                        rx.cond(view["can_handover"] != "", _handover_card()),
                        rx.cond((view["can_edit_support"] != "") & (view["status"] == "issued"), _consent_card()),
                        _history(),
                        spacing="4",
                        width="100%",
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            rx.spinner(size="3"),
        ),
        spacing="3",
        width="100%",
        max_width="820px",
    )


# --- Editor ----------------------------------------------------------------------------------------------------

S = PpsEditorState


def _field_box(label: str, field_id, control: rx.Component, error=None) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, style=LABEL_STYLE),
        control,
        rx.cond(error, rx.text(error, color_scheme="red", size="2", role="alert")) if error is not None else rx.fragment(),
        spacing="1",
        width="100%",
        align="stretch",
    )


def _item_field(section: str, item, index, name: str, label: str, *, kind: str = "text", disabled=False,
                max_length: int = 200) -> rx.Component:
    field_id = f"{section}-{name}-{index}"

    def setter(value):
        return S.set_item(section, index, name, value)

    error = item[f"err_{name}"]
    if kind == "check":
        return rx.box(
            rx.checkbox(label, checked=item[name] == "true", on_change=setter, disabled=disabled, size="3"),
            min_height="44px", display="flex", align_items="center",
        )
    if kind == "code":
        spec = next(spec for spec in pc.SECTION_FIELDS[section] if spec.name == name)
        control = dropdown(pc.options(spec.value_set), placeholder=T["choose"], id=field_id, value=item[name],
                                on_change=setter, disabled=disabled)
    elif kind == "long":
        control = rx.text_area(id=field_id, value=item[name], on_change=setter, disabled=disabled, rows="3",
                               max_length=max_length, size="3", width="100%")
    else:
        extra = {"input_mode": "numeric"} if kind == "number" else {}
        control = rx.input(id=field_id, value=item[name], on_change=setter, disabled=disabled, size="3", width="100%",
                           type={"number": "text", "phone": "tel"}.get(kind, kind), max_length=max_length, **extra)
    return _field_box(label, field_id, control, error)


ITEM_LAYOUT = {
    "treatments": [("type", T["type"], "code"), ("title", T["treatment_title"], "text"), ("start", T["start"], "date"),
                   ("end", T["end"], "date"), ("time", T["time"], "time"), ("sessions", T["sessions"], "number"),
                   ("every_days", T["every_days"], "number"), ("weekdays_only", T["weekdays_only"], "check"),
                   ("rhythm", T["rhythm"], "text"), ("place", T["place"], "text"), ("at_home", T["at_home"], "check"),
                   ("route", T["route"], "code"), ("side_effects", T["side_effects"], "long"), ("management", T["management"], "long")],
    "follow_up": [("type", T["type"], "code"), ("title", T["follow_up_title"], "text"), ("date", T["date"], "date"),
                  ("time", T["time"], "time"), ("place", T["place"], "text"), ("rhythm", T["frequency"], "text")],
    "measures": [("type", T["type"], "code"), ("detail", T["detail"], "long")],
    "supportive_care": [("type", T["type"], "code"), ("detail", T["detail"], "long"), ("contact", T["contact_with"], "text")],
    "social": [("type", T["type"], "code"), ("detail", T["detail"], "long")],
    "contacts": [("who", T["who"], "text"), ("reason", T["reason"], "text"), ("phone", T["phone"], "phone"),
                 ("hours", T["hours"], "text"), ("emergency", T["emergency"], "check")],
}
ADD_LABELS = {"treatments": "add_treatment", "follow_up": "add_follow_up", "measures": "add_measure",
              "supportive_care": "add_supportive_care", "social": "add_social", "contacts": "add_contact"}


def _when_editable(section: str, component: rx.Component) -> rx.Component:
    return component if section in pc.NURSE_SECTIONS else rx.cond(~S.nurse_only, component)


def _section(section: str) -> rx.Component:
    locked = False if section in pc.NURSE_SECTIONS else S.nurse_only
    max_lengths = {spec.name: spec.max_length for spec in pc.SECTION_FIELDS[section]}

    def item_card(item, index) -> rx.Component:
        wide = [rx.box(_item_field(section, item, index, name, label, kind=kind, disabled=locked, max_length=max_lengths[name]),
                       grid_column=rx.breakpoints(initial="span 1", sm="span 2") if kind == "long" else "span 1")
                for name, label, kind in ITEM_LAYOUT[section]]
        return rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text(T[f"item_{section}"], " ", index + 1, weight="bold", size="2", color_scheme="gray"),
                    rx.spacer(),
                    _when_editable(section, rx.button(rx.icon("trash-2", size=16), T["remove"], on_click=S.remove_item(section, index),
                                                      variant="soft", color_scheme="red", size="3", type="button")),
                    width="100%",
                    align="center",
                ),
                rx.grid(*wide, columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            width="100%",
            data_testid=f"item-{section}",
        )

    return rx.vstack(
        rx.heading(T[f"section_{section}"], size="4", as_="h2"),
        rx.foreach(getattr(S, section), item_card),
        _when_editable(section, rx.button(rx.icon("plus", size=16), T[ADD_LABELS[section]], on_click=S.add_item(section),
                                          variant="soft", size="3", type="button", data_testid=f"add-{section}")),
        spacing="3",
        width="100%",
        padding_top="0.5rem",
    )


def _scalar(name: str, label: str, kind: str, max_length: int = 200) -> rx.Component:
    control_props = dict(id=name, value=getattr(S, name), on_change=lambda value: S.set_scalar(name, value),
                         disabled=S.nurse_only, size="3", width="100%", max_length=max_length)
    control = rx.text_area(rows="3", **control_props) if kind == "long" else rx.input(type=kind, **control_props)
    return _field_box(label, name, control, S.errors.get(name, ""))


def _general() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["section_general"], size="4", as_="h2"),
            rx.text(T["diagnosis"], weight="medium", size="2"),
            rx.cond(
                S.diagnosis.length() > 0,
                rx.data_list.root(
                    rx.foreach(S.diagnosis, lambda line: rx.data_list.item(rx.data_list.label(line[0]), rx.data_list.value(line[1]))),
                    orientation=rx.breakpoints(initial="vertical", sm="horizontal"), size="2",
                ),
                rx.text(T["no_diagnosis"], size="2", color_scheme="gray"),
            ),
            rx.grid(
                _scalar("rcp_date", T["rcp_date"], "date"),
                _scalar("end_of_treatment", T["end_of_treatment"], "date"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
            ),
            _scalar("rcp_proposal", T["rcp_proposal"], "long", 4000),
            _scalar("plan_summary", T["plan_summary"], "long", 2000),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _reason() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["update_reason"], size="4", as_="h2"),
            rx.text(T["update_help"], size="2", color_scheme="gray"),
            _field_box(
                T["update_reason"], "reason",
                dropdown(pc.options(pc.UPDATE_REASONS), placeholder=T["choose"], id="reason", value=S.reason_code,
                              on_change=S.set_reason),
                S.errors.get("reason", ""),
            ),
            _field_box(T["update_detail"], "reason_detail",
                       rx.input(id="reason_detail", value=S.reason_detail, on_change=S.set_reason_detail, size="3",
                                width="100%", max_length=300),
                       S.errors.get("reason_detail", "")),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


@area_page(route="/team/pps/edit", title=T["edit_title"], area="team", on_load=[PpsEditorState.load])
def team_pps_edit() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text(T["back_pps"])),
                href="/team/pps?p=" + S.patient_id),
        rx.cond(
            S.loaded,
            rx.vstack(
                rx.heading(S.patient_name, size="5", as_="h2", data_testid="pps-patient"),
                rx.cond(S.prefill_note != "", rx.callout(S.prefill_note, icon="sparkles", color_scheme="blue", width="100%", high_contrast=True)),
                rx.cond(S.nurse_only, rx.callout(T["nurse_only"], icon="info", color_scheme="blue", width="100%", high_contrast=True)),
                _general(),
                *[_section(section) for section in pc.SECTIONS],
                rx.cond(S.issued, _reason()),
                rx.box(
                    rx.vstack(
                        banner(S.errors.get("form", "")),
                        rx.cond(S.stale, rx.button(T["stale"], on_click=S.reload, variant="soft", color_scheme="amber",
                                                   size="3", type="button", data_testid="pps-reload")),
                        rx.button(rx.cond(S.issued, T["save_version"], T["save_draft"]), on_click=S.save, loading=S.busy,
                                  size="3", width="100%", min_height="44px", data_testid="pps-save"),
                        spacing="2",
                        width="100%",
                    ),
                    position="sticky", bottom="0", background=rx.color("gray", 1), padding="0.75rem 0",
                    border_top=f"1px solid {rx.color('gray', 5)}", width="100%", z_index="5",
                ),
                spacing="4",
                width="100%",
            ),
            rx.spinner(size="3"),
        ),
        spacing="3",
        width="100%",
        max_width="820px",
    )
