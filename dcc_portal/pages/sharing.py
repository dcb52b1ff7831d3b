"""DMP feeding screens: the status board of the team area and of the administration, and the opposition cards."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import banner, notice, pager
from dcc_portal.components.layout import area_page
from dcc_portal.state.sharing import AdminSharingState, DmpOppositionState, TeamSharingState

T = texts.SHARING

FILTERS = [
    ("all", T["filter_all"]),
    ("rejected", T["filter_rejected"]),
    ("waiting", T["filter_waiting"]),
    ("retrying", T["filter_retrying"]),
    ("acknowledged", T["filter_acknowledged"]),
    ("closed", T["filter_closed"]),
]
# Statuses counted under each filter.
FILTER_STATUSES = {
    "all": ["pending", "sending", "retrying", "acknowledged", "rejected", "cancelled", "superseded"],
    "rejected": ["rejected"],
    "waiting": ["pending", "sending"],
    "retrying": ["retrying"],
    "acknowledged": ["acknowledged"],
    "closed": ["cancelled", "superseded"],
}


def _count(state, name: str) -> rx.Var:
    total = state.counts.get(FILTER_STATUSES[name][0], 0)
    for status in FILTER_STATUSES[name][1:]:
        total = total + state.counts.get(status, 0)
    return total


def _filters(state) -> rx.Component:
    return rx.box(
        rx.flex(
            *[
                rx.button(
                    label, " (", _count(state, name), ")",
                    on_click=state.set_filter(name),
                    variant=rx.cond(state.status_filter == name, "solid", "soft"),
                    color_scheme="red" if name == "rejected" else "indigo", high_contrast=True,
                    size="3", min_height="44px", aria_pressed=rx.cond(state.status_filter == name, "true", "false"),
                    data_testid=f"filter-{name}",
                )
                for name, label in FILTERS
            ],
            wrap="wrap",
            spacing="2",
        ),
        role="group",
        aria_label=T["filters"],
        width="100%",
    )


def _actions(state, item: rx.Var) -> rx.Component:
    busy = state.busy_id == item["public_id"]
    return rx.flex(
        rx.cond(
            item["can_resend"] != "",
            rx.button(rx.icon("send", size=16), T["resend"], on_click=state.resend(item["public_id"]), loading=busy,
                      size="3", min_height="44px", data_testid="resend"),
        ),
        rx.cond(
            item["can_cancel"] != "",
            rx.button(rx.icon("ban", size=16), T["cancel"], on_click=state.ask_cancel(item["public_id"]), variant="soft",
                      color_scheme="gray", size="3", min_height="44px", disabled=busy, data_testid="cancel"),
        ),
        rx.cond(
            item["can_download"] != "",
            rx.button(rx.icon("download", size=16), T["download"], on_click=state.download_xdm(item["public_id"]),
                      variant="soft", size="3", min_height="44px", disabled=busy, data_testid="download-xdm"),
        ),
        wrap="wrap",
        spacing="2",
    )


def _card(state, item: rx.Var, *, team: bool) -> rx.Component:
    patient = (
        rx.link(item["patient"], href="/team/patient?p=" + item["patient_public_id"].to(str), weight="bold")
        if team else rx.text(item["patient"], weight="bold")
    )
    rejected = item["status"] == "rejected"
    return rx.card(
        rx.vstack(
            rx.flex(
                patient,
                rx.spacer(),
                rx.badge(item["submission_kind_label"], color_scheme="gray", variant="outline", size="2",
                         high_contrast=True, data_testid="kind"),
                rx.badge(item["status_label"], color_scheme=item["status_color"], variant="soft", size="2",
                         high_contrast=True, data_testid="status"),
                align="center", spacing="2", width="100%", wrap="wrap",
            ),
            rx.text(item["document"], " · ", T["version"], " ", item["version"],
                    rx.cond(item["document"] != item["kind_label"], " · " + item["kind_label"].to(str), ""),
                    size="3"),
            rx.cond(
                rejected,
                rx.callout(item["detail"], icon="triangle-alert", color_scheme="red", high_contrast=True, size="1",
                           width="100%", data_testid="detail"),
                rx.text(item["detail"], size="2", color_scheme="gray", data_testid="detail"),
            ),
            rx.text(
                T["created"], " ", item["created"], " · ", item["attempts"], " ", T["attempts"],
                rx.cond(item["last_attempt"] != "", " · " + T["last_attempt"] + " " + item["last_attempt"].to(str), ""),
                size="2", color_scheme="gray",
            ),
            _actions(state, item),
            spacing="2",
            width="100%",
            min_width="0",
        ),
        width="100%",
        data_testid="submission",
    )


def _cancel_dialog(state) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(T["cancel_title"]),
            rx.alert_dialog.description(T["cancel_help"], size="2"),
            rx.form(
                rx.vstack(
                    rx.el.label(T["cancel_reason"], html_for="reason", style={"fontWeight": "500"}),
                    rx.input(id="reason", name="reason", max_length=200, size="3", width="100%"),
                    rx.flex(
                        rx.alert_dialog.cancel(rx.button(T["keep"], variant="soft", color_scheme="gray", size="3",
                                                         on_click=state.keep, type="button")),
                        rx.button(T["cancel_confirm"], type="submit", color_scheme="red", size="3", data_testid="confirm-cancel"),
                        spacing="3", justify="end", wrap="wrap", width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=state.confirm_cancel,
                reset_on_submit=True,
                margin_top="1rem",
            ),
            max_width="460px",
        ),
        open=state.cancel_target != "",
    )


def sharing_board(state, *, team: bool) -> rx.Component:
    return rx.vstack(
        rx.text(T["intro"] if team else T["admin_intro"], size="2", color_scheme="gray"),
        rx.cond(
            state.patient_name != "",
            rx.flex(
                rx.text(T["patient_scope"], " ", rx.text.strong(state.patient_name)),
                rx.link(T["all_patients"], href="/team/sharing" if team else "/admin/sharing"),
                spacing="3", wrap="wrap", align="center",
            ),
        ),
        banner(state.notice, color="green", icon="check", testid="notice"),
        banner(state.error),
        _filters(state),
        rx.text(state.total, " ", T["count"], size="2", color_scheme="gray", data_testid="result-count"),
        rx.cond(
            state.items.length() > 0,
            rx.vstack(rx.foreach(state.items, lambda item: _card(state, item, team=team)), spacing="3", width="100%"),
            rx.cond(state.loaded, rx.text(T["empty"], color_scheme="gray"), rx.spinner()),
        ),
        pager(state.page, state.page_count, on_previous=state.previous_page, on_next=state.next_page),
        _cancel_dialog(state),
        spacing="3",
        width="100%",
    )


@area_page(route="/team/sharing", title=T["title"], area="team", on_load=[TeamSharingState.load])
def team_sharing() -> rx.Component:
    return sharing_board(TeamSharingState, team=True)


@area_page(route="/admin/sharing", title=T["admin_title"], area="admin", on_load=[AdminSharingState.load])
def admin_sharing() -> rx.Component:
    return sharing_board(AdminSharingState, team=False)


# --------------------------------------------------------------------------------------------------- opposition


def _opposition_card(*, patient_area: bool) -> rx.Component:
    state = DmpOppositionState
    on_text = T["my_dmp_on"] if patient_area else T["dmp_on"]
    off_text = T["my_dmp_off"] if patient_area else T["dmp_off"]
    oppose = T["my_dmp_oppose"] if patient_area else T["dmp_oppose"]
    lift = T["my_dmp_lift"] if patient_area else T["dmp_lift"]
    oppose_help = T["my_dmp_oppose_help"] if patient_area else T["dmp_oppose_help"]
    lift_help = T["my_dmp_lift_help"] if patient_area else T["dmp_lift_help"]
    status = rx.cond(
        state.opposed,
        notice(rx.fragment(off_text, " ", T["dmp_since"], " ", state.since,
                           *(() if patient_area else (" (", T["dmp_by"], " ", state.source, ")")), "."),
               color="amber", icon="circle-pause", data_testid="dmp-status"),
        rx.text(on_text, data_testid="dmp-status"),
    )
    confirmation = rx.vstack(
        rx.text(rx.cond(state.opposed, lift_help, oppose_help), size="2"),
        rx.flex(
            rx.button(T["dmp_back"], on_click=state.back, variant="soft", color_scheme="gray", size="3", min_height="44px"),
            rx.button(T["dmp_confirm"], on_click=state.confirm, loading=state.saving, size="3", min_height="44px",
                      color_scheme=rx.cond(state.opposed, "indigo", "amber"), data_testid="dmp-confirm"),
            spacing="3", wrap="wrap",
        ),
        spacing="2",
        width="100%",
    )
    return rx.card(
        rx.vstack(
            rx.heading(T["my_dmp_title"] if patient_area else T["dmp_title"], size="4", as_="h2"),
            rx.text(T["my_dmp_intro"], size="2") if patient_area else rx.fragment(),
            rx.cond(state.loaded, status, rx.spinner()),
            banner(state.notice, color="green", icon="check", testid="dmp-notice"),
            rx.cond(
                state.confirming,
                confirmation,
                rx.button(rx.cond(state.opposed, lift, oppose), on_click=state.ask, variant="soft", size="3",
                          min_height="44px", white_space="normal", height="auto", padding_y="0.5rem",
                          data_testid="dmp-toggle"),
            ),
            rx.fragment() if patient_area else rx.link(
                T["dmp_see"], href="/team/sharing?p=" + state.patient_public_id, data_testid="dmp-see"),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="dmp-card",
    )


def team_opposition_card() -> rx.Component:
    return rx.cond(DmpOppositionState.outside_team, rx.fragment(), _opposition_card(patient_area=False))


def patient_opposition_card() -> rx.Component:
    return _opposition_card(patient_area=True)
