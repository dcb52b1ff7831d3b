"""Patient area (phones): my care programme, my calendar, who to call."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import banner
from dcc_portal.components.layout import area_page
from dcc_portal.state.pps import PatientPpsState

T = texts.PATIENT_PPS
S = PatientPpsState
WRAPPING = {"white_space": "normal", "height": "auto", "min_height": "44px", "padding_y": "0.5rem"}
DOCUMENTS_PAGE = "/patient/documents"


def _text(value, **props) -> rx.Component:
    return rx.text(value, white_space="pre-wrap", overflow_wrap="anywhere", **props)


def _line(label: str, value) -> rx.Component:
    return rx.cond(value != "", rx.box(rx.text(label, weight="bold", size="2"), _text(value, size="3"), width="100%"))


def _documents_link() -> rx.Component:
    return rx.link(rx.hstack(rx.icon("folder-open", size=18), rx.text(T["my_documents"]), align="center"),
                   href=DOCUMENTS_PAGE, min_height="44px", display="flex", align_items="center")


def _not_available() -> rx.Component:
    return rx.vstack(
        rx.callout(T["not_available"], icon="info", color_scheme="gray", width="100%", data_testid="pps-not-available", high_contrast=True),
        _documents_link(),
        spacing="3",
        width="100%",
    )


def _event_card(item) -> rx.Component:
    return rx.vstack(
        rx.cond(item["month"] != "", rx.heading(item["month"], size="3", as_="h3", padding_top="0.5rem")),
        rx.card(
            rx.vstack(
                rx.text(item["day"], weight="bold", size="3"),
                rx.cond(item["time"] != "", rx.text(T["at"], " ", item["time"], size="3")),
                rx.cond(item["until"] != "", rx.text(item["until"], size="3")),
                _text(item["title"], size="3", weight="medium"),
                rx.cond(item["place"] != "", rx.hstack(rx.icon("map-pin", size=16), _text(item["place"], size="2"), align="center")),
                spacing="1",
                width="100%",
            ),
            width="100%",
            data_testid="calendar-event",
            opacity=rx.cond(item["past"] != "", "0.7", "1"),
        ),
        spacing="1",
        width="100%",
    )


def _changes_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.cond(
                S.info["first_read"] != "",
                rx.vstack(rx.heading(T["new_title"], size="4", as_="h2"), rx.text(T["new_body"]), spacing="2"),
                rx.vstack(
                    rx.heading(T["updated_title"], size="4", as_="h2"),
                    rx.cond(S.reasons.length() > 0, rx.vstack(
                        rx.text(T["why"], weight="bold"),
                        rx.foreach(S.reasons, lambda reason: _text("• " + reason.to(str))),
                        spacing="1",
                    )),
                    rx.text(T["updated_body"]),
                    rx.foreach(S.changes, lambda change: rx.box(
                        rx.text(change["title"], weight="bold"),
                        _text(change["text"], size="3"),
                        border_left=f"3px solid {rx.color('amber', 8)}", padding_left="0.75rem", width="100%",
                        data_testid="pps-change",
                    )),
                    spacing="2",
                    width="100%",
                ),
            ),
            rx.button(rx.icon("check", size=18), T["acknowledge"], on_click=S.acknowledge, size="3", width="100%",
                      data_testid="pps-acknowledge", **WRAPPING),
            spacing="3",
            width="100%",
        ),
        width="100%",
        background=rx.color("amber", 2),
        data_testid="pps-unread",
    )


def _treatment(item) -> rx.Component:
    return rx.card(
        rx.vstack(
            _text(item["title"], weight="bold", size="4"),
            rx.text(item["type_label"], size="2", color_scheme="gray"),
            _line(T["when"], item["when"]),
            _line(T["rhythm"], item["rhythm"]),
            _line(T["where"], item["place"]),
            _line(T["how"], item["route"]),
            _line(T["side_effects"], item["side_effects"]),
            _line(T["management"], item["management"]),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_testid="pps-treatment",
    )


def _card(item) -> rx.Component:
    return rx.card(
        rx.vstack(
            _text(item["title"], weight="bold"),
            rx.cond(item["detail"] != "", _text(item["detail"])),
            rx.cond(item["extra"] != "", _text(item["extra"], size="2", color_scheme="gray")),
            spacing="1",
            width="100%",
        ),
        width="100%",
    )


def _cards_section(title: str, items) -> rx.Component:
    return rx.cond(items.length() > 0, rx.vstack(rx.heading(title, size="4", as_="h2"), rx.foreach(items, _card),
                                                 spacing="2", width="100%"))


def _pdf_button() -> rx.Component:
    return rx.button(rx.icon("file-down", size=18), T["download_pdf"], on_click=S.download_pdf, loading=S.preparing_pdf,
                     size="3", variant="soft", width="100%", data_testid="pps-pdf", **WRAPPING)


@area_page(route="/patient/pps", title=T["title"], area="patient", on_load=[PatientPpsState.load])
def patient_pps() -> rx.Component:
    info = S.info
    return rx.cond(
        S.loaded,
        rx.cond(
            S.available,
            rx.vstack(
                banner(S.notice, color="green", icon="check", testid="notice"),
                banner(S.error),
                rx.cond(info["unread"] != "", _changes_card()),
                rx.heading(T["next_steps"], size="4", as_="h2"),
                rx.cond(S.next_steps.length() > 0, rx.foreach(S.next_steps, _event_card),
                        rx.text(T["no_next_step"], color_scheme="gray")),
                rx.link(rx.hstack(rx.icon("calendar-days", size=18), rx.text(T["see_calendar"]), align="center"),
                        href="/patient/calendar", min_height="44px", display="flex", align_items="center"),
                rx.cond(info["plan_summary"] != "", rx.vstack(
                    rx.heading(T["summary"], size="4", as_="h2"),
                    _text(info["plan_summary"], size="3"),
                    spacing="2", width="100%",
                )),
                rx.cond(S.treatments.length() > 0, rx.vstack(
                    rx.heading(T["treatments"], size="4", as_="h2"),
                    rx.foreach(S.treatments, _treatment),
                    spacing="2", width="100%",
                )),
                rx.cond(info["end_of_treatment"] != "", rx.text(T["end_of_treatment"], " ", info["end_of_treatment"], weight="medium")),
                _cards_section(T["follow_up"], S.follow_up),
                _cards_section(T["supportive_care"], S.supportive_care),
                _cards_section(T["social"], S.social),
                _cards_section(T["measures"], S.measures),
                rx.link(rx.button(rx.icon("phone", size=18), T["nav_contacts"], size="3", width="100%", min_height="44px"),
                        href="/patient/contacts", width="100%"),
                _pdf_button(),
                rx.heading(T["diagnosis"], size="4", as_="h2"),
                rx.cond(info["rcp_date"] != "", rx.text(T["rcp"], " ", info["rcp_date"], ".")),
                rx.foreach(S.diagnosis, lambda line: _line(line[0], line[1])),
                rx.heading(T["history"], size="4", as_="h2"),
                rx.foreach(S.history, lambda item: rx.box(
                    rx.text(T["version"], " ", item["version"], " ", T["of"], " ", item["date"], weight="medium", size="2"),
                    _text(item["reason"], size="2", color_scheme="gray"),
                    width="100%", data_testid="pps-history",
                )),
                rx.cond(info["handed_over"] != "", rx.text(T["handed_over"], " ", info["handed_over"], size="2", color_scheme="gray")),
                _documents_link(),
                spacing="3",
                width="100%",
                max_width="640px",
            ),
            _not_available(),
        ),
        rx.spinner(size="3"),
    )


@area_page(route="/patient/calendar", title=T["calendar_title"], area="patient", on_load=[PatientPpsState.load])
def patient_calendar() -> rx.Component:
    return rx.cond(
        S.loaded,
        rx.cond(
            S.available,
            rx.vstack(
                rx.card(
                    rx.vstack(
                        rx.checkbox(T["ics_detailed"], checked=S.detailed_calendar, on_change=S.set_detailed_calendar,
                                    size="3", data_testid="ics-detailed"),
                        rx.text(T["ics_help"], size="2", color_scheme="gray"),
                        rx.button(rx.icon("calendar-plus", size=18), T["download_ics"], on_click=S.download_ics,
                                  loading=S.preparing_ics, size="3", width="100%", data_testid="pps-ics", **WRAPPING),
                        spacing="3",
                        width="100%",
                    ),
                    width="100%",
                ),
                rx.heading(T["upcoming"], size="4", as_="h2"),
                rx.cond(S.upcoming.length() > 0, rx.foreach(S.upcoming, _event_card), rx.text(T["no_next_step"], color_scheme="gray")),
                rx.cond(S.past.length() > 0, rx.vstack(
                    rx.heading(T["past"], size="4", as_="h2"),
                    rx.foreach(S.past, _event_card),
                    spacing="2", width="100%",
                )),
                _documents_link(),
                spacing="3",
                width="100%",
                max_width="640px",
            ),
            _not_available(),
        ),
        rx.spinner(size="3"),
    )


def _call_card(item) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                _text(item["who"], weight="bold", size="3"),
                rx.cond(item["emergency"] != "", rx.badge(T["urgent"], color_scheme="red")),
                wrap="wrap", align="center",
            ),
            rx.cond(item["reason"] != "", _text(item["reason"], size="2")),
            rx.cond(item["hours"] != "", _text(T["hours"] + " " + item["hours"].to(str), size="2", color_scheme="gray")),
            rx.cond(
                item["tel_href"] != "",
                rx.link(rx.button(rx.icon("phone", size=18), T["call"], " ", item["phone"], size="3", width="100%", **WRAPPING),
                        href=item["tel_href"], width="100%", data_testid="tel-link"),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_testid="call-card",
    )


@area_page(route="/patient/contacts", title=T["contacts_title"], area="patient", on_load=[PatientPpsState.load])
def patient_contacts() -> rx.Component:
    return rx.vstack(
        rx.callout(T["emergency_body"], icon="triangle-alert", color_scheme="red", width="100%", high_contrast=True),
        rx.link(rx.button(rx.icon("siren", size=18), T["emergency_title"], color_scheme="red", size="3", width="100%",
                          **WRAPPING), href="tel:15", width="100%"),
        rx.cond(
            S.loaded,
            rx.cond(
                S.available,
                rx.vstack(
                    rx.foreach(S.contacts, _call_card),
                    rx.heading(T["team"], size="4", as_="h2"),
                    rx.foreach(S.team, _call_card),
                    spacing="3",
                    width="100%",
                ),
                rx.text(T["no_contacts"], color_scheme="gray"),
            ),
            rx.spinner(size="3"),
        ),
        rx.link(rx.hstack(rx.icon("users", size=18), rx.text(T["team_link"]), align="center"), href="/patient",
                min_height="44px", display="flex", align_items="center"),
        spacing="3",
        width="100%",
        max_width="640px",
    )
