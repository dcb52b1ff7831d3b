"""The demo region: clearly fictitious, valid identifiers, loaded once."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.demo import seed
from dcc_portal.models import (
    Account,
    AuditEvent,
    CareTeamMembership,
    CharterVersion,
    Organisation,
    Patient,
    Professional,
    ProfessionalOrganisation,
    Role,
)
from dcc_portal.services.common import identifiers
from dcc_portal.services.identity import passwords
from tests.conftest import cloned_database

TABLES = (Organisation, Professional, ProfessionalOrganisation, Account, Patient, CareTeamMembership, CharterVersion)


@pytest.fixture(scope="module")
def demo(template_db, postgres, tmp_path_factory):
    """One demo region for the whole module (hashing the demo passwords takes a few seconds)."""
    with cloned_database(template_db, postgres, tmp_path_factory.mktemp("seed")) as url:
        with dbmod.transaction(url) as session:
            assert seed.load_demo_region(session) is True
        with Session(dbmod.get_engine(url), expire_on_commit=False) as session:
            yield session
            session.rollback()


def counts(db: Session) -> dict[str, int]:
    return {table.__name__: db.exec(select(func.count()).select_from(table)).one() for table in TABLES}


def test_loading_twice_changes_nothing(demo):
    before = counts(demo)
    assert seed.load_demo_region(demo) is False
    demo.flush()
    assert counts(demo) == before


def test_region_has_about_25_professionals_and_60_patients(demo):
    assert 20 <= demo.exec(select(func.count()).select_from(Professional)).one() <= 30
    assert demo.exec(select(func.count()).select_from(Patient)).one() == 60


def test_every_role_has_a_demo_account(demo):
    roles = set(demo.exec(select(Account.role)).all())
    assert roles == {role.value for role in Role}


def test_every_ins_is_valid_and_uses_the_test_oid(demo):
    patients = demo.exec(select(Patient)).all()
    assert all(identifiers.is_valid_ins(p.ins) for p in patients), [p.ins for p in patients if not identifiers.is_valid_ins(p.ins)]
    assert {p.ins_oid for p in patients} == {"1.2.250.1.213.1.4.10"}
    assert len({p.ins for p in patients}) == len(patients)


def test_corsican_patients_are_included_with_a_valid_ins(demo):
    corsican = [p for p in demo.exec(select(Patient)).all() if p.ins[5:7] == "2A"]
    assert corsican and all(identifiers.is_valid_ins(p.ins) for p in corsican)


def test_demo_patients_are_clearly_fictitious(demo):
    assert all(p.local_id.startswith("DEMO-") for p in demo.exec(select(Patient)).all())


def test_every_rpps_is_valid(demo):
    rpps = demo.exec(select(Professional.rpps)).all()
    assert rpps and all(identifiers.is_valid_rpps(value) for value in rpps)


def test_every_finess_is_valid(demo):
    finess = [value for value in demo.exec(select(Organisation.finess)).all() if value]
    assert finess and all(identifiers.is_valid_finess(value) for value in finess)


def test_every_professional_belongs_to_an_organisation(demo):
    linked = set(demo.exec(select(ProfessionalOrganisation.professional_id)).all())
    assert linked == set(demo.exec(select(Professional.id)).all())


def test_every_professional_act_on_a_patient_in_the_demo_names_the_establishment(demo):
    """The patient's « Qui a consulté mon dossier » shows each professional's establishment: the demo's stories
    (fiches RCP, PPS, MSSanté sendings) act as a session of that professional would."""
    professional_roles = [role for role in Role if role.is_professional]
    events = demo.exec(select(AuditEvent.organisation_id).where(
        AuditEvent.patient_id.is_not(None), AuditEvent.actor_role.in_(professional_roles))).all()
    assert len(events) > 100 and None not in events


def test_every_patient_has_a_medecin_traitant_who_is_a_gp(demo):
    gp_ids = set(demo.exec(select(Account.professional_id).where(Account.role == Role.GP)).all())
    assert all(p.gp_professional_id in gp_ids for p in demo.exec(select(Patient)).all())


def test_every_patient_has_a_care_team(demo):
    with_team = set(demo.exec(select(CareTeamMembership.patient_id)).all())
    assert with_team == set(demo.exec(select(Patient.id)).all())


def test_care_team_members_have_a_care_role(demo):
    member_ids = set(demo.exec(select(CareTeamMembership.professional_id)).all())
    roles = set(demo.exec(select(Account.role).where(Account.professional_id.in_(member_ids))).all())
    assert roles <= {Role.CLINICIAN, Role.NURSE, Role.RCP_SECRETARY}


def test_a_charter_is_published(demo):
    assert demo.exec(select(CharterVersion)).first() is not None


def test_demo_password_passes_the_policy_for_every_demo_account(demo):
    for identifier in demo.exec(select(Account.identifier)).all():
        assert passwords.policy_error(seed.DEMO_PASSWORD, identifier=identifier) is None


def test_demo_accounts_log_in_with_the_demo_password(demo):
    stored = demo.exec(select(Account.password_hash).where(Account.identifier == "onco.moreau")).one()
    assert passwords.verify_password(seed.DEMO_PASSWORD, stored)[0]


def test_demo_gp_area_has_news_stages_and_treatment_dates(demo):
    from dcc_portal.models import PathwayEvent, PatientVisit
    from dcc_portal.services.gp import area as gp
    from dcc_portal.services.identity import sessions

    durand = demo.exec(select(Account).where(Account.identifier == "mg.durand")).one()
    actor = sessions.resolve(demo, token=sessions.open_session(demo, account_id=durand.id, client_ip="127.0.0.1"))
    from dcc_portal.models import CharterAcceptance
    from dcc_portal.services.access import charter

    demo.add(CharterAcceptance(account_id=durand.id, charter_version_id=charter.current(demo).id))
    demo.flush()
    page = gp.my_patients(demo, actor=actor)
    assert page.total >= 15
    assert any(row.new_count > 0 for row in page.items) and any(row.new_count == 0 for row in page.items)
    assert any(row.last_visit == "" for row in page.items)
    assert demo.exec(select(func.count()).select_from(PatientVisit)).one() >= 10
    for seen in demo.exec(select(PatientVisit.last_seen_at)).all():  # between two consultations, on a working day
        local = (seen if seen.tzinfo else seen.replace(tzinfo=UTC)).astimezone(formatting.PARIS)
        assert 8 <= local.hour < 20 and local.weekday() < 5, local
    in_treatment = demo.exec(select(Patient).where(Patient.care_stage.in_(["treatment", "follow_up"]))).all()
    assert in_treatment
    for patient in in_treatment:
        kinds = set(demo.exec(select(PathwayEvent.kind).where(PathwayEvent.patient_id == patient.id)).all())
        assert "treatment_start" in kinds, patient.local_id
        assert ("follow_up" in kinds) == (patient.care_stage == "follow_up"), patient.local_id


def test_patient_simon_has_a_history_of_check_ins_and_an_open_alert_for_ide_petit(demo):
    from dcc_portal.models import SymptomAlert, SymptomReport
    from dcc_portal.services.access import rule

    simon = demo.exec(select(Account).where(Account.identifier == "patient.simon")).one()
    petit = demo.exec(select(Account).where(Account.identifier == "ide.petit")).one()
    reports = demo.exec(select(SymptomReport).where(SymptomReport.patient_id == simon.patient_id)).all()
    assert len(reports) == 3 and all(report.submitted_at for report in reports)
    open_alerts = demo.exec(select(SymptomAlert).where(SymptomAlert.patient_id == simon.patient_id,
                                                       SymptomAlert.acknowledged_at.is_(None))).all()
    assert [alert.level for alert in open_alerts] == ["alert"]
    assert rule.is_team_member(demo, professional_id=petit.professional_id, patient_id=simon.patient_id,
                               today=reports[-1].started_at.date())


def test_patient_simon_reads_her_story_in_who_accessed_her_record(demo):
    """« Qui a consulté mon dossier » tells patient.simon's story as her record does: each document added on its own
    day by its author (not all at the minute the demo was loaded), every line under the grant the professional held,
    one line per professional, purpose, grant and day."""
    from dcc_portal.models import Document
    from dcc_portal.services.access import audit_log
    from dcc_portal.services.common.names import professional_label
    from dcc_portal.services.identity import sessions

    simon = demo.exec(select(Account).where(Account.identifier == "patient.simon")).one()
    log = audit_log.access_log(demo, actor=sessions.account_actor(demo, simon))
    assert 0 < log.total <= len(log.items)
    rows = log.items
    assert all(row.grant and row.organisation for row in rows), rows
    lines = [(row.who, row.purpose, row.grant, row.when[:10]) for row in rows]
    assert len(set(lines)) == len(lines), rows
    assert len({row.when[:10] for row in rows}) >= 4
    added = {(row.who, row.when[:10]) for row in rows if row.purpose == "Ajout au dossier"}
    documents = demo.exec(select(Document, Professional).join(Professional, Professional.id == Document.author_professional_id)
                          .where(Document.patient_id == simon.patient_id)).all()
    assert len(documents) >= 4
    for document, author in documents:
        assert (professional_label(author), formatting.datetime_fr(document.created_at)[:10]) in added, (document.title, rows)


def test_the_demo_audit_trail_verifies_and_its_professionals_still_read_the_charter_first(demo):
    """The stories' events, dated in the past, are chained in the order they were written; acting in the story does
    not accept the charter for the professional, who reads it at the first login."""
    from dcc_portal.services.access import audit, charter

    assert audit.verify(demo).ok
    girard = demo.exec(select(Account).where(Account.identifier == "onco.girard")).one()
    assert charter.needs_acceptance(demo, account_id=girard.id)


def test_every_demo_document_tells_its_versions_in_the_order_they_were_written(demo):
    """A programme's version 3 dated before its version 2 read as a surveillance plan written in the middle of the
    treatment; every document's versions follow one another in time."""
    from dcc_portal.models import Document, DocumentVersion

    rows = demo.exec(select(DocumentVersion.document_id, DocumentVersion.version, DocumentVersion.created_at)
                     .order_by(DocumentVersion.document_id, DocumentVersion.version)).all()
    previous = {}
    for document_id, version, created_at in rows:
        assert previous.get(document_id, created_at) <= created_at, (document_id, version)
        previous[document_id] = created_at
    supported = demo.exec(select(func.count()).select_from(DocumentVersion).join(Document)
                          .where(Document.kind == "pps", DocumentVersion.reason.contains("soins de support"))).one()
    assert supported >= 1
