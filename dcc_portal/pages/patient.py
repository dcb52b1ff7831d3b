"""Patient area (phones): my care team, my profile, who accessed my record, my oppositions."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import banner, field, notice, pager, submit_button
from dcc_portal.components.layout import area_page
from dcc_portal.components.pathway import document_list
from dcc_portal.components.patients import contact_card, team_grid
from dcc_portal.components.symptoms import checkin_banner
from dcc_portal.pages.record import emergency_list, identity_card
from dcc_portal.state.patient_access import AccessLogState, OppositionsState
from dcc_portal.pages.sharing import patient_opposition_card
from dcc_portal.state.patient_record import MyRecordState
from dcc_portal.state.reports import MyDocumentsState
from dcc_portal.state.session import SessionState
from dcc_portal.state.sharing import DmpOppositionState
from dcc_portal.state.symptoms import SymptomCheckInState

T = texts.PATIENT


def _shortcut(href: str, icon: str, title: str, subtitle: str, *, testid: str, primary: bool = False) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                rx.icon(icon, size=26, color=rx.color("accent", 11), flex_shrink="0"),
                rx.vstack(rx.text(title, weight="bold", size="4" if primary else "3"),
                          rx.text(subtitle, size="2", color_scheme="gray"), spacing="0", min_width="0"),
                rx.spacer(),
                rx.icon("chevron-right", size=20, flex_shrink="0"),
                align="center", spacing="3", width="100%",
            ),
            width="100%", variant="surface" if primary else "classic",
            style={"borderLeft": f"4px solid {rx.color('accent', 9)}"} if primary else {},
        ),
        href=href, underline="none", color="inherit", width="100%", min_height="44px", data_testid=testid,
    )


@area_page(route="/patient", title=T["home"], area="patient", on_load=[MyRecordState.load, SymptomCheckInState.load_home])
def patient_home() -> rx.Component:
    return rx.vstack(
        rx.text(T["welcome"], " ", SessionState.user_name, weight="medium", size="4"),
        _shortcut("/patient/pps", "notebook-text", texts.PATIENT_PPS["nav"], T["pps_shortcut"], testid="to-pps",
                  primary=True),
        _shortcut("/patient/calendar", "calendar-days", texts.PATIENT_PPS["nav_calendar"], T["calendar_shortcut"],
                  testid="to-calendar"),
        checkin_banner(),
        emergency_list(MyRecordState.emergencies, intro=T["emergency_notice"]),
        rx.cond(
            MyRecordState.emergencies.length() > 0,
            rx.vstack(
                rx.link(T["see_access_log"], href="/patient/access-log", data_testid="see-access-log"),
                rx.link(T["to_oppositions_link"], href="/patient/oppositions"),
                spacing="2",
            ),
        ),
        notice(T["team_intro"]),
        rx.heading(T["medecin_traitant"], size="4", as_="h2"),
        rx.cond(MyRecordState.medecin_traitant.length() > 0, contact_card(MyRecordState.medecin_traitant)),
        rx.heading(T["team"], size="4", as_="h2"),
        team_grid(MyRecordState.care_team),
        spacing="3",
        width="100%",
    )


@area_page(route="/patient/profile", title=T["profile"], area="patient", on_load=[MyRecordState.load, DmpOppositionState.load])
def patient_profile() -> rx.Component:
    return rx.vstack(
        rx.cond(MyRecordState.identity.length() > 0, identity_card(MyRecordState.identity), rx.spinner()),
        rx.text(T["profile_help"], size="2", color_scheme="gray"),
        patient_opposition_card(),
        spacing="3",
        width="100%",
    )


@area_page(route="/patient/documents", title=T["documents"], area="patient", on_load=[MyDocumentsState.load])
def patient_documents() -> rx.Component:
    return rx.vstack(
        rx.text(T["documents_intro"], size="2", color_scheme="gray"),
        document_list(MyDocumentsState, empty=T["documents_empty"], released=True),
        spacing="3",
        width="100%",
    )


def _access_row(item: rx.Var) -> rx.Component:
    emergency = item["emergency"] != ""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(item["when"], weight="bold", size="2"),
                rx.cond(emergency, rx.badge(rx.icon("siren", size=12), T["emergency_badge"], color_scheme="red", variant="solid")),
                wrap="wrap",
                align="center",
                spacing="2",
            ),
            rx.text(item["who"], weight="medium"),
            rx.text(item["role"], rx.cond(item["organisation"] != "", " · " + item["organisation"].to(str), ""), size="2", color_scheme="gray"),
            rx.text(
                item["purpose"], rx.cond(item["grant"] != "", " " + item["grant"].to(str), ""),
                size="2",
            ),
            rx.cond(
                emergency & (item["reason"] != ""),
                rx.text(rx.text.strong(T["emergency_reason"]), " ", item["reason"], size="2", data_testid="access-reason"),
            ),
            spacing="1",
            width="100%",
        ),
        width="100%",
        border_left=rx.cond(emergency, f"4px solid {rx.color('red', 9)}", "none"),
        background=rx.cond(emergency, rx.color("red", 2), rx.color("gray", 1)),
        data_testid=rx.cond(emergency, "access-row-emergency", "access-row"),
    )


@area_page(route="/patient/access-log", title=T["access_log"], area="patient", on_load=[AccessLogState.load])
def patient_access_log() -> rx.Component:
    state = AccessLogState
    return rx.vstack(
        rx.text(T["access_log_intro"], size="2", color_scheme="gray"),
        rx.cond(
            state.items.length() > 0,
            rx.vstack(rx.foreach(state.items, _access_row), spacing="2", width="100%"),
            rx.cond(state.loaded, rx.text(T["access_log_empty"], color_scheme="gray", data_testid="access-log-empty")),
        ),
        rx.cond(state.page_count > 1, pager(state.page, state.page_count, on_previous=state.previous_page, on_next=state.next_page)),
        rx.text(T["to_oppositions"], " ", rx.link(T["to_oppositions_link"], href="/patient/oppositions"), size="2"),
        spacing="3",
        width="100%",
    )


def _opposition_row(item: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(item["name"], weight="bold"),
            rx.text(item["specialty"], rx.cond(item["organisation"] != "", " · " + item["organisation"].to(str), ""), size="2", color_scheme="gray"),
            rx.text(T["since"], " ", item["since"], size="2", color_scheme="gray"),
            rx.button(T["withdraw"], on_click=OppositionsState.withdraw(item["public_id"]), variant="soft", size="3",
                      width="100%", min_height="44px", data_testid="withdraw-opposition"),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_testid="opposition",
    )


def _choice_row(item: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(item["name"], weight="bold"),
            rx.text(item["specialty"], rx.cond(item["organisation"] != "", " · " + item["organisation"].to(str), ""), size="2", color_scheme="gray"),
            rx.cond(item["note"] != "", rx.badge(item["note"], color_scheme=rx.cond(item["in_team"] != "", "green", "blue"))),
            rx.cond(
                item["in_team"] != "",
                rx.text(T["cannot_oppose"], size="2", color_scheme="gray"),
                rx.button(T["oppose"], on_click=OppositionsState.oppose(item["public_id"]), color_scheme="red", variant="soft",
                          size="3", width="100%", min_height="44px", data_testid="oppose"),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_testid="professional-choice",
    )


@area_page(route="/patient/oppositions", title=T["oppositions"], area="patient", on_load=[OppositionsState.load])
def patient_oppositions() -> rx.Component:
    state = OppositionsState
    return rx.vstack(
        notice(T["oppositions_intro"]),
        banner(state.notice, color="green", icon="check", testid="notice"),
        banner(state.errors.get("professional", "")),
        banner(state.errors.get("opposition", "")),
        rx.heading(T["current_oppositions"], size="4", as_="h2"),
        rx.cond(
            state.current.length() > 0,
            rx.vstack(rx.foreach(state.current, _opposition_row), spacing="2", width="100%"),
            rx.text(T["no_opposition"], color_scheme="gray", size="2"),
        ),
        rx.heading(T["oppose"], size="4", as_="h2"),
        rx.form(
            rx.vstack(
                field(T["find_professional"], "who", placeholder=T["find_placeholder"], error=state.errors.get("who", ""), max_length=100),
                submit_button(texts.COMMON["search"], data_testid="find-professional"),
                spacing="2",
                width="100%",
            ),
            on_submit=state.find,
            width="100%",
        ),
        rx.cond(
            state.choices.length() > 0,
            rx.vstack(rx.foreach(state.choices, _choice_row), spacing="2", width="100%"),
            rx.cond(state.searched, rx.text(texts.COMMON["no_result"], color_scheme="gray")),
        ),
        spacing="3",
        width="100%",
    )
