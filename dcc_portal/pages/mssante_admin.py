"""Administration: the MSSanté directory (personal and organisational mailboxes) and the board of every sending."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import (
    banner,
    field,
    pager,
    search_button,
    submit_button,
)
from dcc_portal.components.layout import area_page
from dcc_portal.components.mssante import sending_row
from dcc_portal.state.admin import AdminMssanteState
from dcc_portal.state.mssante import MssanteBoardState

T = texts.MSSANTE


def _entry(item: rx.Var) -> rx.Component:
    active = item["active"] != ""
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(item["address"], weight="bold", style={"overflowWrap": "anywhere"}),
                rx.text(item["owner"], " · ", item["kind"], rx.cond(active, "", " · " + T["inactive"]),
                        size="2", color_scheme="gray"),
                spacing="1", flex="1",
            ),
            rx.cond(active,
                    rx.button(T["disable"], on_click=AdminMssanteState.disable(item["public_id"]), size="2",
                              variant="soft", color_scheme="red", min_height="44px"),
                    rx.button(T["enable"], on_click=AdminMssanteState.enable(item["public_id"]), size="2",
                              variant="soft", min_height="44px")),
            align="center", width="100%", wrap="wrap",
        ),
        width="100%", data_testid="mss-entry",
    )


def _board() -> rx.Component:
    board = MssanteBoardState
    return rx.vstack(
        rx.heading(T["board"], size="4", as_="h2"),
        rx.text(T["board_intro"], size="2", color_scheme="gray"),
        banner(board.board_notice, color="blue", icon="info", testid="mss-board-notice"),
        rx.cond(board.total > 0,
                rx.vstack(rx.foreach(board.items, lambda item: rx.card(sending_row(
                    item, board.resend,
                    who=rx.text(item["document_kind"], " · ", T["sender"], " ", item["sender"], size="2", color_scheme="gray")),
                    width="100%", data_testid="mss-board-row")), spacing="2", width="100%"),
                rx.text(T["board_empty"], size="2", color_scheme="gray")),
        pager(board.page, board.page_count, on_previous=board.previous_page, on_next=board.next_page),
        spacing="3", width="100%", data_testid="mss-board",
    )


@area_page(route="/admin/mssante", title=T["directory"], area="admin",
           on_load=[AdminMssanteState.load, MssanteBoardState.load])
def admin_mssante() -> rx.Component:
    state = AdminMssanteState
    errors = state.create_errors
    return rx.vstack(
        banner(state.notice, color="green", icon="check", testid="notice"),
        rx.accordion.root(
            rx.accordion.item(
                header=T["new_address"],
                content=rx.form(
                    rx.vstack(
                        rx.grid(
                            field(T["address"], "address", error=errors.get("address", ""), max_length=200),
                            field(T["owner"], "owner", error=errors.get("owner", ""), max_length=20),
                            field(T["label"], "label", error=errors.get("label", ""), max_length=200),
                            columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%",
                        ),
                        submit_button(T["save"]),
                        spacing="3", width="100%",
                    ),
                    on_submit=state.create, width="100%",
                ),
                value="new",
            ),
            collapsible=True, type="single", width="100%", variant="outline",
        ),
        rx.form(
            rx.hstack(
                rx.input(name="q", placeholder=T["search_directory"], size="3", width="100%",
                         aria_label=T["search_directory"], max_length=100),
                search_button(),
                width="100%",
            ),
            on_submit=state.search, width="100%",
        ),
        rx.vstack(rx.foreach(state.items, _entry), spacing="2", width="100%"),
        pager(state.page, state.page_count, on_previous=state.previous_page, on_next=state.next_page),
        rx.divider(),
        _board(),
        spacing="4", width="100%",
    )
