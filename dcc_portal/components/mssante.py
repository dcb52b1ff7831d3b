"""The « Messagerie sécurisée » panel of the document reader (care team, validated documents)."""

from __future__ import annotations

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import pager
from dcc_portal.state.mssante import MssanteState

T = texts.MSSANTE
TOUCH = "44px"


def _recipient(item) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.checkbox(checked=item["checked"] != "", on_change=lambda _v: MssanteState.toggle(item["address"]),
                        size="3", data_testid="mss-recipient-check"),
            rx.vstack(rx.text(item["label"], weight="medium"), rx.text(item["address"], size="2", color_scheme="gray"),
                      spacing="0", style={"overflowWrap": "anywhere"}),
            align="center", min_height=TOUCH,
        ),
        data_testid="mss-recipient",
    )


def _found(item) -> rx.Component:
    return rx.button(
        rx.icon("plus", size=16), item["label"], " · ", item["address"],
        on_click=MssanteState.add(item["address"]), variant="soft", size="2", min_height=TOUCH,
        data_testid="mss-found", style={"whiteSpace": "normal", "textAlign": "left", "height": "auto",
                                                  "maxWidth": "100%", "overflowWrap": "anywhere"},
    )


def sending_row(item, on_resend, *, who: rx.Component | None = None) -> rx.Component:
    """One recipient of a sending: address, version, moment, status (the operator's reason for a refusal)."""
    return rx.hstack(
        rx.vstack(
            rx.text(item["label"], weight="medium"),
            *([who] if who is not None else []),
            rx.text(item["address"], " · ", T["version"], " ", item["version"], " · ", item["at"], size="2", color_scheme="gray"),
            rx.cond(item["detail"] != "", rx.text(item["detail"], size="2", color_scheme="gray")),
            spacing="0", style={"overflowWrap": "anywhere"}, flex="1", min_width="14rem",
        ),
        rx.badge(item["status_label"], color_scheme=item["color"], size="2", data_testid="mss-status"),
        rx.cond(item["resendable"] != "",
                rx.button(T["resend"], on_click=on_resend(item["public_id"]), size="2", variant="soft",
                          min_height=TOUCH)),
        align="center", width="100%", wrap="wrap", data_testid="mss-sending",
    )


def mssante_panel() -> rx.Component:
    return rx.cond(
        MssanteState.available,
        rx.card(
            rx.vstack(
                rx.heading(T["heading"], size="4", as_="h3"),
                rx.text(T["intro"], size="2", color_scheme="gray"),
                rx.text(T["recipients"], weight="bold", size="2"),
                rx.cond(MssanteState.recipients.length() > 0,
                        rx.vstack(rx.foreach(MssanteState.recipients, _recipient), spacing="1", width="100%"),
                        rx.text(T["none"], size="2")),
                rx.input(placeholder=T["search"], value=MssanteState.query, on_change=MssanteState.search.debounce(300),
                         size="3", width="100%", aria_label=T["search"], data_testid="mss-search"),
                rx.cond(MssanteState.found.length() > 0,
                        rx.flex(rx.foreach(MssanteState.found, _found), wrap="wrap", gap="0.5rem", width="100%")),
                rx.cond(MssanteState.error != "",
                        rx.callout(MssanteState.error, icon="triangle-alert", color_scheme="red", width="100%",
                                   data_testid="mss-error")),
                rx.cond(MssanteState.notice != "",
                        rx.callout(MssanteState.notice, icon="send", color_scheme="green", width="100%",
                                   data_testid="mss-notice")),
                rx.button(rx.icon("send", size=16), T["send"], on_click=MssanteState.send, loading=MssanteState.sending,
                          size="3", min_height=TOUCH, data_testid="mss-send"),
                rx.hstack(rx.text(T["history"], weight="bold", size="2"),
                          rx.button(rx.icon("refresh-cw", size=14), T["refresh"], on_click=MssanteState.refresh,
                                    size="2", variant="ghost", min_height=TOUCH, data_testid="mss-refresh"),
                          align="center"),
                rx.cond(MssanteState.sendings.length() > 0,
                        rx.vstack(rx.foreach(MssanteState.sendings, lambda item: sending_row(item, MssanteState.resend)),
                                  spacing="2", width="100%"),
                        rx.text(T["empty_history"], size="2", color_scheme="gray")),
                rx.cond(MssanteState.history_pages > 1,
                        pager(MssanteState.history_page, MssanteState.history_pages,
                              on_previous=MssanteState.previous_history, on_next=MssanteState.next_history)),
                spacing="3", width="100%",
            ),
            width="100%", data_testid="mss-panel",
        ),
    )
