"""RCP screens (team area, tablets): sessions, planning, directory, the sitting, a case, registration."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import banner, dropdown, error_text, field, pager, select_field, submit_button
from dcc_portal.components.layout import area_page
from dcc_portal.components.rcp_correspondents import correspondents_field
from dcc_portal.state.rcp import RcpCaseState, RcpDirectoryState, RcpPlanState, RcpRegisterState, RcpSessionState, RcpSessionsState
from dcc_portal.state.session import SessionState

T = texts.RCP
WRAP = {"overflowWrap": "anywhere", "whiteSpace": "pre-wrap"}


def _textarea(label: str, name: str, *, error=None, default_value="", rows: int = 3, max_length: int = 4000) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"fontWeight": "500", "fontSize": "0.95rem"}),
        rx.text_area(id=name, name=name, rows=str(rows), max_length=max_length, default_value=default_value, width="100%", size="3"),
        error_text(error, field_id=name) if error is not None else rx.fragment(),
        spacing="1", width="100%", align="stretch",
    )


def _checkbox(label: str, name: str, *, default_checked=False) -> rx.Component:
    return rx.el.label(
        rx.hstack(rx.checkbox(name=name, default_checked=default_checked, size="3"), rx.text(label), align="center", spacing="2"),
        style={"minHeight": "44px", "display": "flex", "alignItems": "center"},
    )


def _back(label: str, href) -> rx.Component:
    return rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text(label)), href=href)


# --------------------------------------------------------------------------------------------------- sessions


def _session_card(item) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text(item["rcp_name"], weight="bold", size="3"),
                    rx.spacer(),
                    rx.badge(item["status_label"], variant="soft", size="2"),
                    width="100%", align="center", wrap="wrap",
                ),
                rx.text(item["starts"], " · ", item["cases"], " ", T["cases_count"], size="2"),
                rx.text(T["deadline"], " ", item["deadline"], size="2", color_scheme="gray"),
                rx.cond(item["place"] != "", rx.text(item["place"], size="2", color_scheme="gray", style=WRAP)),
                spacing="1", width="100%",
            ),
            width="100%",
        ),
        href="/team/rcp/session?s=" + item["public_id"].to(str), underline="none", color="inherit", width="100%",
        data_testid="session-card",
    )


@area_page(route="/team/rcp", title=T["sessions"], area="team", on_load=[RcpSessionsState.load])
def rcp_sessions() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.cond(SessionState.user_role == "rcp_secretary",
                    rx.link(rx.button(rx.icon("calendar-plus", size=16), T["plan"], size="3"), href="/team/rcp/plan")),
            rx.link(rx.button(rx.icon("book-open", size=16), T["directory"], size="3", variant="soft"), href="/team/rcp/directory"),
            wrap="wrap", spacing="2",
        ),
        rx.el.label(
            rx.hstack(rx.switch(checked=RcpSessionsState.past, on_change=RcpSessionsState.show_past), rx.text(T["show_past"]),
                      align="center", spacing="2"),
            style={"minHeight": "44px", "display": "flex", "alignItems": "center"},
        ),
        rx.cond(
            RcpSessionsState.items.length() > 0,
            rx.vstack(rx.foreach(RcpSessionsState.items, _session_card), spacing="2", width="100%"),
            rx.cond(RcpSessionsState.loaded, rx.text(T["no_session"], color_scheme="gray")),
        ),
        pager(RcpSessionsState.page, RcpSessionsState.page_count, on_previous=RcpSessionsState.previous_page,
              on_next=RcpSessionsState.next_page),
        width="100%", spacing="3",
    )


@area_page(route="/team/rcp/plan", title=T["plan"], area="team", on_load=[RcpPlanState.load])
def rcp_plan() -> rx.Component:
    e = RcpPlanState.errors
    return rx.vstack(
        _back(T["sessions"], "/team/rcp"),
        rx.form(
            rx.vstack(
                select_field(T["rcp"], "rcp", RcpPlanState.rcp_options, error=e.get("rcp", "")),
                rx.grid(
                    field(T["first_date"], "first_date", type="date", error=e.get("first_date", "")),
                    field(T["start_time"], "start_time", type="time", default_value="13:00", error=e.get("start_time", "")),
                    columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                ),
                rx.grid(
                    select_field(T["recurrence"], "recurrence", [("weekly", T["weekly"]),
                                                                 ("biweekly", T["biweekly"]), ("monthly", T["monthly"])],
                                 error=e.get("recurrence", ""), placeholder=T["once"]),
                    field(T["count"], "count", type="number", default_value="1", error=e.get("count", ""), input_mode="numeric"),
                    columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                ),
                rx.grid(
                    field(T["deadline_days"], "deadline_days", type="number", default_value="2", error=e.get("deadline_days", ""),
                          input_mode="numeric"),
                    field(T["deadline_time"], "deadline_time", type="time", default_value="12:00", error=e.get("deadline_time", "")),
                    columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                ),
                field(T["place"], "place", error=e.get("place", "")),
                field(T["visio"], "visio_url", type="url", placeholder="https://", error=e.get("visio_url", ""), max_length=300),
                _checkbox(T["publish_now"], "publish", default_checked=True),
                submit_button(T["plan_submit"], loading=RcpPlanState.saving, data_testid="plan-submit"),
                spacing="3", width="100%",
            ),
            on_submit=RcpPlanState.submit, width="100%",
        ),
        width="100%", spacing="3", max_width="640px",
    )


# --------------------------------------------------------------------------------------------------- directory


def _rcp_card(item) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(item["name"], weight="bold"), rx.spacer(), rx.badge(item["kind_label"], variant="soft"),
                      width="100%", wrap="wrap"),
            rx.text(item["scope"], size="2"),
            rx.text(T["national_id"], " ", item["national_id"], " · ", item["organisation"], size="2", color_scheme="gray", style=WRAP),
            rx.cond(item["flags"] != "", rx.text(item["flags"], size="2")),
            rx.text(item["usual_schedule"], " · ", item["place"], size="2", color_scheme="gray", style=WRAP),
            rx.cond(item["visio_url"] != "", rx.text(T["visio"], " : ", item["visio_url"], size="2", color_scheme="gray", style=WRAP)),
            rx.text(item["members"], " ", T["members_count"], size="2"),
            rx.button(T["see_members"], on_click=RcpDirectoryState.show_members(item["public_id"]), variant="soft", size="2",
                      min_height="44px"),
            spacing="1", width="100%",
        ),
        width="100%",
    )


def _member_row(item) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(item["name"], weight="medium"), rx.text(item["specialty"], size="2", color_scheme="gray"), spacing="0"),
        rx.spacer(),
        rx.cond(item["is_coordinator"] == "true", rx.badge(T["coordinator"], color_scheme="green")),
        rx.cond(RcpDirectoryState.can_edit_selected,
                rx.button(T["remove"], on_click=RcpDirectoryState.set_member(item["public_id"], False, False), size="2",
                          variant="soft", color_scheme="red", min_height="44px")),
        width="100%", align="center", wrap="wrap",
    )


def _secretariat() -> rx.Component:
    return rx.vstack(
        rx.heading(T["secretariat"], size="3", as_="h3"),
        rx.cond(RcpDirectoryState.board_secretariat.length() > 0,
                rx.foreach(RcpDirectoryState.board_secretariat, lambda item: rx.hstack(
                    rx.text(item["name"], weight="medium"), rx.spacer(),
                    rx.cond(RcpDirectoryState.can_set_secretariat,
                            rx.button(T["remove"], on_click=RcpDirectoryState.set_secretariat(item["public_id"], False), size="2",
                                      variant="soft", color_scheme="red", min_height="44px")),
                    width="100%", align="center", wrap="wrap", data_testid="secretariat-row")),
                rx.text(T["no_secretariat"], size="2", color_scheme="gray")),
        rx.cond(RcpDirectoryState.can_set_secretariat & (RcpDirectoryState.board_secretary_choices.length() > 0), rx.form(
            rx.hstack(select_field(T["secretary_field"], "secretary", RcpDirectoryState.board_secretary_choices),
                      rx.button(T["assign_secretariat"], type="submit", size="3", data_testid="assign-secretariat"),
                      width="100%", align="end", wrap="wrap"),
            on_submit=RcpDirectoryState.add_secretariat, width="100%")),
        spacing="2", width="100%",
    )


def _directory_form() -> rx.Component:
    e = RcpDirectoryState.errors
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(T["new_rcp"], size="4", as_="h2"),
                field(T["name"], "name", error=e.get("name", "")),
                rx.grid(
                    field(T["national_id"], "national_id", error=e.get("national_id", ""), max_length=20),
                    field(T["network_id"], "network_id", error=e.get("network_id", ""), max_length=20),
                    field(T["manager_id"], "manager_id", error=e.get("manager_id", ""), max_length=20),
                    field(T["manager_name"], "manager_name"),
                    columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                ),
                select_field(T["organisation"], "organisation", RcpDirectoryState.organisations, error=e.get("organisation", "")),
                select_field(T["kind"], "kind", [("organ", T["organ"]), ("transversal", T["transversal"])], error=e.get("kind", "")),
                select_field(T["appareil"], "appareil", RcpDirectoryState.appareils, error=e.get("appareil_code", "")),
                select_field(T["organ_field"], "organ", RcpDirectoryState.organs, error=e.get("organ_codes", "")),
                select_field(T["transversal_field"], "transversal", RcpDirectoryState.transversals, error=e.get("transversal_code", "")),
                rx.hstack(_checkbox(T["recours"], "is_recours"), _checkbox(T["pediatric"], "is_pediatric"), wrap="wrap", spacing="4"),
                field(T["usual_schedule"], "usual_schedule"),
                field(T["place"], "place"),
                field(T["visio"], "visio_url", type="url", placeholder="https://", error=e.get("visio_url", ""), max_length=300),
                submit_button(T["create"], loading=RcpDirectoryState.saving),
                spacing="3", width="100%",
            ),
            on_submit=RcpDirectoryState.create, reset_on_submit=False, width="100%",
        ),
        width="100%",
    )


@area_page(route="/team/rcp/directory", title=T["directory"], area="any",
           on_load=[RcpDirectoryState.load, RcpDirectoryState.load_form])
def rcp_directory() -> rx.Component:
    return rx.vstack(
        rx.cond(
            RcpDirectoryState.selected.length() > 0,
            rx.card(
                rx.vstack(
                    rx.heading(RcpDirectoryState.selected["name"], size="4", as_="h2"),
                    rx.text(T["quorum_specialties"], " : ", rx.cond(RcpDirectoryState.selected["quorum"] != "",
                                                                     RcpDirectoryState.selected["quorum"], T["any_specialty"]), size="2"),
                    rx.foreach(RcpDirectoryState.members, _member_row),
                    _secretariat(),
                    rx.cond(
                        RcpDirectoryState.can_edit_selected,
                        rx.vstack(
                            rx.form(
                                rx.hstack(rx.input(name="q", placeholder=T["search_pro"], aria_label=T["search_pro"], size="3",
                                                   width="100%", max_length=50),
                                          rx.button(T["search"], type="submit", size="3"), width="100%"),
                                on_submit=RcpDirectoryState.search_people, width="100%",
                            ),
                            rx.foreach(RcpDirectoryState.choices, lambda p: rx.hstack(
                                rx.text(p["name"], " · ", p["specialty"], size="2"), rx.spacer(),
                                rx.button(T["add"], on_click=RcpDirectoryState.set_member(p["public_id"], True, False), size="2",
                                          min_height="44px"),
                                rx.cond(p["is_physician"] == "true",
                                        rx.button(T["add_coordinator"], on_click=RcpDirectoryState.set_member(p["public_id"], True, True),
                                                  size="2", variant="soft", min_height="44px")),
                                width="100%", wrap="wrap", align="center")),
                            width="100%", spacing="2",
                        ),
                    ),
                    spacing="2", width="100%",
                ),
                width="100%",
            ),
        ),
        rx.vstack(rx.foreach(RcpDirectoryState.items, _rcp_card), spacing="2", width="100%"),
        pager(RcpDirectoryState.page, RcpDirectoryState.page_count, on_previous=RcpDirectoryState.previous_page,
              on_next=RcpDirectoryState.next_page),
        rx.cond(RcpDirectoryState.can_edit, _directory_form()),
        width="100%", spacing="3",
    )


# --------------------------------------------------------------------------------------------------- the sitting


def _attendee(item) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.checkbox(checked=item["present"] == "true", on_change=lambda value: RcpSessionState.toggle(item["public_id"], value),
                        size="3", disabled=~RcpSessionState.can_manage),
            rx.vstack(rx.text(item["name"], weight="medium"),
                      rx.text(item["specialty"], rx.cond(item["counted"] == "true", "", " · " + T["not_counted"]), size="2",
                              color_scheme="gray"), spacing="0"),
            rx.spacer(),
            rx.cond(item["is_coordinator"] == "true", rx.badge(T["coordinator"], color_scheme="green")),
            align="center", width="100%", spacing="3",
        ),
        style={"minHeight": "48px", "display": "flex", "alignItems": "center", "width": "100%"},
        data_testid="attendee",
    )


def _case_card(item) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(rx.text(item["patient_name"], weight="bold"), rx.spacer(), rx.badge(item["status_label"], variant="soft"),
                          width="100%", wrap="wrap"),
                rx.text(item["reason_label"], size="2"),
                rx.text(T["question"], " : ", item["question"], size="2", style=WRAP),
                rx.text(T["requester"], " : ", item["requester"], size="2", color_scheme="gray"),
                rx.cond(item["correspondents"] != "", rx.text(T["correspondents"], " : ", item["correspondents"], size="2",
                                                              color_scheme="gray", style=WRAP)),
                rx.text(T["patient_informed_short"], " : ", item["patient_informed"], size="2"),
                rx.cond(item["complete"] == "true", rx.text(T["complete"], size="2", color_scheme="green"),
                        rx.text(T["missing"], " : ", item["missing"], size="2", color_scheme="orange", style=WRAP)),
                rx.cond(item["needs_representation"] == "true", rx.badge(T["represent"], color_scheme="red")),
                rx.cond(item["signed"] == "true", rx.badge(T["signed"], color_scheme="green")),
                spacing="1", width="100%",
            ),
            width="100%",
        ),
        href="/team/rcp/case?c=" + item["public_id"].to(str), underline="none", color="inherit", width="100%",
        data_testid="case-card",
    )


@area_page(route="/team/rcp/session", title=T["session"], area="team", on_load=[RcpSessionState.load])
def rcp_session() -> rx.Component:
    info = RcpSessionState.info
    return rx.vstack(
        _back(T["sessions"], "/team/rcp"),
        rx.cond(
            info.length() > 0,
            rx.vstack(
                rx.heading(info["rcp_name"], size="5", as_="h2"),
                rx.text(info["starts"], " · ", info["kind"], " · ", info["scope"], size="2"),
                rx.text(T["deadline"], " ", info["deadline"], size="2", color_scheme="gray"),
                rx.cond(info["place"] != "", rx.text(info["place"], size="2", color_scheme="gray", style=WRAP)),
                rx.cond(info["visio_url"] != "", rx.text(T["visio"], " : ", info["visio_url"], size="2", color_scheme="gray", style=WRAP)),
                rx.hstack(
                    rx.badge(info["status_label"], size="2", data_testid="session-status"),
                    rx.cond(RcpSessionState.can_manage, rx.hstack(
                        rx.cond(info["status"] == "planned", rx.button(T["publish"], on_click=RcpSessionState.set_status("published"),
                                                                       loading=RcpSessionState.busy, size="3")),
                        rx.cond((info["status"] == "published") | (info["status"] == "planned"),
                                rx.button(T["open"], on_click=RcpSessionState.set_status("open"), loading=RcpSessionState.busy, size="3",
                                          data_testid="open-session")),
                        rx.cond(info["status"] == "open", rx.link(rx.button(rx.icon("radio"), "Séance en direct", size="3", color_scheme="green"),
                                                                  href="/team/rcp/live?s=" + info["public_id"].to(str),
                                                                  data_testid="live-link")),
                        rx.cond(info["status"] == "open", rx.button(T["close"], on_click=RcpSessionState.set_status("closed"),
                                                                    loading=RcpSessionState.busy, size="3", variant="soft")),
                        wrap="wrap", spacing="2")),
                    wrap="wrap", align="center", spacing="3",
                ),
                rx.callout(RcpSessionState.quorum["summary"],
                           icon=rx.cond(RcpSessionState.quorum["reached"] == "true", "circle-check", "triangle-alert"),
                           color_scheme=rx.cond(RcpSessionState.quorum["reached"] == "true", "green", "orange"),
                           width="100%", data_testid="quorum", role="status", high_contrast=True),
                rx.heading(T["attendance"], size="4", as_="h2"),
                rx.card(rx.vstack(rx.foreach(RcpSessionState.attendees, _attendee), spacing="1", width="100%"), width="100%"),
                rx.heading(T["agenda"], size="4", as_="h2"),
                rx.cond(RcpSessionState.cases.length() > 0,
                        rx.vstack(rx.foreach(RcpSessionState.cases, _case_card), spacing="2", width="100%"),
                        rx.text(T["no_case"], color_scheme="gray")),
                spacing="3", width="100%",
            ),
            rx.spinner(size="3"),
        ),
        width="100%", spacing="3",
    )


# --------------------------------------------------------------------------------------------------- a case


def _proposal_row(item) -> rx.Component:
    index = item["index"]
    return rx.grid(
        rx.vstack(
            rx.el.label(T["treatment_type"], html_for="type_" + index.to(str), style={"fontWeight": "500"}),
            dropdown(RcpCaseState.types, placeholder=T["none_option"], id="type_" + index.to(str),
                     name="type_" + index.to(str), default_value=item["type_code"]),
            spacing="1", width="100%",
        ),
        rx.vstack(
            rx.el.label(T["intention"], html_for="intention_" + index.to(str), style={"fontWeight": "500"}),
            dropdown([("first", T["first"]), ("alternative", T["alternative"])], id="intention_" + index.to(str),
                     name="intention_" + index.to(str), default_value=item["intention"]),
            spacing="1", width="100%",
        ),
        rx.vstack(
            rx.el.label(T["detail"], html_for="detail_" + index.to(str), style={"fontWeight": "500"}),
            rx.input(id="detail_" + index.to(str), name="detail_" + index.to(str), default_value=item["detail"], size="3",
                     width="100%", max_length=1000),
            spacing="1", width="100%",
        ),
        columns=rx.breakpoints(initial="1", sm="3"), spacing="2", width="100%",
    )


def _decision_form() -> rx.Component:
    d, e = RcpCaseState.decision, RcpCaseState.errors
    return rx.form(
        rx.vstack(
            rx.heading(T["proposal"], size="4", as_="h2"),
            rx.vstack(
                rx.el.label(T["case_status"], style={"fontWeight": "500"}),
                rx.radio_group.root(
                    rx.vstack(
                        rx.el.label(rx.hstack(rx.radio_group.item(value="discussed"), rx.text(T["discussed"]), spacing="2", align="center"),
                                    style={"minHeight": "44px", "display": "flex", "alignItems": "center"}),
                        rx.el.label(rx.hstack(rx.radio_group.item(value="recorded"), rx.text(T["recorded"]), spacing="2", align="center"),
                                    style={"minHeight": "44px", "display": "flex", "alignItems": "center"}),
                    ),
                    name="status", default_value=rx.cond(d["status"] == "recorded", "recorded", "discussed"), size="3",
                ),
                error_text(e.get("status", ""), field_id="status"),
                spacing="1", width="100%",
            ),
            rx.foreach(RcpCaseState.proposal, _proposal_row),
            error_text(e.get("proposal", ""), field_id="proposal"),
            field(T["guideline"], "guideline", default_value=d["guideline"], error=e.get("guideline", ""), max_length=300),
            _checkbox(T["trial"], "trial_proposed", default_checked=d["trial_proposed"] == "true"),
            field(T["trial_detail"], "trial_detail", default_value=d["trial_detail"], error=e.get("trial_detail", ""), max_length=300),
            _textarea(T["exams"], "additional_exams", default_value=d["additional_exams"], error=e.get("additional_exams", "")),
            _textarea(T["comment"], "comment", default_value=d["comment"], error=e.get("comment", "")),
            banner(e.get("form", "")),
            submit_button(T["save_decision"], loading=RcpCaseState.saving, data_testid="save-decision"),
            spacing="3", width="100%",
        ),
        on_submit=RcpCaseState.save, reset_on_submit=False, width="100%",
        key=d["version_key"],
    )


def _sign_form() -> rx.Component:
    e = RcpCaseState.sign_errors
    d = RcpCaseState.decision
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(T["sign_title"], size="4", as_="h2"),
                rx.text(T["sign_help"], size="2"),
                rx.cond(d["document"] != "", field(T["correction_reason"], "correction_reason",
                                                   error=e.get("correction_reason", ""), max_length=300)),
                field(T["totp"], "code", input_mode="numeric", autocomplete="one-time-code", max_length=8,
                      error=e.get("code", "")),
                error_text(e.get("decision", ""), field_id="decision"),
                submit_button(T["sign"], loading=RcpCaseState.signing, data_testid="sign"),
                spacing="3", width="100%",
            ),
            on_submit=RcpCaseState.sign, reset_on_submit=True, width="100%",
        ),
        width="100%",
    )


@area_page(route="/team/rcp/case", title=T["case"], area="team", on_load=[RcpCaseState.load])
def rcp_case() -> rx.Component:
    c, d = RcpCaseState.case, RcpCaseState.decision
    return rx.vstack(
        rx.cond(c.length() > 0, _back(T["session"], "/team/rcp/session?s=" + c["session_public_id"].to(str))),
        rx.cond(
            c.length() > 0,
            rx.vstack(
                rx.heading(c["patient_name"], size="5", as_="h2", data_testid="case-patient"),
                rx.text(d["rcp_name"], " · ", d["session_date"], size="2"),
                rx.hstack(rx.badge(c["status_label"], size="2", data_testid="case-status"),
                          rx.cond(c["needs_representation"] == "true", rx.badge(T["represent"], color_scheme="red", size="2")),
                          wrap="wrap"),
                rx.card(rx.vstack(
                    rx.text(c["reason_label"], weight="medium"),
                    rx.text(T["question"], " : ", c["question"], style=WRAP, data_testid="case-question"),
                    rx.cond(d["summary"] != "", rx.text(T["summary"], " : ", d["summary"], style=WRAP, size="2")),
                    rx.text(T["requester"], " : ", c["requester"], size="2", color_scheme="gray"),
                    spacing="1", width="100%"), width="100%"),
                rx.heading(T["checklist"], size="4", as_="h2"),
                rx.vstack(rx.foreach(RcpCaseState.checklist, lambda i: rx.hstack(
                    rx.icon(rx.cond(i["ok"] == "true", "circle-check", "circle-alert"), size=18,
                            color=rx.cond(i["ok"] == "true", rx.color("green", 10), rx.color("orange", 10))),
                    rx.text(i["label"], " : ", i["detail"], size="2", style=WRAP), align="center")), spacing="1", width="100%"),
                rx.callout(RcpCaseState.quorum["summary"], icon="users",
                           color_scheme=rx.cond(RcpCaseState.quorum["reached"] == "true", "green", "orange"), width="100%", high_contrast=True),
                banner(RcpCaseState.message, color="green", icon="circle-check", testid="case-message"),
                rx.cond(d["document"] != "", rx.link(rx.button(rx.icon("file-text", size=16), T["open_fiche"], size="3", variant="soft"),
                                                     href="/document?d=" + d["document"].to(str), data_testid="open-fiche")),
                rx.cond(d["signed_at"] != "", rx.text(T["signed_on"], " ", d["signed_at"], " ", T["by"], " ", d["signed_by"],
                                                      " (", T["version"], " ", d["document_version"], ")", size="2", color_scheme="gray")),
                rx.cond(d["can_decide"] == "true", _decision_form(),
                        rx.text(T["decision_readonly"], size="2", color_scheme="gray")),
                rx.cond((d["is_coordinator"] == "true") & (d["needs_signature"] == "true"), _sign_form()),
                spacing="3", width="100%",
            ),
            rx.spinner(size="3"),
        ),
        width="100%", spacing="3",
    )


# --------------------------------------------------------------------------------------------------- registration


def _registered_card() -> rx.Component:
    r = RcpRegisterState.registered
    return rx.card(
        rx.vstack(
            rx.heading(T["registered_title"], size="4", as_="h2"),
            rx.text(r["rcp_name"], " · ", r["session_starts"], weight="medium"),
            rx.text(r["reason_label"], size="2"),
            rx.text(T["question"], " : ", r["question"], size="2", style=WRAP),
            rx.text(T["presenter"], " : ", r["presenter"], size="2"),
            rx.cond(r["correspondents"] != "", rx.text(T["correspondents"], " : ", r["correspondents"], size="2", style=WRAP,
                                                       data_testid="registered-correspondents")),
            rx.text(T["patient_informed_short"], " : ", r["patient_informed"], size="2", data_testid="registered-informed"),
            rx.cond(r["complete"] == "true", rx.text(T["complete"], size="2", color_scheme="green"),
                    rx.text(T["missing"], " : ", r["missing"], size="2", color_scheme="orange", style=WRAP)),
            rx.button(rx.icon("calendar-plus", size=16), T["register_another"], on_click=RcpRegisterState.another, size="3",
                      variant="soft", data_testid="register-another"),
            spacing="2", width="100%",
        ),
        width="100%", data_testid="registered-card",
    )


def _register_form() -> rx.Component:
    e = RcpRegisterState.errors
    return rx.form(
        rx.vstack(
            select_field(T["session_field"], "session", RcpRegisterState.sessions, error=e.get("session", "")),
            select_field(T["reason"], "reason", [("treatment_proposal", T["treatment_proposal"]),
                                                 ("diagnostic_opinion", T["diagnostic_opinion"]), ("recours", T["recours_reason"])],
                         error=e.get("reason", "")),
            _textarea(T["question"], "question", error=e.get("question", "")),
            _textarea(T["summary"], "summary", error=e.get("summary", ""), rows=4, max_length=8000),
            rx.cond(RcpRegisterState.presenter_is_self,
                    select_field(T["presenter"], "presenter", RcpRegisterState.presenters, error=e.get("presenter", ""),
                                 placeholder=None),
                    select_field(T["presenter"], "presenter", RcpRegisterState.presenters, error=e.get("presenter", ""),
                                 placeholder=T["presenter_choose"])),
            correspondents_field(),
            _checkbox(T["patient_informed"], "patient_informed"),
            _checkbox(T["imaging_reviewed"], "imaging_reviewed"),
            submit_button(T["register_submit"], loading=RcpRegisterState.saving, data_testid="register-submit"),
            spacing="3", width="100%",
        ),
        on_submit=RcpRegisterState.submit, reset_on_submit=False, width="100%", key=RcpRegisterState.form_key,
    )


@area_page(route="/team/rcp/register", title=T["register"], area="team", on_load=[RcpRegisterState.load])
def rcp_register() -> rx.Component:
    return rx.vstack(
        _back(T["back_patient"], "/team/patient?p=" + RcpRegisterState.patient_public_id),
        rx.heading(RcpRegisterState.patient_name, size="5", as_="h2"),
        rx.heading(T["checklist"], size="4", as_="h2"),
        rx.vstack(rx.foreach(RcpRegisterState.checklist, lambda i: rx.hstack(
            rx.icon(rx.cond(i["ok"] == "true", "circle-check", "circle-alert"), size=18,
                    color=rx.cond(i["ok"] == "true", rx.color("green", 10), rx.color("orange", 10))),
            rx.text(i["label"], " : ", i["detail"], size="2", style=WRAP), align="center", data_testid="checklist-item")),
            spacing="1", width="100%"),
        banner(RcpRegisterState.message, color="green", icon="circle-check", testid="register-message"),
        rx.cond(RcpRegisterState.registered.length() > 0, _registered_card(), _register_form()),
        rx.heading(T["registrations"], size="4", as_="h2"),
        rx.vstack(rx.foreach(RcpRegisterState.cases, lambda c: rx.card(rx.vstack(
            rx.text(c["rcp_name"], " · ", c["session_starts"], weight="medium"),
            rx.text(c["status_label"], size="2"),
            rx.text(T["patient_informed_short"], " : ", c["patient_informed"], size="2"),
            rx.cond(c["correspondents"] != "", rx.text(T["correspondents"], " : ", c["correspondents"], size="2", style=WRAP)),
            rx.cond(c["document_public_id"] != "", rx.link(T["open_fiche"], href="/document?d=" + c["document_public_id"].to(str))),
            spacing="1"), width="100%", data_testid="registration")), spacing="2", width="100%"),
        width="100%", spacing="3", max_width="760px",
    )
