"""What the team reads of a patient's check-ins (each read audited): one series per symptom over time with the PPS
treatment dates, and the one-line summary of the last report. The GP sees alerts and actions on the timeline only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import Grant, SymptomAlert, SymptomReport, utcnow
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.symptoms import checkin, questionnaire, rules, treatment

HISTORY_REPORTS = 26  # half a year of weekly check-ins


@dataclass(frozen=True)
class Series:
    item: str
    label: str
    points: list[dict]  # {"date": "12/03", "severity": 0-4} (fever: temperature in °C)


@dataclass(frozen=True)
class TeamHistory:
    summary: str  # one line, "" without any report
    series: list[Series]
    treatments: list[dict]  # {"label", "start", "end"} as chart labels
    open_alerts: int


def _summary(db: Session, report: SymptomReport | None) -> str:
    if report is None:
        return ""
    rows = checkin.answers_of(db, report.id)
    present = []
    for item in questionnaire.ITEMS:
        row = rows.get(item)
        if row is None or not row.present:
            continue
        label = questionnaire.LABELS[item].lower()
        if row.severity is not None:
            label += f" ({questionnaire.SEVERITY[row.severity].lower()})"
        elif row.temperature_tenths is not None:
            label += f" ({row.temperature_tenths / 10:.1f} °C)".replace(".", ",")
        present.append(label)
    alert = db.exec(select(SymptomAlert).where(SymptomAlert.report_id == report.id)).first()
    level = f" — {'alerte immédiate' if alert.level == rules.Level.IMMEDIATE else 'alerte'}" if alert else ""
    what = ", ".join(present) if present else "aucun symptôme signalé"
    return f"Dernier questionnaire le {formatting.date_fr(report.submitted_at)} : {what}{level}."


def team_history(db: Session, *, actor: Actor, patient_public_id: str, now: datetime | None = None) -> TeamHistory:
    """The care team's view (audited read); others of the record (GP, RCP) are refused the detailed answers."""
    now = now or utcnow()
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id,
                                            detail="suivi des symptômes", now=now)
    if grant != Grant.CARE_TEAM:
        raise access.deny(db, actor=actor, action="read", patient_id=patient.id, detail="réponses détaillées hors équipe")
    reports = list(reversed(db.exec(
        select(SymptomReport).where(SymptomReport.patient_id == patient.id, SymptomReport.submitted_at.is_not(None))
        .order_by(SymptomReport.submitted_at.desc(), SymptomReport.id.desc()).limit(HISTORY_REPORTS)).all()))
    by_item: dict[str, list[dict]] = {}
    for report in reports:
        day = formatting.to_paris(report.submitted_at).strftime("%d/%m")
        for item, row in checkin.answers_of(db, report.id).items():
            if item == "fever":
                value = row.temperature_tenths / 10 if row.present and row.temperature_tenths else 37.0
            else:
                value = (row.severity or 0) if row.present else 0
            by_item.setdefault(item, []).append({"date": day, "value": value})
    current = treatment.of_patient(db, patient, formatting.paris_today(now))
    periods = [{"label": period.label, "start": period.start.strftime("%d/%m"), "end": period.end.strftime("%d/%m")}
               for period in (current.periods if current else ())]
    open_alerts = len(db.exec(select(SymptomAlert.id).where(SymptomAlert.patient_id == patient.id,
                                                            SymptomAlert.acknowledged_at.is_(None))).all())
    series = [Series(item, questionnaire.LABELS[item], by_item[item]) for item in questionnaire.ITEMS if item in by_item]
    db.commit()
    return TeamHistory(_summary(db, reports[-1] if reports else None), series, periods, open_alerts)
