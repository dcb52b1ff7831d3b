"""The live sitting on a tablet: the case being discussed, presence and quorum, the proposal written by one person."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import banner, dropdown, error_text
from dcc_portal.components.layout import area_page
from dcc_portal.state.rcp_live import MAX_ALTERNATIVES, ROUTE, RcpLiveState

T = texts.RCP_LIVE
WRAP = {"overflowWrap": "anywhere", "whiteSpace": "pre-wrap"}
S = RcpLiveState


def _fact(label: str, value) -> rx.Component:
    return rx.text(rx.text.strong(label, " : "), value, size="3", style=WRAP)


def _doc_link(item) -> rx.Component:
    return rx.link(rx.hstack(rx.icon("file-text", size=16), rx.text(item["kind"], " · ", item["title"], " · ", item["date"], style=WRAP)),
                   href="/document?d=" + item["public_id"].to(str), is_external=True, data_testid="live-document")


def _case() -> rx.Component:
    c = S.case
    return rx.card(
        rx.vstack(
            rx.heading(c["patient_name"], size="5", as_="h2", data_testid="live-case-patient"),
            _fact(T["diagnosis"], c["diagnosis"]),
            rx.cond(c["morphology"] != "", _fact(T["morphology"], c["morphology"])),
            rx.hstack(_fact("TNM", c["tnm"]), _fact(T["who"], c["who"]), wrap="wrap", spacing="4"),
            _fact(T["reason"], c["reason"]),
            _fact(T["question"], c["question"]),
            _fact(T["requester"], c["requester"]),
            rx.text(rx.text.strong(T["summary"]), size="3"),
            rx.text(c["summary"], size="3", style=WRAP),
            rx.heading(T["checklist"], size="3", as_="h3"),
            rx.foreach(S.checklist, lambda item: rx.hstack(
                rx.icon(rx.cond(item["ok"] == "true", "circle-check", "circle-alert"), size=18,
                        color=rx.cond(item["ok"] == "true", rx.color("green", 10), rx.color("orange", 10))),
                rx.text(item["label"], " : ", item["detail"], size="2", style=WRAP), align="center")),
            rx.heading(T["documents"], size="3", as_="h3"),
            rx.cond(S.documents.length() > 0, rx.vstack(rx.foreach(S.documents, _doc_link), spacing="1"),
                    rx.text(T["none"], size="2", color_scheme="gray")),
            rx.heading(T["fiches"], size="3", as_="h3"),
            rx.cond(S.fiches.length() > 0, rx.vstack(rx.foreach(S.fiches, _doc_link), spacing="1"),
                    rx.text(T["none"], size="2", color_scheme="gray")),
            spacing="2", width="100%",
        ),
        width="100%", data_testid="live-case",
    )


def _type_label(code) -> rx.Component:
    return rx.foreach(S.types, lambda option: rx.cond(option[0] == code, rx.text.span(option[1])))


def _alternative_fields(item, index) -> rx.Component:
    number = (index + 1).to(str)
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(T["alternative"], " ", number, weight="medium"), rx.spacer(),
                      rx.button(T["remove"], on_click=S.remove_alternative(index), variant="soft", color_scheme="gray", size="2"),
                      width="100%", align="center"),
            rx.el.label(T["type"], " (", T["alternative"].lower(), " ", number, ")", html_for="live-alt-type-" + number,
                        style={"fontWeight": "500"}),
            dropdown(S.types, placeholder=T["choose"], id="live-alt-type-" + number, value=item["type"],
                     on_change=lambda value: S.type_alternative(index, "type", value)),
            rx.el.label(T["alternative_detail"], " ", number, html_for="live-alt-detail-" + number, style={"fontWeight": "500"}),
            rx.text_area(id="live-alt-detail-" + number, value=item["detail"], debounce_timeout=300, rows="2", width="100%", size="3",
                         max_length=1000, on_change=lambda value: S.type_alternative(index, "detail", value)),
            spacing="2", width="100%",
        ),
        width="100%", variant="surface",
    )


def _writer_fields() -> rx.Component:
    d = S.draft
    return rx.vstack(
        rx.el.label(T["type"], html_for="live-type", style={"fontWeight": "500"}),
        dropdown(S.types, placeholder=T["choose"], id="live-type", value=d.get("type", ""),
                 on_change=lambda value: S.type_draft("type", value)),
        rx.el.label(T["detail"], html_for="live-detail", style={"fontWeight": "500"}),
        rx.text_area(id="live-detail", value=d.get("detail", ""), on_change=lambda value: S.type_draft("detail", value),
                     debounce_timeout=300, rows="3", width="100%", size="3", max_length=1000),
        rx.foreach(S.alternatives, _alternative_fields),
        rx.cond(S.alternatives.length() < MAX_ALTERNATIVES, rx.button(rx.icon("plus", size=16), T["add_alternative"], on_click=S.add_alternative,
                                                       variant="soft", size="3", data_testid="add-alternative")),
        error_text(S.errors.get("alternatives", ""), field_id="alternatives"),
        rx.el.label(rx.hstack(rx.checkbox(checked=d.get("trial_proposed", "") == "true", size="3",
                                          on_change=lambda value: S.type_draft("trial_proposed", value)),
                              rx.text(T["trial"]), align="center"), style={"minHeight": "44px", "display": "flex"}),
        rx.el.label(T["trial_detail"], html_for="live-trial", style={"fontWeight": "500"}),
        rx.input(id="live-trial", value=d.get("trial_detail", ""), on_change=lambda value: S.type_draft("trial_detail", value),
                 debounce_timeout=300, size="3", width="100%", max_length=300),
        rx.el.label(T["next_step"], html_for="live-next", style={"fontWeight": "500"}),
        rx.text_area(id="live-next", value=d.get("additional_exams", ""), debounce_timeout=300, rows="2", width="100%", size="3",
                     on_change=lambda value: S.type_draft("additional_exams", value), max_length=4000),
        spacing="2", width="100%",
    )


def _read_only() -> rx.Component:
    d = S.draft
    return rx.vstack(
        rx.cond(d.get("type", "") != "",
                _fact(T["type"], _type_label(d.get("type", "")))),
        rx.text(d.get("detail", ""), size="3", style=WRAP, data_testid="live-proposal"),
        rx.foreach(S.alternatives, lambda item: rx.text(
            rx.text.strong(T["alternative"], " : "), _type_label(item["type"]), rx.cond(item["detail"] != "", " — ", ""),
            item["detail"], size="3", style=WRAP, data_testid="live-alternative")),
        rx.cond(d.get("trial_proposed", "") == "true", _fact(T["trial"], d.get("trial_detail", ""))),
        rx.cond(d.get("additional_exams", "") != "", _fact(T["next_step"], d.get("additional_exams", ""))),
        spacing="1", width="100%",
    )


def _proposal() -> rx.Component:
    info, e = S.info, S.errors
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(T["proposal"], size="4", as_="h2"),
                rx.spacer(),
                rx.cond(info["writer"] != "", rx.badge(info["writer"], " ", T["writing"], color_scheme="blue", data_testid="live-writer")),
                rx.cond(info["draft_saved_at"] != "", rx.badge(T["saved"], " ", info["draft_saved_at"], color_scheme="green")),
                width="100%", wrap="wrap", align="center",
            ),
            rx.cond(info["writer_is_me"] == "true",
                    rx.vstack(_writer_fields(), rx.button(T["release"], on_click=S.release_pen, variant="soft", size="3"), width="100%"),
                    rx.vstack(_read_only(), rx.cond((info["can_validate"] == "true") | (info["can_lead"] == "true"),
                                                    rx.button(T["take"], on_click=S.take_pen, size="3", variant="soft",
                                                              data_testid="take-pen")),
                              width="100%")),
            error_text(e.get("pen", ""), field_id="pen"),
            error_text(e.get("proposal", ""), field_id="proposal"),
            rx.cond(S.sitting.length() > 0,
                    rx.callout(T["validated"] + " — " + T["present"] + " : " + S.sitting["names"] + ". " + S.sitting["quorum"] + " "
                               + S.sitting["reason"], icon="circle-check", color_scheme="green", width="100%",
                               data_testid="live-validated"),
                    rx.cond((info["can_validate"] == "true") & ((S.quorum["reached"] == "true") | (info["can_lead"] == "true")), rx.form(
                        rx.vstack(
                            rx.cond(S.quorum["reached"] != "true", rx.vstack(
                                rx.el.label(T["override"], html_for="override_reason", style={"fontWeight": "500"}),
                                rx.input(id="override_reason", name="override_reason", size="3", width="100%", max_length=300),
                                error_text(e.get("override_reason", ""), field_id="override_reason"), width="100%")),
                            rx.button(T["validate"], type="submit", size="3", width="100%", data_testid="validate-case"),
                            width="100%"),
                        on_submit=S.validate, reset_on_submit=True, width="100%"))),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _participant(item) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(item["name"], weight="medium", style=rx.cond(item["left"] == "true", {"textDecoration": "line-through"}, {})),
                  rx.text(item["specialty"], size="2", color_scheme="gray"), spacing="0"),
        rx.spacer(),
        rx.badge(rx.cond(item["guest"] == "true", T["guest"], rx.cond(item["via"] == "tablet", T["tablet"], T["room"])), variant="soft",
                 color_scheme=rx.cond(item["guest"] == "true", "purple", "blue")),
        rx.cond(item["left"] == "true", rx.badge(T["left"], color_scheme="gray"),
                rx.cond(item["confirmed"] == "true", rx.fragment(), rx.badge(T["to_confirm"], color_scheme="orange"))),
        rx.cond(S.info["can_lead"] == "true", rx.hstack(
            rx.cond((item["confirmed"] != "true") | (item["left"] == "true"),
                    rx.button(T["confirm"], size="2", on_click=S.presence(item["public_id"], True))),
            rx.cond(item["left"] != "true", rx.button(T["mark_left"], size="2", variant="soft", on_click=S.presence(item["public_id"], False))),
            spacing="1")),
        width="100%", align="center", wrap="wrap", data_testid="live-participant",
    )


def _agenda_item(item) -> rx.Component:
    current = item["public_id"] == S.info["current_case_public_id"]
    return rx.button(
        rx.hstack(rx.text(item["patient_name"]), rx.spacer(), rx.text(item["status_label"], size="1"), width="100%"),
        on_click=S.show(item["public_id"]), variant=rx.cond(current, "solid", "soft"), size="3", width="100%",
        data_testid="live-agenda-item",
    )


def _guest_row(item) -> rx.Component:
    return rx.hstack(
        rx.text(item["name"], " — ", item["specialty"], style=WRAP),
        rx.spacer(),
        rx.badge(rx.cond(item["left"] == "true", T["left"], rx.cond(item["confirmed"] == "true", T["guest_present"], T["guest_expected"])),
                 color_scheme="gray", variant="soft"),
        rx.button(T["uninvite"], size="2", variant="soft", color_scheme="gray", on_click=S.withdraw_guest(item["public_id"])),
        width="100%", align="center", wrap="wrap", data_testid="live-guest",
    )


def _guests() -> rx.Component:
    """The coordinator invites someone for the case being discussed only."""
    return rx.card(
        rx.vstack(
            rx.heading(T["guests"], size="3", as_="h3"),
            rx.text(T["guests_help"], size="2", color_scheme="gray"),
            rx.foreach(S.guests, _guest_row),
            rx.form(
                rx.hstack(
                    rx.el.label(T["guest_who"], html_for="guest-who", style={"fontWeight": "500"}),
                    rx.input(id="guest-who", name="who", size="3", max_length=100, width="100%"),
                    rx.button(T["search"], type="submit", size="3", variant="soft"),
                    width="100%", wrap="wrap", align="center",
                ),
                on_submit=S.find_guest, width="100%",
            ),
            error_text(S.errors.get("guest", ""), field_id="guest-who"),
            rx.foreach(S.guest_candidates, lambda option: rx.hstack(
                rx.text(option[1], size="2", style=WRAP), rx.spacer(),
                rx.button(T["invite"], size="2", on_click=S.invite(option[0]), data_testid="invite-guest"),
                width="100%", align="center", wrap="wrap")),
            spacing="2", width="100%",
        ),
        width="100%",
    )


@area_page(route=ROUTE, title=T["title"], area="team", on_load=[S.load])
def rcp_live() -> rx.Component:
    info = S.info
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text(T["back"])), href="/team/rcp/session?s=" + info["session_public_id"].to(str)),
        banner(S.message, color="orange"),
        rx.cond(
            info.length() > 0,
            rx.vstack(
                rx.heading(info["rcp_name"], size="5", as_="h2"),
                rx.callout(S.quorum["summary"], icon=rx.cond(S.quorum["reached"] == "true", "circle-check", "triangle-alert"),
                           color_scheme=rx.cond(S.quorum["reached"] == "true", "green", "orange"), width="100%",
                           data_testid="live-quorum", role="status", high_contrast=True),
                rx.cond(info["can_lead"] == "true", rx.hstack(
                    rx.button(rx.icon("chevron-left"), T["previous"], on_click=S.step(-1), size="3", variant="soft"),
                    rx.button(T["next"], rx.icon("chevron-right"), on_click=S.step(1), size="3", data_testid="next-case"),
                    spacing="2")),
                rx.cond(~S.following, rx.button(rx.icon("radio"), T["follow"], on_click=S.follow, size="3", color_scheme="orange",
                                                data_testid="follow-session")),
                error_text(S.errors.get("case", ""), field_id="case"),
                rx.cond(S.case.length() > 0, rx.vstack(_case(), rx.cond(S.shown_case == info["current_case_public_id"], _proposal()),
                                                        rx.cond((info["can_lead"] == "true")
                                                                & (S.shown_case == info["current_case_public_id"]), _guests()),
                                                        width="100%", spacing="3"),
                        rx.text(rx.cond(info["is_guest"] == "true", T["guest_waiting"], T["waiting"]), color_scheme="gray",
                                data_testid="live-waiting")),
                rx.heading(T["agenda"], size="4", as_="h2"),
                rx.vstack(rx.foreach(S.agenda, _agenda_item), spacing="1", width="100%"),
                rx.heading(T["participants"], size="4", as_="h2"),
                rx.card(rx.cond(S.participants.length() > 0,
                                rx.vstack(rx.foreach(S.participants, _participant), spacing="2", width="100%"),
                                rx.hstack(rx.icon("users", size=20, color=rx.color("gray", 10)),
                                          rx.text(T["nobody"], size="3", color_scheme="gray"), align="center",
                                          data_testid="live-nobody")),
                        width="100%"),
                spacing="3", width="100%",
            ),
            rx.cond(S.message == "", rx.spinner(size="3")),
        ),
        width="100%", spacing="3",
    )
