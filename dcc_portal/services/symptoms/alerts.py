"""The care team's side of the alerts: the coordination nurses' worklist (oldest first), the acknowledgement with
the action taken, and the escalation of an immediate alert nobody acknowledged to the team's clinicians."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    CareTeamMembership,
    Grant,
    NotificationKind,
    Patient,
    PathwayEventKind,
    Role,
    SymptomAlert,
    SymptomAnswer,
    SymptomReport,
    TeamRole,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs, periodic
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.names import patient_name
from dcc_portal.services.common.paging import Page
from dcc_portal.services.record import notifications, pathway
from dcc_portal.services.symptoms import questionnaire, rules

PAGE_SIZE = 20
ESCALATION_POLL = 300  # seconds
TEAM_ROLES = frozenset({Role.NURSE, Role.CLINICIAN})
ACTIONS = {
    "call": "Appel du patient",
    "advice": "Conseils donnés",
    "consultation": "Consultation programmée",
    "emergency": "Orientation vers les urgences",
}
LEVEL_LABELS = {rules.Level.IMMEDIATE: "Immédiate", rules.Level.ALERT: "Alerte"}
PHYSICIAN_ROLES = (TeamRole.REFERENT_PHYSICIAN, TeamRole.ONCOLOGIST, TeamRole.SURGEON, TeamRole.RADIOTHERAPIST,
                   TeamRole.ORGAN_SPECIALIST)


def escalation_delay() -> timedelta:
    """DCC_SYMPTOM_ESCALATION_HOURS (default 4): how long an immediate alert may stay unacknowledged."""
    try:
        hours = float(os.environ.get("DCC_SYMPTOM_ESCALATION_HOURS", "4"))
    except ValueError:
        hours = 4.0
    return timedelta(hours=max(hours, 0.0))


@dataclass(frozen=True)
class AlertRow:
    public_id: str
    patient_public_id: str
    patient: str
    raised_at: str
    level: str
    level_label: str
    reasons: list[str]
    trend: str
    treatment: str
    escalated: bool


def _weight(severity: int | None, temperature_tenths: int | None) -> int:
    """A symptom's weight in the trend: its severity; a fever of 38 °C or more counts as a severe symptom."""
    if temperature_tenths is not None:
        return rules.SEVERE if temperature_tenths >= 380 else 0
    return severity or 0


_BEFORE = aliased(SymptomReport)
# Each report of the page with the check-in submitted just before it by the same patient (index patient, submitted).
REPORTS_WITH_PREVIOUS = select(
    SymptomReport.id, SymptomReport.treatment,
    select(_BEFORE.id).where(_BEFORE.patient_id == SymptomReport.patient_id, _BEFORE.submitted_at.is_not(None),
                             _BEFORE.submitted_at < SymptomReport.submitted_at)
    .order_by(_BEFORE.submitted_at.desc(), _BEFORE.id.desc()).limit(1).correlate(SymptomReport).scalar_subquery(),
).where(SymptomReport.id.in_(bindparam("report_ids", expanding=True)))
PRESENT_ANSWERS = select(SymptomAnswer.report_id, SymptomAnswer.severity, SymptomAnswer.temperature_tenths).where(
    SymptomAnswer.report_id.in_(bindparam("report_ids", expanding=True)), SymptomAnswer.present.is_(True))


def _trend(now: int | None, before: int | None) -> str:
    if before is None:
        return "Premier questionnaire"
    return "En aggravation" if now > before else "En amélioration" if now < before else "Stable"


def reports_and_trends(db: Session, report_ids) -> dict[int, tuple[str, str]]:
    """report id -> (treatment group, trend against the check-in before it): two statements for any number."""
    ids = sorted(set(report_ids))
    if not ids:
        return {}
    reports = db.exec(REPORTS_WITH_PREVIOUS, params={"report_ids": ids}).all()
    weights: dict[int, int] = {}
    for report_id, severity, temperature in db.exec(PRESENT_ANSWERS, params={"report_ids": sorted(
            set(ids) | {previous for _id, _treatment, previous in reports if previous is not None})}).all():
        weights[report_id] = weights.get(report_id, 0) + _weight(severity, temperature)
    return {report_id: (group, _trend(weights.get(report_id, 0), None if previous is None else weights.get(previous, 0)))
            for report_id, group, previous in reports}


def trend_of(db: Session, report_id: int) -> str:
    """Compared with the check-in before: the sum of the severities went up, down or stayed."""
    return reports_and_trends(db, [report_id]).get(report_id, ("", "Premier questionnaire"))[1]


def _open_for(professional_id: int, today: date):
    return (SymptomAlert.acknowledged_at.is_(None)
            & SymptomAlert.patient_id.in_(access.team_patient_ids(professional_id, today)))


def worklist_statements(professional_id: int, *, page: int, today: date) -> tuple:
    """The count and the page of the open alerts of this professional's care teams, oldest first."""
    clause = _open_for(professional_id, today)
    return (select(func.count()).select_from(SymptomAlert).where(clause),
            select(SymptomAlert).where(clause).order_by(SymptomAlert.created_at, SymptomAlert.id)
            .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))


