"""Administration: accounts, organisations and care teams (admin actions are audited, bad input saves nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from dcc_portal.models import (
    Account,
    AuditAction,
    AuditEvent,
    CareTeamMembership,
    Grant,
    Organisation,
    OrganisationKind,
    Patient,
    Professional,
    ProfessionalOrganisation,
    RecoveryCode,
    Role,
)
from dcc_portal.services.access import care_teams
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import identifiers
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import AccessDenied, ValidationFailed
from dcc_portal.services.identity import accounts, auth, organisations, sessions
from tests import factories
from tests.factories import PASSWORD, T0, code_for

STRONG = "une phrase de passe solide"


def count(db: Session, table) -> int:
    return db.exec(select(func.count()).select_from(table)).one()


def events(db: Session, action: str, outcome: str = "success") -> list[AuditEvent]:
    db.commit()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.outcome == outcome)).all())


@dataclass
class Setting:
    org: Organisation
    admin: Actor
    patient: Patient
    gp_pro: Professional
    member_pro: Professional
    member: Actor  # clinician in the patient's care team
    membership: CareTeamMembership


@pytest.fixture
def setting(db) -> Setting:
    factories.publish_charter(db, "1.0")
    org = factories.organisation(db, name="CHU de Test")
    admin_account, _ = factories.account(
        db, role=Role.ADMIN, professional=factories.professional(db, specialty="SECRETARIAT_MEDICAL", org=org)
    )
    gp_pro = factories.professional(db, specialty="G15_10/SM54", org=org)
    member_pro = factories.professional(db, org=org)
    patient = factories.patient(db, gp=gp_pro)
    membership = factories.member(db, patient=patient, pro=member_pro)
    member_account, _ = factories.account(db, role=Role.CLINICIAN, professional=member_pro)
    result = Setting(org, factories.actor_for(db, admin_account), patient, gp_pro, member_pro,
                     factories.actor_for(db, member_account), membership)
    db.commit()
    return result


def actor_with_role(db, role: Role, setting: Setting | None = None) -> Actor:
    links = {"patient": factories.patient(db)} if role == Role.PATIENT else {"professional": factories.professional(db)}
    account, _ = factories.account(db, role=role, **links)
    return factories.actor_for(db, account)


# --- Professional accounts ---


def professional_fields(setting: Setting, **overrides) -> dict:
    fields = dict(
        identifier="dr.nouveau", role="clinician", family_name="Nouveau", given_name="Jean",
        rpps=identifiers.with_rpps_check_digit("1000000001"), specialty_code="G15_10/SM36",
        organisation_public_id=setting.org.public_id, email="jean.nouveau@example.invalid", phone="",
        initial_password=STRONG,
    )
    fields.update(overrides)
    return fields


def test_admin_creates_a_professional_account(db, setting):
    public_id = accounts.create_professional_account(db, actor=setting.admin, **professional_fields(setting))
    db.commit()

    account = db.exec(select(Account).where(Account.public_id == public_id)).one()
    pro = db.get(Professional, account.professional_id)
    assert (account.identifier, account.role, pro.family_name) == ("dr.nouveau", "clinician", "Nouveau")
    assert db.get(ProfessionalOrganisation, (pro.id, setting.org.id)) is not None
    assert auth.check_password(db, identifier="dr.nouveau", password=STRONG, client_ip="10.0.0.1", now=T0).needs_enrolment
    assert events(db, AuditAction.ACCOUNT_CREATE)[-1].account_id == setting.admin.account_id


def test_account_for_a_known_professional_links_them_to_the_chosen_organisation(db, setting):
    known = factories.professional(db)  # in the directory, no account and no organisation yet
    accounts.create_professional_account(db, actor=setting.admin, **professional_fields(setting, rpps=known.rpps))
    db.commit()
    assert db.exec(select(func.count()).select_from(Professional).where(Professional.rpps == known.rpps)).one() == 1
    assert db.get(ProfessionalOrganisation, (known.id, setting.org.id)) is not None


INVALID_PROFESSIONAL = {
    "bad-rpps-check-digit": ({"rpps": "10000000010"}, "rpps"),
    "rpps-with-letters": ({"rpps": "1000000001a"}, "rpps"),
    "duplicate-identifier": ({"identifier": "EXISTING"}, "identifier"),
    "short-identifier": ({"identifier": "ab"}, "identifier"),
    "identifier-with-spaces": ({"identifier": "jean nouveau"}, "identifier"),
    "identifier-with-script": ({"identifier": "<script>"}, "identifier"),
    "common-password": ({"initial_password": "motdepasse123"}, "initial_password"),
    "short-password": ({"initial_password": "court"}, "initial_password"),
    "password-with-identifier": ({"initial_password": "dr.nouveau et moi"}, "initial_password"),
    "10000-char-password": ({"initial_password": "x" * 10_000}, "initial_password"),
    "unknown-organisation": ({"organisation_public_id": "0" * 32}, "organisation"),
    "unknown-role": ({"role": "superuser"}, "role"),
    "patient-role": ({"role": "patient"}, "role"),
    "unknown-specialty": ({"specialty_code": "XX"}, "specialty_code"),
    "missing-name": ({"family_name": "   "}, "family_name"),
    "name-of-control-characters": ({"given_name": "\x00\x0b\uffff"}, "given_name"),
}


@pytest.mark.parametrize(("overrides", "field"), INVALID_PROFESSIONAL.values(), ids=INVALID_PROFESSIONAL.keys())
def test_invalid_professional_account_is_refused_and_nothing_is_saved(db, setting, overrides, field):
    if overrides.get("identifier") == "EXISTING":
        existing, _ = factories.account(db, role=Role.NURSE, identifier="dr.nouveau")
        overrides = {"identifier": "  DR.Nouveau "}
        db.commit()
    before = {table: count(db, table) for table in (Account, Professional, ProfessionalOrganisation)}

    with pytest.raises(ValidationFailed) as error:
        accounts.create_professional_account(db, actor=setting.admin, **professional_fields(setting, **overrides))
    db.commit()  # even if the caller went on to commit, nothing half-done is saved

    assert field in error.value.errors and error.value.errors[field]
    assert {table: count(db, table) for table in before} == before
    assert events(db, AuditAction.ACCOUNT_CREATE) == []


def test_professional_with_an_account_cannot_get_a_second_one(db, setting):
    with pytest.raises(ValidationFailed) as error:
        accounts.create_professional_account(
            db, actor=setting.admin, **professional_fields(setting, rpps=setting.member_pro.rpps)
        )
    assert "déjà un compte" in error.value.errors["rpps"]


# --- Patient accounts ---


@pytest.mark.parametrize("key", ["ins", "local_id"])
def test_admin_creates_a_patient_account_from_the_ins_or_local_id(db, setting, key):
    public_id = accounts.create_patient_account(
        db, actor=setting.admin, identifier="patient.test", patient_ins_or_local_id=getattr(setting.patient, key),
        email="", initial_password=STRONG,
    )
    account = db.exec(select(Account).where(Account.public_id == public_id)).one()
    assert (account.role, account.patient_id) == (Role.PATIENT, setting.patient.id)


@pytest.mark.parametrize("key", ["", "0" * 15, "T-999999", "%"])
def test_patient_account_for_an_unknown_patient_is_refused(db, setting, key):
    with pytest.raises(ValidationFailed) as error:
        accounts.create_patient_account(db, actor=setting.admin, identifier="patient.test",
                                        patient_ins_or_local_id=key, email="", initial_password=STRONG)
    assert "patient" in error.value.errors


def test_patient_gets_one_account_only(db, setting):
    factories.account(db, role=Role.PATIENT, patient=setting.patient)
    with pytest.raises(ValidationFailed) as error:
        accounts.create_patient_account(db, actor=setting.admin, identifier="patient.bis",
                                        patient_ins_or_local_id=setting.patient.local_id, email="", initial_password=STRONG)
    assert "déjà un compte" in error.value.errors["patient"]


# --- Disable, unlock, reset the second factor ---


@pytest.fixture
def target(db, setting):
    """An enrolled nurse with an open session: (account, secret, recovery codes, token)."""
    account, _ = factories.account(db, role=Role.NURSE, professional=factories.professional(db), enrolled=False)
    secret, codes, token = factories.enrol(db, account, when=T0)
    db.commit()
    return account, secret, codes, token


def test_disabling_an_account_ends_its_sessions_at_once(db, setting, target):
    account, _, _, token = target
    assert sessions.resolve(db, token=token, now=T0) is not None

    assert accounts.set_active(db, actor=setting.admin, account_public_id=account.public_id, active=False, now=T0)

    assert sessions.resolve(db, token=token, now=T0 + timedelta(seconds=1)) is None
    assert events(db, AuditAction.ACCOUNT_DISABLE)


def test_disabled_account_cannot_log_in_until_enabled_again(db, setting, target):
    account, _, _, _ = target
    accounts.set_active(db, actor=setting.admin, account_public_id=account.public_id, active=False)
    db.commit()
    step = auth.check_password(db, identifier=account.identifier, password=PASSWORD, client_ip="10.0.0.1", now=T0)
    assert step.message == auth.MSG_DISABLED

    accounts.set_active(db, actor=setting.admin, account_public_id=account.public_id, active=True)
    db.commit()
    assert auth.check_password(db, identifier=account.identifier, password=PASSWORD, client_ip="10.0.0.1", now=T0).ok


def test_admin_cannot_disable_their_own_account(db, setting):
    own = db.get(Account, setting.admin.account_id)
    assert not accounts.set_active(db, actor=setting.admin, account_public_id=own.public_id, active=False)
    assert own.status == "active"


@pytest.mark.parametrize("public_id", ["0" * 32, "", "x" * 1000])
def test_admin_actions_on_an_unknown_account_do_nothing(db, setting, public_id):
    assert not accounts.set_active(db, actor=setting.admin, account_public_id=public_id, active=False)
    assert not accounts.reset_second_factor(db, actor=setting.admin, account_public_id=public_id)
    assert not accounts.unlock(db, actor=setting.admin, account_public_id=public_id)


def test_reset_second_factor_forces_enrolment_and_voids_recovery_codes(db, setting, target):
    account, secret, codes, token = target

    assert accounts.reset_second_factor(db, actor=setting.admin, account_public_id=account.public_id, now=T0)
    db.commit()

    later = T0 + timedelta(minutes=1)
    assert sessions.resolve(db, token=token, now=later) is None
    assert db.exec(select(RecoveryCode).where(RecoveryCode.account_id == account.id)).all() == []
    assert not auth.check_recovery_code(db, account_id=account.id, code=codes[0], client_ip="10.0.0.1", now=later).ok
    assert not auth.check_totp(db, account_id=account.id, code=code_for(secret, later), client_ip="10.0.0.1", now=later).ok
    step = auth.check_password(db, identifier=account.identifier, password=PASSWORD, client_ip="10.0.0.1", now=later)
    assert step.ok and step.needs_enrolment
    assert events(db, AuditAction.MFA_RESET)[-1].detail == f"compte {account.identifier}"


def test_unlock_lets_a_locked_user_in_again(db, setting, target):
    account, _, _, _ = target
    account.failed_count, account.locked_until, account.last_failed_at = auth.LOCK_AFTER, T0 + timedelta(hours=1), T0
    db.add(account)
    db.commit()

    assert accounts.unlock(db, actor=setting.admin, account_public_id=account.public_id)
    db.commit()

    step = auth.check_password(db, identifier=account.identifier, password=PASSWORD, client_ip="10.0.0.1",
                               now=T0 + timedelta(minutes=1))
    assert step.ok


def test_account_list_shows_lock_and_second_factor(db, setting, target):
    account, _, _, _ = target
    account.locked_until = T0 + timedelta(hours=1)
    db.add(account)
    page = accounts.list_accounts(db, actor=setting.admin, query=account.identifier, now=T0)
    row = next(item for item in page.items if item.identifier == account.identifier)
    assert (row.locked, row.second_factor, row.status) == (True, "Actif", "Actif")


@pytest.mark.parametrize("query", ["' OR 1=1 --", "<script>", "zz%", "zz_"])
def test_account_search_treats_quotes_and_wildcards_as_text(db, setting, query):
    assert accounts.list_accounts(db, actor=setting.admin, query=query).total == 0


@pytest.mark.parametrize("query", ["%", "_", "%_%"])
def test_account_search_made_of_wildcards_only_is_a_blank_search(db, setting, query):
    everyone = accounts.list_accounts(db, actor=setting.admin, query="").total
    assert accounts.list_accounts(db, actor=setting.admin, query=query).total == everyone


# --- Only the administrator may administer ---

ADMIN_ONLY_OPERATIONS = {
    "list-accounts": lambda db, actor, s: accounts.list_accounts(db, actor=actor),
    "create-professional": lambda db, actor, s: accounts.create_professional_account(
        db, actor=actor, **professional_fields(s)),
    "create-patient-account": lambda db, actor, s: accounts.create_patient_account(
        db, actor=actor, identifier="patient.x", patient_ins_or_local_id=s.patient.local_id, email="",
        initial_password=STRONG),
    "disable": lambda db, actor, s: accounts.set_active(
        db, actor=actor, account_public_id=db.get(Account, s.admin.account_id).public_id, active=False),
    "reset-second-factor": lambda db, actor, s: accounts.reset_second_factor(
        db, actor=actor, account_public_id=db.get(Account, s.admin.account_id).public_id),
    "unlock": lambda db, actor, s: accounts.unlock(
        db, actor=actor, account_public_id=db.get(Account, s.admin.account_id).public_id),
    "list-organisations": lambda db, actor, s: organisations.list_organisations(db, actor=actor),
    "create-organisation": lambda db, actor, s: organisations.create_organisation(
        db, actor=actor, name="X", kind="chu", finess="", city="", phone=""),
    "search-patients": lambda db, actor, s: care_teams.search_patients_admin(db, actor=actor, query="PATIENT"),
}


@pytest.mark.parametrize("operation", ADMIN_ONLY_OPERATIONS.values(), ids=ADMIN_ONLY_OPERATIONS.keys())
@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.GP, Role.NURSE, Role.RCP_SECRETARY, Role.PATIENT])
def test_non_administrators_are_denied_and_audited(db, setting, operation, role):
    actor = actor_with_role(db, role)
    with pytest.raises(AccessDenied):
        operation(db, actor, setting)
    assert [e.account_id for e in events(db, AuditAction.ADMIN, "denied") + events(db, AuditAction.SEARCH, "denied")] == [
        actor.account_id
    ]
    assert db.get(Account, setting.admin.account_id).status == "active"


def test_administrator_who_has_not_accepted_the_new_charter_is_denied(db, setting):
    factories.publish_charter(db, "2.0")
    with pytest.raises(AccessDenied):
        accounts.list_accounts(db, actor=setting.admin)


@pytest.mark.parametrize("role", [Role.GP, Role.PATIENT])
def test_directory_search_is_denied_and_audited_outside_managing_roles(db, setting, role):
    actor = actor_with_role(db, role)
    with pytest.raises(AccessDenied):
        care_teams.search_professionals(db, actor=actor, query="Pro")
    db.commit()
    denied = db.exec(select(AuditEvent).where(AuditEvent.outcome == "denied", AuditEvent.account_id == actor.account_id)).all()
    assert len(denied) == 1


def test_directory_search_finds_professionals_by_name_or_rpps(db, setting):
    by_name = care_teams.search_professionals(db, actor=setting.member, query=setting.gp_pro.family_name)
    by_rpps = care_teams.search_professionals(db, actor=setting.admin, query=setting.gp_pro.rpps)
    assert [o.public_id for o in by_name] == [o.public_id for o in by_rpps] == [setting.gp_pro.public_id]


# --- Organisations ---


def test_admin_creates_an_organisation_with_a_valid_finess(db, setting):
    public_id = organisations.create_organisation(
        db, actor=setting.admin, name=" AP-HP ", kind="chu", finess="750712184", city="Paris", phone=""
    )
    org = db.exec(select(Organisation).where(Organisation.public_id == public_id)).one()
    assert (org.name, org.finess) == ("AP-HP", "750712184")


def test_organisations_without_finess_are_allowed(db, setting):
    for name in ("Cabinet A", "Cabinet B"):
        organisations.create_organisation(db, actor=setting.admin, name=name, kind="gp_practice", finess="", city="", phone="")
    db.commit()
    assert count(db, Organisation) == 3


def test_names_typed_in_the_admin_forms_keep_only_text_an_xml_document_carries(db, setting):
    public_id = accounts.create_professional_account(db, actor=setting.admin, **professional_fields(
        setting, family_name="Nou\x00veau\x0c", given_name="Jean\uffff\tMarie", phone="02\x1b 40"))
    pro = db.get(Professional, db.exec(select(Account).where(Account.public_id == public_id)).one().professional_id)
    assert (pro.family_name, pro.given_name, pro.phone) == ("Nouveau", "Jean Marie", "02 40")
    public_id = organisations.create_organisation(db, actor=setting.admin, name="Cabinet\x1b du\r\nport", kind="gp_practice",
                                                  finess="", city="Nantes\ud800", phone="")
    org = db.exec(select(Organisation).where(Organisation.public_id == public_id)).one()
    assert (org.name, org.city) == ("Cabinet du port", "Nantes")


INVALID_ORGANISATION = {
    "bad-finess": ({"finess": "750712185"}, "finess"),
    "short-finess": ({"finess": "7507121"}, "finess"),
    "duplicate-finess": ({"finess": "DUPLICATE"}, "finess"),
    "missing-name": ({"name": "  "}, "name"),
    "unknown-kind": ({"kind": "hospital"}, "kind"),
}


@pytest.mark.parametrize(("overrides", "field"), INVALID_ORGANISATION.values(), ids=INVALID_ORGANISATION.keys())
def test_invalid_organisation_is_refused_and_nothing_is_saved(db, setting, overrides, field):
    fields = dict(name="Clinique", kind="clinic", finess="", city="", phone="") | overrides
    if fields["finess"] == "DUPLICATE":
        organisations.create_organisation(db, actor=setting.admin, **(fields | {"finess": "750712184"}))
        db.commit()
        fields["finess"] = "750712184"
    before = count(db, Organisation)

    with pytest.raises(ValidationFailed) as error:
        organisations.create_organisation(db, actor=setting.admin, **fields)
    db.commit()

    assert field in error.value.errors
    assert count(db, Organisation) == before


# --- Care teams ---


def add(db, actor, setting, pro, *, start="2026-03-01", end="", team_role="surgeon"):
    return care_teams.add_member(
        db, actor=actor, patient_public_id=setting.patient.public_id, professional_public_id=pro.public_id,
        team_role=team_role, start_date=start, end_date=end, now=T0,
    )


def actor_for_pro(db, pro, role=Role.CLINICIAN) -> Actor:
    account, _ = factories.account(db, role=role, professional=pro)
    return factories.actor_for(db, account)


@pytest.mark.parametrize("by", ["admin", "member"])
def test_adding_a_member_grants_access(db, setting, by):
    surgeon = factories.professional(db, specialty="G15_10/SM14")
    surgeon_actor = actor_for_pro(db, surgeon)
    assert access.grant_for(db, actor=surgeon_actor, patient=setting.patient, now=T0) is None

    add(db, getattr(setting, by), setting, surgeon)

    assert access.grant_for(db, actor=surgeon_actor, patient=setting.patient, now=T0) == Grant.CARE_TEAM
    assert "membre ajouté" in events(db, AuditAction.UPDATE)[-1].detail


def test_removing_a_member_cuts_access_at_once(db, setting):
    patient = setting.patient
    access.require_patient(db, actor=setting.member, patient_public_id=patient.public_id, now=T0)  # the record is open

    care_teams.remove_member(db, actor=setting.admin, patient_public_id=patient.public_id,
                             membership_public_id=setting.membership.public_id, now=T0)

    assert access.grant_for(db, actor=setting.member, patient=patient, now=T0) is None
    db.commit()
    with pytest.raises(AccessDenied):
        access.require_patient(db, actor=setting.member, patient_public_id=patient.public_id, now=T0)


def test_removing_a_member_twice_is_refused(db, setting):
    kwargs = dict(actor=setting.admin, patient_public_id=setting.patient.public_id,
                  membership_public_id=setting.membership.public_id, now=T0)
    care_teams.remove_member(db, **kwargs)
    with pytest.raises(ValidationFailed):
        care_teams.remove_member(db, **kwargs)


def test_a_membership_cannot_be_removed_through_another_patient(db, setting):
    other = factories.patient(db)
    with pytest.raises(ValidationFailed):
        care_teams.remove_member(db, actor=setting.admin, patient_public_id=other.public_id,
                                 membership_public_id=setting.membership.public_id, now=T0)
    assert access.grant_for(db, actor=setting.member, patient=setting.patient, now=T0) == Grant.CARE_TEAM


@pytest.mark.parametrize("who", ["outsider", "gp", "patient"])
def test_only_the_admin_and_team_members_manage_the_team(db, setting, who):
    if who == "outsider":
        actor = actor_for_pro(db, factories.professional(db))
    elif who == "gp":
        actor = actor_for_pro(db, setting.gp_pro, role=Role.GP)
    else:
        account, _ = factories.account(db, role=Role.PATIENT, patient=setting.patient)
        actor = factories.actor_for(db, account)
    newcomer = factories.professional(db)
    with pytest.raises(AccessDenied):
        add(db, actor, setting, newcomer)
    assert count(db, CareTeamMembership) == 1


DATES = {
    "in-1900": ("1900-01-01", "", "start_date"),
    "in-2100": ("2100-01-01", "", "start_date"),
    "end-in-2100": ("2026-03-01", "2100-01-01", "end_date"),
    "end-before-start": ("2026-03-10", "2026-03-09", "end_date"),
    "29-february-2027": ("2027-02-29", "", "start_date"),
    "missing-start": ("", "", "start_date"),
    "french-format": ("10/03/2026", "", "start_date"),
    "month-13": ("2026-13-01", "", "start_date"),
    "script": ("<script>alert(1)</script>", "", "start_date"),
}


@pytest.mark.parametrize(("start", "end", "field"), DATES.values(), ids=DATES.keys())
def test_invalid_membership_dates_are_refused_and_nothing_is_saved(db, setting, start, end, field):
    before = count(db, CareTeamMembership)
    with pytest.raises(ValidationFailed) as error:
        add(db, setting.admin, setting, factories.professional(db), start=start, end=end)
    db.commit()
    assert field in error.value.errors
    assert count(db, CareTeamMembership) == before


def test_29_february_of_a_leap_year_is_a_valid_date(db, setting):
    pro = factories.professional(db)
    public_id = add(db, setting.admin, setting, pro, start="2028-02-29")
    membership = db.exec(select(CareTeamMembership).where(CareTeamMembership.public_id == public_id)).one()
    assert membership.start_date.isoformat() == "2028-02-29"
    assert access.grant_for(db, actor=actor_for_pro(db, pro), patient=setting.patient, now=T0) is None  # not yet


def test_membership_ending_on_the_same_day_it_starts_is_valid(db, setting):
    pro = factories.professional(db)
    add(db, setting.admin, setting, pro, start="2026-03-10", end="2026-03-10")
    assert access.grant_for(db, actor=actor_for_pro(db, pro), patient=setting.patient, now=T0) == Grant.CARE_TEAM


@pytest.mark.parametrize(
    ("change", "field"),
    [({"pro": "unknown"}, "professional"), ({"team_role": "boss"}, "team_role"), ({"pro": "member"}, "professional")],
    ids=["unknown-professional", "unknown-team-role", "already-a-member"],
)
def test_invalid_member_is_refused(db, setting, change, field):
    pro = setting.member_pro if change.get("pro") == "member" else factories.professional(db)
    if change.get("pro") == "unknown":
        pro = Professional(public_id="0" * 32, rpps="", family_name="", given_name="", specialty_code="")
    with pytest.raises(ValidationFailed) as error:
        add(db, setting.admin, setting, pro, team_role=change.get("team_role", "surgeon"))
    assert field in error.value.errors


def test_team_view_marks_removed_members_inactive(db, setting):
    care_teams.remove_member(db, actor=setting.admin, patient_public_id=setting.patient.public_id,
                             membership_public_id=setting.membership.public_id, now=T0)
    view = care_teams.view(db, actor=setting.admin, patient_public_id=setting.patient.public_id, now=T0)
    assert [m.active for m in view.members] == [False]


def test_setting_the_medecin_traitant_moves_the_access(db, setting):
    new_gp = factories.professional(db, specialty="G15_10/SM54")
    new_gp_actor = actor_for_pro(db, new_gp, role=Role.GP)
    old_gp_actor = actor_for_pro(db, setting.gp_pro, role=Role.GP)

    care_teams.set_medecin_traitant(db, actor=setting.admin, patient_public_id=setting.patient.public_id,
                                    professional_public_id=new_gp.public_id)

    assert access.grant_for(db, actor=new_gp_actor, patient=setting.patient, now=T0) == Grant.MEDECIN_TRAITANT
    assert access.grant_for(db, actor=old_gp_actor, patient=setting.patient, now=T0) is None
    assert f"RPPS {new_gp.rpps}" in events(db, AuditAction.UPDATE)[-1].detail


@pytest.mark.parametrize("who", ["nurse", "unknown"])
def test_medecin_traitant_must_be_a_physician(db, setting, who):
    public_id = factories.professional(db, specialty="G15_60").public_id if who == "nurse" else "0" * 32
    with pytest.raises(ValidationFailed):
        care_teams.set_medecin_traitant(db, actor=setting.admin, patient_public_id=setting.patient.public_id,
                                        professional_public_id=public_id)
    assert setting.patient.gp_professional_id == setting.gp_pro.id


def test_rcp_organiser_choices_list_hospitals_only_and_only_for_the_secretariat(db, setting):
    practice = factories.organisation(db, name="Cabinet du Parc")
    practice.kind = OrganisationKind.GP_PRACTICE
    db.add(practice)
    db.flush()
    choices = organisations.hospital_choices(db, actor=setting.admin)
    assert (setting.org.public_id, "CHU de Test") in choices
    assert practice.public_id not in {public_id for public_id, _name in choices}
    with pytest.raises(AccessDenied):
        organisations.hospital_choices(db, actor=setting.member)
    assert [e.detail for e in events(db, AuditAction.READ, outcome="denied")] == ["établissements organisateurs de RCP"]
