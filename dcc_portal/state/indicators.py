"""/indicators: the network's figures within the reader's perimeter, filtered by period, RCP, establishment and
tumour site; one figure at a time on the chart, with its table and its breakdown."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import reflex as rx

from dcc_portal import formatting
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.indicators import export, report
from dcc_portal.state.session import authenticated

FILTER_FIELDS = ("date_from", "date_to", "rcp", "establishment", "site")


def _year_back(today: date) -> date:
    month = today.month - 11
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


class IndicatorsState(rx.State):
    figures: list[dict] = []
    rcps: list[list[str]] = []
    establishments: list[list[str]] = []
    sites: list[list[str]] = []
    filters: dict[str, str] = {}
    period: str = ""
    perimeter: str = ""
    computed_at: str = ""
    freshness: str = ""
    selected: str = "rcp_before_treatment"
    errors: dict[str, str] = {}
    form_key: int = 0
    loading: bool = False
    exporting: bool = False

    @rx.var
    def pathway_figures(self) -> list[dict]:
        return [figure for figure in self.figures if figure["family"] == "pathway"]

    @rx.var
    def rcp_figures(self) -> list[dict]:
        return [figure for figure in self.figures if figure["family"] == "rcp"]

    @rx.var
    def use_figures(self) -> list[dict]:
        return [figure for figure in self.figures if figure["family"] == "use"]

    @rx.var
    def chosen(self) -> dict:
        return next((figure for figure in self.figures if figure["key"] == self.selected),
                    {"key": "", "label": "", "text": "", "detail": "", "target": "", "trend": [], "breakdown": [],
                     "breakdown_by": "RCP"})

    @rx.var
    def chart_points(self) -> list[dict]:
        figure = self.chosen
        return [{"month": point["month"], "value": point["value"]} for point in figure.get("trend", [])]

    def _chosen_filters(self) -> dict[str, str]:
        return {"date_from": self.filters.get("date_from", ""), "date_to": self.filters.get("date_to", ""),
                "rcp_public_id": self.filters.get("rcp", ""),
                "organisation_public_id": self.filters.get("establishment", ""), "site": self.filters.get("site", "")}

    async def _compute(self):
        async with authenticated(self) as (db, actor):
            result = report.indicators(db, actor=actor, **self._chosen_filters())
        self.figures = [asdict(figure) for figure in result.figures]
        self.rcps = [[option.value, option.label] for option in result.rcps]
        self.establishments = [[option.value, option.label] for option in result.establishments]
        self.sites = [[option.value, option.label] for option in result.sites]
        self.period, self.perimeter, self.computed_at = result.period, result.perimeter, result.computed_at
        self.freshness = result.freshness

    @rx.event
    async def load(self):
        today = formatting.paris_today()
        self.filters = {"date_from": _year_back(today).isoformat(), "date_to": today.isoformat(), "rcp": "",
                        "establishment": "", "site": ""}
        self.errors = {}
        await self._compute()
        self.form_key += 1

    @rx.event
    async def apply(self, form_data: dict):
        self.filters = {name: str(form_data.get(name, ""))[:40] for name in FILTER_FIELDS}
        self.errors = {}
        self.loading = True
        yield
        try:
            await self._compute()
        except ValidationFailed as error:
            self.errors = error.errors
        finally:
            self.loading = False

    @rx.event
    async def export_csv(self):
        """The CSV of the filters applied (those of the figures on screen, not a form being edited)."""
        self.exporting = True
        yield
        try:
            async with authenticated(self) as (db, actor):
                url = export.issue(db, actor=actor, **self._chosen_filters())
        except ValidationFailed as error:
            self.errors = error.errors
            return
        finally:
            self.exporting = False
        yield rx.download(url=url)

    @rx.event
    def choose(self, key: str):
        if any(figure["key"] == key for figure in self.figures):
            self.selected = key
