"""Finding a record outside one's care team, then the explicit emergency-access form (team tablets, GP phones)."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import error_text, field, submit_button
from dcc_portal.components.layout import area_page
from dcc_portal.state.record_search import RecordSearchState

T = texts.EMERGENCY


def _search_form() -> rx.Component:
    errors = RecordSearchState.errors
    return rx.card(
        rx.form(
            rx.vstack(
                rx.text(T["intro"], size="2", color_scheme="gray"),
                field(T["ins"], "ins", error=errors.get("ins", ""), input_mode="numeric", max_length=25),
                rx.text(T["or"], size="2", weight="medium", color_scheme="gray"),
                rx.grid(
                    field(T["family_name"], "family_name", error=errors.get("family_name", ""), max_length=100),
                    field(T["birth_date"], "birth_date", type="date", error=errors.get("birth_date", "")),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
                submit_button(T["search"], data_testid="record-search"),
                spacing="3",
                width="100%",
            ),
            on_submit=RecordSearchState.search,
            width="100%",
        ),
        width="100%",
    )


def _result(item: rx.Var) -> rx.Component:
    has_access = item["access"] != ""
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.text(item["name"], weight="bold", size="3"),
                rx.text(item["sex"], " · ", T["born"], " ", item["birth_date"], size="2", color_scheme="gray"),
                rx.cond(has_access, rx.badge(item["access"], color_scheme="green"), rx.badge(T["no_access"], color_scheme="gray")),
                spacing="1",
                min_width="0",
            ),
            rx.spacer(),
            rx.cond(
                has_access,
                rx.button(T["open"], on_click=RecordSearchState.choose(item["index"]), size="3", data_testid="open-record"),
                rx.button(rx.icon("siren", size=16), T["emergency"], on_click=RecordSearchState.choose(item["index"]),
                          size="3", color_scheme="red", variant="soft", data_testid="choose-emergency"),
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            align=rx.breakpoints(initial="start", sm="center"),
            gap="3",
            width="100%",
        ),
        width="100%",
        data_testid="record-result",
    )


def _emergency_form() -> rx.Component:
    selected = RecordSearchState.selected
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(T["form_title"], size="4", as_="h2"),
                rx.text(rx.text.strong(selected["name"]), " · ", selected["sex"], " · ", T["born"], " ", selected["birth_date"]),
                rx.callout(T["warning"], icon="shield-alert", color_scheme="red", width="100%", high_contrast=True),
                rx.vstack(
                    rx.el.label(T["reason"], html_for="reason", style={"fontWeight": "500", "fontSize": "0.95rem"}),
                    rx.text_area(id="reason", name="reason", placeholder=T["reason_placeholder"], max_length=500, rows="4",
                                 size="3", width="100%", auto_focus=True),
                    error_text(RecordSearchState.errors.get("reason", ""), field_id="reason"),
                    spacing="1",
                    width="100%",
                ),
                submit_button(T["confirm"], loading=RecordSearchState.busy, color_scheme="red", data_testid="confirm-emergency"),
                rx.button(T["cancel"], on_click=RecordSearchState.cancel, type="button", variant="soft", color_scheme="gray",
                          size="3", width="100%", min_height="44px"),
                spacing="3",
                width="100%",
            ),
            on_submit=RecordSearchState.request_access,
            width="100%",
        ),
        width="100%",
        data_testid="emergency-form",
    )


def _screen() -> rx.Component:
    state = RecordSearchState
    return rx.vstack(
        rx.cond(
            state.selected.length() > 0,
            _emergency_form(),
            rx.vstack(
                _search_form(),
                rx.cond(
                    state.results.length() > 0,
                    rx.vstack(rx.foreach(state.results, _result), spacing="2", width="100%"),
                    rx.cond(state.searched, rx.callout(T["none"], icon="search-x", color_scheme="gray", width="100%", data_testid="no-record", high_contrast=True)),
                ),
                spacing="3",
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
        max_width="720px",
    )


@area_page(route="/team/search", title=T["title"], area="team", on_load=[RecordSearchState.start])
def team_record_search() -> rx.Component:
    return _screen()


@area_page(route="/gp/search", title=T["title"], area="gp", on_load=[RecordSearchState.start])
def gp_record_search() -> rx.Component:
    return _screen()
