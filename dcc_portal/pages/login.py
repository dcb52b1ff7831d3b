"""/login: both factors, first-login enrolment and the recovery codes shown once."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import banner, error_text, field, notice, submit_button
from dcc_portal.components.layout import public_page
from dcc_portal.components.navigation import post_when_set
from dcc_portal.state.login import LoginState
from dcc_portal.state.session import SessionState

T = texts.AUTH


def _brand() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.icon("ribbon", size=28, color=rx.color("accent", 9)), rx.heading(texts.APP_NAME, size="7"), align="center"),
        rx.text(texts.APP_FULL_NAME, size="3", weight="medium"),
        spacing="1",
        margin_bottom="1rem",
    )


def _password_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(T["title"], size="5", as_="h1"),
            rx.text(T["subtitle"], size="2", color_scheme="gray"),
            banner(LoginState.form_error),
            field(T["identifier"], "identifier", error=LoginState.identifier_error, autocomplete="username", max_length=120),
            field(T["password"], "password", error=LoginState.pw_error, type="password", autocomplete="current-password", max_length=10_000),
            submit_button(T["continue"], loading=LoginState.busy, data_testid="login-submit"),
            rx.cond(LoginState.queued, rx.text(T["queued"], size="2", role="status", data_testid="login-queued")),
            spacing="4",
            width="100%",
        ),
        on_submit=LoginState.submit_password,
        width="100%",
    )


def _psc_entry() -> rx.Component:
    """Professionals only: PSC brings no patient identity."""
    return rx.cond(
        LoginState.psc_enabled,
        rx.vstack(
            rx.separator(size="4"),
            rx.heading(texts.PSC["heading"], size="3", as_="h2"),
            rx.button(
                rx.el.a(rx.icon("badge-check"), texts.PSC["button"], href="/api/psc/start", reload_document=True,
                        data_testid="psc-login"),
                as_child=True, size="3", width="100%", variant="outline",
            ),
            rx.text(texts.PSC["help"], size="2", color_scheme="gray"),
            spacing="3",
            width="100%",
        ),
    )


def _code_input(name: str, label: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"fontWeight": "500"}),
        rx.input(
            id=name, name=name, auto_complete="one-time-code", input_mode="numeric", max_length=20,
            size="3", width="100%", auto_focus=True, style={"letterSpacing": "0.2em", "fontSize": "1.2rem"},
        ),
        error_text(LoginState.code_error, field_id=name),
        spacing="1",
        width="100%",
    )


def _text_button(label: str, on_click, **props) -> rx.Component:
    """An action that reads like a link but is a real button (keyboard reachable, no navigation)."""
    return rx.button(
        label, on_click=on_click, type="button", variant="ghost", size="2",
        white_space="normal", height="auto", min_height="44px", text_align="left", **props,
    )


def _restart_link() -> rx.Component:
    return _text_button(T["restart"], LoginState.restart, data_testid="restart")


def _code_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(T["code_title"], size="5", as_="h1"),
            rx.text(T["code_help"], size="2"),
            banner(LoginState.form_error),
            _code_input("code", T["code"]),
            submit_button(T["verify"], data_testid="code-submit"),
            _text_button(T["use_recovery"], LoginState.show_recovery, data_testid="use-recovery"),
            _restart_link(),
            spacing="4",
            width="100%",
        ),
        on_submit=LoginState.submit_code,
        reset_on_submit=True,
        width="100%",
    )


def _recovery_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(T["recovery_title"], size="5", as_="h1"),
            rx.text(T["recovery_help"], size="2"),
            _code_input("recovery", T["recovery"]),
            submit_button(T["verify"], data_testid="recovery-submit"),
            _text_button(T["use_totp"], LoginState.show_code),
            _restart_link(),
            spacing="4",
            width="100%",
        ),
        on_submit=LoginState.submit_recovery,
        width="100%",
    )


def _enrol_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(T["enrol_title"], size="5", as_="h1"),
            rx.text(T["enrol_help"], size="2"),
            rx.center(
                rx.el.img(src=LoginState.enrol_qr, alt="QR code à scanner avec l'application d'authentification", width="220", height="220", data_testid="enrol-qr"),
                width="100%",
            ),
            rx.text(T["enrol_manual"], size="2"),
            rx.code(LoginState.enrol_key, size="3", style={"wordBreak": "break-all"}, data_testid="enrol-key"),
            _code_input("code", T["enrol_confirm"]),
            submit_button(T["enrol_submit"], data_testid="enrol-submit"),
            _restart_link(),
            spacing="4",
            width="100%",
        ),
        on_submit=LoginState.submit_enrolment,
        width="100%",
    )


def _codes_view() -> rx.Component:
    return rx.vstack(
        rx.heading(T["codes_title"], size="5", as_="h1"),
        notice(T["codes_help"], icon="key-round", color="amber"),
        rx.grid(
            rx.foreach(LoginState.shown_codes, lambda code: rx.code(code, size="4", data_testid="recovery-code")),
            columns="2",
            spacing="3",
            width="100%",
        ),
        rx.button(T["codes_done"], on_click=LoginState.proceed, size="3", width="100%", data_testid="codes-done"),
        spacing="4",
        width="100%",
    )


def _recovery_used_view() -> rx.Component:
    return rx.vstack(
        notice(LoginState.notice, icon="key-round", color="amber", role="status"),
        rx.button(T["continue"], on_click=LoginState.proceed, size="3", width="100%", data_testid="login-continue"),
        spacing="4",
        width="100%",
    )


def _signing_in_view() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.spinner(size="3"), rx.text(T["signing_in"], size="3"), align="center", spacing="3"),
        post_when_set("session-handoff", "/api/session", "handoff", SessionState.handoff, LoginState.handoff_posted),
        width="100%",
    )


@public_page(route="/login", title=T["title"], on_load=[LoginState.start])
def login() -> rx.Component:
    return rx.vstack(
        _brand(),
        rx.match(
            LoginState.step,
            ("code", _code_form()),
            ("recovery", _recovery_form()),
            ("enrol", _enrol_form()),
            ("codes", _codes_view()),
            ("recovery_used", _recovery_used_view()),
            ("signing_in", _signing_in_view()),
            rx.vstack(_password_form(), _psc_entry(), spacing="4", width="100%"),
        ),
        width="100%",
    )
