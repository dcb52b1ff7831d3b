"""Symptom follow-up: the alert rules on hand-built answers, the check-in saved answer by answer, the nurses'
worklist with acknowledgement, the escalation after the delay, rights and audit, and bad input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from dcc_portal.models import (
    AuditEvent,
    Notification,
    NotificationKind,
    PathwayEvent,
    SymptomAlert,
    SymptomAnswer,
    SymptomGpSharing,
)
from dcc_portal.services.common.errors import AccessDenied, ValidationFailed
from dcc_portal.services.record import pathway
from dcc_portal.services.symptoms import alerts, checkin, history, questionnaire, rules
from dcc_portal.services.symptoms.rules import Answer, Level, TreatmentGroup
from tests.symptom_world import IN_TREATMENT, answer_all, treated, world  # noqa: F401  (fixtures)

LABELS = questionnaire.LABELS


def judge(answers, group=TreatmentGroup.CHEMOTHERAPY, previous=None):
    return rules.evaluate(answers, group=group, previous=previous or {}, labels=LABELS)


# --- The rules, on hand-built answers ---------------------------------------------------------------------------

def test_fever_of_38_5_under_chemotherapy_is_immediate():
    result = judge([Answer("fever", True, temperature=38.5), Answer("fatigue", True, severity=1)])
    assert result.level == Level.IMMEDIATE
    assert result.reasons == ["Fièvre ≥ 38,5 °C sous traitement médical du cancer"]


def test_fever_of_38_2_under_chemotherapy_is_an_alert_and_after_surgery_nothing():
    assert judge([Answer("fever", True, temperature=38.2)]).reasons == ["Fièvre ≥ 38 °C sous traitement médical du cancer"]
    assert judge([Answer("fever", True, temperature=38.2)]).level == Level.ALERT
    assert judge([Answer("fever", True, temperature=38.2)], group=TreatmentGroup.SURGERY).level is None
    assert judge([Answer("fever", True, temperature=38.6)], group=TreatmentGroup.HORMONE).level == Level.ALERT


def test_severe_diarrhoea_is_immediate_whatever_the_treatment():
    for group in (TreatmentGroup.CHEMOTHERAPY, TreatmentGroup.RADIOTHERAPY):
        result = judge([Answer("diarrhoea", True, severity=3)], group=group)
        assert (result.level, result.reasons) == (Level.IMMEDIATE, ["Diarrhée sévère"])
    assert judge([Answer("diarrhoea", True, severity=2)]).level is None
    assert judge([Answer("diarrhoea", True, severity=2)], group=TreatmentGroup.IMMUNOTHERAPY).reasons == \
        ["Diarrhée sous immunothérapie"]


def test_a_severe_symptom_without_its_own_rule_is_an_alert():
    result = judge([Answer("pain", True, severity=3)])
    assert (result.level, result.reasons) == (Level.ALERT, ["Symptôme sévère : douleur"])


def test_a_two_level_worsening_since_the_last_report_is_an_alert():
    result = judge([Answer("nausea", True, severity=2), Answer("fatigue", True, severity=2)], previous={"nausea": 0, "fatigue": 1})
    assert (result.level, result.reasons) == (Level.ALERT, ["Aggravation depuis le dernier questionnaire : nausées"])


def test_no_symptom_raises_nothing():
    assert judge([Answer(item, False) for item in questionnaire.GROUP_ITEMS[TreatmentGroup.CHEMOTHERAPY]]).level is None


def test_the_items_follow_the_treatment_type_of_the_pps():
    assert questionnaire.group_of(["C15632", "387713003"]) == TreatmentGroup.CHEMOTHERAPY
    assert questionnaire.group_of(["C15445"]) == TreatmentGroup.HORMONE
    assert "neuropathy" in questionnaire.GROUP_ITEMS[TreatmentGroup.CHEMOTHERAPY]
    assert "neuropathy" not in questionnaire.GROUP_ITEMS[TreatmentGroup.HORMONE]


# --- The check-in, with the database ----------------------------------------------------------------------------

def test_the_home_banner_invites_during_treatment_and_not_before(treated):
    assert checkin.home(treated.db, actor=treated.me, now=IN_TREATMENT - timedelta(days=30)).in_treatment is False
    home = checkin.home(treated.db, actor=treated.me, now=IN_TREATMENT)
    assert (home.in_treatment, home.due, home.paused) == (True, True, False)
    checkin.set_paused(treated.db, actor=treated.me, paused=True, now=IN_TREATMENT)
    home = checkin.home(treated.db, actor=treated.me, now=IN_TREATMENT)
    assert (home.paused, home.due) == (True, False)


def test_a_half_finished_questionnaire_resumes_where_it_stopped(treated):
    report = checkin.start(treated.db, actor=treated.me, now=IN_TREATMENT)
    assert report.treatment_label == "Chimiothérapie" and report.next_index == 0
    checkin.answer(treated.db, actor=treated.me, report_public_id=report.report_public_id, item="fever",
                   form={"present": "yes", "temperature": "37,9"}, now=IN_TREATMENT)
    checkin.answer(treated.db, actor=treated.me, report_public_id=report.report_public_id, item="nausea",
                   form={"present": "yes", "severity": "2", "interference": "1"}, now=IN_TREATMENT)
    treated.db.expunge_all()
    resumed = checkin.start(treated.db, actor=treated.me, now=IN_TREATMENT + timedelta(hours=2))
    assert resumed.report_public_id == report.report_public_id
    assert resumed.next_index == 2
    assert (resumed.questions[0].temperature, resumed.questions[1].severity) == ("37,9", "2")
    assert checkin.home(treated.db, actor=treated.me, now=IN_TREATMENT).resuming is True


def test_a_fever_under_chemotherapy_tells_the_patient_whom_to_call_and_reaches_the_nurse(treated):
    report = checkin.start(treated.db, actor=treated.me, now=IN_TREATMENT)
    answer_all(treated, report, fever="38,7")
    outcome = checkin.submit(treated.db, actor=treated.me, report_public_id=report.report_public_id, now=IN_TREATMENT)
    assert outcome.level == Level.IMMEDIATE
    assert outcome.call_phone == "02 99 20 20 21"
    assert "Appelez maintenant votre équipe au 02 99 20 20 21" in outcome.instruction and "le 15" in outcome.instruction

    page = alerts.worklist(treated.db, actor=treated.nurse, now=IN_TREATMENT + timedelta(minutes=5))
    assert page.total == 1
    row = page.items[0]
    assert (row.level_label, row.treatment, row.trend) == ("Immédiate", "Chimiothérapie", "Premier questionnaire")
    assert row.reasons == ["Fièvre ≥ 38,5 °C sous traitement médical du cancer"]
    assert checkin.home(treated.db, actor=treated.me, now=IN_TREATMENT).alerts[0].acknowledged is False

    alerts.acknowledge(treated.db, actor=treated.nurse, alert_public_id=row.public_id, action="call",
                       note="Rappelée, NFS en ville ce jour", now=IN_TREATMENT + timedelta(minutes=20))
    news = checkin.home(treated.db, actor=treated.me, now=IN_TREATMENT).alerts[0]
    assert news.acknowledged and news.text.startswith(checkin.ACKNOWLEDGED_TEXT)
    assert alerts.worklist(treated.db, actor=treated.nurse, now=IN_TREATMENT + timedelta(hours=1)).total == 0
    audited = treated.db.exec(select(AuditEvent.detail).where(AuditEvent.action == "acknowledge")).all()
    assert audited == ["alerte symptômes prise en compte : Appel du patient"]
    reads = treated.db.exec(select(AuditEvent).where(AuditEvent.detail == "alerte symptômes (liste de travail)")).all()
    assert len(reads) == 1 and reads[0].grant == "care_team"


def test_the_gp_sees_the_alert_and_the_action_on_the_timeline_but_not_the_answers(treated):
    report = checkin.start(treated.db, actor=treated.me, now=IN_TREATMENT)
    answer_all(treated, report, fever="39")
    checkin.submit(treated.db, actor=treated.me, report_public_id=report.report_public_id, now=IN_TREATMENT)
    alert = treated.db.exec(select(SymptomAlert)).one()
    alerts.acknowledge(treated.db, actor=treated.nurse, alert_public_id=alert.public_id, action="emergency", now=IN_TREATMENT)
    titles = [item.title for item in pathway.timeline(treated.db, actor=treated.gp, patient_public_id=treated.patient.public_id,
                                                      now=IN_TREATMENT) if item.kind == "symptom_alert"]
    assert sorted(titles) == ["Alerte immédiate signalée par le patient",
                              "Alerte prise en compte par l'équipe : orientation vers les urgences"]
    assert not any("39" in title or "Fièvre" in title for title in titles)
    assert history.team_history(treated.db, actor=treated.gp, patient_public_id=treated.patient.public_id,
                                now=IN_TREATMENT) == history.TeamHistory(available=False)


def test_the_gp_reads_the_detailed_answers_only_while_the_patient_agrees(treated):
    report = checkin.start(treated.db, actor=treated.me, now=IN_TREATMENT)
    answer_all(treated, report, severity={"nausea": 2})
    checkin.submit(treated.db, actor=treated.me, report_public_id=report.report_public_id, now=IN_TREATMENT)

    def gp_reads():
        return history.team_history(treated.db, actor=treated.gp, patient_public_id=treated.patient.public_id,
                                    now=IN_TREATMENT)

    assert checkin.home(treated.db, actor=treated.me, now=IN_TREATMENT).gp_shared is False
    assert gp_reads().available is False
    checkin.set_gp_sharing(treated.db, actor=treated.me, shared=True, now=IN_TREATMENT)
    assert checkin.home(treated.db, actor=treated.me, now=IN_TREATMENT).gp_shared is True
    shared = gp_reads()
    assert shared.available and not shared.care_team
    assert shared.summary.startswith("Dernier questionnaire le 24/03/2026 : nausées (modérée)")
    checkin.set_gp_sharing(treated.db, actor=treated.me, shared=False, now=IN_TREATMENT)
    assert gp_reads() == history.TeamHistory(available=False)
    treated.db.commit()
    reads = treated.db.exec(select(AuditEvent.detail, AuditEvent.grant).where(
        AuditEvent.account_id == treated.gp.account_id, AuditEvent.action == "read").order_by(AuditEvent.id)).all()
    withheld = ("suivi des symptômes : réponses non partagées par le patient (alertes sur le parcours seulement)",
                "medecin_traitant")
    assert reads == [withheld,
                     ("suivi des symptômes : réponses détaillées partagées par le patient", "medecin_traitant"), withheld]
    choices = treated.db.exec(select(AuditEvent.detail).where(AuditEvent.account_id == treated.me.account_id,
                                                              AuditEvent.detail.like("%médecin traitant"))).all()
    assert choices == ["réponses aux questionnaires de symptômes partagées avec le médecin traitant",
                       "réponses aux questionnaires de symptômes retirées au médecin traitant"]
    with pytest.raises(AccessDenied):
        checkin.set_gp_sharing(treated.db, actor=treated.gp, shared=True, now=IN_TREATMENT)
    assert treated.db.exec(select(SymptomGpSharing)).all() == []


def test_an_unacknowledged_immediate_alert_escalates_to_the_clinicians_after_the_delay(treated, monkeypatch):
    monkeypatch.setenv("DCC_SYMPTOM_ESCALATION_HOURS", "4")
    report = checkin.start(treated.db, actor=treated.me, now=IN_TREATMENT)
    answer_all(treated, report, severity={"diarrhoea": 4})
    assert checkin.submit(treated.db, actor=treated.me, report_public_id=report.report_public_id, now=IN_TREATMENT).level == Level.IMMEDIATE
    assert alerts.escalate_due(treated.db, now=IN_TREATMENT + timedelta(hours=3, minutes=59)) == 0
    assert alerts.escalate_due(treated.db, now=IN_TREATMENT + timedelta(hours=4)) == 1
    assert alerts.escalate_due(treated.db, now=IN_TREATMENT + timedelta(hours=6)) == 0  # once
    notified = treated.db.exec(select(Notification.account_id).where(Notification.kind == NotificationKind.SYMPTOM_ALERT)).all()
    assert sorted(notified) == sorted([treated.onco.account_id, treated.onco2.account_id])  # not the nurse, not the GP
    assert alerts.worklist(treated.db, actor=treated.nurse, now=IN_TREATMENT + timedelta(hours=6)).items[0].escalated


def test_a_worsening_since_the_last_week_raises_an_alert_with_its_trend(treated):
    first = checkin.start(treated.db, actor=treated.me, now=IN_TREATMENT)
    answer_all(treated, first, severity={"nausea": 0, "fatigue": 1})
    assert checkin.submit(treated.db, actor=treated.me, report_public_id=first.report_public_id, now=IN_TREATMENT).level == ""
    later = IN_TREATMENT + timedelta(days=7)
    second = checkin.start(treated.db, actor=treated.me, now=later)
    answer_all(treated, second, severity={"nausea": 2, "fatigue": 1}, now=later)
    outcome = checkin.submit(treated.db, actor=treated.me, report_public_id=second.report_public_id, now=later)
    assert (outcome.level, outcome.reasons, outcome.instruction) == (
        Level.ALERT, ["Aggravation depuis le dernier questionnaire : nausées"], "")
    assert alerts.worklist(treated.db, actor=treated.nurse, now=later).items[0].trend == "En aggravation"
    seen = history.team_history(treated.db, actor=treated.onco, patient_public_id=treated.patient.public_id, now=later)
    assert seen.summary.startswith("Dernier questionnaire le 31/03/2026 : nausées (modérée), fatigue (légère) — alerte")
    assert seen.open_alerts == 1
    alert = alerts.worklist(treated.db, actor=treated.nurse, now=later).items[0]
    alerts.acknowledge(treated.db, actor=treated.nurse, alert_public_id=alert.public_id, action="call", now=later)
    acknowledged = history.team_history(treated.db, actor=treated.onco, patient_public_id=treated.patient.public_id, now=later)
    assert (acknowledged.open_alerts, acknowledged.summary) == (0, seen.summary)  # the last report still says it alerted
    nausea = next(series for series in seen.series if series.item == "nausea")
    assert [point["value"] for point in nausea.points] == [None, 0, 2]
    assert seen.treatments == "Chimiothérapie du 20/03 au 22/05/2026"
    assert [(point["date"], point["session"]) for point in nausea.points] == [
        ("20/03", 4.0), ("24/03", None), ("31/03", None)]  # the first session of the chemotherapy is marked
    third = checkin.start(treated.db, actor=treated.me, now=later + timedelta(days=1))
    answer_all(treated, third, fever="38,6", now=later + timedelta(days=1))
    checkin.submit(treated.db, actor=treated.me, report_public_id=third.report_public_id, now=later + timedelta(days=1))
    last = treated.db.exec(select(SymptomAlert.report_id).order_by(SymptomAlert.id.desc())).first()
    assert alerts.trend_of(treated.db, last) == "Stable"  # nausea 2 + fatigue 1, then a fever (counts as severe)


def statements_of(db, read):
    """What `read()` returns, and the statements it sent besides the audit trail's, its caches warmed first."""
    seen = []
    engine = db.get_bind()

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    read()  # the charter and role checks' caches, alike
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = read()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return result, [s for s in seen if not s.lstrip().upper().startswith(("INSERT INTO AUDIT", "UPDATE AUDIT"))]


