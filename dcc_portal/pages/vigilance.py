"""Identity vigilance: the received messages waiting for the referent, one message's identity beside its candidates."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import banner, error_text, pager, submit_button
from dcc_portal.components.layout import area_page
from dcc_portal.state.vigilance import VigilanceState as S

T = texts.VIGILANCE


def _line(label: str, value: rx.Var, testid: str = "") -> rx.Component:
    return rx.text(rx.text.span(label, " : ", color_scheme="gray"), rx.text.strong(value), size="3",
                   **({"data_testid": testid} if testid else {}))


def _queue_card(item: rx.Var) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.text(rx.text.strong(item["identity"]), " · ", T["birth"], " ", item["birth_date"], size="3"),
                rx.text(item["kind_label"], " ", T["from"], " ", item["sender"], " · ", T["received"], " ",
                        item["received"], size="2", color_scheme="gray"),
                rx.badge(item["reason"], color_scheme="amber", variant="soft", high_contrast=True, size="2",
                         white_space="normal"),
                spacing="1", min_width="0", flex="1",
            ),
            rx.button(rx.icon("scan-search", size=16), T["examine"], on_click=S.examine(item["public_id"]), size="3",
                      min_height="44px", data_testid="examine"),
            spacing="3", align="center", wrap="wrap", width="100%",
        ),
        width="100%",
        data_testid="waiting-message",
    )


def _identity_card() -> rx.Component:
    m = S.message
    return rx.card(
        rx.vstack(
            rx.heading(T["message_identity"], size="4", as_="h2"),
            _line(T["family"], m["family_name"], "message-family"),
            _line(T["given"], m["given_names"]),
            _line(T["birth"], m["birth_date"], "message-birth"),
            _line(T["sex"], m["sex"]),
            _line(T["ins"], m["ins"]),
            _line(T["local_id"], m["local_id"]),
            _line(T["document"], m["kind_label"] + " · " + m["title"].to(str)),
            rx.text(m["sender"], " · ", m["message_type"], " ", m["control_id"], " · ", T["received"], " ", m["received"],
                    size="2", color_scheme="gray"),
            rx.callout(m["reason"], icon="user-search", color_scheme="amber", high_contrast=True, size="1", width="100%"),
            spacing="2", width="100%",
        ),
        width="100%",
        data_testid="message-identity",
    )


def _candidate_card(candidate: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(rx.text.strong(candidate["name"]), size="3"),
            _line(T["family"], candidate["birth_family_name"]),
            _line(T["birth"], candidate["birth_date"]),
            _line(T["sex"], candidate["sex"]),
            _line(T["ins"], candidate["ins"]),
            _line(T["local_id"], candidate["local_id"]),
            rx.cond(
                candidate["differences"] != "",
                rx.text(T["differs"], " ", candidate["differences"], color_scheme="red", size="2",
                        data_testid="differences"),
                rx.text(T["identical"], color_scheme="green", size="2"),
            ),
            rx.button(rx.icon("link", size=16), T["attach"], on_click=S.attach(candidate["public_id"]),
                      loading=S.busy, size="3", min_height="44px", data_testid="attach"),
            spacing="2", width="100%",
        ),
        width="100%",
        data_testid="candidate",
    )


def _decision() -> rx.Component:
    return rx.vstack(
        rx.button(rx.icon("arrow-left", size=16), T["close"], on_click=S.close, variant="soft", color_scheme="gray",
                  size="3", min_height="44px"),
        banner(S.error),
        rx.grid(
            _identity_card(),
            rx.vstack(
                rx.heading(T["candidates"], size="4", as_="h2"),
                rx.cond(S.candidates.length() > 0, rx.foreach(S.candidates, _candidate_card),
                        rx.text(T["no_candidate"], color_scheme="gray")),
                spacing="3", width="100%",
            ),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.cond(
                    S.message["ins_taken"] != "",
                    rx.text(T["ins_taken"], size="2", color_scheme="gray"),
                    rx.button(rx.icon("user-plus", size=16), T["create"], on_click=S.create, loading=S.busy,
                              variant="soft", size="3", min_height="44px", data_testid="create-patient"),
                ),
                rx.form(
                    rx.vstack(
                        rx.el.label(T["reject_reason"], html_for="reason", style={"fontWeight": "500"}),
                        rx.text_area(id="reason", name="reason", max_length=500, rows="2", width="100%",
                                     aria_describedby="reason-error"),
                        error_text(S.reason_error, field_id="reason"),
                        submit_button(T["reject"], loading=S.busy, color_scheme="red", data_testid="reject"),
                        spacing="2", width="100%",
                    ),
                    on_submit=S.reject,
                    width="100%",
                ),
                spacing="3", width="100%",
            ),
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


@area_page(route="/admin/identity-vigilance", title=T["title"], area="admin", on_load=[S.load])
def identity_vigilance() -> rx.Component:
    return rx.vstack(
        rx.text(T["intro"], size="2", color_scheme="gray"),
        banner(S.notice, color="green", icon="check", testid="notice"),
        rx.cond(
            S.selected != "",
            _decision(),
            rx.vstack(
                banner(S.error),
                rx.text(S.total, " ", T["count"], size="2", color_scheme="gray", data_testid="result-count"),
                rx.cond(
                    S.items.length() > 0,
                    rx.vstack(rx.foreach(S.items, _queue_card), spacing="3", width="100%"),
                    rx.cond(S.loaded, rx.text(T["empty"], color_scheme="gray"), rx.spinner()),
                ),
                pager(S.page, S.page_count, on_previous=S.previous_page, on_next=S.next_page),
                spacing="3", width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )
