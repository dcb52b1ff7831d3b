"""The Indicateurs area: the figures a reader may see for a period, an RCP, an establishment and a tumour site;
each with its value, its target, its trend by month and its breakdown by RCP. Reading them is audited."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import AuditAction, Organisation, Rcp, Role, utcnow
from dcc_portal.services.access import audit
from dcc_portal.services.common import inputs
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.indicators import board_figures, pathway_figures, scope, summary, use_figures
from dcc_portal.services.indicators.definitions import (
    DEFINITIONS,
    SITE_BY_KEY,
    SMALL_CELL,
    SITES,
    Definition,
    count_text,
    percentile,
    rate,
    rate_text,
)
from dcc_portal.services.indicators.sql import Filters

NO_RCP = "Sans inscription en RCP"
LONGEST_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True)
class Point:
    month: str  # « 03/2026 »
    value: float | None  # None: not shown (small cell)
    text: str


@dataclass(frozen=True)
class Share:
    name: str
    value: str
    count: str  # the denominator as shown


@dataclass(frozen=True)
class Figure:
    key: str
    family: str
    label: str
    kind: str
    value: float | None  # the headline number (%, days of the median, a count, a mean)
    text: str  # the headline as shown
    detail: str  # numerator / denominator, or the distribution
    target: str
    met: str  # « oui » | « non » | "" (no target, or not shown)
    trend: list[Point] = field(default_factory=list)
    breakdown: list[Share] = field(default_factory=list)
    breakdown_by: str = "RCP"  # what the breakdown's rows are


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Report:
    figures: list[Figure]
    period: str
    perimeter: str
    computed_at: str
    rcps: list[Option]
    establishments: list[Option]
    sites: list[Option]
    freshness: str = ""  # « à jour il y a 3 min »
    shown_filters: list[tuple[str, str]] = field(default_factory=list)  # (filter, value) as the reader chose them
    summary: str = ""  # the filters as written in the audit trail (codes, never a patient)


def _month_label(month: str) -> str:
    return f"{month[5:7]}/{month[:4]}" if month and len(month) >= 7 else month


def _rate_figure(definition: Definition, totals: tuple[int, int], by_month: dict, by_rcp: dict, names: dict) -> Figure:
    numerator, denominator = totals
    value = rate(numerator, denominator)
    met = "" if value is None or definition.target_rate is None else ("oui" if value >= definition.target_rate else "non")
    trend = [Point(_month_label(month), rate(*pair), rate_text(rate(*pair))) for month, pair in sorted(by_month.items())]
    breakdown = [Share(names.get(rcp_id, NO_RCP), rate_text(rate(*pair)), count_text(pair[1]))
                 for rcp_id, pair in sorted(by_rcp.items(), key=lambda item: names.get(item[0], NO_RCP)) if pair[1]]
    return Figure(definition.key, definition.family, definition.label, definition.kind, value, rate_text(value),
                  f"{count_text(numerator)} sur {count_text(denominator)}", definition.target, met, trend, breakdown)


def _delay_text(histogram: dict[int, int], target_days: int) -> tuple[float | None, str, str]:
    median, p90 = percentile(histogram, 0.5), percentile(histogram, 0.9)
    total = sum(histogram.values())
    within = sum(n for days, n in histogram.items() if days <= target_days)
    if median is None:
        return None, "effectif < 5", f"{count_text(total)} patients"
    share = rate(within, total)
    return (float(median), f"médiane {median} j",
            f"90e percentile {p90} j · {rate_text(share)} dans l'objectif · {count_text(total)} patients")


def _delay_figure(definition: Definition, histograms: pathway_figures.Histograms, names: dict) -> Figure:
    overall: dict[int, int] = defaultdict(int)
    for histogram in histograms.by_month.values():
        for days, n in histogram.items():
            overall[days] += n
    value, text, detail = _delay_text(overall, definition.target_days)
    within = rate(sum(n for d, n in overall.items() if d <= definition.target_days), sum(overall.values()))
    met = "" if value is None or within is None else ("oui" if value <= definition.target_days else "non")
    trend = []
    for month, histogram in sorted(histograms.by_month.items()):
        median, month_text, _ = _delay_text(histogram, definition.target_days)
        trend.append(Point(_month_label(month), median, month_text))
    breakdown = [Share(names.get(rcp_id, NO_RCP), _delay_text(histogram, definition.target_days)[1],
                       count_text(sum(histogram.values())))
                 for rcp_id, histogram in sorted(histograms.by_rcp.items(), key=lambda item: names.get(item[0], NO_RCP))]
    return Figure(definition.key, definition.family, definition.label, definition.kind, value, text, detail,
                  definition.target, met, trend, breakdown)


def _sums(rows, key_of, numerator, denominator) -> dict:
    sums: dict = defaultdict(lambda: [0, 0])
    for row in rows:
        pair = sums[key_of(row)]
        pair[0] += numerator(row)
        pair[1] += denominator(row)
    return {key: tuple(pair) for key, pair in sums.items()}


# (numerator, denominator) of each rate, from a row of counts.
PATHWAY_RATES = {
    "rcp_before_treatment": (lambda r: r.rcp_before_treatment, lambda r: r.treated),
    "announcement": (lambda r: r.announced, lambda r: r.new),
    "pps_handover": (lambda r: r.pps, lambda r: r.with_rcp),
}
BOARD_RATES = {
    "quorum": (lambda s: s.quorum, lambda s: s.discussed),
    "complete_at_registration": (lambda s: s.complete, lambda s: s.registered),
    "signed_within_7_days": (lambda s: s.signed_in_time, lambda s: s.decided),
    "sent_to_gp": (lambda s: s.sent_to_gp, lambda s: s.with_gp),
    "gp_refusal": (lambda s: s.gp_refused, lambda s: s.with_gp),
    "sent_to_dmp": (lambda s: s.sent_to_dmp, lambda s: s.signed),
    "dmp_refusal": (lambda s: s.dmp_refused, lambda s: s.signed),
}


def _rates(definition: Definition, rows: list, formulas: dict, names: dict) -> Figure:
    numerator, denominator = formulas[definition.key]
    total = _sums(rows, lambda row: "all", numerator, denominator).get("all", (0, 0))
    return _rate_figure(definition, total, _sums(rows, lambda row: row.month, numerator, denominator),
                        _sums(rows, lambda row: row.rcp_id, numerator, denominator), names)


def _sessions_figures(sessions: list[board_figures.SessionCounts], names: dict) -> list[Figure]:
    by_month: dict[str, list] = defaultdict(list)
    by_rcp: dict[int, list] = defaultdict(list)
    for session in sessions:
        by_month[session.month].append(session)
        by_rcp[session.rcp_id].append(session)

    def sessions_in(group: list) -> int:
        return sum(s.sessions for s in group)

    def mean(group: list) -> float | None:
        cases = sum(s.decided for s in group)
        return round(cases / sessions_in(group), 1) if cases >= SMALL_CELL else None

    def mean_text(value: float | None) -> str:
        return "effectif < 5" if value is None else f"{value:.1f}".replace(".", ",")

    held, per_session = (definition for definition in DEFINITIONS if definition.key in ("sessions_held", "cases_per_session"))
    ordered_rcps = sorted(by_rcp.items(), key=lambda item: names.get(item[0], ""))
    count = sessions_in(sessions)
    decided = sum(s.decided for s in sessions)
    return [
        # A number of sessions says nothing of any patient: it is shown whole.
        Figure(held.key, held.family, held.label, held.kind, float(count), str(count), "", "", "",
               [Point(_month_label(m), float(sessions_in(g)), str(sessions_in(g))) for m, g in sorted(by_month.items())],
               [Share(names.get(r, ""), str(sessions_in(g)), str(sessions_in(g))) for r, g in ordered_rcps]),
        Figure(per_session.key, per_session.family, per_session.label, per_session.kind, mean(sessions),
               mean_text(mean(sessions)), f"{count_text(decided)} dossiers, {count_text(count)} séances", "", "",
               [Point(_month_label(m), mean(g), mean_text(mean(g))) for m, g in sorted(by_month.items())],
               [Share(names.get(r, ""), mean_text(mean(g)), count_text(sessions_in(g))) for r, g in ordered_rcps]),
    ]


ROLE_NAMES = {Role.GP: "Médecins généralistes", Role.CLINICIAN: "Médecins hospitaliers", Role.NURSE: "Infirmiers",
              Role.RCP_SECRETARY: "Secrétariats de RCP (3C)", Role.ADMIN: "Administrateurs du réseau"}
PROFILE = "Profil"


def _count_figure(definition: Definition, total: int, detail: str, by_month: dict[str, int],
                  by_role: dict[str, int] | None = None) -> Figure:
    """A count: « < 5 » from 1 to 4, in the headline, the months and the breakdown alike."""
    def point(month: str, number: int) -> Point:
        return Point(_month_label(month), float(number) if number == 0 or number >= SMALL_CELL else None,
                     count_text(number))

    breakdown = [Share(ROLE_NAMES.get(role, role), count_text(number), count_text(number))
                 for role, number in sorted((by_role or {}).items(), key=lambda item: ROLE_NAMES.get(item[0], item[0]))]
    shown = float(total) if total == 0 or total >= SMALL_CELL else None
    return Figure(definition.key, definition.family, definition.label, definition.kind, shown, count_text(total), detail,
                  "", "", [point(month, number) for month, number in sorted(by_month.items())], breakdown, PROFILE)


def use(db: Session, filters: Filters, *, summarised: bool = False) -> list[Figure]:
    """The « Usage » figures of the period (the other filters do not apply to them)."""
    found = use_figures.counts(db, filters, summarised=summarised)
    definitions = {definition.key: definition for definition in DEFINITIONS if definition.family == "use"}
    gp_logins = sum(found.gp_logins_by_month.values())
    gp_reads = sum(found.gp_reads_by_month.values())
    return [
        _count_figure(definitions["active_professionals"], sum(found.active_by_role.values()), "comptes connectés",
                      found.active_by_month, found.active_by_role),
        _count_figure(definitions["gp_logins"], gp_logins, f"{count_text(found.gp_accounts)} médecins généralistes",
                      found.gp_logins_by_month),
        _count_figure(definitions["gp_document_reads"], gp_reads, f"par {count_text(found.gp_readers)} médecins généralistes",
                      found.gp_reads_by_month),
        _count_figure(definitions["emergency_accesses"], sum(found.emergency_by_role.values()), "",
                      found.emergency_by_month, found.emergency_by_role),
    ]


def months_of(start: date, end: date) -> list[str]:
    """'MM/YYYY' of every month the period touches."""
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{month:02d}/{year}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _every_month(figure: Figure, months: list[str]) -> Figure:
    """The trend with a point for each month of the period, the months without any case included."""
    points = {point.month: point for point in figure.trend}
    empty = Point("", 0.0, "0") if figure.key == "sessions_held" or figure.family == "use" else Point("", None, "aucun cas")
    return replace(figure, trend=[points.get(month) or replace(empty, month=month) for month in months])


def compute(db: Session, filters: Filters, names: dict[int, str], *, summarised: bool = False) -> list[Figure]:
    """Every figure, in the order of the definitions, from the summary tables or straight from the record (no access
    check: see `indicators`)."""
    if summarised:
        counts, delays = summary.pathway(db, filters)
        sessions = summary.session_counts(db, filters)
    else:
        counts, rows = pathway_figures.figures(db, filters)
        delays = {key: pathway_figures.histograms_of(delay_rows) for key, delay_rows in rows.items()}
        sessions = board_figures.session_counts(db, filters)
    figures = []
    for definition in DEFINITIONS:
        if definition.key in PATHWAY_RATES:
            figures.append(_rates(definition, counts, PATHWAY_RATES, names))
        elif definition.key in delays:
            figures.append(_delay_figure(definition, delays[definition.key], names))
        elif definition.key in BOARD_RATES:
            figures.append(_rates(definition, sessions, BOARD_RATES, names))
        elif definition.key == "sessions_held":
            figures.extend(_sessions_figures(sessions, names))
    months = months_of(filters.date_from, filters.date_to)
    return [_every_month(figure, months) for figure in figures]


def _parse_filters(db: Session, *, date_from: str, date_to: str, organisation_public_id: str, site: str,
                   now: datetime) -> tuple[date, date, int | None]:
    errors: dict[str, str] = {}
    start = inputs.parse_date(date_from, "date_from", errors, now=now)
    end = inputs.parse_date(date_to, "date_to", errors, now=now, allow_future=True)
    if start and end and end < start:
        errors["date_to"] = "La fin de la période précède son début."
    elif start and end and (end - start).days > LONGEST_PERIOD_DAYS:
        errors["date_to"] = "Choisissez une période de trois ans au plus."
    if site and site not in SITE_BY_KEY:
        errors["site"] = "Localisation inconnue."
    organisation_id = None
    if organisation_public_id:
        organisation_id = db.exec(select(Organisation.id).where(
            Organisation.public_id == str(organisation_public_id)[:32])).first()
        if organisation_id is None:
            errors["establishment"] = "Établissement inconnu."
    if errors:
        raise ValidationFailed(errors)
    return start, end, organisation_id


def build(db: Session, *, actor: Actor, date_from: str, date_to: str, rcp_public_id: str = "",
          organisation_public_id: str = "", site: str = "", now: datetime | None = None) -> Report:
    """The figures within the actor's perimeter (AccessDenied, audited, outside it); not audited as a reading."""
    now = now or utcnow()
    visible, rcp_id = scope.require(db, actor=actor, rcp_public_id=rcp_public_id)
    start, end, organisation_id = _parse_filters(db, date_from=date_from, date_to=date_to,
                                                 organisation_public_id=organisation_public_id, site=site, now=now)
    boards = db.exec(select(Rcp.id, Rcp.public_id, Rcp.name, Organisation.public_id, Organisation.name)
                     .join(Organisation, Organisation.id == Rcp.organisation_id).order_by(Rcp.name)).all()
    boards = [board for board in boards if visible is None or board[0] in visible]
    names = {board[0]: board[2] for board in boards}
    filters = Filters(start, end, rcp_id, organisation_id, site, frozenset(visible) if visible is not None else None)
    # The summary tables once the periodic job has filled them; until then (a database just created) the record itself.
    refreshed = summary.state(db)
    figures = compute(db, filters, names, summarised=refreshed is not None)
    if visible is None:  # the use of the portal by professionals: the network's administrator only
        months = months_of(filters.date_from, filters.date_to)
        figures += [_every_month(figure, months) for figure in use(db, filters, summarised=refreshed is not None)]
    freshness = summary.freshness(refreshed.refreshed_at, now) if refreshed is not None else "à jour à l'instant"
    establishments = sorted({(board[3], board[4]) for board in boards}, key=lambda item: item[1])
    perimeter = "tout le réseau" if visible is None else f"{len(visible)} RCP dont vous avez la charge"
    period = f"du {formatting.date_fr(start)} au {formatting.date_fr(end)}"
    establishment_name = dict(establishments).get(organisation_public_id, "")
    return Report(
        figures=figures,
        period=period,
        perimeter=perimeter,
        computed_at=formatting.datetime_fr(now),
        freshness=freshness,
        rcps=[Option(board[1], board[2]) for board in boards],
        establishments=[Option(public_id, name) for public_id, name in establishments],
        sites=[Option(s.key, f"{s.key} · {s.label}") for s in SITES],
        shown_filters=[("Période", period), ("Périmètre", perimeter),
                       ("RCP", names.get(rcp_id, "") if rcp_id else "Toutes les RCP"),
                       ("Établissement", establishment_name or "Tous les établissements"),
                       ("Localisation tumorale (CIM-10)",
                        f"{site} · {SITE_BY_KEY[site].label}" if site else "Toutes les localisations")],
        summary=f"{start.isoformat()}..{end.isoformat()} rcp={rcp_public_id[:32] or '*'} "
                f"établissement={organisation_public_id[:32] or '*'} site={site or '*'}",
    )


def indicators(db: Session, *, actor: Actor, date_from: str, date_to: str, rcp_public_id: str = "",
               organisation_public_id: str = "", site: str = "", now: datetime | None = None) -> Report:
    """The figures shown on the page; the reading is audited with its filters."""
    result = build(db, actor=actor, date_from=date_from, date_to=date_to, rcp_public_id=rcp_public_id,
                   organisation_public_id=organisation_public_id, site=site, now=now)
    audit.record(db, actor=actor, action=AuditAction.READ, detail=f"indicateurs du réseau {result.summary}")
    return result
