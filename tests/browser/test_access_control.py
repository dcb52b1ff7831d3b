"""Access outside the care team and the audit trail, through the production server: emergency access with a
reason, the patient's access history and oppositions, removal from the team cutting an open session, the
administrator's audit search, and every route visited by every role with another patient's ids."""

from __future__ import annotations

import csv
import io
import re
import secrets

import pytest
from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import select

from dcc_portal import formatting
from dcc_portal.demo.seed import DEMO_EMERGENCY_REASON
from dcc_portal.models import (
    Account,
    AuditEvent,
    CareTeamMembership,
    EmergencyAccess,
    Notification,
    Patient,
    PatientOpposition,
    RcpCase,
)
from dcc_portal.services.access import rule as access
from dcc_portal.services.identity import sessions
from dcc_portal.services.record import documents, patients
from tests.browser.helpers import (
    account,
    assert_fits_width,
    audit_events,
    enrol,
    loaded,
    login,
    shot,
    visit,
)

REASON = "Patiente admise aux urgences pour fièvre sous chimiothérapie : besoin du protocole en cours"


def db_patient(server, patient_id: int) -> Patient:
    with server.session() as db:
        return db.get(Patient, patient_id)


def _professional_id(server, identifier: str) -> int:
    return account(server, identifier).professional_id


def _unrelated_patient(server, identifiers: list[str], *, skip: set[int] = frozenset()) -> Patient:
    """A patient none of these users can reach (no team, not their GP, not themselves, no opposition, no emergency,
    no case in an RCP they belong to)."""
    with server.session() as db:
        rows = [db.exec(select(Account).where(Account.identifier == ident)).one() for ident in identifiers]
        pro_ids = {row.professional_id for row in rows if row.professional_id}
        own = {row.patient_id for row in rows if row.patient_id}
        for patient in db.exec(select(Patient).order_by(Patient.local_id)).all():
            if patient.id in own or patient.id in skip or patient.gp_professional_id in pro_ids:
                continue
            team = set(db.exec(select(CareTeamMembership.professional_id).where(CareTeamMembership.patient_id == patient.id)).all())
            other = db.exec(select(EmergencyAccess.id).where(EmergencyAccess.patient_id == patient.id)).first()
            opposed = db.exec(select(PatientOpposition.id).where(PatientOpposition.patient_id == patient.id)).first()
            in_their_rcp = any(access.is_rcp_member_for(db, professional_id=pro, patient_id=patient.id) for pro in pro_ids)
            if not team & pro_ids and other is None and opposed is None and not in_their_rcp and db.exec(
                select(Account.id).where(Account.patient_id == patient.id)
            ).first() is None:
                return patient
    raise AssertionError("no unrelated patient in the demo region")


# --- emergency access (tablet) ---


def test_emergency_access_needs_a_reason_and_is_flagged(page_factory, server):
    identifier = "pneumo.fontaine"
    target = _unrelated_patient(server, [identifier])
    secret = enrol(server, identifier)
    page = page_factory("tablet")
    login(page, server, identifier, secret, lands_on="/team")

    page.get_by_role("link", name="Rechercher un dossier").first.click()
    expect(page).to_have_url(re.compile(r"/team/search/?$"))
    page.get_by_label("INS (15 caractères)").fill(formatting.ins_display(target.ins))
    page.get_by_test_id("record-search").click()
    result = page.get_by_test_id("record-result")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("Hors de votre équipe de soins")
    assert target.ins not in page.content(), "the search shows minimal identity only"
    shot(page, "emergency-search-tablet")
    result.get_by_test_id("choose-emergency").click()

    form = page.get_by_test_id("emergency-form")
    expect(form).to_be_visible()
    page.get_by_label("Motif de l'accès en urgence (20 caractères au moins)").fill("urgence")
    page.get_by_test_id("confirm-emergency").click()
    expect(page.get_by_test_id("reason-error")).to_have_text("Indiquez le motif de l'accès en urgence (20 caractères au moins).")
    expect(page.get_by_label("Motif de l'accès en urgence (20 caractères au moins)")).to_have_value("urgence")
    assert_fits_width(page)
    shot(page, "emergency-form-error-tablet")

    page.get_by_label("Motif de l'accès en urgence (20 caractères au moins)").fill(REASON)
    page.get_by_test_id("confirm-emergency").click()
    expect(page).to_have_url(re.compile(rf"/team/patient/?\?p={target.public_id}$"))
    expect(page.get_by_test_id("emergency-banner")).to_contain_text("Accès en urgence en cours jusqu'au")
    expect(page.get_by_test_id("patient-name")).to_be_visible()
    # The whole page is there, without the care team's DMP panel, and stays there.
    expect(page.locator("main[aria-busy=false]")).to_have_count(1)
    expect(page.get_by_test_id("dmp-card")).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"/team/patient/?\?p={target.public_id}$"))
    assert_fits_width(page)
    shot(page, "emergency-summary-tablet")

    me = account(server, identifier).id
    opened = [e for e in audit_events(server, action="emergency_access", account_id=me) if e.patient_id == target.id]
    reads = [e for e in audit_events(server, action="read", account_id=me) if e.patient_id == target.id and e.outcome == "success"]
    assert len(opened) == 1 and opened[0].grant == "emergency" and opened[0].justification == REASON
    assert reads and all(e.grant == "emergency" and e.justification == REASON for e in reads)
    with server.session() as db:
        told = db.exec(select(Notification.account_id).where(Notification.kind == "emergency_access",
                                                            Notification.patient_id == target.id)).all()
        team_accounts = db.exec(select(Account.id).join(CareTeamMembership, CareTeamMembership.professional_id == Account.professional_id)
                                .where(CareTeamMembership.patient_id == target.id)).all()
    assert set(team_accounts) <= set(told) and team_accounts


