"""Patient file, documents tab: the team's list (status, version, release to the patient) and its forms."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import (
    banner,
    error_text,
    field,
    pager,
    select_field,
    submit_button,
    text_area,
)
from dcc_portal.components.pathway import reader_href
from dcc_portal.models import ReleaseMode
from dcc_portal.services.record import documents, reports
from dcc_portal.state.reports import TeamDocumentsState

T = texts.PATHWAY
S = TeamDocumentsState
UPLOAD_ID = "report-file"
STRUCTURED_OPTIONS = [(k.value, documents.kind_label(k)) for k in reports.STRUCTURED_KINDS]
UPLOAD_OPTIONS = [(k.value, documents.kind_label(k)) for k in reports.UPLOAD_KINDS]
GATING_OPTIONS = [("", T["gating_auto"]), ("yes", T["gating_yes"]), ("no", T["gating_no"])]
RELEASE_OPTIONS = [(ReleaseMode.AUTO.value, T["release_auto"]), (ReleaseMode.RELEASED.value, T["release_now"]),
                   (ReleaseMode.HELD.value, T["release_hold"])]
RELEASE_COLOURS = {"draft": "orange", "hidden": "gray", "waiting": "amber", "held": "red", "released": "blue", "visible": "grass"}


# react-dropzone renders its own hidden file input without a label; name it for screen readers.
_LABEL_FILE_INPUT = (
    "document.querySelectorAll('[data-testid=file-drop] input[type=file]')"
    f".forEach(function (input) {{ input.setAttribute('aria-label', {T['file']!r}); }})"
)


def _file_picker() -> rx.Component:
    return rx.vstack(
        rx.el.label(T["file"], style={"fontWeight": "500", "fontSize": "0.95rem"}),
        rx.upload(
            rx.vstack(
                rx.button(rx.icon("upload", size=16), T["choose_file"], type="button", variant="soft", size="3", min_height="44px"),
                rx.text(T["drop_help"], size="2", color_scheme="gray"),
                align="center", spacing="1",
            ),
            id=UPLOAD_ID,
            accept={"application/pdf": [".pdf"]},
            max_files=1,
            max_size=reports.MAX_UPLOAD_BYTES,
            multiple=False,
            on_drop=S.stage_file(rx.upload_files(upload_id=UPLOAD_ID)),
            on_drop_rejected=lambda _rejected: S.file_rejected(),
            border=f"2px dashed {rx.color('gray', 7)}",
            border_radius="8px",
            padding="1rem",
            width="100%",
            data_testid="file-drop",
        ),
        rx.cond(S.staged_name != "",
                rx.callout(rx.text(T["file_ready"], " ", rx.text.strong(S.staged_name), " (", S.staged_size, ")"),
                           icon="file-check", color_scheme="grass", width="100%", data_testid="file-ready", high_contrast=True)),
        error_text(S.errors.get("file", ""), field_id="file"),
        spacing="1", width="100%",
        on_mount=rx.run_script(_LABEL_FILE_INPUT),
    )


def _report_fields(*, upload: bool) -> rx.Component:
    v, e = S.form_values, S.errors
    return rx.vstack(
        rx.grid(
            select_field(T["kind"], "kind", UPLOAD_OPTIONS if upload else STRUCTURED_OPTIONS, default_value=v["kind"], error=e.get("kind", "")),
            field(T["service_date"], "service_date", type="date", default_value=v["service_date"], error=e.get("service_date", "")),
            columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
        ),
        field(T["title"], "title", default_value=v["title"], error=e.get("title", "")),
        rx.grid(
            field(T["author"], "author", default_value=v["author"], error=e.get("author", "")) if upload else rx.fragment(),
            field(T["establishment"], "establishment", default_value=v["establishment"], error=e.get("establishment", "")),
            columns=rx.breakpoints(initial="1", sm="2" if upload else "1"), spacing="3", width="100%",
        ),
        rx.fragment() if upload else text_area(T["body"], "body", default_value=v["body"], error=e.get("body", ""), rows="10", max_length=20000),
        text_area(T["conclusion"], "conclusion", default_value=v["conclusion"], error=e.get("conclusion", ""), rows="3", max_length=4000),
        select_field(T["gating"], "announces_cancer", GATING_OPTIONS, placeholder=None, default_value=v["announces_cancer"],
                     error=e.get("announces_cancer", "")),
        checkbox("share_dmp", T["share_dmp"], checked=v["share_dmp"] == "on"),
        spacing="3", width="100%",
    )


def checkbox(name: str, label: str, *, checked: rx.Var) -> rx.Component:
    """A native checkbox posting with its form, touch-sized with its label."""
    return rx.el.label(
        rx.hstack(rx.el.input(type="checkbox", name=name, default_checked=checked, style={"width": "22px", "height": "22px"}),
                  rx.text(label, size="2"), align="center", spacing="2", min_height="44px"),
    )


def _validate_box() -> rx.Component:
    return rx.cond(
        S.can_validate,
        rx.vstack(
            checkbox("validate", T["validate_now"], checked=S.form_values["validate"] == "on"),
            error_text(S.errors.get("validate", ""), field_id="validate"),
            spacing="1",
        ),
    )


def document_form() -> rx.Component:
    form, v, e = S.form, S.form_values, S.errors
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(S.form_title, size="4", as_="h3", style={"overflowWrap": "anywhere"}),
                rx.spacer(),
                rx.icon_button(rx.icon("x"), on_click=S.close_form, variant="ghost", aria_label=texts.COMMON["cancel"]),
                width="100%", align="center",
            ),
            rx.cond((form == "upload") | (form == "new_file"), _file_picker()),
            rx.form(
                rx.vstack(
                    rx.match(
                        form,
                        ("structured", rx.vstack(_report_fields(upload=False), _validate_box(), spacing="3", width="100%")),
                        ("upload", rx.vstack(_report_fields(upload=True), _validate_box(), spacing="3", width="100%")),
                        ("correct", rx.vstack(_report_fields(upload=False),
                                              field(T["version_reason"], "reason", default_value=v["reason"], error=e.get("reason", ""), max_length=500),
                                              spacing="3", width="100%")),
                        ("new_file", field(T["version_reason"], "reason", default_value=v["reason"], error=e.get("reason", ""), max_length=500)),
                        ("release", rx.vstack(
                            select_field(T["release_mode"], "mode", RELEASE_OPTIONS, placeholder=None, default_value=v["mode"], error=e.get("mode", "")),
                            field(T["release_reason"], "reason", default_value=v["reason"], error=e.get("reason", ""), max_length=500),
                            spacing="3", width="100%")),
                        rx.fragment(),
                    ),
                    banner(e.get("form", "")),
                    submit_button(T["record"], loading=S.saving, data_testid="document-submit"),
                    spacing="3", width="100%",
                ),
                on_submit=S.submit,
                key=S.form_key,
                width="100%",
            ),
            spacing="3", width="100%",
        ),
        width="100%",
        data_testid="document-form",
    )


def _team_card(item: rx.Var) -> rx.Component:
    state = item["release_state"]
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(item["kind_label"], variant="soft", size="2"),
                rx.badge(item["status_label"], color_scheme=rx.cond(item["status"] == "validated", "grass", "orange"), size="2"),
                rx.cond(item["is_file"] != "", rx.badge(T["pdf"], color_scheme="gray", size="2")),
                rx.badge(T["version"], " ", item["version"], color_scheme="gray", variant="outline", size="2"),
                wrap="wrap", spacing="2",
            ),
            rx.text(item["title"], weight="bold", style={"overflowWrap": "anywhere"}),
            rx.text(rx.cond(item["service_date"] != "", "Du " + item["service_date"].to(str), ""),
                    rx.cond(item["author"] != "", " · " + item["author"].to(str), ""), size="2", color_scheme="gray"),
            rx.hstack(
                rx.icon("eye", size=16),
                rx.text(item["release_label"], size="2", style={"overflowWrap": "anywhere"}),
                align="center", spacing="2", padding="0.25rem 0.5rem", border_radius="6px",
                background=rx.match(state, *[(k, rx.color(c, 3)) for k, c in RELEASE_COLOURS.items()], rx.color("gray", 3)),
                data_testid="release-label", data_state=state,
            ),
            rx.flex(
                rx.link(rx.button(rx.icon("file-text", size=16), T["open"], variant="soft", size="3", min_height="44px"),
                        href=reader_href(item["public_id"]), data_testid="open-document"),
                rx.cond(S.can_validate & (item["status"] == "draft"),
                        rx.button(rx.icon("check", size=16), T["validate"], on_click=S.validate(item["public_id"], item["version"]),
                                  variant="soft", color_scheme="grass", size="3", min_height="44px", data_testid="validate-document")),
                rx.cond((S.can_write & (item["is_structured"] != "")) | (S.can_file & (item["is_file"] != "")),
                        rx.button(rx.icon("pencil", size=16), T["new_version"], on_click=S.open_correction(item["public_id"]),
                                  variant="soft", color_scheme="gray", size="3", min_height="44px", data_testid="new-version")),
                rx.cond(S.can_release,
                        rx.button(rx.icon("lock", size=16), T["release"], on_click=S.open_release(item["public_id"], item["title"], item["release_mode"]),
                                  variant="soft", color_scheme="gray", size="3", min_height="44px", data_testid="release-document")),
                wrap="wrap", gap="0.5rem",
            ),
            spacing="2", width="100%",
        ),
        width="100%",
        data_testid="team-document",
    )


def documents_tab() -> rx.Component:
    return rx.vstack(
        banner(S.notice, color="green", icon="check", testid="document-notice"),
        rx.cond(
            S.form == "",
            rx.flex(
                rx.cond(S.can_write, rx.button(rx.icon("file-pen", size=16), T["new_structured"], on_click=S.open_structured,
                                               size="3", min_height="44px", data_testid="new-structured")),
                rx.cond(S.can_file, rx.button(rx.icon("upload", size=16), T["new_upload"], on_click=S.open_upload,
                                              size="3", variant="soft", min_height="44px", data_testid="new-upload")),
                wrap="wrap", gap="0.5rem",
            ),
            document_form(),
        ),
        rx.text(S.total, " document(s)", size="2", color_scheme="gray"),
        rx.cond(
            S.items.length() > 0,
            rx.vstack(rx.foreach(S.items, _team_card), spacing="2", width="100%"),
            rx.cond(S.loaded, rx.text(T["no_documents"], color_scheme="gray", size="2")),
        ),
        rx.cond(S.page_count > 1, pager(S.page, S.page_count, on_previous=S.previous_page, on_next=S.next_page)),
        spacing="3", width="100%",
    )
