"""Symptom follow-up: the patient's weekly check-in (phones, one question per screen, large touch targets) and the
coordination nurses' alert worklist with acknowledgement (tablets)."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import banner, dropdown, error_text, notice, pager
from dcc_portal.components.layout import area_page
from dcc_portal.components.symptoms import TOUCH, alert_news, gp_sharing
from dcc_portal.services.symptoms import alerts, questionnaire
from dcc_portal.state.symptoms import SymptomAlertsState, SymptomCheckInState

T = texts.SYMPTOMS
S = SymptomCheckInState
A = SymptomAlertsState


def _choice(label: str, value: str, field: str, on_click) -> rx.Component:
    chosen = S.answer[field] == value
    return rx.button(label, on_click=on_click, variant=rx.cond(chosen, "solid", "outline"), size="3", width="100%",
                     aria_pressed=rx.cond(chosen, "true", "false"), data_testid=f"{field}-{value}", **TOUCH)


def _scale(title: str, field: str, labels: tuple[str, ...]) -> rx.Component:
    return rx.vstack(
        rx.text(title, weight="bold"),
        *[_choice(label, str(level), field, S.set_field(field, str(level))) for level, label in enumerate(labels)],
        error_text(S.errors[field].to(str), field_id=field),
        spacing="2", width="100%", role="group",
    )


def _question() -> rx.Component:
    question = S.questions[S.index]
    is_fever = question["item"] == "fever"
    return rx.card(rx.vstack(
        rx.text(T["question_of"], " ", (S.index + 1).to_string(), " ", T["of"], " ", S.questions.length().to_string(),
                size="2", color_scheme="gray"),
        rx.heading(question["question"], size="5", as_="h2", data_testid="symptom-question"),
        rx.grid(
            _choice(T["yes"], "yes", "present", S.choose_present("yes")),
            _choice(T["no"], "no", "present", S.choose_present("no")),
            columns="2", spacing="2", width="100%",
        ),
        error_text(S.errors["present"].to(str), field_id="present"),
        rx.cond(S.answer["present"] == "yes", rx.vstack(
            rx.cond(
                is_fever,
                rx.vstack(
                    rx.el.label(T["temperature"], html_for="temperature", style={"fontWeight": "600"}),
                    rx.input(id="temperature", value=S.answer["temperature"], on_change=lambda v: S.set_field("temperature", v),
                             placeholder=T["temperature_help"], input_mode="decimal", size="3", width="100%",
                             min_height="52px", max_length=10),
                    error_text(S.errors["temperature"].to(str), field_id="temperature"),
                    spacing="1", width="100%",
                ),
                rx.vstack(
                    _scale(T["severity"], "severity", questionnaire.SEVERITY),
                    rx.cond(question["interference"] != "", _scale(T["interference"], "interference", questionnaire.INTERFERENCE)),
                    spacing="3", width="100%",
                ),
            ),
            rx.el.label(T["note"], html_for="note", style={"fontWeight": "500"}),
            rx.text_area(id="note", value=S.answer["note"], on_change=lambda v: S.set_field("note", v), width="100%",
                         rows="2", size="3"),
            error_text(S.errors["note"].to(str), field_id="note"),
            rx.button(T["next"], rx.icon("arrow-right", size=18), on_click=S.save, size="3", width="100%",
                      data_testid="symptom-next", **TOUCH),
            spacing="3", width="100%",
        )),
        rx.cond(S.index > 0, rx.button(rx.icon("arrow-left", size=16), T["previous"], on_click=S.previous,
                                       variant="ghost", size="3", min_height="48px")),
        spacing="3", width="100%",
    ), width="100%")


def _ready() -> rx.Component:
    return rx.vstack(
        notice(T["ready"], color="green", icon="circle-check"),
        error_text(S.errors["report"].to(str), field_id="report"),
        rx.button(rx.icon("send", size=18), T["send"], on_click=S.submit, size="3", width="100%", data_testid="symptom-send", **TOUCH),
        rx.button(rx.icon("arrow-left", size=16), T["previous"], on_click=S.previous, variant="ghost", size="3", min_height="48px"),
        spacing="3", width="100%",
    )


def _outcome() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.outcome_level == "immediate",
            rx.card(rx.vstack(
                rx.heading(rx.hstack(rx.icon("phone-call"), rx.text(T["immediate_title"])), size="6", as_="h2", color_scheme="red"),
                rx.text(S.instruction, size="4", data_testid="symptom-instruction"),
                rx.link(rx.button(rx.icon("phone", size=18), T["call"], " ", S.call_phone, size="4", color_scheme="red",
                                  width="100%", **TOUCH), href=S.call_href, width="100%", data_testid="symptom-call"),
                rx.link(rx.button(rx.icon("siren", size=18), T["call_15"], size="4", variant="outline", color_scheme="red",
                                  width="100%", **TOUCH), href="tel:15", width="100%"),
                spacing="3", width="100%",
            ), width="100%", background=rx.color("red", 2), role="alert"),
            notice(rx.cond(S.outcome_level != "", T["alert_sent"], T["sent"]), color="green", icon="circle-check",
                   data_testid="symptom-sent"),
        ),
        rx.link(T["back_home"], href="/patient", min_height="44px"),
        spacing="3", width="100%",
    )


@area_page(route="/patient/symptoms", title=T["patient_title"], area="patient", on_load=[S.load])
def patient_symptoms() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.finished,
            _outcome(),
            rx.cond(
                ~S.in_treatment,
                notice(T["not_in_treatment"], color="gray"),
                rx.cond(
                    S.paused,
                    rx.vstack(notice(T["paused"], color="gray", icon="pause"),
                              rx.button(T["resume"], on_click=S.pause_checkins(False), size="3", width="100%", **TOUCH),
                              width="100%"),
                    rx.vstack(
                        rx.text(T["intro"], size="3"),
                        rx.cond(S.index < S.questions.length(), _question(), _ready()),
                        rx.text(T["saved"], size="2", color_scheme="gray"),
                        rx.button(rx.icon("pause", size=16), T["pause"], on_click=S.pause_checkins(True), variant="ghost",
                                  size="2", min_height="44px", data_testid="symptom-pause"),
                        spacing="3", width="100%",
                    ),
                ),
            ),
        ),
        alert_news(),
        gp_sharing(),
        spacing="3", width="100%", max_width="560px",
    )


def _alert_card(item) -> rx.Component:
    chosen = A.selected == item["public_id"]
    return rx.card(rx.vstack(
        rx.hstack(
            rx.badge(item["level_label"], color_scheme=rx.cond(item["level"] == "immediate", "red", "amber"), size="2"),
            rx.text(item["patient"], weight="bold", size="4"),
            rx.spacer(),
            rx.text(T["raised"], " ", item["raised_at"], size="2"),
            width="100%", align="center", wrap="wrap",
        ),
        rx.text(item["reasons"], white_space="pre-wrap", overflow_wrap="anywhere"),
        rx.hstack(
            rx.text(T["treatment"], " : ", item["treatment"], size="2"),
            rx.text(T["trend"], " : ", item["trend"], size="2"),
            rx.cond(item["escalated"] != "", rx.badge(T["escalated"], color_scheme="red", variant="outline")),
            spacing="4", wrap="wrap",
        ),
        rx.hstack(
            rx.link(rx.button(T["open_file"], variant="soft", size="3", min_height="44px"),
                    href="/team/patient?p=" + item["patient_public_id"]),
            rx.cond(~chosen, rx.button(rx.icon("check", size=16), T["acknowledge"], on_click=A.choose(item["public_id"]),
                                       size="3", min_height="44px", data_testid="symptom-acknowledge-open")),
            spacing="2",
        ),
        rx.cond(chosen, rx.vstack(
            rx.el.label(T["action"], html_for="symptom-action", style={"fontWeight": "600"}),
            dropdown(list(alerts.ACTIONS.items()), placeholder="—", id="symptom-action", value=A.action,
                     on_change=A.set_action),
            error_text(A.errors["action"].to(str), field_id="symptom-action"),
            rx.el.label(T["action_note"], html_for="symptom-note"),
            rx.text_area(id="symptom-note", value=A.note, on_change=A.set_note, width="100%", rows="2"),
            error_text(A.errors["note"].to(str), field_id="symptom-note"),
            error_text(A.errors["alert"].to(str), field_id="symptom-alert"),
            rx.button(T["acknowledge"], on_click=A.acknowledge, size="3", min_height="44px", data_testid="symptom-acknowledge"),
            spacing="2", width="100%",
        )),
        spacing="2", width="100%",
    ), width="100%", data_testid="symptom-alert")


@area_page(route="/team/symptoms", title=T["worklist_title"], area="team", on_load=[A.load])
def team_symptom_alerts() -> rx.Component:
    return rx.vstack(
        rx.text(T["worklist_intro"], size="2", color_scheme="gray"),
        banner(A.notice, color="green", icon="circle-check", testid="symptom-notice"),
        rx.text(A.total.to_string(), " ", T["count"], weight="medium"),
        rx.cond(A.total == 0, notice(T["empty"], color="gray")),
        rx.foreach(A.items, _alert_card),
        rx.cond(A.page_count > 1, pager(A.page, A.page_count, on_previous=A.go_to(A.page - 1), on_next=A.go_to(A.page + 1))),
        spacing="3", width="100%",
    )
