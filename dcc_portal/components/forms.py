"""Form pieces: labelled inputs with their French error message right under them."""

from __future__ import annotations

import reflex as rx

from dcc_portal import texts


def error_text(error: rx.Var, *, field_id: str) -> rx.Component:
    return rx.cond(
        error != "",
        rx.text(error, color_scheme="red", size="2", role="alert", id=f"{field_id}-error", data_testid=f"{field_id}-error"),
    )


def field(
    label: str,
    name: str,
    *,
    error: rx.Var | str = "",
    type: str = "text",
    autocomplete: str = "off",
    placeholder: str = "",
    input_mode: str | None = None,
    max_length: int = 200,
    default_value: str | rx.Var | None = None,
    **props,
) -> rx.Component:
    extra = {"input_mode": input_mode} if input_mode else {}
    if default_value is not None:
        extra["default_value"] = default_value
    props.setdefault("min_height", "44px")  # a touch target
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"fontWeight": "500", "fontSize": "0.95rem"}),
        rx.input(
            id=name,
            name=name,
            type=type,
            auto_complete=autocomplete,
            placeholder=placeholder,
            max_length=max_length,
            size="3",
            width="100%",
            **extra,
            **props,
        ),
        error_text(error, field_id=name) if isinstance(error, rx.Var) else rx.fragment(),
        spacing="1",
        width="100%",
        align="stretch",
    )


def select_field(label: str, name: str, options: list[tuple[str, str]] | rx.Var, *, error: rx.Var | str = "",
                 placeholder: str | None = "", default_value: rx.Var | str | None = None) -> rx.Component:
    """Labelled native <select>: keyboard and screen-reader friendly on phones and tablets, posts with the form.
    placeholder=None leaves out the empty first choice (the options then hold every choice)."""
    extra = {"default_value": default_value} if default_value is not None else {}
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"fontWeight": "500", "fontSize": "0.95rem"}),
        dropdown(options, placeholder=(placeholder or texts.ADMIN["choose"]) if placeholder is not None else None,
                 id=name, name=name, **extra),
        error_text(error, field_id=name) if isinstance(error, rx.Var) else rx.fragment(),
        spacing="1",
        width="100%",
        align="stretch",
    )

def notice(message: str | rx.Var, *, color: str = "blue", icon: str = "info", **props) -> rx.Component:
    """A callout in high contrast (WCAG AA on its tinted background)."""
    return rx.callout(message, icon=icon, color_scheme=color, high_contrast=True, width="100%", **props)
def dropdown(options: list[tuple[str, str]] | rx.Var, *, placeholder: str | None = None, **props) -> rx.Component:
    """A bare native <select> (44px high): controlled with value/on_change, or posting with its name in a form.
    `options` are (value, label) pairs or a Var of them; `placeholder` adds an empty first choice."""
    if isinstance(options, rx.Var):
        items = [rx.foreach(options, lambda option: rx.el.option(option[1], value=option[0]))]
    else:
        items = [rx.el.option(text, value=value) for value, text in options]
    style = {
        "width": "100%", "minHeight": "44px", "padding": "0.4rem", "borderRadius": "6px",
        "border": f"1px solid {rx.color('gray', 7)}", "background": rx.color("gray", 1), "fontSize": "1rem",
    }
    first = [rx.el.option(placeholder, value="")] if placeholder is not None else []
    return rx.el.select(*first, *items, style=style, **props)


def text_area(label: str, name: str, *, error: rx.Var | str = "", default_value: rx.Var | str | None = None,
              rows: str = "4", max_length: int = 5000) -> rx.Component:
    extra = {"default_value": default_value} if default_value is not None else {}
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"fontWeight": "500", "fontSize": "0.95rem"}),
        rx.text_area(id=name, name=name, rows=rows, max_length=max_length, size="3", width="100%", **extra),
        error_text(error, field_id=name) if isinstance(error, rx.Var) else rx.fragment(),
        spacing="1",
        width="100%",
        align="stretch",
    )


