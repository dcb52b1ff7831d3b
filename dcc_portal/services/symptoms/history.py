"""What the team reads of a patient's check-ins (each read audited): one series per symptom over time with the PPS
treatment dates, and the one-line summary of the last report. The GP sees alerts and actions on the timeline, and
the detailed answers only while the patient agrees to share them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, or_
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import Grant, Patient, SymptomAlert, SymptomAnswer, SymptomGpSharing, SymptomReport, utcnow
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.symptoms import questionnaire, rules, treatment

HISTORY_REPORTS = 26  # half a year of weekly check-ins


@dataclass(frozen=True)
class Series:
    item: str
    label: str
    top: float  # the top of the scale: 4, or 41 °C for the fever
    points: list[dict]  # {"date": "12/03", "value": severity 0-4 or °C or None, "session": top on treatment days}


@dataclass(frozen=True)
class TeamHistory:
    available: bool  # the detailed answers: the care team's, and the médecin traitant's when the patient agrees
    summary: str = ""  # one line, "" without any report
    series: list[Series] = field(default_factory=list)
    treatments: str = ""  # "Chimiothérapie : séances du 20/03 au 22/05"
    open_alerts: int = 0
    care_team: bool = False  # the reader works the alerts (worklist link)


def _summary(report: SymptomReport | None, rows: dict, alert_level: str | None) -> str:
    if report is None:
        return ""
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
    level = f" — {'alerte immédiate' if alert_level == rules.Level.IMMEDIATE else 'alerte'}" if alert_level else ""
    what = ", ".join(present) if present else "aucun symptôme signalé"
    return f"Dernier questionnaire le {formatting.date_fr(report.submitted_at)} : {what}{level}."


def _span(start: date, end: date) -> str:
    """« du 20/03 au 22/05/2026 », the year on both ends when the period crosses one."""
    return f"du {start.strftime('%d/%m' if start.year == end.year else '%d/%m/%Y')} au {end.strftime('%d/%m/%Y')}"


def _value(item: str, row) -> float | None:
    if item == "fever":
        return row.temperature_tenths / 10 if row.present and row.temperature_tenths else None
    return (row.severity or 0) if row.present else 0


_GP_SHARING = dbmod.Read(select(SymptomGpSharing.patient_id).where(SymptomGpSharing.patient_id == bindparam("patient_id")))


def _reader_detail(db: Session, *, actor: Actor, patient: Patient, now: datetime) -> tuple[bool, str]:
    """Whether this reader gets the detailed answers, and what the audit says of the read."""
    grant = access.grant_for(db, actor=actor, patient=patient, now=now)
    if grant == Grant.CARE_TEAM:
        return True, "suivi des symptômes"
    if grant == Grant.MEDECIN_TRAITANT:
        if _GP_SHARING.scalar(db, {"patient_id": patient.id}) is not None:
            return True, "suivi des symptômes : réponses détaillées partagées par le patient"
        return False, "suivi des symptômes : réponses non partagées par le patient (alertes sur le parcours seulement)"
    return False, "suivi des symptômes : alertes sur le parcours seulement"


# The patient's last check-ins, their answers, and their open alerts with the last check-in's: three reads per file.
_LAST_REPORTS = (
    select(SymptomReport.id, SymptomReport.submitted_at)
    .where(SymptomReport.patient_id == bindparam("patient_id"), SymptomReport.submitted_at.is_not(None))
    .order_by(SymptomReport.submitted_at.desc(), SymptomReport.id.desc()).limit(HISTORY_REPORTS)
)
_REPORTS = dbmod.Read(_LAST_REPORTS)
_ANSWERS = dbmod.Read(
    select(SymptomAnswer.report_id, SymptomAnswer.item, SymptomAnswer.present, SymptomAnswer.severity,
           SymptomAnswer.temperature_tenths)
    .where(SymptomAnswer.report_id.in_(select(_LAST_REPORTS.subquery().c.id)))
)
_ALERTS = dbmod.Read(
    select(SymptomAlert.report_id, SymptomAlert.level, SymptomAlert.acknowledged_at)
    .where(SymptomAlert.patient_id == bindparam("patient_id"),
           or_(SymptomAlert.acknowledged_at.is_(None), SymptomAlert.report_id == bindparam("last_report_id")))
)


def team_history(db: Session, *, actor: Actor, patient_public_id: str, now: datetime | None = None) -> TeamHistory:
    """The check-ins as the care team reads them (audited read). The médecin traitant reads the same while the
    patient agrees to share them; without it, and for anyone else with access to the record (RCP, emergency),
    `available=False`: they see the alerts and actions on the timeline only."""
    now = now or utcnow()
    patient = access.patient_by_public_id(db, patient_public_id)
    available, detail = _reader_detail(db, actor=actor, patient=patient, now=now) if patient else (False, "")
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id,
                                            detail=detail or "suivi des symptômes", now=now)
    if not available or grant not in (Grant.CARE_TEAM, Grant.MEDECIN_TRAITANT):
        return TeamHistory(available=False)
    reports = list(reversed(_REPORTS.run(db, {"patient_id": patient.id})))
    current = treatment.of_patient(db, patient, formatting.paris_today(now))
    values: dict[date, dict[str, float | None]] = {}
    answers: dict[int, dict] = {}
    for row in _ANSWERS.run(db, {"patient_id": patient.id}) if reports else ():
        answers.setdefault(row.report_id, {})[row.item] = row
    for report in reports:
        values[formatting.to_paris(report.submitted_at).date()] = {
            item: _value(item, row) for item, row in answers.get(report.id, {}).items()}
    sessions = set()
    if current is not None and reports:
        first, last = min(values), max(values)
        sessions = {day for day in current.sessions if first - timedelta(days=7) <= day <= last}
    days = sorted(set(values) | sessions)
    series = []
    for item in questionnaire.ITEMS:
        if not any(item in answers for answers in values.values()):
            continue
        top = 41.0 if item == "fever" else 4.0
        points = [{"date": day.strftime("%d/%m"), "value": values.get(day, {}).get(item),
                   "session": top if day in sessions else None} for day in days]
        series.append(Series(item, questionnaire.LABELS[item], top, points))
    periods = "; ".join(f"{period.label} {_span(period.start, period.end)}" for period in (current.periods if current else ()))
    last = reports[-1] if reports else None
    alerts = _ALERTS.run(db, {"patient_id": patient.id, "last_report_id": last.id if last else None})
    open_alerts = sum(1 for alert in alerts if alert.acknowledged_at is None)
    last_level = next((alert.level for alert in alerts if last and alert.report_id == last.id), None)
    summary = _summary(last, answers.get(last.id, {}) if last else {}, last_level)
    return TeamHistory(True, summary, series, periods, open_alerts, grant == Grant.CARE_TEAM)
