"""/indicators: the network indicators (administrator: the whole network; RCP secretariats and coordinators: their
RCPs). Tablet first: filters, the figures as cards, and the chosen figure's monthly chart beside its table."""

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.forms import banner, field, select_field, submit_button
from dcc_portal.components.layout import area_page
from dcc_portal.state.indicators import IndicatorsState as S

T = texts.INDICATORS


def _filters() -> rx.Component:
    errors = S.errors
    return rx.form(
        rx.vstack(
            rx.grid(
                field(T["from"], "date_from", type="date", error=errors.get("date_from", ""),
                      default_value=S.filters.get("date_from", "")),
                field(T["to"], "date_to", type="date", error=errors.get("date_to", ""),
                      default_value=S.filters.get("date_to", "")),
                select_field(T["rcp"], "rcp", S.rcps, placeholder=T["all_rcps"], default_value=S.filters.get("rcp", "")),
                select_field(T["establishment"], "establishment", S.establishments, error=errors.get("establishment", ""),
                             placeholder=T["all_establishments"], default_value=S.filters.get("establishment", "")),
                select_field(T["site"], "site", S.sites, error=errors.get("site", ""), placeholder=T["all_sites"],
                             default_value=S.filters.get("site", "")),
                columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                spacing="3",
                width="100%",
            ),
            submit_button(T["apply"], loading=S.loading, data_testid="indicators-apply"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.apply,
        key=S.form_key.to_string(),
        width="100%",
    )


def _card(figure: rx.Var) -> rx.Component:
    chosen = S.selected == figure["key"]
    return rx.card(
        rx.vstack(
            rx.text(figure["label"], weight="bold", size="2"),
            rx.text(figure["text"], size="6", weight="bold", data_testid="indicator-value"),
            rx.cond(figure["detail"] != "", rx.text(figure["detail"], size="2", color_scheme="gray")),
            rx.hstack(
                rx.cond(figure["target"] != "", rx.text(T["target"], " : ", figure["target"], size="2")),
                rx.cond(figure["met"] == "oui", rx.badge(T["met"], color_scheme="green")),
                rx.cond(figure["met"] == "non", rx.badge(T["not_met"], color_scheme="amber")),
                wrap="wrap", spacing="2", align="center",
            ),
            rx.button(rx.icon("chart-column", size=16), T["show_trend"], on_click=S.choose(figure["key"]),
                      variant=rx.cond(chosen, "solid", "soft"), size="2", min_height="44px", aria_pressed=chosen),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_testid="indicator-card",
    )


def _table(headers: list[str], rows: rx.Var, cells, testid: str) -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(header) for header in headers])),
        rx.table.body(rx.foreach(rows, lambda row: rx.table.row(*[rx.table.cell(cell(row)) for cell in cells]))),
        size="1",
        width="100%",
        data_testid=testid,
    )


def _chart() -> rx.Component:
    figure = S.chosen
    return rx.card(
        rx.vstack(
            rx.heading(T["trend"], " : ", figure["label"], size="4", as_="h2", data_testid="indicator-chart-title"),
            rx.grid(
                rx.box(
                    rx.recharts.bar_chart(
                        rx.recharts.bar(data_key="value", fill=rx.color("accent", 9), name=figure["label"],
                                        is_animation_active=False),
                        rx.recharts.x_axis(data_key="month"),
                        rx.recharts.y_axis(width=40),
                        rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
                        data=S.chart_points,
                        width="100%",
                        height=260,
                    ),
                    role="img",
                    aria_label=T["chart_label"] + " : " + figure["label"].to(str),
                    width="100%",
                    data_testid="indicator-chart",
                ),
                _table([T["month"], T["value"]], figure["trend"].to(list[dict]),
                       [lambda row: row["month"], lambda row: row["text"]], "indicator-trend-table"),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="3",
                width="100%",
            ),
            rx.heading(rx.cond(figure["breakdown_by"] == "RCP", T["breakdown"], T["breakdown_by_role"]), size="3", as_="h3"),
            _table([figure["breakdown_by"], T["value"], T["count"]], figure["breakdown"].to(list[dict]),
                   [lambda row: row["name"], lambda row: row["value"], lambda row: row["count"]], "indicator-breakdown"),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _section(title: str, figures: rx.Var, note: str = "") -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="4", as_="h2"),
        *([rx.text(note, size="2", color_scheme="gray")] if note else []),
        rx.grid(rx.foreach(figures, _card), columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="3", width="100%"),
        spacing="2",
        width="100%",
    )


@area_page(route="/indicators", title=T["title"], area="any", on_load=[S.load])
def indicators_page() -> rx.Component:
    return rx.vstack(
        rx.text(T["intro"], size="2", color_scheme="gray"),
        _filters(),
        banner(S.errors.get("form", "")),
        rx.hstack(
            rx.text(S.period, " · ", T["perimeter"], " : ", S.perimeter, " · ", T["figures"], " ", S.freshness,
                    size="2", data_testid="indicators-summary"),
            rx.button(rx.icon("download", size=16), T["export"], on_click=S.export_csv, type="button",
                      loading=S.exporting, variant="soft", size="2", min_height="44px", data_testid="indicators-export"),
            justify="between", align="center", wrap="wrap", spacing="2", width="100%",
        ),
        rx.cond(S.figures.length() > 0, _chart()),
        _section(T["pathway"], S.pathway_figures),
        _section(T["rcp_family"], S.rcp_figures),
        rx.cond(S.use_figures.length() > 0,
                rx.box(_section(T["use_family"], S.use_figures, T["use_note"]), width="100%", data_testid="indicators-use")),
        spacing="4",
        width="100%",
    )
