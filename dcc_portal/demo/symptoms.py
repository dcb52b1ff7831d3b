"""Demo symptom follow-up: patient.simon, in chemotherapy, answered the weekly check-in three times; the last one
(yesterday) raised an alert that no nurse has acknowledged yet. ide.petit coordinates in the care team. Fictitious,
like the rest of the demo region; loading twice changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from dcc_portal.formatting import PARIS
from dcc_portal.models import Account, CareTeamMembership, Patient, Role, SymptomReport, TeamRole
from dcc_portal.services.access import audit
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.symptoms import checkin, treatment

PATIENT = "patient.simon"
NURSE = "ide.petit"

# Days ago, then the symptoms present {item: severity}; the others are answered "no".
HISTORY = (
    (13, {"fatigue": 1}),
    (6, {"fatigue": 1, "nausea": 1, "appetite": 1}),
    (1, {"fatigue": 3, "nausea": 3, "appetite": 2, "neuropathy": 1}),
)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), PARIS).astimezone(UTC)


def load(db: Session, *, today: date | None = None) -> bool:
    """Adds the demo check-ins once; False when there already are some or patient.simon has no PPS."""
    if db.exec(select(SymptomReport.id)).first() is not None:
        return False
    account = db.exec(select(Account).where(Account.identifier == PATIENT)).first()
    nurse = db.exec(select(Account).where(Account.identifier == NURSE)).first()
    if account is None or account.patient_id is None:
        return False
    today = today or date.today()
    patient = db.get(Patient, account.patient_id)
    if nurse is not None and nurse.professional_id is not None and db.exec(select(CareTeamMembership.id).where(
            CareTeamMembership.patient_id == patient.id, CareTeamMembership.professional_id == nurse.professional_id,
            CareTeamMembership.removed_at.is_(None))).first() is None:
        db.add(CareTeamMembership(patient_id=patient.id, professional_id=nurse.professional_id, team_role=TeamRole.NURSE,
                                  start_date=today - timedelta(days=30)))
        db.flush()
    actor = Actor(account_id=account.id, role=Role.PATIENT, display_name=PATIENT, patient_id=patient.id)
    for days_ago, present in HISTORY:
        when = _at(today - timedelta(days=days_ago), 18)
        if not treatment.in_treatment(treatment.of_patient(db, patient, when.date()), when.date()):
            continue  # the demo programme's chemotherapy had not started yet
        with audit.dated(db, when):
            report = checkin.start(db, actor=actor, now=when)
            for question in report.questions:
                severity = present.get(question.item)
                form = {"present": "no"} if severity is None else {
                    "present": "yes", "severity": str(severity), "interference": str(severity)}
                checkin.answer(db, actor=actor, report_public_id=report.report_public_id, item=question.item, form=form,
                               now=when)
        sent = when + timedelta(minutes=2)
        with audit.dated(db, sent):
            checkin.submit(db, actor=actor, report_public_id=report.report_public_id, now=sent)
    return db.exec(select(SymptomReport.id)).first() is not None