def test_a_worklist_page_is_the_same_statements_however_many_alerts_it_shows(treated):
    def statements_of_a_page(now):
        return statements_of(treated.db, lambda: alerts.worklist(treated.db, actor=treated.nurse, now=now))

    moment = IN_TREATMENT
    for week in range(4):
        moment = IN_TREATMENT + timedelta(days=7 * week)
        report = checkin.start(treated.db, actor=treated.me, now=moment)
        answer_all(treated, report, severity={"pain": 3 + week % 2}, now=moment)
        checkin.submit(treated.db, actor=treated.me, report_public_id=report.report_public_id, now=moment)
        if week == 0:
            one, few = statements_of_a_page(moment)
    four, many = statements_of_a_page(moment)
    assert (one.total, four.total) == (1, 4)
    assert len(many) == len(few), many
    assert [item.trend for item in four.items] == ["Premier questionnaire", "En aggravation", "En amélioration",
                                                   "En aggravation"]


def test_the_teams_history_is_the_same_statements_however_many_check_ins_it_shows(treated):
    def statements_of_the_history(now):
        return statements_of(treated.db, lambda: history.team_history(
            treated.db, actor=treated.onco, patient_public_id=treated.patient.public_id, now=now))

    for week in range(4):
        moment = IN_TREATMENT + timedelta(days=7 * week)
        report = checkin.start(treated.db, actor=treated.me, now=moment)
        answer_all(treated, report, severity={"pain": 1 + week}, now=moment)
        checkin.submit(treated.db, actor=treated.me, report_public_id=report.report_public_id, now=moment)
        if week == 0:
            one, few = statements_of_the_history(moment)
    four, many = statements_of_the_history(moment)
    pain = [series for series in four.series if series.item == "pain"][0]
    assert [point["value"] for point in pain.points if point["value"] is not None] == [1, 2, 3, 4]
    assert len(many) == len(few), many


