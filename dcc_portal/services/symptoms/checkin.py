"""The patient's weekly check-in: the home invitation, starting or resuming the questionnaire, saving each answer
as it is given, submitting (the rules judge it, an alert is raised), the pause, and what the patient sees of the
team's answer. Only the patient writes their reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    Patient,
    PathwayEventKind,
    Role,
    SymptomAlert,
    SymptomAnswer,
    SymptomGpSharing,
    SymptomPause,
    SymptomReport,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.record import pathway
from dcc_portal.services.symptoms import questionnaire, rules, treatment

CHECK_IN_EVERY = timedelta(days=7)
ACKNOWLEDGED_TEXT = "Votre équipe a pris connaissance"


def _own_patient(db: Session, actor: Actor, action: str, detail: str) -> Patient:
    if actor is None or actor.role != Role.PATIENT or actor.patient_id is None:
        raise access.deny(db, actor=actor, action=action, detail=detail)
    return db.get(Patient, actor.patient_id)


def _last_submitted(db: Session, patient_id: int) -> SymptomReport | None:
    return db.exec(select(SymptomReport).where(SymptomReport.patient_id == patient_id, SymptomReport.submitted_at.is_not(None))
                   .order_by(SymptomReport.submitted_at.desc(), SymptomReport.id.desc())).first()


def _open_report(db: Session, patient_id: int) -> SymptomReport | None:
    return db.exec(select(SymptomReport).where(SymptomReport.patient_id == patient_id, SymptomReport.submitted_at.is_(None))
                   .order_by(SymptomReport.id.desc())).first()


def answers_of(db: Session, report_id: int) -> dict[str, SymptomAnswer]:
    """The answers of one check-in, by item."""
    return {row.item: row for row in db.exec(select(SymptomAnswer).where(SymptomAnswer.report_id == report_id))}


@dataclass(frozen=True)
class AlertNews:
    when: str
    level: str
    acknowledged: bool
    text: str


@dataclass(frozen=True)
class Home:
    """The home banner: shown during an active treatment of the PPS."""
    in_treatment: bool
    paused: bool = False
    due: bool = False
    resuming: bool = False
    last_submitted: str = ""
    alerts: list[AlertNews] = field(default_factory=list)
    gp_shared: bool = False  # the médecin traitant may read the detailed answers


def _alert_news(db: Session, patient_id: int, limit: int = 3) -> list[AlertNews]:
    rows = db.exec(select(SymptomAlert).where(SymptomAlert.patient_id == patient_id)
                   .order_by(SymptomAlert.created_at.desc(), SymptomAlert.id.desc()).limit(limit)).all()
    return [AlertNews(formatting.datetime_fr(row.created_at), row.level, row.acknowledged_at is not None,
                      f"{ACKNOWLEDGED_TEXT} le {formatting.datetime_fr(row.acknowledged_at)}." if row.acknowledged_at
                      else "Votre équipe a été prévenue et va prendre connaissance de vos réponses.")
            for row in rows]


def home(db: Session, *, actor: Actor, now: datetime | None = None) -> Home:
    now = now or utcnow()
    patient = _own_patient(db, actor, AuditAction.READ, "suivi des symptômes")
    current = treatment.of_patient(db, patient, formatting.paris_today(now))
    news = _alert_news(db, patient.id)
    shared = db.get(SymptomGpSharing, patient.id) is not None
    if not treatment.in_treatment(current, formatting.paris_today(now)):
        return Home(in_treatment=False, alerts=news, gp_shared=shared)
    last = _last_submitted(db, patient.id)
    paused = db.get(SymptomPause, patient.id) is not None
    due = _answered_long_ago(last, now)
    return Home(in_treatment=True, paused=paused, due=due and not paused, resuming=_open_report(db, patient.id) is not None,
                last_submitted=formatting.datetime_fr(last.submitted_at) if last else "", alerts=news, gp_shared=shared)


def _answered_long_ago(last: SymptomReport | None, now: datetime) -> bool:
    return last is None or _aware(last.submitted_at) <= now - CHECK_IN_EVERY


def is_due(db: Session, *, patient: Patient, now: datetime) -> bool:
    """This week's check-in is waiting: a treatment running, check-ins not paused, none sent for a week."""
    if db.get(SymptomPause, patient.id) is not None:
        return False
    if not treatment.in_treatment(treatment.of_patient(db, patient, formatting.paris_today(now)), formatting.paris_today(now)):
        return False
    return _answered_long_ago(_last_submitted(db, patient.id), now)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Question:
    item: str
    question: str
    label: str
    interference: bool
    answered: bool
    present: str  # "yes" | "no" | ""
    severity: str
    interference_value: str
    temperature: str
    note: str


@dataclass(frozen=True)
class CheckIn:
    report_public_id: str
    treatment_label: str
    questions: list[Question]
    next_index: int  # first unanswered question; len(questions) when all are answered


def _question(item: str, answer: SymptomAnswer | None) -> Question:
    spec = questionnaire.ITEMS[item]
    if answer is None:
        return Question(item, spec.question, spec.label, spec.interference, False, "", "", "", "", "")
    return Question(item, spec.question, spec.label, spec.interference, True, "yes" if answer.present else "no",
                    "" if answer.severity is None else str(answer.severity),
                    "" if answer.interference is None else str(answer.interference),
                    "" if answer.temperature_tenths is None else f"{answer.temperature_tenths / 10:.1f}".replace(".", ","),
                    answer.note)


def start(db: Session, *, actor: Actor, now: datetime | None = None) -> CheckIn:
    """The open check-in with what was already answered, or a new one; refused outside an active treatment."""
    now = now or utcnow()
    patient = _own_patient(db, actor, AuditAction.CREATE, "questionnaire de symptômes")
    current = treatment.of_patient(db, patient, formatting.paris_today(now))
    report = _open_report(db, patient.id)
    if report is None:
        if not treatment.in_treatment(current, formatting.paris_today(now)):
            raise ValidationFailed({"report": "Aucun traitement en cours : pas de questionnaire à remplir."})
        report = SymptomReport(patient_id=patient.id, account_id=actor.account_id, treatment=current.group, started_at=now)
        db.add(report)
        db.flush()
        audit.record(db, actor=actor, action=AuditAction.CREATE, patient_id=patient.id, detail="questionnaire de symptômes")
        db.commit()
    return _view(db, report)


def _view(db: Session, report: SymptomReport) -> CheckIn:
    answered = answers_of(db, report.id)
    items = questionnaire.GROUP_ITEMS[report.treatment]
    questions = [_question(item, answered.get(item)) for item in items]
    next_index = next((index for index, question in enumerate(questions) if not question.answered), len(questions))
    return CheckIn(report.public_id, questionnaire.GROUP_LABELS[report.treatment], questions, next_index)


def _own_open_report(db: Session, actor: Actor, report_public_id: str, action: str) -> SymptomReport:
    patient = _own_patient(db, actor, action, "questionnaire de symptômes")
    report = db.exec(select(SymptomReport).where(SymptomReport.public_id == str(report_public_id)[:32])).first()
    if report is None or report.patient_id != patient.id:
        raise access.deny(db, actor=actor, action=action, patient_id=patient.id, detail="questionnaire d'un autre dossier")
    if report.submitted_at is not None:
        raise ValidationFailed({"report": "Ce questionnaire a déjà été envoyé à votre équipe."})
    return report


def answer(db: Session, *, actor: Actor, report_public_id: str, item: str, form: dict,
           now: datetime | None = None) -> CheckIn:
    """Save one answer at once (a lost connection loses nothing); ValidationFailed leaves it unsaved."""
    report = _own_open_report(db, actor, report_public_id, AuditAction.UPDATE)
    if item not in questionnaire.GROUP_ITEMS[report.treatment]:
        raise ValidationFailed({"item": "Cette question ne fait pas partie de votre questionnaire."})
    checked = questionnaire.check(item, form)
    row = answers_of(db, report.id).get(item) or SymptomAnswer(report_id=report.id, item=item)
    row.present, row.severity, row.interference = checked.present, checked.severity, checked.interference
    row.temperature_tenths, row.note, row.answered_at = checked.temperature_tenths, checked.note, now or utcnow()
    db.add(row)
    db.commit()
    return _view(db, report)


