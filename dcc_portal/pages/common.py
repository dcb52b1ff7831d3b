"""Pages every signed-in user has: home redirect, forbidden, charter."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import notice
from dcc_portal.components.layout import area_page
from dcc_portal.state.charter import CharterState
from dcc_portal.state.session import SessionState, guarded_page_load


class HomeRedirectState(rx.State):
    @rx.event
    async def go(self):
        session_state = await self.get_state(SessionState)
        return rx.redirect(session_state.home)


@rx.page(route="/", title=texts.APP_FULL_NAME, on_load=guarded_page_load("/", "any", [HomeRedirectState.go]))
def index() -> rx.Component:
    return rx.center(rx.spinner(size="3"), min_height="100vh")


@area_page(route="/forbidden", title=texts.COMMON["forbidden_title"], area="any")
def forbidden() -> rx.Component:
    return rx.vstack(
        notice(texts.COMMON["forbidden_body"], icon="shield-alert", color="red", data_testid="forbidden"),
        rx.link(rx.button(texts.COMMON["back_home"], size="3"), href=SessionState.home),
        spacing="4",
    )


@area_page(route="/charter", title=texts.CHARTER["title"], area="charter", on_load=[CharterState.load])
def charter_page() -> rx.Component:
    return rx.vstack(
        rx.text(texts.CHARTER["intro"]),
        rx.cond(CharterState.message != "", notice(CharterState.message, color="amber")),
        rx.card(
            rx.vstack(
                rx.heading(CharterState.title, size="4"),
                rx.text(texts.CHARTER["version"], " ", CharterState.version, size="2", color_scheme="gray"),
                rx.foreach(CharterState.paragraphs, lambda paragraph: rx.text(paragraph)),
                spacing="3",
            ),
            width="100%",
        ),
        rx.button(texts.CHARTER["accept"], on_click=CharterState.accept, size="3", width="100%", data_testid="charter-accept", white_space="normal", height="auto", min_height="44px"),
        spacing="4",
        width="100%",
    )