def test_only_the_patient_writes_and_only_the_team_reads(treated):
    report = checkin.start(treated.db, actor=treated.me, now=IN_TREATMENT)
    for intruder in (treated.nurse, treated.someone_else):
        with pytest.raises(AccessDenied):
            checkin.answer(treated.db, actor=intruder, report_public_id=report.report_public_id, item="fever",
                           form={"present": "no"}, now=IN_TREATMENT)
    with pytest.raises(AccessDenied):
        alerts.worklist(treated.db, actor=treated.me, now=IN_TREATMENT)
    assert treated.db.exec(select(SymptomAnswer)).all() == []
    denied = treated.db.exec(select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
    assert len(denied) == 3


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"present": "yes", "temperature": "60"}, "temperature", "Température impossible (60 °C)"),
    ({"present": "yes", "temperature": ""}, "temperature", "Indiquez la température"),
    ({"present": "yes", "temperature": "chaud"}, "temperature", "Température invalide"),
    ({}, "present", "Répondez par oui ou par non."),
    ({"present": "no", "note": "x" * 10_000}, "note", "Texte trop long (1000 caractères au plus)."),
])
def test_bad_input_gets_a_clear_message_and_saves_nothing(treated, form, field, message):
    report = checkin.start(treated.db, actor=treated.me, now=IN_TREATMENT)
    with pytest.raises(ValidationFailed) as raised:
        checkin.answer(treated.db, actor=treated.me, report_public_id=report.report_public_id, item="fever", form=form,
                       now=IN_TREATMENT)
    assert raised.value.errors[field].startswith(message)
    assert treated.db.exec(select(SymptomAnswer)).all() == []


