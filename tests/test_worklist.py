"""The team worklist: the patients whose care team I belong to today, in name order, page by page, whichever way
the page is read (sorting my patients, or walking the region in name order when mine are most of it)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from dcc_portal import formatting
from dcc_portal.models import AuditAction, AuditEvent, Patient, Role, utcnow
from dcc_portal.services.common.errors import AccessDenied
from dcc_portal.services.record import patients
from tests import factories as f

TODAY = formatting.paris_today()


@pytest.fixture
def world(db):
    f.publish_charter(db)
    oncologist = f.professional(db, family="ONCOLOGUE")
    colleague = f.professional(db, family="COLLEGUE")
    mine = [f.patient(db, family=f"NOM{n:02d}") for n in range(33)]  # created out of name order below
    for n in (7, 3, 30, 12, 0, 25, 18, 1, 29, 9, 21, 4, 16, 27, 10, 2, 23, 5, 31, 14, 19, 6, 28, 11, 22, 8, 15, 32, 13, 26,
              17, 20, 24):
        f.member(db, patient=mine[n], pro=oncologist)
    others = [f.patient(db, family=f"AUTRE{n}") for n in range(4)]
    for other in others:
        f.member(db, patient=other, pro=colleague)
    ended, removed, future = (f.patient(db, family=name) for name in ("NOMFINI", "NOMRETIRE", "NOMFUTUR"))
    f.member(db, patient=ended, pro=oncologist, end=TODAY - timedelta(days=1))
    f.member(db, patient=removed, pro=oncologist).removed_at = utcnow()
    f.member(db, patient=future, pro=oncologist, start=TODAY + timedelta(days=3))
    actor = f.actor_for(db, f.account(db, role=Role.CLINICIAN, professional=oncologist)[0])
    gp = f.actor_for(db, f.account(db, role=Role.GP, professional=f.professional(db, specialty="G15_10/SM54"))[0])
    db.commit()
    return actor, gp, sorted(patients.patient_name(p) for p in mine)


def _names(page: patients.Page) -> list[str]:
    return [item.name for item in page.items]


def test_my_patients_today_in_name_order_page_by_page(db, world):
    actor, _gp, expected = world
    first = patients.list_for_team(db, actor=actor, page=1)
    second = patients.list_for_team(db, actor=actor, page=2)
    assert first.total == 33 and first.page_count == 2
    assert _names(first) + _names(second) == expected
    assert not {"FINI", "RETIRE", "FUTUR", "AUTRE"} & {word for name in _names(first) + _names(second) for word in name.split()}


def test_both_ways_of_reading_a_page_give_the_same_page(db, world):
    actor, _gp, expected = world
    # 33 of mine among 40 patients: the first page walks the names, the second sorts mine (see _read_in_name_order).
    assert patients._read_in_name_order(db, total=33, offset=0)
    assert not patients._read_in_name_order(db, total=33, offset=20)
    assert not patients._read_in_name_order(db, total=patients.PAGE_SIZE, offset=0)
    assert _names(patients.list_for_team(db, actor=actor, page=1)) == expected[:20]
    count, sorted_page, walked_page = patients._worklist_statements(None)
    params = {"professional_id": actor.professional_id, "today": TODAY, "offset": 20}
    assert [p.id for p in sorted_page.run(db, params)] == [p.id for p in walked_page.run(db, params)]
    assert count.scalar(db, params) == 33


def test_a_search_narrows_the_worklist_and_each_page_is_audited(db, world):
    actor, _gp, _expected = world
    found = patients.list_for_team(db, actor=actor, query="nom1")
    assert _names(found) == [name for name in world[2] if name.startswith("NOM1")]
    assert patients.list_for_team(db, actor=actor, query="autre").total == 0
    # Every word must start a word of the name; the same statements serve every search of as many words.
    assert _names(patients.list_for_team(db, actor=actor, query="cla nom1")) == _names(found)
    assert patients.list_for_team(db, actor=actor, query="nom1 laire").total == 0
    # Wildcards are not the user's to use; an INS finds its one patient.
    assert patients.list_for_team(db, actor=actor, query="%").total == 0
    assert patients.list_for_team(db, actor=actor, query="n_m1").total == 0
    own = db.exec(select(Patient).where(Patient.birth_family_name == "NOM07")).one()
    assert _names(patients.list_for_team(db, actor=actor, query=own.ins)) == [patients.patient_name(own)]
    db.commit()
    details = db.exec(select(AuditEvent.detail).where(AuditEvent.account_id == actor.account_id,
                                                      AuditEvent.action == AuditAction.SEARCH)).all()
    assert details[:2] == ["liste de travail, page 1, 10 résultats", "liste de travail, page 1, 0 résultats"]
    assert len(details) == 7


def test_a_gp_has_no_worklist(db, world):
    _actor, gp, _expected = world
    with pytest.raises(AccessDenied):
        patients.list_for_team(db, actor=gp)
