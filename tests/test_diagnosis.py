"""The cancer diagnosis: value-set codes, TNM, OMS, dates, and optimistic concurrency on its version."""

import pytest

from dcc_portal.services.common.errors import (
    AccessDenied,
    StaleVersion,
    ValidationFailed,
)
from dcc_portal.services.record import diagnosis, pathway
from tests.factories import T0
from tests.pathway_builders import team

BREAST = {
    "icd10_code": "C50.4", "morphology_code": "8500/3", "laterality": "left", "tnm_prefix": "c",
    "tnm_t": "t2", "tnm_n": "N1", "tnm_m": "0", "performance": "1", "performance_date": "2026-03-02",
    "suspicion_date": "2026-02-10", "diagnosis_date": "2026-02-24", "discovery_mode": "screening",
    "clinical_phase": "initial", "other_staging": "SBR grade 2",
}


def test_create_then_update_with_labels_from_the_value_sets(db):
    t = team(db)
    view = diagnosis.save(db, actor=t.clinician, patient_public_id=t.patient.public_id, expected_version=0, values=BREAST, now=T0)
    assert view.version == 1
    assert view.icd10_label == "Tumeur maligne du quadrant supéro-externe du sein"
    assert view.morphology_label.startswith("Adénocarcinome canalaire infiltrant")
    assert view.tnm == "cT2 N1 M0" and view.performance_label.startswith("OMS 1")
    assert view.clinical_phase_label == "Phase initiale du cancer"
    updated = diagnosis.save(db, actor=t.clinician, patient_public_id=t.patient.public_id, expected_version=1,
                             values={**BREAST, "clinical_phase": "progression_distant", "tnm_m": "M1"}, now=T0)
    assert updated.version == 2 and updated.clinical_phase_label == "Progression à distance du cancer"
    assert diagnosis.current(db, actor=t.gp, patient_public_id=t.patient.public_id).tnm == "cT2 N1 M1"
    events = [i for i in pathway.timeline(db, actor=t.clinician, patient_public_id=t.patient.public_id) if i.kind == "diagnosis"]
    assert len(events) == 1 and events[0].date == "24/02/2026"


def test_two_physicians_saving_from_the_same_version(db):
    t = team(db)
    diagnosis.save(db, actor=t.clinician, patient_public_id=t.patient.public_id, expected_version=0, values=BREAST, now=T0)
    diagnosis.save(db, actor=t.clinician, patient_public_id=t.patient.public_id, expected_version=1,
                   values={**BREAST, "tnm_t": "T3"}, now=T0)
    with pytest.raises(StaleVersion):
        diagnosis.save(db, actor=t.clinician, patient_public_id=t.patient.public_id, expected_version=1,
                       values={**BREAST, "tnm_t": "T1c"}, now=T0)
    assert diagnosis.current(db, actor=t.clinician, patient_public_id=t.patient.public_id).tnm_t == "T3"
    with pytest.raises(StaleVersion):  # a second "create" from an empty form
        diagnosis.save(db, actor=t.clinician, patient_public_id=t.patient.public_id, expected_version=0, values=BREAST, now=T0)


@pytest.mark.parametrize("field, value", [
    ("icd10_code", "Z99"), ("icd10_code", ""), ("icd10_code", "C50%"), ("morphology_code", "9999/9"),
    ("tnm_t", "T9"), ("tnm_n", "N<script>"), ("tnm_m", "M2"), ("performance", "5"), ("performance", "-1"),
    ("diagnosis_date", "2100-01-01"), ("diagnosis_date", "1900-01-01"), ("diagnosis_date", "2026-02-30"),
    ("laterality", "javascript:alert(1)"), ("clinical_phase", "x"), ("other_staging", "x" * 101),
])
def test_bad_values_are_refused_field_by_field(db, field, value):
    t = team(db)
    with pytest.raises(ValidationFailed) as error:
        diagnosis.save(db, actor=t.clinician, patient_public_id=t.patient.public_id, expected_version=0,
                       values={**BREAST, field: value}, now=T0)
    assert field in error.value.errors
    assert diagnosis.current(db, actor=t.clinician, patient_public_id=t.patient.public_id) is None


def test_dates_in_order_and_oms_needs_its_date(db):
    t = team(db)
    with pytest.raises(ValidationFailed) as error:
        diagnosis.save(db, actor=t.clinician, patient_public_id=t.patient.public_id, expected_version=0,
                       values={**BREAST, "suspicion_date": "2026-03-01", "diagnosis_date": "2026-02-01", "performance_date": ""}, now=T0)
    assert set(error.value.errors) == {"diagnosis_date", "performance_date"}
    view = diagnosis.save(db, actor=t.clinician, patient_public_id=t.patient.public_id, expected_version=0,
                          values={**BREAST, "suspicion_date": "2024-02-01", "diagnosis_date": "2024-02-29"}, now=T0)
    assert view.diagnosis_date_fr == "29/02/2024"


def test_only_team_physicians_write_it_and_patients_do_not_read_it(db):
    t = team(db)
    for actor in (t.nurse, t.secretary, t.gp, t.outsider, t.patient_actor):
        with pytest.raises(AccessDenied):
            diagnosis.save(db, actor=actor, patient_public_id=t.patient.public_id, expected_version=0, values=BREAST, now=T0)
    with pytest.raises(AccessDenied):
        diagnosis.current(db, actor=t.patient_actor, patient_public_id=t.patient.public_id)
    with pytest.raises(AccessDenied):
        diagnosis.current(db, actor=t.outsider, patient_public_id=t.patient.public_id)