def test_an_empty_severity_and_a_10000_character_note_of_the_nurse_get_messages(treated):
    report = checkin.start(treated.db, actor=treated.me, now=IN_TREATMENT)
    with pytest.raises(ValidationFailed) as raised:
        checkin.answer(treated.db, actor=treated.me, report_public_id=report.report_public_id, item="nausea",
                       form={"present": "yes", "severity": "", "interference": "9"}, now=IN_TREATMENT)
    assert raised.value.errors == {"severity": "Indiquez l'intensité.",
                                   "interference": "Choisissez une des réponses proposées."}
    answer_all(treated, report, fever="39")
    checkin.submit(treated.db, actor=treated.me, report_public_id=report.report_public_id, now=IN_TREATMENT)
    alert = treated.db.exec(select(SymptomAlert)).one()
    with pytest.raises(ValidationFailed) as raised:
        alerts.acknowledge(treated.db, actor=treated.nurse, alert_public_id=alert.public_id, action="call",
                           note="x" * 10_000, now=IN_TREATMENT)
    assert raised.value.errors == {"note": "Texte trop long (1000 caractères au plus)."}
    treated.db.refresh(alert)
    assert alert.acknowledged_at is None and alert.action == ""


def test_an_incomplete_questionnaire_is_not_sent_and_an_action_is_required(treated):
    report = checkin.start(treated.db, actor=treated.me, now=IN_TREATMENT)
    checkin.answer(treated.db, actor=treated.me, report_public_id=report.report_public_id, item="fever",
                   form={"present": "yes", "temperature": "38,9"}, now=IN_TREATMENT)
    with pytest.raises(ValidationFailed) as raised:
        checkin.submit(treated.db, actor=treated.me, report_public_id=report.report_public_id, now=IN_TREATMENT)
    assert raised.value.errors["report"].startswith("Il reste 11 question(s) sans réponse : nausées, vomissements")
    answer_all(treated, report, fever="38,9")
    checkin.submit(treated.db, actor=treated.me, report_public_id=report.report_public_id, now=IN_TREATMENT)
    alert = treated.db.exec(select(SymptomAlert)).one()
    with pytest.raises(ValidationFailed) as raised:
        alerts.acknowledge(treated.db, actor=treated.nurse, alert_public_id=alert.public_id, action="", now=IN_TREATMENT)
    assert raised.value.errors == {"action": "Choisissez l'action menée."}
    assert treated.db.exec(select(PathwayEvent).where(PathwayEvent.title.like("Alerte prise%"))).all() == []


def test_a_treatment_period_crossing_a_year_says_both_years():
    """A year of active surveillance read « du 24/06 au 23/06 », as if it ended before it began."""
    assert history._span(date(2026, 6, 24), date(2027, 6, 23)) == "du 24/06/2026 au 23/06/2027"
    assert history._span(date(2026, 3, 20), date(2026, 5, 22)) == "du 20/03 au 22/05/2026"
