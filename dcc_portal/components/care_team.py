"""One patient's care team: members with their dates, removal (confirmed), adding a member, changing the
médecin traitant. Used by the administrator's screen and by the team's own screen."""

from __future__ import annotations

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import banner, field, select_field, submit_button
from dcc_portal.models import TeamRole
from dcc_portal.services.record.patients import TEAM_ROLE_LABELS
from dcc_portal.state.care_team import CareTeamState

T = texts.ADMIN
TT = texts.TEAM


def _remove_button(item: rx.Var) -> rx.Component:
    """Removal cuts access at once: confirm first, a tablet tap is easily misplaced."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(T["remove"], variant="soft", color_scheme="red", size="3", data_testid="remove-member"),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(TT["confirm_remove_title"]),
            rx.alert_dialog.description(rx.text(item["name"], weight="bold"), rx.text(TT["confirm_remove"])),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(texts.COMMON["cancel"], variant="soft", color_scheme="gray", size="3")),
                rx.alert_dialog.action(
                    rx.button(T["remove"], on_click=CareTeamState.remove_member(item["public_id"]), color_scheme="red",
                              size="3", data_testid="confirm-remove"),
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="420px",
        ),
    )


def member_card(item: rx.Var) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(item["name"], weight="bold"),
                rx.text(item["team_role"], " · ", item["specialty"], size="2", color_scheme="gray"),
                rx.text(item["start"], rx.cond(item["end"] != "", " → " + item["end"].to(str), ""), size="1", color_scheme="gray"),
                spacing="1",
                min_width="0",
            ),
            rx.spacer(),
            rx.cond(item["active"] != "", _remove_button(item), rx.badge(T["ended"], color_scheme="gray")),
            align="center",
            width="100%",
        ),
        width="100%",
        data_testid="member-card",
    )


def _search_form(*, name: str, label: str, on_submit) -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(name=name, placeholder=label, aria_label=label, size="3", width="100%", max_length=100),
            rx.button(texts.COMMON["search"], type="submit", size="3", variant="soft"),
            width="100%",
        ),
        on_submit=on_submit,
        width="100%",
    )


def _add_member_card() -> rx.Component:
    state = CareTeamState
    errors = state.errors
    return rx.card(
        rx.vstack(
            rx.heading(T["add_member"], size="3", as_="h3"),
            _search_form(name="who", label=T["professional"], on_submit=state.find_professionals),
            rx.form(
                rx.vstack(
                    select_field(T["professional"], "professional", state.candidates, error=errors.get("professional", "")),
                    select_field(T["team_role"], "team_role", [(r.value, TEAM_ROLE_LABELS[r]) for r in TeamRole], error=errors.get("team_role", "")),
                    rx.grid(
                        field(T["start_date"], "start_date", type="date", error=errors.get("start_date", "")),
                        field(T["end_date"], "end_date", type="date", error=errors.get("end_date", "")),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="3",
                        width="100%",
                    ),
                    submit_button(T["add_member"], data_testid="add-member"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=state.add_member,
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _medecin_traitant_card() -> rx.Component:
    state = CareTeamState
    return rx.card(
        rx.vstack(
            rx.heading(TT["change_gp"], size="3", as_="h3"),
            rx.text(TT["current_gp"], " : ", rx.cond(state.patient["medecin_traitant"] != "", state.patient["medecin_traitant"], TT["none"]),
                    size="2", data_testid="current-gp"),
            _search_form(name="gp_who", label=TT["find_gp"], on_submit=state.find_gps),
            rx.form(
                rx.vstack(
                    select_field(TT["gp_choice"], "medecin_traitant", state.gp_candidates, error=state.errors.get("medecin_traitant", "")),
                    submit_button(TT["set_gp"], data_testid="set-gp"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=state.set_medecin_traitant,
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def care_team_panel() -> rx.Component:
    state = CareTeamState
    return rx.vstack(
        rx.heading(T["team_of"], " ", state.patient["patient_name"], " (", state.patient["birth_date"], ")", size="4", as_="h2"),
        rx.text(TT["medecin_traitant"], " : ", rx.cond(state.patient["medecin_traitant"] != "", state.patient["medecin_traitant"], TT["none"]), size="2"),
        banner(state.notice, color="green", icon="check", testid="notice"),
        banner(state.errors.get("membership", "")),
        rx.vstack(rx.foreach(state.members, member_card), spacing="2", width="100%"),
        _add_member_card(),
        _medecin_traitant_card(),
        spacing="3",
        width="100%",
    )