# --- the patient's access history and oppositions (phone) ---


def test_patient_sees_who_accessed_the_record_with_emergencies_highlighted(page_factory, server):
    identifier = "patient.dubois"
    secret = enrol(server, identifier)
    page = page_factory("phone")
    login(page, server, identifier, secret, lands_on="/patient")
    expect(page.get_by_test_id("emergency-list")).to_contain_text(DEMO_EMERGENCY_REASON)
    shot(page, "patient-home-emergency-phone")

    page.get_by_test_id("see-access-log").click()
    expect(page).to_have_url(re.compile(r"/patient/access-log/?$"))
    emergency_rows = page.get_by_test_id("access-row-emergency")
    expect(emergency_rows.first).to_be_visible()
    expect(emergency_rows.first.get_by_test_id("access-reason")).to_contain_text(DEMO_EMERGENCY_REASON)
    # Each line says why the access was allowed (newest first: the team's latest updates may come before it).
    expect(page.get_by_test_id("access-row").filter(has_text="membre de votre équipe de soins").first).to_be_visible()
    text = page.inner_text("body")
    assert "Olivier FONTAINE" in text and "en urgence" in text
    with server.session() as db:
        me = db.exec(select(Account).where(Account.identifier == identifier)).one()
        others = db.exec(select(Patient).where(Patient.id != me.patient_id)).all()
    assert not [p.local_id for p in others if p.local_id in text or p.ins in text]
    own_name = patients.patient_name(db_patient(server, me.patient_id)).split(" ")[0]
    listed = " ".join(page.get_by_test_id("access-row").all_inner_texts() + emergency_rows.all_inner_texts())
    assert own_name not in listed, "the patient's own actions are not listed"
    assert_fits_width(page)
    shot(page, "patient-access-log-phone")


def test_patient_objects_to_a_professional_then_withdraws(page_factory, server):
    identifier = "patient.leroy"
    secret = enrol(server, identifier)
    page = page_factory("phone")
    login(page, server, identifier, secret, lands_on="/patient")
    visit(page, "/patient/oppositions")
    page.get_by_label("Nom du professionnel").fill("Moreau")
    page.get_by_test_id("find-professional").click()
    choice = page.get_by_test_id("professional-choice").filter(has_text="Paul MOREAU")
    expect(choice).to_contain_text("Fait partie de votre équipe de soins actuelle")
    expect(choice.get_by_test_id("oppose")).to_have_count(0)

    page.get_by_label("Nom du professionnel").fill("Nguyen")
    page.get_by_test_id("find-professional").click()
    page.get_by_test_id("professional-choice").filter(has_text="Thi NGUYEN").get_by_test_id("oppose").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Opposition enregistrée")
    expect(page.get_by_test_id("opposition")).to_contain_text("Thi NGUYEN")
    assert_fits_width(page)
    shot(page, "patient-oppositions-phone")
    nguyen = _professional_id(server, "chir.nguyen")  # a surgeon outside her care team
    me = account(server, identifier)
    with server.session() as db:
        assert access.is_opposed(db, professional_id=nguyen, patient_id=me.patient_id)

    page.get_by_test_id("withdraw-opposition").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Opposition levée")
    expect(page.get_by_test_id("opposition")).to_have_count(0)
    with server.session() as db:
        assert not access.is_opposed(db, professional_id=nguyen, patient_id=me.patient_id)


