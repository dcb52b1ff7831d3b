"""/account: password, recovery codes, sessions."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import banner, field, submit_button
from dcc_portal.components.layout import area_page
from dcc_portal.state.account import AccountState

T = texts.ACCOUNT


def _password_card() -> rx.Component:
    errors = AccountState.change_errors
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(T["password_title"], size="4", as_="h2"),
                field(T["current_password"], "current_password", type="password", autocomplete="current-password", error=errors.get("current_password", ""), max_length=10_000),
                field(T["new_password"], "new_password", type="password", autocomplete="new-password", error=errors.get("new_password", ""), max_length=10_000),
                field(T["confirm_password"], "confirm", type="password", autocomplete="new-password", error=errors.get("confirm", ""), max_length=10_000),
                field(T["current_code"], "code", input_mode="numeric", autocomplete="one-time-code", error=errors.get("code", ""), max_length=20),
                submit_button(T["change_password"], loading=AccountState.busy),
                spacing="3",
                width="100%",
            ),
            on_submit=AccountState.change_password,
            width="100%",
        ),
        width="100%",
    )


def _codes_card() -> rx.Component:
    errors = AccountState.codes_errors
    return rx.card(
        rx.vstack(
            rx.heading(T["codes_title"], size="4", as_="h2"),
            rx.text(T["codes_left"], " ", rx.text.strong(AccountState.codes_left), data_testid="codes-left"),
            rx.cond(
                AccountState.new_codes.length() > 0,
                rx.grid(rx.foreach(AccountState.new_codes, lambda code: rx.code(code, size="3", data_testid="new-code")), columns="2", spacing="2"),
            ),
            rx.form(
                rx.vstack(
                    field(texts.ACCOUNT["current_password"], "codes_password", type="password", autocomplete="current-password", error=errors.get("codes_password", ""), max_length=10_000),
                    field(texts.ACCOUNT["current_code"], "codes_code", input_mode="numeric", autocomplete="one-time-code", error=errors.get("codes_code", ""), max_length=20),
                    submit_button(T["regenerate"]),
                    spacing="3",
                    width="100%",
                ),
                on_submit=AccountState.regenerate_codes,
                reset_on_submit=True,
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _mail_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["mail_title"], size="4", as_="h2"),
            rx.text(T["mail_help"], size="2"),
            rx.el.label(
                rx.switch(id="email_notifications", checked=AccountState.mail_enabled, on_change=AccountState.set_mail,
                          size="3", disabled=AccountState.mail_address == "", data_testid="mail-switch"),
                rx.text(T["mail_switch"], weight="medium"),
                html_for="email_notifications",
                style={"display": "flex", "alignItems": "center", "gap": "0.75rem", "minHeight": "44px", "cursor": "pointer"},
            ),
            rx.cond(
                AccountState.mail_address != "",
                rx.text(T["mail_address"], " ", rx.text.strong(AccountState.mail_address), size="2", style={"overflowWrap": "anywhere"}),
                rx.text(T["mail_no_address"], size="2", color_scheme="gray"),
            ),
            rx.cond(AccountState.mail_error != "", rx.text(AccountState.mail_error, color_scheme="red", size="2", role="alert",
                                                          data_testid="mail-error")),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_testid="mail-card",
    )


def _session_row(item: rx.Var) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(item["agent"], size="2", weight="medium"),
                rx.text(T["session_started"], " ", item["created"], " · ", T["session_seen"], " ", item["seen"], " · ", item["ip"], size="1", color_scheme="gray"),
                spacing="1",
                min_width="0",
            ),
            rx.spacer(),
            rx.cond(
                item["current"] != "",
                rx.badge(T["session_current"], color_scheme="green"),
                rx.button(T["session_end"], on_click=AccountState.end_session(item["ref"]), variant="soft", color_scheme="red", size="2"),
            ),
            align="center",
            width="100%",
        ),
        width="100%",
    )


@area_page(route="/account", title=T["title"], area="any", on_load=[AccountState.load])
def account() -> rx.Component:
    return rx.vstack(
        banner(AccountState.notice, color="green", icon="check", testid="notice"),
        _mail_card(),
        _password_card(),
        _codes_card(),
        rx.card(
            rx.vstack(
                rx.heading(T["sessions_title"], size="4", as_="h2"),
                rx.foreach(AccountState.open_sessions, _session_row),
                spacing="2",
                width="100%",
            ),
            width="100%",
        ),
        spacing="4",
        width="100%",
        max_width="640px",
    )
