"""Full-page requests started by the page itself (not client-side routing), written as compiled functions: the
Content-Security-Policy allows no `eval`, so no script text is ever sent from the server to run."""

import reflex as rx


def post_when_set(element_id: str, action: str, field: str, value: rx.Var, on_posted) -> rx.Component:
    """A hidden form posting `value` as `field` to `action` as soon as the value is set (a page navigation: the
    answer may set cookies and opens a new websocket); `on_posted` clears the value."""
    return rx.cond(
        value != "",
        rx.el.form(
            rx.el.input(type="hidden", name=field, value=value),
            id=element_id,
            method="post",
            action=action,
            hidden=True,
            on_submit=None,
            on_mount=[rx.run_script(f"document.getElementById({element_id!r}).submit()"), on_posted],
        ),
    )


def open_when_set(element_id: str, url: rx.Var, on_opened) -> rx.Component:
    """Open `url` in this tab as soon as it is set (a file answered by the server, not a page of the app);
    `on_opened` clears it, so that coming back to the page does not open it again."""
    return rx.cond(
        url != "",
        rx.el.a(id=element_id, href=url, hidden=True,
                on_mount=[rx.run_script(f"document.getElementById({element_id!r}).click()"), on_opened]),
    )


def logout_button(label: str, **props) -> rx.Component:
    """Logout is a form posted to the session route: it ends the session and clears the cookie page scripts cannot."""
    return rx.el.form(
        rx.button(rx.icon("log-out", size=16), label, type="submit", variant="soft", color_scheme="gray", **props),
        method="post",
        action="/api/session/end",
        on_submit=None,  # a native submission: Reflex's forms stop it otherwise
        style={"display": "contents"},
    )
