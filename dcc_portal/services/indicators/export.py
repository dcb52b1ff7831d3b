"""The CSV of the Indicateurs area: exactly the tables the page shows for the reader's filters (each figure with its
target, its monthly trend and its breakdown by RCP, small cells written « < 5 » as on screen), through a single-use
download ticket. The export is audited with its filters; no patient is ever in it."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import AuditAction, Organisation, Rcp, utcnow
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.spreadsheet import csv_bytes
from dcc_portal.services.common.storage import FilePayload
from dcc_portal.services.indicators import report
from dcc_portal.services.record import downloads

PRODUCER = "indicators_csv"


def issue(db: Session, *, actor: Actor, date_from: str, date_to: str, rcp_public_id: str = "",
          organisation_public_id: str = "", site: str = "", now: datetime | None = None) -> str:
    """A single-use URL for the CSV of these filters; they are checked (access, validity) before any ticket."""
    report.build(db, actor=actor, date_from=date_from, date_to=date_to, rcp_public_id=rcp_public_id,
                 organisation_public_id=organisation_public_id, site=site, now=now)
    rcp_id = db.exec(select(Rcp.id).where(Rcp.public_id == rcp_public_id)).first() if rcp_public_id else None
    organisation_id = (db.exec(select(Organisation.id).where(Organisation.public_id == organisation_public_id)).first()
                       if organisation_public_id else None)
    # Internal ids in the ticket (kept on the server only): two public ids would not fit its target.
    target = f"r{rcp_id or ''}.o{organisation_id or ''}.s{site}"
    variant = "-".join(date.fromisoformat(day).strftime("%Y%m%d") for day in (date_from, date_to))
    return downloads.issue(db, actor=actor, producer=PRODUCER, target=target, variant=variant, now=now)


def _filters_of_ticket(db: Session, target: str, variant: str) -> dict:
    parts = dict((part[:1], part[1:]) for part in target.split(".") if part)
    start, end = (datetime.strptime(day, "%Y%m%d").date().isoformat() for day in variant.split("-"))
    rcp = db.get(Rcp, int(parts["r"])) if parts.get("r") else None
    organisation = db.get(Organisation, int(parts["o"])) if parts.get("o") else None
    if (parts.get("r") and rcp is None) or (parts.get("o") and organisation is None):
        raise ValueError("unknown RCP or establishment")
    return {"date_from": start, "date_to": end, "rcp_public_id": rcp.public_id if rcp else "",
            "organisation_public_id": organisation.public_id if organisation else "", "site": parts.get("s", "")}


def rows(result: report.Report) -> list[list[str]]:
    """The page's tables one after the other, each under its title, the filters first."""
    lines: list[list[str]] = [["Indicateurs du réseau"], *[[name, value] for name, value in result.shown_filters],
                              ["Calculé le", result.computed_at], ["Fraîcheur", result.freshness], [],
                              ["Indicateur", "Valeur", "Détail", "Objectif", "Objectif atteint"]]
    met = {"oui": "Objectif atteint", "non": "Objectif non atteint"}
    lines += [[figure.label, figure.text, figure.detail, figure.target, met.get(figure.met, "")] for figure in result.figures]
    for figure in result.figures:
        lines += [[], [f"Tendance mensuelle : {figure.label}"], ["Mois", "Valeur"]]
        lines += [[point.month, point.text] for point in figure.trend]
        by = "RCP" if figure.breakdown_by == "RCP" else figure.breakdown_by.lower()
        lines += [[], [f"Répartition par {by} : {figure.label}"], [figure.breakdown_by, "Valeur", "Effectif"]]
        lines += [[share.name, share.value, share.count] for share in figure.breakdown]
    return lines


def produce_csv(db: Session, *, actor: Actor, target: str, variant: str = "") -> FilePayload:
    """The download-ticket producer: the figures computed again within the reader's rights, the export audited."""
    try:
        filters = _filters_of_ticket(db, target, variant)
    except (ValueError, KeyError):
        raise access.deny(db, actor=actor, action=AuditAction.EXPORT,
                          detail="export des indicateurs : ticket invalide") from None
    result = report.build(db, actor=actor, **filters)
    audit.record(db, actor=actor, action=AuditAction.EXPORT, detail=f"export CSV des indicateurs du réseau {result.summary}")
    stamp = formatting.to_paris(utcnow()).strftime("%Y%m%d-%H%M")
    return FilePayload(csv_bytes(rows(result)), "text/csv; charset=utf-8", f"indicateurs-{stamp}.csv")
