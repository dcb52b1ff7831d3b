"""Shared PPS test world: a patient with a care team, a médecin traitant and accounts for every role."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from dcc_portal.demo.seed import demo_finess
from dcc_portal.models import CancerDiagnosis, Document, GpConsent, Role
from dcc_portal.services.pps import programme as pps
from tests import factories

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)
XSS = '<script>alert("x")</script> javascript:alert(1)'


def treatment(**changes) -> dict:
    item = {"uid": "aaaaaaaaaaa1", "type": "C15632", "title": "Chimiothérapie EC", "start": "2026-03-20", "end": "",
            "time": "09:30", "every_days": "21", "sessions": "4", "weekdays_only": "", "rhythm": "Une cure toutes les 3 semaines",
            "place": "Hôpital de jour, Institut Loire-Océan", "at_home": "", "route": "20045000",
            "side_effects": "Fatigue, nausées, chute des cheveux", "management": "Médicaments contre les nausées"}
    return {**item, **changes}


def programme(**changes) -> dict:
    form = {
        "rcp_date": "2026-03-02", "rcp_proposal": "Chimiothérapie néoadjuvante puis chirurgie.",
        "plan_summary": "Quatre cures de chimiothérapie, puis une opération.", "end_of_treatment": "",
        "treatments": [treatment()],
        "follow_up": [{"uid": "bbbbbbbbbbb1", "type": "11429006", "title": "Consultation avec votre oncologue",
                       "date": "2026-04-08", "time": "14:00", "place": "Institut Loire-Océan", "rhythm": ""}],
        "measures": [], "supportive_care": [], "social": [],
        "contacts": [{"uid": "ccccccccccc1", "who": "Infirmière de coordination", "reason": "Questions sur le traitement",
                      "phone": "02 99 20 20 21", "hours": "9 h - 17 h en semaine", "emergency": ""}],
    }
    form.update(changes)
    return form


@pytest.fixture
def world(db):
    factories.publish_charter(db)
    org = factories.organisation(db)
    org.finess = demo_finess("99000050")  # the custodian of a CDA document is identified by its FINESS
    gp_pro = factories.professional(db, specialty="G15_10/SM54", family="Durand")
    onco = factories.professional(db, org=org, family="Moreau")
    other_onco = factories.professional(db, org=org, family="Girard")
    nurse_pro = factories.professional(db, specialty="G15_60", org=org, family="Petit")
    sec_pro = factories.professional(db, specialty="SECRETARIAT_MEDICAL", org=org, family="Roux")
    patient = factories.patient(db, gp=gp_pro)
    other_patient = factories.patient(db, gp=gp_pro)
    for pro, role in ((onco, "referent_physician"), (other_onco, "oncologist"), (nurse_pro, "nurse"), (sec_pro, "rcp_secretary")):
        factories.member(db, patient=patient, pro=pro, team_role=role)
    db.add(CancerDiagnosis(patient_id=patient.id, icd10_code="C50.9", icd10_label="Tumeur maligne du sein", morphology_code="8500/3",
                           morphology_label="Carcinome canalaire infiltrant", laterality="left", tnm_t="2", tnm_n="1", tnm_m="0",
                           diagnosis_date=date(2026, 2, 12)))

    def actor(role, **kw):
        account, _ = factories.account(db, role=role, **kw)
        return factories.actor_for(db, account)

    ns = SimpleNamespace(
        db=db, patient=patient, other_patient=other_patient, onco_pro=onco, gp_pro=gp_pro,
        onco=actor(Role.CLINICIAN, professional=onco), onco2=actor(Role.CLINICIAN, professional=other_onco),
        nurse=actor(Role.NURSE, professional=nurse_pro), secretary=actor(Role.RCP_SECRETARY, professional=sec_pro),
        gp=actor(Role.GP, professional=gp_pro), me=actor(Role.PATIENT, patient=patient),
        someone_else=actor(Role.PATIENT, patient=other_patient),
    )
    db.flush()
    return ns


def write(w, form=None, *, actor=None, expected=0, **kw):
    return pps.save(w.db, actor=actor or w.onco, patient_public_id=w.patient.public_id, form=form or programme(),
                    expected_version=expected, now=NOW, **kw)


def hand_over(w, *, consent=GpConsent.AGREED, version=1, day="2026-03-09"):
    pps.record_handover(w.db, actor=w.onco, patient_public_id=w.patient.public_id, expected_version=version,
                        handed_over_on=day, by_professional_public_id=w.onco_pro.public_id, gp_consent=consent, now=NOW)


def announce(w):
    w.patient.medical_announcement_at = NOW - timedelta(days=1)
    w.db.add(w.patient)
    w.db.flush()


def document_of(w) -> Document:
    return pps.current_document(w.db, patient_id=w.patient.id)
