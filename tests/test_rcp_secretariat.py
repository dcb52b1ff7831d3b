"""Who sees which RCP session: the secretariat that manages the RCP (a directory fact the administrator sets) and the
RCP's members; the list of sessions and the session page follow the same rule, crawled over the demo region."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal.demo import seed
from dcc_portal.models import (
    Account,
    AuditAction,
    AuditEvent,
    AuditOutcome,
    Professional,
    Rcp,
    RcpMember,
    RcpSecretariat,
    Role,
)
from dcc_portal.services.common.errors import AccessDenied, ValidationFailed
from dcc_portal.services.rcp import directory as rcp_directory
from dcc_portal.services.rcp import sessions as rcp_sessions
from dcc_portal.services.rcp import sitting as rcp_sitting
from tests import factories as f
from tests.conftest import cloned_database


@pytest.fixture(scope="module")
def demo(template_db, postgres, tmp_path_factory):
    with cloned_database(template_db, postgres, tmp_path_factory.mktemp("secretariat")) as url:
        with dbmod.transaction(url) as session:
            assert seed.load_demo_region(session) is True
        with Session(dbmod.get_engine(url), expire_on_commit=False) as session:
            yield session
            session.rollback()


def _actor(db, identifier: str):
    account = db.exec(select(Account).where(Account.identifier == identifier)).one()
    return f.actor_for(db, account)


def _listed(db, actor) -> list:
    rows = []
    for past in (False, True):
        page = 1
        while True:
            result = rcp_sessions.upcoming_sessions(db, actor=actor, page=page, past=past)
            rows.extend(result.items)
            if page >= result.page_count:
                break
            page += 1
    return rows


def test_every_listed_session_opens_for_every_secretary_and_clinician_of_the_demo(demo):
    identifiers = demo.exec(select(Account.identifier).where(
        Account.role.in_([Role.RCP_SECRETARY, Role.CLINICIAN, Role.NURSE])).order_by(Account.identifier)).all()
    assert len(identifiers) >= 15
    opened: dict[str, int] = {}
    for identifier in identifiers:
        actor = _actor(demo, identifier)
        for row in _listed(demo, actor):
            try:
                detail = rcp_sitting.session_detail(demo, actor=actor, session_public_id=row.public_id)
            except AccessDenied:
                pytest.fail(f"{identifier} lists {row.rcp_name} {row.starts} but cannot open it")
            assert detail.row.public_id == row.public_id
            opened[identifier] = opened.get(identifier, 0) + 1
    for secretary in ("sec.roux", "sec.leclerc"):
        assert opened.get(secretary, 0) > 0, f"{secretary} sees no session at all"


def test_a_secretary_sees_only_the_rcps_her_secretariat_manages(demo):
    roux = _actor(demo, "sec.roux")
    names = {row.rcp_name for row in _listed(demo, roux)}
    assert "RCP digestive" in names
    assert not names & {"RCP hématologie", "RCP thoracique"}
    thoracic = demo.exec(select(Rcp).where(Rcp.name == "RCP thoracique")).one()
    leclerc = _actor(demo, "sec.leclerc")
    session_id = next(row.public_id for row in _listed(demo, leclerc) if row.rcp_name == "RCP thoracique")
    with pytest.raises(AccessDenied):
        rcp_sitting.session_detail(demo, actor=roux, session_public_id=session_id)
    with pytest.raises(AccessDenied):
        rcp_sessions.set_session_status(demo, actor=roux, session_public_id=session_id, status="cancelled")
    with pytest.raises(ValidationFailed) as refused:
        rcp_sessions.plan_sessions(demo, actor=roux, rcp_public_id=thoracic.public_id, first_date="2030-01-08",
                                   start_time="14:00")
    assert "ne gère pas cette RCP" in refused.value.errors["rcp"]


def test_the_administrator_sets_the_secretariat_and_it_is_audited(demo):
    admin = _actor(demo, "admin.dsrc")
    roux = _actor(demo, "sec.roux")
    roux_pro = demo.exec(select(Account).where(Account.identifier == "sec.roux")).one().professional_id
    pro_id = demo.get(Professional, roux_pro).public_id
    thoracic = demo.exec(select(Rcp).where(Rcp.name == "RCP thoracique")).one()

    # a secretary cannot name herself, neither as secretariat nor as a member
    with pytest.raises(AccessDenied):
        rcp_directory.set_secretariat(demo, actor=roux, rcp_public_id=thoracic.public_id, professional_public_id=pro_id,
                                      assigned=True)
    with pytest.raises((AccessDenied, ValidationFailed)):
        rcp_directory.set_member(demo, actor=roux, rcp_public_id=thoracic.public_id, professional_public_id=pro_id, member=True)
    assert demo.get(RcpMember, (thoracic.id, roux_pro)) is None

    rcp_directory.set_secretariat(demo, actor=admin, rcp_public_id=thoracic.public_id, professional_public_id=pro_id,
                                  assigned=True)
    demo.commit()
    assert demo.get(RcpSecretariat, (thoracic.id, roux_pro)) is not None
    detail = rcp_directory.rcp_detail(demo, actor=admin, rcp_public_id=thoracic.public_id)
    assert pro_id in [row.public_id for row in detail.secretariat]
    event = demo.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.ADMIN,
                                               AuditEvent.outcome == AuditOutcome.SUCCESS)
                      .order_by(AuditEvent.id.desc())).first()
    assert "secrétariat" in event.detail and thoracic.national_id in event.detail
    # from now on her list holds the thoracic sessions, and each opens
    rows = [row for row in _listed(demo, roux) if row.rcp_name == "RCP thoracique"]
    assert rows
    for row in rows:
        rcp_sitting.session_detail(demo, actor=roux, session_public_id=row.public_id)

    rcp_directory.set_secretariat(demo, actor=admin, rcp_public_id=thoracic.public_id, professional_public_id=pro_id,
                                  assigned=False)
    demo.flush()
    assert not [row for row in _listed(demo, roux) if row.rcp_name == "RCP thoracique"]
    with pytest.raises(AccessDenied):
        rcp_sitting.session_detail(demo, actor=roux, session_public_id=rows[0].public_id)
