"""The « Correspondants à informer » picker of the RCP registration form: professionals of the MSSanté directory,
searched by name a page at a time, chosen or removed before registering."""

from __future__ import annotations

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import error_text, pager
from dcc_portal.state.rcp import RcpRegisterState

T = texts.RCP
TOUCH = "44px"


def _chosen(item) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(item["label"], weight="medium"), rx.text(item["address"], size="2", color_scheme="gray"),
                  spacing="0", flex="1", style={"overflowWrap": "anywhere"}),
        rx.button(rx.icon("x", size=16), T["correspondent_remove"], type="button", size="2", variant="soft",
                  color_scheme="gray", min_height=TOUCH, on_click=RcpRegisterState.remove_correspondent(item["public_id"])),
        align="center", width="100%", data_testid="correspondent-chosen",
    )


def _found(item) -> rx.Component:
    return rx.button(
        rx.icon(rx.cond(item["chosen"] != "", "check", "plus"), size=16), item["label"], " · ", item["address"],
        type="button", variant="soft", size="2", min_height=TOUCH, disabled=item["chosen"] != "",
        on_click=RcpRegisterState.add_correspondent(item["public_id"]), data_testid="correspondent-found",
        style={"whiteSpace": "normal", "textAlign": "left", "height": "auto", "maxWidth": "100%",
               "overflowWrap": "anywhere"},
    )


def correspondents_field() -> rx.Component:
    state = RcpRegisterState
    return rx.vstack(
        rx.text(T["correspondents"], weight="medium", size="2"),
        rx.text(T["correspondents_hint"], size="2", color_scheme="gray"),
        rx.cond(state.correspondents.length() > 0,
                rx.vstack(rx.foreach(state.correspondents, _chosen), spacing="1", width="100%"),
                rx.text(T["correspondents_none"], size="2", color_scheme="gray")),
        rx.input(placeholder=T["correspondents_search"], value=state.correspondent_query,
                 on_change=state.search_correspondents.debounce(300), size="3", width="100%",
                 aria_label=T["correspondents_search"], data_testid="correspondent-search",
                 # owned by no form: Enter in the search does not register the patient
                 custom_attrs={"form": "correspondent-search-only"}),
        rx.cond(state.correspondent_found.length() > 0,
                rx.vstack(rx.flex(rx.foreach(state.correspondent_found, _found), wrap="wrap", gap="0.5rem", width="100%"),
                          rx.cond(state.correspondent_pages > 1,
                                  pager(state.correspondent_page, state.correspondent_pages,
                                        on_previous=state.correspondents_previous, on_next=state.correspondents_next)),
                          width="100%"),
                rx.cond(state.correspondent_query.length() > 1,
                        rx.text(T["correspondents_no_match"], size="2", color_scheme="gray"))),
        error_text(state.errors.get("correspondents", ""), field_id="correspondents"),
        spacing="2", width="100%", data_testid="correspondents-field",
    )
