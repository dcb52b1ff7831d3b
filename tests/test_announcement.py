"""The dispositif d'annonce: who records which temps, versions and stale saves, notifications, release gating."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from sqlmodel import select

from dcc_portal.models import (
    AnnouncementStepVersion,
    AuditEvent,
    Notification,
    PathwayEvent,
)
from dcc_portal.services.common.errors import (
    AccessDenied,
    StaleVersion,
    ValidationFailed,
)
from dcc_portal.services.record import announcement, documents, notifications, pathway
from tests import free_text
from tests.factories import T0
from tests.pathway_builders import team

TODAY = T0.date().isoformat()


def medical(**extra):
    return {"occurred_on": TODAY, "notes": "Annonce du diagnostic de cancer du sein, patiente accompagnée.", **extra}


def nursing(**extra):
    return {"occurred_on": TODAY, "notes": "Reformulation, questions sur la chimiothérapie.",
            "need_pain": "none", "need_nutrition": "ORG-036", "need_psychological": "PSYCHO", "need_social": "need", **extra}


def test_roles_for_each_temps(db):
    t = team(db)
    p = t.patient.public_id
    ok = {
        "medical_diagnosis": t.clinician, "medical_treatment": t.clinician, "nursing": t.nurse,
        "supportive_care": t.nurse, "gp_liaison": t.nurse,
    }
    refused = {
        "medical_diagnosis": [t.nurse, t.secretary, t.gp, t.outsider, t.patient_actor],
        "medical_treatment": [t.nurse, t.secretary],
        "nursing": [t.clinician, t.secretary, t.gp],
        "supportive_care": [t.clinician, t.secretary],
        "gp_liaison": [t.secretary, t.gp, t.outsider],
    }
    values = {**nursing(), "channel": "phone", "notes": "Appel du Dr X."}
    for temps, actors in refused.items():
        for actor in actors:
            with pytest.raises(AccessDenied):
                announcement.record(db, actor=actor, patient_public_id=p, temps=temps, values=values, now=T0)
    for temps, actor in ok.items():
        step = announcement.record(db, actor=actor, patient_public_id=p, temps=temps, values=values, now=T0)
        assert step.temps == temps and step.version == 1
    announcement.record(db, actor=t.clinician, patient_public_id=p, temps="gp_liaison", values=values, now=T0)
    denied = db.exec(select(AuditEvent).where(AuditEvent.outcome == "denied", AuditEvent.patient_id == t.patient.id)).all()
    assert len(denied) == sum(len(actors) for actors in refused.values())  # every refusal is audited


def test_first_medical_time_sets_the_announcement_and_releases_gated_documents(db):
    t = team(db)
    p = t.patient.public_id
    acp, _ = documents.create(db, actor=t.clinician, patient=t.patient, kind="cr_acp", title="Biopsie", content={"x": 1})
    documents.validate(db, actor=t.clinician, document=acp, now=T0 - timedelta(days=3))
    mine = lambda: [row.public_id for row in documents.list_for_patient(db, actor=t.patient_actor, patient_public_id=p).items]  # noqa: E731
    assert acp.public_id not in mine()
    announcement.record(db, actor=t.nurse, patient_public_id=p, temps="nursing", values=nursing(), now=T0)
    assert t.patient.medical_announcement_at is None and acp.public_id not in mine()
    over = announcement.overview(db, actor=t.clinician, patient_public_id=p, now=T0)
    assert over.held_documents == 1 and over.medical_announcement == ""

    announcement.record(db, actor=t.clinician, patient_public_id=p, temps="medical_diagnosis", values=medical(), now=T0)
    assert t.patient.medical_announcement_at == T0
    assert t.patient.care_stage == "announcement"
    rows = documents.list_for_patient(db, actor=t.patient_actor, patient_public_id=p).items
    assert [row.public_id for row in rows] == [acp.public_id]
    assert rows[0].released == "10/03/2026 09:00"  # the announcement, in Paris time

    later = T0 + timedelta(days=20)
    announcement.record(db, actor=t.clinician, patient_public_id=p, temps="medical_treatment",
                        values=medical(occurred_on=later.date().isoformat()), now=later)
    assert t.patient.medical_announcement_at == T0  # the first one counts


def test_status_at_a_glance_and_timeline(db):
    t = team(db)
    p = t.patient.public_id
    announcement.record(db, actor=t.clinician, patient_public_id=p, temps="medical_diagnosis", values=medical(), now=T0)
    announcement.record(db, actor=t.nurse, patient_public_id=p, temps="nursing", values=nursing(), now=T0)
    over = announcement.overview(db, actor=t.gp, patient_public_id=p, now=T0)
    done = {item.temps: item.done for item in over.status}
    assert done == {"medical_diagnosis": True, "medical_treatment": False, "nursing": True,
                    "supportive_care": True, "gp_liaison": False}  # needs were assessed during the nursing time
    assert over.steps[0].needs_summary == "nutrition, psychologique, social"
    assert over.steps[0].referrals_summary == "Diététicien(ne), Psychologue / psycho-oncologue"
    titles = [item.title for item in pathway.timeline(db, actor=t.gp, patient_public_id=p, now=T0)]
    assert titles[0].startswith("Temps médical : annonce du diagnostic (Dr Test")
    assert "besoins : nutrition, psychologique, social ; orientations : Diététicien(ne)" in titles[1]


def test_medecin_traitant_is_notified_without_clinical_detail(db):
    t = team(db)
    announcement.record(db, actor=t.clinician, patient_public_id=t.patient.public_id, temps="medical_diagnosis",
                        values=medical(notes="Carcinome canalaire infiltrant du sein gauche"), now=T0)
    rows = db.exec(select(Notification).where(Notification.account_id == t.gp_account_id)).all()
    assert len(rows) == 1 and rows[0].kind == "announcement_recorded"
    assert rows[0].title.endswith(": nouvelle étape du dispositif d'annonce")
    assert "sein" not in rows[0].title.lower() and "carcinome" not in rows[0].title.lower()
    assert notifications.unread_count(db, actor=t.gp) == 1


def test_corrections_are_new_versions_and_stale_saves_are_refused(db):
    t = team(db)
    step = announcement.record(db, actor=t.nurse, patient_public_id=t.patient.public_id, temps="nursing",
                               values=nursing(), now=T0)
    corrected = announcement.correct(db, actor=t.nurse, step_public_id=step.public_id, expected_version=1,
                                     values=nursing(need_pain="ORG-035"), reason="Douleur signalée au téléphone", now=T0)
    assert corrected.version == 2 and "douleur" in corrected.needs_summary
    # A second nurse (or a second tab) saving from version 1: refused, nothing overwritten.
    with pytest.raises(StaleVersion):
        announcement.correct(db, actor=t.nurse, step_public_id=step.public_id, expected_version=1,
                             values=nursing(notes="autre"), reason="autre correction", now=T0)
    current, history = announcement.step_detail(db, actor=t.clinician, step_public_id=step.public_id)
    assert [v.version for v in history] == [2, 1] and current.notes == nursing()["notes"]
    assert history[0].reason == "Douleur signalée au téléphone" and history[1].needs_summary == "nutrition, psychologique, social"
    assert len(db.exec(select(AnnouncementStepVersion)).all()) == 2
    event = db.exec(select(PathwayEvent).where(PathwayEvent.kind == "announcement_nursing")).one()
    assert "douleur" in event.title  # the timeline follows the correction
    with pytest.raises(ValidationFailed) as error:
        announcement.correct(db, actor=t.nurse, step_public_id=step.public_id, expected_version=2, values=nursing(), reason="")
    assert "reason" in error.value.errors
    with pytest.raises(AccessDenied):  # a physician may not rewrite the nursing time
        announcement.correct(db, actor=t.clinician, step_public_id=step.public_id, expected_version=2,
                             values=nursing(), reason="correction")


def test_a_double_submit_records_one_step(db):
    t = team(db)
    first = announcement.record(db, actor=t.nurse, patient_public_id=t.patient.public_id, temps="nursing",
                                values=nursing(), submission_key="form-abc", now=T0)
    second = announcement.record(db, actor=t.nurse, patient_public_id=t.patient.public_id, temps="nursing",
                                 values=nursing(), submission_key="form-abc", now=T0)
    assert first.public_id == second.public_id
    assert len(announcement.overview(db, actor=t.nurse, patient_public_id=t.patient.public_id).steps) == 1


@pytest.mark.parametrize("value, message", [
    ("1900-01-01", "naissance du patient"),
    ("2100-01-01", "futur"),
    ("2025-02-29", "invalide"),
    ("10/03/2026", "invalide"),
    ("", "obligatoire"),
])
def test_bad_dates_are_refused_with_a_french_message(db, value, message):
    t = team(db)
    with pytest.raises(ValidationFailed) as error:
        announcement.record(db, actor=t.clinician, patient_public_id=t.patient.public_id, temps="medical_diagnosis",
                            values=medical(occurred_on=value), now=T0)
    assert message in error.value.errors["occurred_on"].lower()
    assert t.patient.medical_announcement_at is None


def test_29_february_of_a_leap_year_and_paris_today_are_accepted(db):
    t = team(db)
    leap = announcement.record(db, actor=t.clinician, patient_public_id=t.patient.public_id, temps="medical_diagnosis",
                               values=medical(occurred_on="2024-02-29"), now=T0)
    assert leap.date == "29/02/2024"
    # 23:30 UTC on the night of the spring DST change is already the 29th in Paris: "today" there is not the future.
    night = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    step = announcement.record(db, actor=t.nurse, patient_public_id=t.patient.public_id, temps="nursing",
                               values=nursing(occurred_on="2026-03-29"), now=night)
    assert step.date == "29/03/2026" and step.recorded == "29/03/2026 00:30"
    after_change = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST, one hour jumped
    step = announcement.correct(db, actor=t.nurse, step_public_id=step.public_id, expected_version=1,
                                values=nursing(occurred_on="2026-03-29"), reason="précision", now=after_change)
    assert step.recorded == "29/03/2026 03:30"


def test_free_text_is_kept_as_typed(db):
    t = team(db)
    hostile = '<script>alert(1)</script> javascript:alert(2) "quotes" \x00'
    step = announcement.record(db, actor=t.nurse, patient_public_id=t.patient.public_id, temps="nursing",
                               values=nursing(notes=hostile), now=T0)
    assert step.notes == '<script>alert(1)</script> javascript:alert(2) "quotes"'
    with pytest.raises(ValidationFailed) as error:
        announcement.record(db, actor=t.nurse, patient_public_id=t.patient.public_id, temps="nursing",
                            values=nursing(notes="x" * 5001), now=T0)
    assert "notes" in error.value.errors


def test_referrals_are_codes_of_the_supportive_care_value_set_or_local():
    from dcc_portal.services.common import terminology

    official = terminology.load(terminology.SUPPORTIVE_CARE).index
    for codes in announcement.REFERRALS.values():
        for code in codes:
            assert code in official or code in {"PSYCHO", "SOCIAL"}
    assert announcement.referral_official_label("ORG-036") == "Prise en charge diététique et nutritionnelle"


def test_needs_values_are_checked(db):
    t = team(db)
    with pytest.raises(ValidationFailed) as error:
        announcement.record(db, actor=t.nurse, patient_public_id=t.patient.public_id, temps="nursing",
                            values=nursing(need_pain="MED-051"), now=T0)
    assert "need_pain" in error.value.errors
    with pytest.raises(ValidationFailed) as error:
        announcement.record(db, actor=t.nurse, patient_public_id=t.patient.public_id, temps="supportive_care",
                            values={"occurred_on": TODAY}, now=T0)
    assert "needs" in error.value.errors


def test_the_patient_sees_no_diagnosis_step_before_the_announcement(db):
    t = team(db)
    from dcc_portal.services.record import diagnosis

    diagnosis.save(db, actor=t.clinician, patient_public_id=t.patient.public_id, expected_version=0,
                   values={"icd10_code": "C50.9", "diagnosis_date": "2026-03-01"}, now=T0)
    kinds = lambda: [i.kind for i in pathway.timeline(db, actor=t.patient_actor, patient_public_id=t.patient.public_id)]  # noqa: E731
    assert "diagnosis" not in kinds()
    announcement.record(db, actor=t.clinician, patient_public_id=t.patient.public_id, temps="medical_diagnosis",
                        values=medical(), now=T0)
    assert "diagnosis" in kinds()
    with pytest.raises(AccessDenied):
        announcement.overview(db, actor=t.patient_actor, patient_public_id=t.patient.public_id)
    assert date(2026, 3, 1)


@pytest.fixture
def announcing_team(db):
    return team(db)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notes=free_text.typed(), accompanied_by=free_text.typed(), reason=free_text.typed())
def test_whatever_is_typed_in_an_announcement_step_is_stored_as_text_xml_can_carry(db, announcing_team, notes, accompanied_by,
                                                                                  reason):
    t = announcing_team
    values = medical(notes="Notes " + notes, accompanied_by=accompanied_by)
    step = announcement.record(db, actor=t.clinician, patient_public_id=t.patient.public_id, temps="medical_treatment",
                               values=values, now=T0)
    announcement.correct(db, actor=t.clinician, step_public_id=step.public_id, expected_version=1,
                         values=values | {"notes": "Corrigées " + notes}, reason="Motif " + reason, now=T0)
    current, history = announcement.step_detail(db, actor=t.clinician, step_public_id=step.public_id)
    typed = [current.notes, current.reason, *(view.accompanied_by for view in history), history[-1].notes]
    assert all(free_text.carried(text) for text in typed)
    assert current.notes.startswith("Corrigées") and current.reason.startswith("Motif")


def test_the_diagnosis_is_announced_once_then_corrected(db):
    t = team(db)
    p = t.patient.public_id
    first = announcement.record(db, actor=t.clinician, patient_public_id=p, temps="medical_diagnosis", values=medical(),
                                now=T0)
    over = announcement.overview(db, actor=t.clinician, patient_public_id=p, now=T0)
    assert [step.public_id for step in over.recorded_once] == [first.public_id]  # shown in place of its button
    with pytest.raises(ValidationFailed) as error:
        announcement.record(db, actor=t.clinician, patient_public_id=p, temps="medical_diagnosis",
                            values=medical(notes="Une seconde annonce du même diagnostic"), now=T0)
    assert "déjà enregistrée" in error.value.errors["form"] and "10/03/2026" in error.value.errors["form"]
    assert len(announcement.overview(db, actor=t.clinician, patient_public_id=p, now=T0).steps) == 1  # nothing saved
    corrected = announcement.correct(db, actor=t.clinician, step_public_id=first.public_id, expected_version=1,
                                     values=medical(notes="Annonce faite en présence de sa fille."), reason="précision")
    assert corrected.version == 2
    # The treatment proposal may be announced again (a new proposal after a relapse).
    for _ in range(2):
        announcement.record(db, actor=t.clinician, patient_public_id=p, temps="medical_treatment", values=medical(), now=T0)


def test_the_nursing_time_before_any_medical_time_is_recorded_and_says_so(db):
    t = team(db)
    p = t.patient.public_id
    assert announcement.overview(db, actor=t.nurse, patient_public_id=p, now=T0).medical_recorded is False
    early = announcement.record(db, actor=t.nurse, patient_public_id=p, temps="nursing", values=nursing(), now=T0)
    assert early.version == 1 and early.warning == "Aucun temps médical enregistré pour ce patient."
    announcement.record(db, actor=t.clinician, patient_public_id=p, temps="medical_diagnosis", values=medical(), now=T0)
    assert announcement.overview(db, actor=t.nurse, patient_public_id=p, now=T0).medical_recorded is True
    later = announcement.record(db, actor=t.nurse, patient_public_id=p, temps="nursing", values=nursing(), now=T0)
    assert later.warning == ""
