"""Pieces of the GP's phone screens: patient cards with what is new, the stage bar, the vertical timeline, delays,
next steps, shared documents and contacts. Every text comes from the server and is shown as text; every href is
built on the server from stored values (tel: digits, checked addresses, public ids)."""

from __future__ import annotations

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import pager, search_form
from dcc_portal.components.patients import return_mark
from dcc_portal.components.pathway import KIND_COLOURS

T = texts.GP
TOUCH = "44px"


def stage_bar(step: rx.Var, label: rx.Var) -> rx.Component:
    """Five segments (diagnosis → follow-up) filled up to the patient's stage, with the stage in words."""
    segments = [
        rx.box(height="6px", flex="1", border_radius="3px",
               background=rx.cond(step.to(int) >= index, rx.color("indigo", 9), rx.color("gray", 5)))
        for index in range(1, 6)
    ]
    return rx.vstack(
        rx.hstack(*segments, spacing="1", width="100%", aria_hidden="true"),
        rx.text(T["stage_of"], " ", rx.text.strong(label), size="2"),
        spacing="1", width="100%",
    )


def patient_card(item: rx.Var, state) -> rx.Component:
    new = item["new_count"].to(int) > 0
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text(item["name"], weight="bold", size="3", style={"overflowWrap": "anywhere"}),
                    rx.spacer(),
                    rx.cond(new, rx.badge(T["new"], " ", item["new_count"], color_scheme="red", variant="solid",
                                          size="2", data_testid="new-badge")),
                    align="center", width="100%",
                ),
                rx.text(item["birth_date"], " · ", item["age"], " ans · ",
                        rx.el.span("INS ", item["ins"], style={"whiteSpace": "nowrap"}), size="2", color_scheme="gray"),
                stage_bar(item["stage_step"], item["stage"]),
                rx.cond(
                    new,
                    rx.text(T["news_prefix"], " ", item["news"], size="2", weight="medium", color_scheme="red",
                            high_contrast=True, data_testid="news"),
                    rx.cond(item["last_visit"] == "", rx.text(T["never_opened"], size="2", color_scheme="gray")),
                ),
                spacing="2", width="100%", min_width="0",
            ),
            width="100%",
        ),
        href="/gp/patient?p=" + item["public_id"].to(str) + return_mark(state),
        underline="none", color="inherit", width="100%",
        data_testid="patient-card",
    )


def patient_list(state) -> rx.Component:
    return rx.vstack(
        search_form(state, placeholder=T["search_placeholder"], label=T["search_label"]),
        rx.text(state.total, " ", T["count"], size="2", color_scheme="gray", data_testid="result-count"),
        rx.cond(
            state.items.length() > 0,
            rx.vstack(rx.foreach(state.items, lambda item: patient_card(item, state)), spacing="2", width="100%"),
            rx.cond(state.loaded, rx.text(texts.COMMON["no_result"], color_scheme="gray")),
        ),
        pager(state.page, state.page_count, on_previous=state.previous_page, on_next=state.next_page),
        spacing="3", width="100%",
    )


def stage_steps(stages: rx.Var) -> rx.Component:
    def chip(item: rx.Var) -> rx.Component:
        state = item["state"]
        return rx.hstack(
            rx.match(
                state,
                ("done", rx.icon("circle-check", size=16, color=rx.color("grass", 11))),
                ("current", rx.icon("circle-dot", size=16, color=rx.color("indigo", 11))),
                rx.icon("circle-dashed", size=16, color=rx.color("gray", 10)),
            ),
            rx.text(item["label"], size="2", weight=rx.cond(state == "current", "bold", "regular")),
            rx.el.span(rx.match(state, ("done", T["stage_done"]), ("current", T["stage_current"]), T["stage_todo"]),
                       style={"position": "absolute", "width": "1px", "height": "1px",
                                                                  "overflow": "hidden", "clip": "rect(0 0 0 0)"}),
            align="center", spacing="1", padding="0.3rem 0.6rem", border_radius="999px",
            background=rx.match(state, ("current", rx.color("indigo", 4)), ("done", rx.color("grass", 3)), rx.color("gray", 3)),
            position="relative",
            data_testid="stage-" + item["key"].to(str), data_state=state,
        )

    return rx.flex(rx.foreach(stages, chip), wrap="wrap", gap="0.4rem", width="100%", data_testid="stage-steps")


def vertical_timeline(items: rx.Var) -> rx.Component:
    """Oldest first, from suspicion to follow-up; new steps since the last visit are marked."""

    def item(entry: rx.Var) -> rx.Component:
        new = entry["new"] != ""
        return rx.hstack(
            rx.vstack(
                rx.box(width="12px", height="12px", border_radius="50%", flex_shrink="0",
                       background=rx.cond(new, rx.color("red", 9), rx.color("accent", 9))),
                rx.box(width="2px", flex="1", background=rx.color("gray", 6)),
                align="center", spacing="0", padding_top="0.35rem", align_self="stretch",
            ),
            rx.vstack(
                rx.hstack(
                    rx.text(entry["date"], weight="bold", size="2"),
                    rx.badge(entry["kind_label"], variant="soft", size="1", high_contrast=True,
                             color_scheme=rx.match(entry["kind"], *[(k, c) for k, c in KIND_COLOURS.items()], "gray")),
                    rx.cond(new, rx.badge(T["new"], color_scheme="red", variant="solid", size="1", high_contrast=True, data_testid="step-new")),
                    wrap="wrap", spacing="2", align="center",
                ),
                rx.text(entry["title"], size="2", weight=rx.cond(new, "bold", "regular"), style={"overflowWrap": "anywhere"}),
                rx.cond(
                    entry["document_public_id"] != "",
                    rx.link(rx.button(rx.icon("file-text", size=16), texts.PATHWAY["open"], variant="soft", size="2",
                                      min_height=TOUCH, high_contrast=True),
                            href="/document?d=" + entry["document_public_id"].to(str)),
                ),
                spacing="1", min_width="0", width="100%", padding_bottom="0.9rem",
            ),
            align="stretch", spacing="3", width="100%",
            data_testid="timeline-item", data_new=rx.cond(new, "yes", "no"),
        )

    return rx.cond(
        items.length() > 0,
        rx.vstack(rx.foreach(items, item), spacing="0", width="100%", data_testid="timeline"),
        rx.text(texts.PATHWAY["timeline_empty"], color_scheme="gray", size="2"),
    )


