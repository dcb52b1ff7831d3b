"""Pieces of the cancer pathway shared by the team, GP and patient screens: timeline, document cards,
announcement status and steps. Every text comes from the server and is shown as text (never as HTML)."""

from __future__ import annotations

import reflex as rx

from dcc_portal import texts

T = texts.PATHWAY

KIND_COLOURS = {
    "report": "blue", "diagnosis": "crimson", "announcement_medical": "teal", "announcement_nursing": "grass",
    "supportive_care": "grass", "gp_liaison": "amber", "rcp_registered": "violet", "rcp_decision": "violet", "pps": "cyan",
}


def reader_href(document_public_id: rx.Var) -> rx.Var:
    return "/document?d=" + document_public_id.to(str)


def timeline_view(items: rx.Var, *, empty: str = T["timeline_empty"]) -> rx.Component:
    """Newest first; a step with a document opens it in the shared reader."""

    def item(entry: rx.Var) -> rx.Component:
        return rx.hstack(
            rx.box(width="10px", height="10px", border_radius="50%", background=rx.color("accent", 9), margin_top="0.45rem", flex_shrink="0"),
            rx.vstack(
                rx.hstack(
                    rx.text(entry["date"], weight="bold", size="2"),
                    rx.badge(entry["kind_label"], variant="soft", size="1", high_contrast=True,
                             color_scheme=rx.match(entry["kind"], *[(k, c) for k, c in KIND_COLOURS.items()], "gray")),
                    wrap="wrap", spacing="2", align="center",
                ),
                rx.text(entry["title"], size="2", style={"overflowWrap": "anywhere"}),
                rx.cond(
                    entry["document_public_id"] != "",
                    rx.link(rx.button(rx.icon("file-text", size=16), T["open"], variant="soft", size="2", min_height="44px",
                                      high_contrast=True),
                            href=reader_href(entry["document_public_id"])),
                ),
                spacing="1", min_width="0", width="100%",
            ),
            align="start", spacing="3", width="100%", padding_y="0.4rem",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
            data_testid="timeline-item",
        )

    return rx.cond(
        items.length() > 0,
        rx.vstack(rx.foreach(items, item), spacing="0", width="100%", data_testid="timeline"),
        rx.text(empty, color_scheme="gray", size="2"),
    )


def document_card(item: rx.Var, *, footer: rx.Component | None = None, released: bool = False) -> rx.Component:
    """One document: type, title, date and author; opens in the shared reader."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(item["kind_label"], variant="soft", size="2"),
                rx.cond(item["status"] == "draft", rx.badge(T["draft"], color_scheme="orange", size="2")),
                wrap="wrap", spacing="2",
            ),
            rx.text(item["title"], weight="bold", style={"overflowWrap": "anywhere"}, data_testid="document-title-line"),
            rx.text(
                rx.cond(item["service_date"] != "", texts.PATIENT["dated"] + " " + item["service_date"].to(str), ""),
                rx.cond(item["author"] != "", " · " + item["author"].to(str), ""),
                size="2", color_scheme="gray",
            ),
            rx.cond(released, rx.text(texts.PATIENT["released_on"], " ", item["released"], size="2", data_testid="released-on")) if released else rx.fragment(),
            rx.hstack(
                rx.link(rx.button(rx.icon("file-text", size=16), texts.PATIENT["read"] if released else T["open"],
                                  size="3", variant="soft", min_height="44px"),
                        href=reader_href(item["public_id"]), data_testid="open-document"),
                footer or rx.fragment(),
                wrap="wrap", spacing="2",
            ),
            spacing="2", width="100%",
        ),
        width="100%",
        data_testid="document-card",
    )


def document_list(state, *, empty: str, released: bool = False) -> rx.Component:
    """Paged document cards for a PagedListMixin state whose items are documents.DocumentRow."""
    from dcc_portal.components.forms import pager

    return rx.vstack(
        rx.cond(
            state.items.length() > 0,
            rx.vstack(rx.foreach(state.items, lambda item: document_card(item, released=released)), spacing="2", width="100%"),
            rx.cond(state.loaded, rx.text(empty, color_scheme="gray", size="2")),
        ),
        rx.cond(state.page_count > 1, pager(state.page, state.page_count, on_previous=state.previous_page, on_next=state.next_page)),
        spacing="2", width="100%",
    )


def status_chips(status: rx.Var) -> rx.Component:
    def chip(item: rx.Var) -> rx.Component:
        done = item["done"] != ""
        return rx.hstack(
            rx.cond(done, rx.icon("circle-check", size=18, color=rx.color("grass", 10)),
                    rx.icon("circle-dashed", size=18, color=rx.color("gray", 9))),
            rx.vstack(
                rx.text(item["label"], size="2", weight="medium"),
                rx.text(rx.cond(done, item["date"], T["to_do"]), size="1", color_scheme="gray"),
                spacing="0",
            ),
            align="center", spacing="2", padding="0.5rem 0.75rem", border_radius="8px",
            background=rx.cond(done, rx.color("grass", 3), rx.color("gray", 3)),
            data_testid="status-" + item["temps"].to(str), data_done=rx.cond(done, "yes", "no"),
        )

    return rx.flex(rx.foreach(status, chip), wrap="wrap", gap="0.5rem", width="100%")


def step_card(step: rx.Var, *, footer: rx.Component | None = None) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(step["date"], weight="bold"),
                rx.badge(step["temps_label"], variant="soft", color_scheme="teal"),
                rx.cond(step["version"] != "1", rx.badge(T["version"], " ", step["version"], color_scheme="gray")),
                wrap="wrap", spacing="2", align="center",
            ),
            rx.text(T["by"], " ", step["author"], " · ", T["recorded"], " ", step["recorded"], size="1", color_scheme="gray"),
            rx.cond(step["accompanied_by"] != "", rx.text("Accompagné(e) de : ", step["accompanied_by"], size="2")),
            rx.cond(step["channel_label"] != "", rx.text(step["channel_label"], size="2")),
            rx.cond(step["notes"] != "", rx.text(step["notes"], size="2", white_space="pre-wrap", style={"overflowWrap": "anywhere"})),
            rx.cond(step["needs_summary"] != "", rx.text(rx.text.strong(T["needs_detected"]), " ", step["needs_summary"], size="2")),
            rx.cond(step["referrals_summary"] != "", rx.text(rx.text.strong(T["referrals"]), " ", step["referrals_summary"], size="2")),
            rx.cond(step["reason"] != "", rx.cond(step["version"] != "1", rx.text("Motif : ", step["reason"], size="1", color_scheme="gray"))),
            footer or rx.fragment(),
            spacing="1", width="100%",
        ),
        width="100%",
        data_testid="step-card",
    )