# --- removal from the team cuts an open session (two tablets) ---


def test_removal_from_the_team_cuts_an_open_session(page_factory, server):
    clinician, colleague = "chir.lambert", "ide.petit"
    pros = {ident: _professional_id(server, ident) for ident in (clinician, colleague)}
    with server.session() as db:
        both = db.exec(
            select(CareTeamMembership.patient_id)
            .where(CareTeamMembership.professional_id.in_(pros.values()), CareTeamMembership.removed_at.is_(None))
            .group_by(CareTeamMembership.patient_id).having(func.count() == 2)
        ).all()
        with_accounts = set(db.exec(select(Account.patient_id).where(Account.patient_id.is_not(None))).all())
        # one already presented in RCP: the journeys that register a patient need the others as the demo made them
        registered = set(db.exec(select(RcpCase.patient_id)).all())
        patient = db.get(Patient, sorted((set(both) - with_accounts) & registered)[-1])

    doctor = page_factory("tablet")
    login(doctor, server, clinician, enrol(server, clinician), lands_on="/team")
    doctor.goto(f"/team/patient?p={patient.public_id}")
    expect(doctor.get_by_test_id("patient-name")).to_be_visible()
    expect(doctor.get_by_test_id("manage-team")).to_be_visible()
    shot(doctor, "removal-summary-open-tablet")

    nurse = page_factory("tablet")
    login(nurse, server, colleague, enrol(server, colleague), lands_on="/team")
    visit(nurse, f"/team/patient?p={patient.public_id}")
    nurse.get_by_test_id("manage-team").click()
    expect(nurse).to_have_url(re.compile(rf"/team/care-team/?\?p={patient.public_id}$"))
    card = nurse.get_by_test_id("member-card").filter(has_text="Anne LAMBERT")
    card.get_by_test_id("remove-member").click()
    expect(nurse.get_by_role("alertdialog")).to_contain_text("Son accès au dossier prend fin immédiatement")
    shot(nurse, "removal-confirm-tablet")
    nurse.get_by_test_id("confirm-remove").click()
    expect(nurse.get_by_test_id("notice")).to_contain_text("son accès a pris fin immédiatement")
    expect(card.get_by_text("Terminé")).to_be_visible()
    assert_fits_width(nurse)
    shot(nurse, "removal-done-tablet")

    lambert = account(server, clinician).id
    before = len([e for e in audit_events(server, action="read", account_id=lambert) if e.outcome == "denied"])
    doctor.get_by_test_id("manage-team").click()  # the page is still open: the next action is refused
    expect(doctor).to_have_url(re.compile(r"/forbidden/?$"))
    expect(doctor.get_by_test_id("forbidden")).to_be_visible()
    shot(doctor, "removal-forbidden-tablet")
    denied = [e for e in audit_events(server, action="read", account_id=lambert) if e.outcome == "denied"]
    assert len(denied) > before and denied[-1].patient_id == patient.id

    # The team also changes the médecin traitant from the same screen.
    nurse.get_by_label("Médecin (nom ou RPPS)").fill("Garnier")
    nurse.get_by_role("button", name="Rechercher").nth(1).click()
    garnier = nurse.locator("#medecin_traitant option", has_text="Hugo GARNIER")
    expect(garnier).to_have_count(1)
    nurse.get_by_label("Nouveau médecin traitant").select_option(garnier.get_attribute("value"))
    nurse.get_by_test_id("set-gp").click()
    expect(nurse.get_by_test_id("notice")).to_contain_text("Médecin traitant changé")
    expect(nurse.get_by_test_id("current-gp")).to_contain_text("Dr Hugo GARNIER")
    assert db_patient(server, patient.id).gp_professional_id == _professional_id(server, "mg.garnier")


# --- the administrator's audit search (tablet) ---


