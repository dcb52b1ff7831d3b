"""/admin/audit: the administrator's search in the audit trail, with CSV export."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import (
    banner,
    field,
    pager,
    select_field,
    submit_button,
)
from dcc_portal.components.layout import area_page
from dcc_portal.services.access.audit_log import ACTION_LABELS, OUTCOME_LABELS
from dcc_portal.state.audit_admin import AdminAuditState

T = texts.ADMIN
ACTION_OPTIONS = sorted(((str(action), label) for action, label in ACTION_LABELS.items()), key=lambda item: item[1])
OUTCOME_OPTIONS = [(str(outcome), label) for outcome, label in OUTCOME_LABELS.items()]


def _filters() -> rx.Component:
    errors = AdminAuditState.errors
    return rx.form(
        rx.vstack(
            rx.grid(
                field(T["audit_patient"], "patient", error=errors.get("patient", ""), max_length=40),
                field(T["audit_user"], "user", error=errors.get("user", ""), max_length=120),
                select_field(T["audit_action"], "action", ACTION_OPTIONS, error=errors.get("action", ""), placeholder=T["audit_all"]),
                select_field(T["audit_outcome"], "outcome", OUTCOME_OPTIONS, error=errors.get("outcome", ""), placeholder=T["audit_any"]),
                field(T["audit_from"], "date_from", type="date", error=errors.get("date_from", "")),
                field(T["audit_to"], "date_to", type="date", error=errors.get("date_to", "")),
                columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                spacing="3",
                width="100%",
            ),
            rx.grid(
                submit_button(T["audit_search"], data_testid="audit-search"),
                rx.button(rx.icon("download", size=16), T["audit_export"], on_click=AdminAuditState.export, type="button",
                          loading=AdminAuditState.exporting, variant="soft", size="3", width="100%", min_height="44px",
                          data_testid="audit-export"),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=AdminAuditState.search,
        width="100%",
    )


def _line(label: str, value: rx.Var) -> rx.Component:
    return rx.cond(value != "", rx.text(rx.text.span(label, " : ", color_scheme="gray"), value, size="1", style={"overflowWrap": "anywhere"}))


def _event(item: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text("n° ", item["seq"], size="1", color_scheme="gray"),
                rx.text(item["at"], weight="bold", size="2"),
                rx.badge(item["action"], variant="soft"),
                rx.badge(item["outcome"], color_scheme=rx.cond(item["denied"] != "", "red", "green")),
                rx.cond(item["emergency"] != "", rx.badge(texts.PATIENT["emergency_badge"], color_scheme="red", variant="solid")),
                wrap="wrap",
                align="center",
                spacing="2",
            ),
            rx.text(
                rx.cond(item["user"] != "", item["user"], "—"), " · ", item["role"],
                rx.cond(item["organisation"] != "", " · " + item["organisation"].to(str), ""),
                size="2",
            ),
            _line(T["audit_patient_label"], item["patient"]),
            _line(T["audit_document"], item["document"]),
            _line(T["audit_grant"], item["grant"]),
            _line(T["audit_justification"], item["justification"]),
            _line("Détail", item["detail"]),
            _line(T["audit_ip"], item["client_ip"]),
            spacing="1",
            width="100%",
            min_width="0",
        ),
        width="100%",
        data_testid="audit-event",
    )


@area_page(route="/admin/audit", title=T["audit"], area="admin", on_load=[AdminAuditState.load])
def admin_audit() -> rx.Component:
    state = AdminAuditState
    return rx.vstack(
        _filters(),
        banner(state.errors.get("export", "")),
        rx.text(state.total, " ", T["audit_count"], size="2", color_scheme="gray", data_testid="audit-count"),
        rx.cond(state.capped, rx.callout(T["audit_capped"], icon="info", color_scheme="amber", width="100%", high_contrast=True)),
        rx.cond(
            state.items.length() > 0,
            rx.vstack(rx.foreach(state.items, _event), spacing="2", width="100%"),
            rx.cond(state.loaded, rx.text(T["audit_empty"], color_scheme="gray")),
        ),
        pager(state.page, state.page_count, on_previous=state.previous_page, on_next=state.next_page),
        rx.text(T["audit_verify_help"], size="1", color_scheme="gray"),
        spacing="4",
        width="100%",
    )
