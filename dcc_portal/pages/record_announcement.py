"""Patient file, announcement tab: status at a glance, buttons for the temps this user may record, the form, the steps."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import (
    banner,
    field,
    notice,
    select_field,
    submit_button,
    text_area,
)
from dcc_portal.components.pathway import status_chips, step_card
from dcc_portal.services.record import announcement
from dcc_portal.state.announcement import AnnouncementState

T = texts.PATHWAY
S = AnnouncementState
MEDICAL = [t.value for t in announcement.MEDICAL]
WITH_NEEDS = [t.value for t in announcement.WITH_NEEDS]
CHANNEL_OPTIONS = list(announcement.CHANNELS.items())


def _needs_grid() -> rx.Component:
    v, e = S.form_values, S.errors
    return rx.vstack(
        rx.heading(T["needs"], size="3", as_="h3"),
        rx.text(T["needs_help"], size="2", color_scheme="gray"),
        rx.grid(
            *[
                select_field(label, f"need_{domain}", announcement.need_options(domain), placeholder=None,
                             default_value=v[f"need_{domain}"], error=e.get(f"need_{domain}", ""))
                for domain, label in announcement.NEED_DOMAINS
            ],
            columns="1", spacing="3", width="100%",
        ),
        banner(e.get("needs", "")),
        spacing="2", width="100%", data_testid="needs-grid",
    )


def step_form() -> rx.Component:
    v, e = S.form_values, S.errors
    temps = S.form_temps
    return rx.card(
        rx.form(
            rx.vstack(
                rx.hstack(
                    rx.heading(S.form_title, size="4", as_="h3"),
                    rx.spacer(),
                    rx.icon_button(rx.icon("x"), on_click=S.close_form, type="button", variant="ghost", aria_label=texts.COMMON["cancel"]),
                    width="100%", align="center",
                ),
                rx.cond((temps == "nursing") & (S.form_step == "") & ~S.medical_recorded,
                        notice(announcement.NO_MEDICAL_YET + " " + T["nursing_first"], color="amber", icon="triangle-alert",
                               data_testid="no-medical-warning")),
                field(T["occurred_on"], "occurred_on", type="date", default_value=v["occurred_on"], error=e.get("occurred_on", "")),
                rx.cond(rx.Var.create(MEDICAL).contains(temps),
                        field(T["accompanied_by"], "accompanied_by", default_value=v["accompanied_by"], error=e.get("accompanied_by", ""))),
                rx.cond(temps == "gp_liaison",
                        select_field(T["channel"], "channel", CHANNEL_OPTIONS, default_value=v["channel"], error=e.get("channel", ""))),
                text_area(T["notes"], "notes", default_value=v["notes"], error=e.get("notes", ""), rows="5", max_length=5000),
                rx.cond(rx.Var.create(WITH_NEEDS).contains(temps), _needs_grid()),
                rx.cond(S.form_step != "",
                        field(T["reason"], "reason", default_value=v["reason"], error=e.get("reason", ""), max_length=500)),
                banner(e.get("form", "")),
                submit_button(T["record"], loading=S.saving, data_testid="step-submit"),
                rx.cond(
                    S.history.length() > 0,
                    rx.vstack(
                        rx.heading(T["history"], size="3", as_="h4"),
                        rx.foreach(S.history, lambda h: rx.text(
                            T["version"], " ", h["version"], " · ", h["recorded"], " · ", h["author"],
                            rx.cond(h["reason"] != "", " · " + h["reason"].to(str), ""), size="1", color_scheme="gray")),
                        spacing="1", width="100%",
                    ),
                ),
                spacing="3", width="100%",
            ),
            on_submit=S.submit,
            key=S.form_key,
            width="100%",
        ),
        width="100%",
        data_testid="step-form",
    )


def _recorded_once(step: rx.Var) -> rx.Component:
    """A temps recorded once (the announcement of the diagnosis), in place of its button: its correction stays open."""
    return rx.hstack(
        rx.icon("circle-check", size=18, color=rx.color("grass", 11), flex_shrink="0"),
        rx.text(rx.text.strong(step["label"]), " ", T["recorded_on"], " ", step["date"],
                rx.cond(step["author"] != "", " · " + step["author"].to(str), ""), size="2"),
        rx.cond(S.allowed_codes.contains(step["temps"]),
                rx.button(rx.icon("pencil", size=14), T["correct"], on_click=S.open_correction(step["public_id"]),
                          variant="soft", size="2", min_height="44px", data_testid="correct-recorded")),
        align="center", wrap="wrap", spacing="2", padding="0.4rem 0.75rem", border_radius="8px",
        background=rx.color("grass", 2), border=f"1px solid {rx.color('grass', 6)}",
        data_testid="recorded-" + step["temps"].to(str),
    )


def announcement_tab(*, editable: bool = True) -> rx.Component:
    return rx.vstack(
        rx.heading(T["announcement_status"], size="4", as_="h2"),
        status_chips(S.status),
        rx.cond(
            S.medical_announcement != "",
            rx.text(T["announced_on"], " ", S.medical_announcement, size="2", data_testid="announced-on"),
            rx.text(T["not_announced"], size="2", color_scheme="gray"),
        ),
        rx.cond(S.held_documents > 0,
                rx.callout(rx.text(S.held_documents, " ", T["held"]), icon="lock", color_scheme="amber", high_contrast=True, width="100%", data_testid="held-documents")),
        banner(S.notice, color="green", icon="check", testid="step-notice"),
        banner(S.warning, color="amber", testid="step-warning"),
        rx.cond(
            S.form_temps == "",
            rx.flex(
                rx.foreach(S.recorded_once, _recorded_once),
                rx.foreach(S.allowed, lambda item: rx.button(
                    rx.icon("plus", size=16), item[1], on_click=S.open_new(item[0]), variant="soft", size="3",
                    white_space="normal", height="auto", min_height="44px", data_testid="record-" + item[0].to(str))),
                wrap="wrap", gap="0.5rem", width="100%",
            ),
        ) if editable else rx.fragment(),
        rx.cond(S.form_temps != "", step_form()) if editable else rx.fragment(),
        rx.heading(T["steps"], size="4", as_="h2"),
        rx.cond(
            S.steps.length() > 0,
            rx.vstack(
                rx.foreach(S.steps, lambda step: step_card(
                    step,
                    footer=rx.cond(
                        S.allowed_codes.contains(step["temps"]),
                        rx.button(rx.icon("pencil", size=14), T["correct"], on_click=S.open_correction(step["public_id"]),
                                  variant="ghost", size="2", min_height="44px", data_testid="correct-step"),
                    ) if editable else None,
                )),
                spacing="2", width="100%",
            ),
            rx.text(T["no_steps"], color_scheme="gray", size="2"),
        ),
        spacing="3", width="100%",
    )