def delay_list(delays: rx.Var) -> rx.Component:
    def item(delay: rx.Var) -> rx.Component:
        exceeded = delay["exceeded"] != ""
        return rx.hstack(
            rx.cond(exceeded, rx.icon("triangle-alert", size=20, color=rx.color("red", 11), flex_shrink="0"),
                    rx.icon("circle-check", size=20, color=rx.color("grass", 11), flex_shrink="0")),
            rx.vstack(
                rx.hstack(
                    rx.text(delay["label"], weight="bold", size="2"),
                    rx.cond(exceeded, rx.badge(T["delay_exceeded"], color_scheme="red", variant="solid", size="1", high_contrast=True)),
                    wrap="wrap", spacing="2", align="center",
                ),
                rx.text(delay["text"], size="2"),
                spacing="1", min_width="0",
            ),
            align="start", spacing="2", width="100%", padding="0.5rem", border_radius="8px",
            background=rx.cond(exceeded, rx.color("red", 3), "transparent"),
            data_testid="delay", data_exceeded=rx.cond(exceeded, "yes", "no"),
        )

    return rx.vstack(rx.foreach(delays, item), spacing="1", width="100%")


def next_step_list(steps: rx.Var) -> rx.Component:
    def item(step: rx.Var) -> rx.Component:
        return rx.hstack(
            rx.icon("calendar", size=18, color=rx.color("accent", 11), flex_shrink="0", margin_top="0.15rem"),
            rx.vstack(
                rx.text(step["day"], rx.cond(step["time"] != "", " · " + step["time"].to(str), ""), weight="bold", size="2"),
                rx.cond(step["until"] != "", rx.text(step["until"], size="2")),
                rx.text(step["title"], size="2", style={"overflowWrap": "anywhere"}),
                rx.cond(step["place"] != "", rx.text(step["place"], size="2", color_scheme="gray")),
                spacing="0", min_width="0",
            ),
            align="start", spacing="2", width="100%", padding_y="0.35rem",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
            data_testid="next-step",
        )

    return rx.vstack(rx.foreach(steps, item), spacing="0", width="100%")


def contact_card(contact: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(contact["name"], weight="bold"),
            rx.text(contact["role"], rx.cond(contact["specialty"] != "", " · " + contact["specialty"].to(str), ""),
                    size="2", color_scheme="gray"),
            rx.cond(contact["organisation"] != "", rx.text(contact["organisation"], size="2")),
            rx.hstack(
                rx.cond(
                    contact["tel_href"] != "",
                    rx.link(rx.button(rx.icon("phone", size=16), T["call"], " ", contact["phone"], variant="soft", size="3",
                                      min_height=TOUCH),
                            href=contact["tel_href"], data_testid="contact-tel"),
                ),
                rx.cond(
                    contact["mailto_href"] != "",
                    rx.link(rx.button(rx.icon("mail", size=16), T["write"], variant="soft", size="3", min_height=TOUCH),
                            href=contact["mailto_href"], data_testid="contact-mail"),
                ),
                rx.cond((contact["tel_href"] == "") & (contact["mailto_href"] == ""),
                        rx.text(T["no_contact"], size="2", color_scheme="gray")),
                wrap="wrap", spacing="2",
            ),
            spacing="1", width="100%",
        ),
        width="100%",
        data_testid="contact-card",
    )


def document_item(item: rx.Var) -> rx.Component:
    unread = item["unread"] != ""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(item["kind_label"], variant="soft", size="2"),
                rx.cond(unread, rx.badge(T["unread"], color_scheme="red", variant="solid", size="2", data_testid="unread")),
                wrap="wrap", spacing="2",
            ),
            rx.text(item["title"], weight=rx.cond(unread, "bold", "regular"), style={"overflowWrap": "anywhere"},
                    data_testid="document-title-line"),
            rx.text(
                rx.cond(item["service_date"] != "", texts.PATIENT["dated"] + " " + item["service_date"].to(str), ""),
                rx.cond(item["author"] != "", " · " + item["author"].to(str), ""),
                size="2", color_scheme="gray",
            ),
            rx.link(rx.button(rx.icon("file-text", size=16), T["read"], size="3", variant=rx.cond(unread, "solid", "soft"),
                              min_height=TOUCH),
                    href="/document?d=" + item["public_id"].to(str), data_testid="open-document"),
            spacing="2", width="100%",
        ),
        width="100%",
        data_testid="document-card", data_unread=rx.cond(unread, "yes", "no"),
    )


def document_list(state) -> rx.Component:
    return rx.vstack(
        rx.cond(
            state.items.length() > 0,
            rx.vstack(rx.foreach(state.items, document_item), spacing="2", width="100%"),
            rx.cond(state.loaded, rx.text(T["documents_empty"], color_scheme="gray", size="2")),
        ),
        rx.cond(state.page_count > 1, pager(state.page, state.page_count, on_previous=state.previous_page,
                                            on_next=state.next_page)),
        spacing="2", width="100%",
    )
