"""Patient list cards, identity header and contact cards."""

from __future__ import annotations

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import pager, search_form


def stage_badge(stage: rx.Var) -> rx.Component:
    return rx.badge(stage, variant="soft", size="2", color_scheme="indigo")


def return_mark(state) -> rx.Var:
    """Added to a patient's link from a list with a search in force: its "back" link then keeps the search."""
    return rx.cond(state.query != "", "&retour=1", "")


def patient_card(item: rx.Var, href_base: str, state) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                rx.vstack(
                    rx.text(item["name"], weight="bold", size="3"),
                    rx.text(item["birth_date"], " · ", item["age"], " ans · INS ", item["ins"], size="2", color_scheme="gray"),
                    rx.cond(item["gp_name"] != "", rx.text("Médecin traitant : ", item["gp_name"], size="2", color_scheme="gray")),
                    spacing="1",
                    min_width="0",
                ),
                rx.spacer(),
                stage_badge(item["stage"]),
                align="center",
                width="100%",
            ),
            width="100%",
        ),
        href=f"{href_base}?p=" + item["public_id"].to(str) + return_mark(state),
        underline="none",
        color="inherit",
        width="100%",
        data_testid="patient-card",
    )


def searchable_list(state, *, placeholder: str, href_base: str, count_label: str) -> rx.Component:
    """Search box, result count, cards, pager: for any PagedListMixin state whose items are PatientRows."""
    return rx.vstack(
        search_form(state, placeholder=placeholder),
        rx.text(state.total, " ", count_label, size="2", color_scheme="gray", data_testid="result-count"),
        rx.cond(
            state.items.length() > 0,
            rx.vstack(rx.foreach(state.items, lambda item: patient_card(item, href_base, state)), spacing="2", width="100%"),
            rx.cond(state.loaded, rx.text(texts.COMMON["no_result"], color_scheme="gray")),
        ),
        pager(state.page, state.page_count, on_previous=state.previous_page, on_next=state.next_page),
        spacing="3",
        width="100%",
    )


def contact_card(contact: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(contact["name"], weight="bold"),
            rx.text(contact["role"], " · ", contact["specialty"], size="2", color_scheme="gray"),
            rx.cond(contact["organisation"] != "", rx.text(contact["organisation"], size="2")),
            rx.hstack(
                rx.cond(
                    contact["phone"] != "",
                    rx.link(rx.button(rx.icon("phone", size=16), contact["phone"], variant="soft", size="3"), href="tel:" + contact["phone"].to(str)),
                ),
                rx.cond(
                    contact["email"] != "",
                    rx.link(rx.button(rx.icon("mail", size=16), texts.PATIENT["write"], variant="soft", size="3"), href="mailto:" + contact["email"].to(str)),
                ),
                wrap="wrap",
                spacing="2",
            ),
            spacing="1",
        ),
        width="100%",
        data_testid="contact-card",
    )


def team_grid(contacts: rx.Var) -> rx.Component:
    return rx.grid(
        rx.foreach(contacts, contact_card),
        columns=rx.breakpoints(initial="1", sm="1", md="2"),
        spacing="3",
        width="100%",
    )
