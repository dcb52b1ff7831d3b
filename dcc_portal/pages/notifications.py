"""The notification inbox (every signed-in user)."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import pager
from dcc_portal.components.layout import area_page
from dcc_portal.state.notifications import NotificationsState

T = texts.NOTIFICATIONS


def _item(item: rx.Var) -> rx.Component:
    unread = item["unread"] != ""
    return rx.card(
        rx.hstack(
            rx.cond(unread, rx.box(width="10px", height="10px", border_radius="50%", background=rx.color("accent", 9), flex_shrink="0", role="img", aria_label=T["unread"])),
            rx.vstack(
                rx.text(item["title"], weight=rx.cond(unread, "bold", "regular")),
                rx.text(item["created"], size="1", color_scheme="gray"),
                spacing="1",
                min_width="0",
            ),
            rx.spacer(),
            rx.button(T["open"], on_click=NotificationsState.open(item["public_id"]), variant="soft", size="3", min_height="44px"),
            align="center",
            width="100%",
        ),
        width="100%",
        data_testid="notification",
    )


@area_page(route="/notifications", title=T["title"], area="any", on_load=[NotificationsState.load])
def notifications_page() -> rx.Component:
    state = NotificationsState
    return rx.vstack(
        rx.cond(
            state.items.length() > 0,
            rx.vstack(rx.foreach(state.items, _item), spacing="2", width="100%"),
            rx.cond(state.loaded, rx.text(T["empty"], color_scheme="gray")),
        ),
        pager(state.page, state.page_count, on_previous=state.previous_page, on_next=state.next_page),
        spacing="3",
        width="100%",
    )