def rule_answers(rows: dict[str, SymptomAnswer]) -> list[rules.Answer]:
    return [rules.Answer(item, row.present, row.severity,
                         None if row.temperature_tenths is None else row.temperature_tenths / 10) for item, row in rows.items()]


def previous_severities(db: Session, patient_id: int) -> dict[str, int]:
    last = _last_submitted(db, patient_id)
    if last is None:
        return {}
    return {item: (row.severity or 0) if row.present else 0 for item, row in answers_of(db, last.id).items()
            if item != "fever"}


@dataclass(frozen=True)
class Outcome:
    level: str  # "" | rules.Level
    reasons: list[str]
    instruction: str  # what to do now (immediate alerts)
    call_phone: str


def submit(db: Session, *, actor: Actor, report_public_id: str, now: datetime | None = None) -> Outcome:
    """Send the check-in to the team once every question is answered; the rules may raise an alert."""
    now = now or utcnow()
    report = _own_open_report(db, actor, report_public_id, AuditAction.CREATE)
    rows = answers_of(db, report.id)
    missing = [item for item in questionnaire.GROUP_ITEMS[report.treatment] if item not in rows]
    if missing:
        raise ValidationFailed({"report": f"Il reste {len(missing)} question(s) sans réponse : "
                                          f"{', '.join(questionnaire.LABELS[item].lower() for item in missing)}."})
    patient = db.get(Patient, report.patient_id)
    result = rules.evaluate(rule_answers(rows), group=report.treatment, previous=previous_severities(db, patient.id),
                            labels=questionnaire.LABELS)
    report.submitted_at = now
    db.add(report)
    audit.record(db, actor=actor, action=AuditAction.CREATE, patient_id=patient.id, detail="questionnaire de symptômes envoyé")
    current = treatment.of_patient(db, patient, formatting.paris_today(now))
    if result.level is None:
        db.commit()
        return Outcome("", [], "", "")
    db.add(SymptomAlert(patient_id=patient.id, report_id=report.id, level=result.level,
                        reasons="\n".join(result.reasons)[:1000], created_at=now))
    pathway.add_event(db, patient_id=patient.id, kind=PathwayEventKind.SYMPTOM_ALERT, occurred_on=formatting.paris_today(now),
                      title=f"Alerte {'immédiate ' if result.level == rules.Level.IMMEDIATE else ''}signalée par le patient")
    db.commit()
    immediate = result.level == rules.Level.IMMEDIATE
    return Outcome(result.level, result.reasons, treatment.instruction(current) if immediate else "",
                   (current.call_phone if current and current.call_phone else treatment.EMERGENCY_NUMBER) if immediate else "")


def set_paused(db: Session, *, actor: Actor, paused: bool, now: datetime | None = None) -> None:
    patient = _own_patient(db, actor, AuditAction.UPDATE, "pause du suivi des symptômes")
    row = db.get(SymptomPause, patient.id)
    if paused and row is None:
        db.add(SymptomPause(patient_id=patient.id, paused_at=now or utcnow()))
    elif not paused and row is not None:
        db.delete(row)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id,
                 detail="suivi des symptômes mis en pause" if paused else "suivi des symptômes repris")
    db.commit()


def set_gp_sharing(db: Session, *, actor: Actor, shared: bool, now: datetime | None = None) -> None:
    """The patient lets their médecin traitant read their detailed answers, or withdraws it (audited either way)."""
    patient = _own_patient(db, actor, AuditAction.UPDATE, "partage du suivi des symptômes")
    row = db.get(SymptomGpSharing, patient.id)
    if shared and row is None:
        db.add(SymptomGpSharing(patient_id=patient.id, agreed_at=now or utcnow()))
    elif not shared and row is not None:
        db.delete(row)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id,
                 detail="réponses aux questionnaires de symptômes " + ("partagées avec le" if shared else "retirées au")
                        + " médecin traitant")
    db.commit()