def banner(message: rx.Var, *, color: str = "red", icon: str = "triangle-alert", testid: str = "form-error") -> rx.Component:
    """A message that appears only when set (form errors, confirmations)."""
    return rx.cond(message != "", notice(message, color=color, icon=icon, role="alert", data_testid=testid))


def submit_button(label: str, *, loading: rx.Var | bool = False, **props) -> rx.Component:
    return rx.button(label, type="submit", size="3", loading=loading, width="100%", min_height="44px", **props)


def pager(page: rx.Var, page_count: rx.Var, *, on_previous, on_next) -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=16), texts.COMMON["previous"],
            on_click=on_previous, disabled=page <= 1, variant="soft", size="3", min_height="44px",
        ),
        rx.text(texts.COMMON["page"], " ", page, " ", texts.COMMON["of"], " ", page_count, size="2", white_space="nowrap", data_testid="pager"),
        rx.button(
            texts.COMMON["next"], rx.icon("chevron-right", size=16),
            on_click=on_next, disabled=page >= page_count, variant="soft", size="3", min_height="44px",
        ),
        justify="between",
        align="center",
        width="100%",
        padding_top="0.75rem",
    )


def search_button() -> rx.Component:
    """Icon only on phones, labelled from tablets up."""
    return rx.button(
        rx.icon("search", size=18),
        rx.text(texts.COMMON["search"], display=["none", "none", "inline"]),
        type="submit", size="3", aria_label=texts.COMMON["search"], min_height="44px",
    )


# The list's own history entry says whether a search is in force ("?retour=1", state.paging.RETURN), so that the
# browser's "back" from a patient, or the page's loader run again when its connection comes back, keeps the search.
# Compiled into the page (the Content-Security-Policy refuses script text sent by the server) and run before the
# search is sent, so that the event carries the address it leaves behind.
_SEARCH_FORM_ID = "list-search"
_MARK_SEARCH = (
    "(() => { const url = new URL(window.location.href);"
    f" const box = document.getElementById('{_SEARCH_FORM_ID}');"
    " const words = box ? String(new FormData(box).get('q') || '').trim() : '';"
    " if (words) { url.searchParams.set('retour', '1'); } else { url.searchParams.delete('retour'); }"
    " window.history.replaceState(window.history.state, '', url); })()"
)
_UNMARK_SEARCH = (
    "(() => { const url = new URL(window.location.href); url.searchParams.delete('retour');"
    " window.history.replaceState(window.history.state, '', url); })()"
)


def search_form(state, *, placeholder: str, label: str | None = None) -> rx.Component:
    """A list's search box, then the search in force with its clear button: "Résultats pour « … »" (×).
    The box is keyed on the search, so that clearing it empties the box too."""
    return rx.vstack(
        rx.form(
            rx.hstack(
                rx.input(name="q", placeholder=placeholder, size="3", width="100%", max_length=100,
                         aria_label=label or placeholder, default_value=state.query, data_testid="patient-search",
                         min_height="44px"),
                search_button(),
                width="100%",
            ),
            on_submit=[rx.run_script(_MARK_SEARCH), state.search],
            key=state.query,
            id=_SEARCH_FORM_ID,
            width="100%",
        ),
        rx.cond(
            state.query != "",
            rx.hstack(
                rx.text(texts.COMMON["results_for"], " « ", rx.text.strong(state.query), " »", size="3",
                        style={"overflowWrap": "anywhere"}, min_width="0"),
                rx.icon_button(rx.icon("x", size=18), on_click=[rx.run_script(_UNMARK_SEARCH), state.clear_search], type="button", variant="soft",
                               size="3", min_height="44px", min_width="44px", aria_label=texts.COMMON["clear_search"],
                               data_testid="clear-search"),
                align="center", justify="between", width="100%", padding="0.25rem 0.25rem 0.25rem 0.75rem",
                border_radius="8px", background=rx.color("accent", 3), data_testid="search-summary",
            ),
        ),
        spacing="2", width="100%",
    )
