"""Symptom follow-up pieces shown on other screens: the check-in invitation on the patient's home page, and the
symptom section (summary line and one chart per symptom) of the team patient file."""

from __future__ import annotations

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import notice
from dcc_portal.state.symptoms import SymptomCheckInState, SymptomHistoryState

T = texts.SYMPTOMS
TOUCH = {"min_height": "52px", "white_space": "normal", "height": "auto", "padding_y": "0.6rem"}
S = SymptomCheckInState


def alert_news() -> rx.Component:
    """What became of the patient's last alerts: waiting, or "Votre équipe a pris connaissance"."""
    return rx.cond(S.news.length() > 0, rx.vstack(
        rx.heading(T["news_title"], size="3", as_="h2"),
        rx.foreach(S.news, lambda item: rx.callout(
            item["when"] + " — " + item["text"], icon=rx.cond(item["acknowledged"] != "", "circle-check", "clock"),
            color_scheme=rx.cond(item["acknowledged"] != "", "green", "amber"), high_contrast=True, width="100%",
            data_testid=rx.cond(item["acknowledged"] != "", "symptom-acknowledged", "symptom-waiting"),
        )),
        spacing="2", width="100%",
    ))


def gp_sharing() -> rx.Component:
    """The patient's agreement to let their médecin traitant read the detailed answers (the alerts are on the
    pathway the GP sees anyway)."""
    return rx.card(rx.vstack(
        rx.heading(T["gp_title"], size="3", as_="h2"),
        rx.text(rx.cond(S.gp_shared, T["gp_shared"], T["gp_not_shared"]), size="2", data_testid="symptom-gp-status"),
        rx.button(rx.cond(S.gp_shared, T["gp_withdraw"], T["gp_share"]), on_click=S.share_with_gp(~S.gp_shared),
                  variant="outline", size="3", width="100%", data_testid="symptom-gp-share", **TOUCH),
        spacing="2", width="100%",
    ), width="100%")


def checkin_banner() -> rx.Component:
    """On the patient's home page, during an active treatment of their PPS."""
    return rx.cond(S.in_treatment, rx.vstack(
        rx.cond(
            S.paused,
            notice(T["paused"], color="gray", icon="pause"),
            rx.card(rx.vstack(
                rx.heading(rx.cond(S.due | S.resuming, T["banner_title"], T["banner_again_title"]), size="4", as_="h2"),
                rx.text(rx.cond(S.resuming, T["banner_resume"],
                                rx.cond(S.due, T["banner_body"], T["banner_done"] + " " + S.last_submitted + ". " + T["banner_again"]))),
                rx.link(rx.button(rx.icon("clipboard-pen", size=18),
                                  rx.cond(S.resuming, T["banner_continue"], rx.cond(S.due, T["banner_start"], T["banner_report"])),
                                  size="3", width="100%", variant=rx.cond(S.due | S.resuming, "solid", "soft"), **TOUCH),
                        href="/patient/symptoms", width="100%", data_testid="symptom-checkin-start"),
                spacing="2", width="100%",
            ), width="100%", background=rx.cond(S.due | S.resuming, rx.color("accent", 2), "transparent"),
               data_testid="symptom-banner"),
        ),
        alert_news(),
        spacing="2", width="100%",
    ))


def _chart(chart) -> rx.Component:
    return rx.card(rx.vstack(
        rx.text(chart["label"], weight="bold"),
        rx.recharts.composed_chart(
            rx.recharts.bar(data_key="session", fill=rx.color("purple", 5), bar_size=6, name=T["treatments"],
                            is_animation_active=False),
            rx.recharts.line(data_key="value", stroke=rx.color("accent", 9), connect_nulls=True, stroke_width=2,
                             is_animation_active=False, name=chart["label"]),
            rx.recharts.x_axis(data_key="date"),
            rx.recharts.y_axis(domain=rx.cond(chart["top"].to(float) > 4, [36, 41], [0, 4]), allow_decimals=False, width=30),
            data=chart["points"].to(list),
            width="100%",
            height=140,
        ),
        spacing="1", width="100%",
    ), width="100%", data_testid="symptom-chart")


def team_symptoms_section() -> rx.Component:
    """The one-line summary of the last check-in and the charts (care team only)."""
    H = SymptomHistoryState
    return rx.cond(H.available, rx.vstack(
        rx.heading(T["team_title"], size="4", as_="h2"),
        rx.text(rx.cond(H.summary != "", H.summary, T["no_report"]), data_testid="symptom-summary"),
        rx.cond(H.care_team & (H.open_alerts > 0), rx.link(
            rx.badge(H.open_alerts.to_string() + " " + T["open_alerts"], color_scheme="red", size="2"),
            href="/team/symptoms")),
        rx.cond(H.treatments != "", rx.text(T["treatments"], " : ", H.treatments, size="2", color_scheme="gray")),
        rx.cond(H.charts.length() > 0, rx.vstack(
            rx.text(T["chart_help"], size="2", color_scheme="gray"),
            rx.grid(rx.foreach(H.charts, _chart), columns=rx.breakpoints(initial="1", md="2"), spacing="2", width="100%"),
            width="100%",
        )),
        spacing="2", width="100%", data_testid="symptom-section",
    ))