def worklist(db: Session, *, actor: Actor, page: int = 1, now: datetime | None = None) -> Page:
    """The open alerts of my care teams' patients, oldest first; each patient shown is an audited read. A page is
    the same few statements whatever its length (alerts, patients, access, reports with trends)."""
    now = now or utcnow()
    access.require_role(db, actor=actor, roles=TEAM_ROLES, action=AuditAction.READ, detail="alertes symptômes")
    escalate_due(db, now=now)
    today = formatting.paris_today(now)
    count, _ = worklist_statements(actor.professional_id, page=1, today=today)
    total = db.exec(count).one()
    page = max(1, min(int(page or 1), max(1, -(-total // PAGE_SIZE))))
    alerts = db.exec(worklist_statements(actor.professional_id, page=page, today=today)[1]).all()
    patients = {row.id: row for row in db.exec(select(Patient).where(Patient.id.in_({a.patient_id for a in alerts}))).all()}
    access.prefetch(db, actor=actor, patient_ids=patients, now=now)
    reports = reports_and_trends(db, [alert.report_id for alert in alerts])
    rows = []
    for alert in alerts:
        patient = patients[alert.patient_id]
        access.authorize_patient(db, actor=actor, patient=patient, detail="alerte symptômes (liste de travail)", now=now)
        group, trend = reports.get(alert.report_id, ("", ""))
        rows.append(AlertRow(alert.public_id, patient.public_id, patient_name(patient), formatting.datetime_fr(alert.created_at),
                             alert.level, LEVEL_LABELS.get(alert.level, alert.level), alert.reasons.splitlines(),
                             trend, questionnaire.GROUP_LABELS.get(group, ""), alert.escalated_at is not None))
    db.commit()
    return Page(items=rows, page=page, page_size=PAGE_SIZE, total=total)


def acknowledge(db: Session, *, actor: Actor, alert_public_id: str, action: str, note: str = "",
                now: datetime | None = None) -> None:
    """A nurse or clinician of the team records the action taken; the patient then sees it was acknowledged."""
    now = now or utcnow()
    access.require_role(db, actor=actor, roles=TEAM_ROLES, action=AuditAction.ACKNOWLEDGE, detail="alerte symptômes")
    alert = db.exec(select(SymptomAlert).where(SymptomAlert.public_id == str(alert_public_id)[:32])).first()
    if alert is None:
        raise access.deny(db, actor=actor, action=AuditAction.ACKNOWLEDGE, detail="alerte inconnue")
    patient = db.get(Patient, alert.patient_id)
    if access.grant_for(db, actor=actor, patient=patient, now=now) != Grant.CARE_TEAM:
        raise access.deny(db, actor=actor, action=AuditAction.ACKNOWLEDGE, patient_id=patient.id,
                          detail="alerte symptômes hors équipe de soins")
    errors: dict[str, str] = {}
    if action not in ACTIONS:
        errors["action"] = "Choisissez l'action menée."
    inputs.check_length(inputs.clean(note).strip(), 1000, "note", errors)
    if alert.acknowledged_at is not None:
        errors["alert"] = "Cette alerte a déjà été prise en compte."
    if errors:
        raise ValidationFailed(errors)
    access.authorize_patient(db, actor=actor, patient=patient, action=AuditAction.ACKNOWLEDGE,
                             detail=f"alerte symptômes prise en compte : {ACTIONS[action]}", now=now)
    alert.acknowledged_at, alert.acknowledged_by_account_id = now, actor.account_id
    alert.action, alert.action_note = action, inputs.text(note, 1000)
    db.add(alert)
    pathway.add_event(db, patient_id=patient.id, kind=PathwayEventKind.SYMPTOM_ALERT, occurred_on=formatting.paris_today(now),
                      title=f"Alerte prise en compte par l'équipe : {ACTIONS[action].lower()}",
                      author_professional_id=actor.professional_id)
    db.commit()


def escalate_due(db: Session, *, now: datetime | None = None, delay: timedelta | None = None) -> int:
    """Notify the team's physicians of each immediate alert left unacknowledged longer than the delay; once each."""
    now = now or utcnow()
    limit = now - (escalation_delay() if delay is None else delay)
    due = db.exec(select(SymptomAlert).where(SymptomAlert.level == rules.Level.IMMEDIATE,
                                             SymptomAlert.acknowledged_at.is_(None), SymptomAlert.escalated_at.is_(None),
                                             SymptomAlert.created_at <= limit)).all()
    today = formatting.paris_today(now)
    escalated = 0
    for alert in due:
        # Several portal processes may look at once: the one whose update claims the alert notifies.
        claimed = db.exec(update(SymptomAlert).where(SymptomAlert.id == alert.id, SymptomAlert.escalated_at.is_(None))
                          .values(escalated_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue
        physicians = sorted(set(db.exec(select(CareTeamMembership.professional_id)
                                        .where(CareTeamMembership.patient_id == alert.patient_id,
                                               CareTeamMembership.team_role.in_(PHYSICIAN_ROLES),
                                               access.active_membership_clause(today))).all()))
        for professional_id in physicians:
            notifications.notify_professional(db, professional_id=professional_id, kind=NotificationKind.SYMPTOM_ALERT,
                                              title="Alerte symptômes immédiate non prise en compte", patient_id=alert.patient_id)
        audit.record(db, action=AuditAction.UPDATE, patient_id=alert.patient_id, actor_role="system",
                     detail=f"alerte symptômes transmise aux médecins de l'équipe ({len(physicians)})")
        escalated += 1
    db.commit()
    return escalated


async def lifespan_task() -> None:
    """Started with the portal (Reflex lifespan task): escalates what is due every ESCALATION_POLL seconds.
    DCC_SYMPTOM_ESCALATION_WORKER=0 turns it off (then run `python -m dcc_portal symptoms-escalate` from cron)."""
    await periodic.every(ESCALATION_POLL, escalate_in_new_session, switch="DCC_SYMPTOM_ESCALATION_WORKER", what="symptom escalation")


def escalate_in_new_session() -> int:
    with dbmod.transaction() as db:
        return escalate_due(db)