def test_admin_searches_the_audit_trail_and_exports_csv(page_factory, server):
    secret = enrol(server, "admin.dsrc")
    page = page_factory("tablet")
    login(page, server, "admin.dsrc", secret, lands_on="/admin")
    page.get_by_role("link", name="Journal d'audit").first.click()
    expect(page).to_have_url(re.compile(r"/admin/audit/?$"))
    expect(page.get_by_test_id("audit-event").first).to_be_visible()
    with server.session() as db:
        dubois = db.exec(select(Patient).join(Account, Account.patient_id == Patient.id).where(Account.identifier == "patient.dubois")).one()
    page.get_by_label("Patient (INS ou identifiant local)").fill(dubois.local_id)
    page.get_by_label("Action", exact=True).select_option("emergency_access")
    page.get_by_test_id("audit-search").click()
    expect(page.get_by_test_id("audit-event").first).to_contain_text(DEMO_EMERGENCY_REASON)
    expect(page.get_by_test_id("audit-count")).to_contain_text("1 événement")
    shot(page, "admin-audit-tablet")
    assert_fits_width(page)

    with page.expect_download() as download_info:
        page.get_by_test_id("audit-export").click()
    content = open(download_info.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0][0] == "n°" and len(rows) == 2 and rows[1][6] == "emergency_access" and rows[1][8] == dubois.local_id
    exports = audit_events(server, action="export", account_id=account(server, "admin.dsrc").id)
    assert exports and "journal d'audit" in exports[-1].detail

    page.get_by_label("Du (date, heure de Paris)").fill("2026-03-02")
    page.get_by_label("Au (inclus)").fill("2026-03-01")
    page.get_by_test_id("audit-search").click()
    expect(page.get_by_test_id("date_to-error")).to_have_text("La date de fin précède la date de début.")


# --- every route, every role, another patient's ids in the URL ---

ROLE_USERS = {
    "patient.dubois": "/patient",
    "mg.durand": "/gp",
    "onco.girard": "/team",
    "ide.petit": "/team",
    "sec.leclerc": "/team",
    "admin.dsrc": "/admin",
}


@pytest.fixture(scope="module")
def foreign_record(server):
    """A patient none of ROLE_USERS can reach, with a validated document whose title is unique."""
    patient = _unrelated_patient(server, list(ROLE_USERS))
    title = f"Compte rendu confidentiel {secrets.token_hex(4).upper()}"
    with server.session() as db:
        author_account = db.exec(
            select(Account).join(CareTeamMembership, CareTeamMembership.professional_id == Account.professional_id)
            .where(CareTeamMembership.patient_id == patient.id, Account.role == "clinician")
        ).first()
        token = sessions.open_session(db, account_id=author_account.id, client_ip="127.0.0.1")
        db.flush()
        author = sessions.resolve(db, token=token)
        document, _ = documents.create(db, actor=author, patient=db.get(Patient, patient.id), kind="consultation",
                                       title=title, content={"texte": "contenu"})
        documents.validate(db, actor=author, document=document)
        document_id = document.public_id
    return patient, document_id, title


def _registered_routes() -> list[str]:
    from dcc_portal.dcc_portal import app

    if not app._load_events:
        app._apply_decorated_pages()
    return sorted("/" if route == "index" else f"/{route}" for route in app._unevaluated_pages)


def _markers(server, identifier: str, patient: Patient, title: str) -> set[str]:
    if identifier == "admin.dsrc":
        return {title}  # the administrator manages identities and teams, never clinical content
    name = patients.patient_name(patient)
    markers = {patient.ins, formatting.ins_display(patient.ins), patient.local_id, title}
    with server.session() as db:
        same_name = db.exec(select(Patient).where(Patient.id != patient.id)).all()
    if not any(patients.patient_name(other) == name for other in same_name):
        markers.add(name)
    return markers


@pytest.mark.parametrize("identifier", list(ROLE_USERS))
def test_every_route_with_another_patients_ids_shows_nothing_of_them(page_factory, server, foreign_record, identifier):
    patient, document_id, title = foreign_record
    markers = _markers(server, identifier, patient, title)
    secret = enrol(server, identifier)
    page = page_factory("tablet")
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    login(page, server, identifier, secret, lands_on=ROLE_USERS[identifier])
    me = account(server, identifier).id
    with server.session() as db:
        denied_before = db.exec(select(func.count(AuditEvent.id)).where(AuditEvent.account_id == me, AuditEvent.outcome == "denied")).one()

    seen = []
    for route in _registered_routes():
        page.goto(f"{route}?p={patient.public_id}&d={document_id}")
        loaded(page)
        body = page.inner_text("body")
        seen.append(body)
        leaked = [marker for marker in markers if marker in body]
        assert not leaked, f"{identifier} sees {leaked} on {route}"
    received = "\n".join(frames)
    assert received, "no websocket traffic captured"
    leaked = [marker for marker in markers if marker in received]
    assert not leaked, f"{identifier} received {leaked} over the websocket"
    assert not page.errors, page.errors
    with server.session() as db:
        denied = db.exec(select(AuditEvent).where(AuditEvent.account_id == me, AuditEvent.outcome == "denied")
                         .order_by(AuditEvent.seq).offset(denied_before)).all()
    assert any(e.patient_id == patient.id or document_id in e.detail for e in denied), "the refusals were not audited"
