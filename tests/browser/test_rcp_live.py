"""The live sitting: the coordinator's tablet moves to the next case and a participant's tablet follows it, then sees
the proposal and its alternative as the coordinator types them; a guest invited for that case alone joins from a phone,
sees only it and completes its quorum, which drops again on every screen when a member leaves."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from playwright.sync_api import expect
from sqlmodel import select

from dcc_portal.models import (
    Account,
    CareTeamMembership,
    Organisation,
    Patient,
    Professional,
    Rcp,
    RcpCase,
    RcpKind,
    RcpMember,
    RcpSession,
    RcpSessionStatus,
    utcnow,
)
from dcc_portal.services.common.names import patient_name
from tests.browser.helpers import assert_fits_width, enrol, login, shot, visit


def _open_sitting(server) -> tuple[str, list[str]]:
    """A board of its own (coordinator Dr Perrin, member Dr Girard) sitting now, with two patients of Dr Perrin."""
    with server.session() as db:
        pros = {a.identifier: db.get(Professional, a.professional_id) for a in db.exec(
            select(Account).where(Account.identifier.in_(["hemato.perrin", "onco.girard"]))).all()}
        perrin = pros["hemato.perrin"]
        org = db.exec(select(Organisation).order_by(Organisation.id)).first()
        board = Rcp(national_id="99019901", name="RCP lymphomes (séance en direct)", organisation_id=org.id,
                    kind=RcpKind.ORGAN, appareil_code="57171008")
        db.add(board)
        db.flush()
        db.add(RcpMember(rcp_id=board.id, professional_id=perrin.id, is_coordinator=True))
        db.add(RcpMember(rcp_id=board.id, professional_id=pros["onco.girard"].id))
        now = utcnow()
        session = RcpSession(rcp_id=board.id, starts_at=now - timedelta(minutes=5), registration_deadline=now - timedelta(days=1),
                             status=RcpSessionStatus.OPEN, published_at=now - timedelta(days=3))
        db.add(session)
        db.flush()
        patients = db.exec(select(Patient).join(CareTeamMembership, CareTeamMembership.patient_id == Patient.id)
                           .where(CareTeamMembership.professional_id == perrin.id).order_by(Patient.id).limit(2)).all()
        for index, patient in enumerate(patients):
            db.add(RcpCase(session_id=session.id, patient_id=patient.id, requester_professional_id=perrin.id,
                           reason="treatment_proposal", question=f"Question {index + 1}", summary="Résumé du dossier",
                           created_at=now + timedelta(seconds=index)))
        return session.public_id, [patient_name(p) for p in patients]


def test_a_participant_tablet_follows_the_coordinator(page_factory, server):
    session_id, names = _open_sitting(server)
    with server.session() as db:
        guest_rpps = db.get(Professional, db.exec(select(Account).where(Account.identifier == "chir.fabre")).one().professional_id).rpps
    coordinator_secret, participant_secret = enrol(server, "hemato.perrin"), enrol(server, "onco.girard")
    url = f"/team/rcp/live?s={session_id}"

    coordinator = page_factory("tablet")
    login(coordinator, server, "hemato.perrin", coordinator_secret, lands_on="/team")
    visit(coordinator, url)
    coordinator.get_by_test_id("next-case").click()
    expect(coordinator.get_by_test_id("live-case-patient")).to_have_text(names[0])

    participant = page_factory("tablet")
    login(participant, server, "onco.girard", participant_secret, lands_on="/team")
    visit(participant, url)
    expect(participant.get_by_test_id("live-case-patient")).to_have_text(names[0])
    expect(participant.get_by_test_id("live-participant")).to_have_count(2)
    expect(participant.get_by_test_id("next-case")).to_have_count(0)  # only the coordinator leads

    started = time.monotonic()
    coordinator.get_by_test_id("next-case").click()
    expect(participant.get_by_test_id("live-case-patient")).to_have_text(names[1])
    print(f"case change seen by the participant after {time.monotonic() - started:.2f} s (click included)")

    coordinator.get_by_test_id("take-pen").click()
    coordinator.get_by_label("Proposition thérapeutique").fill("Immunochimiothérapie R-CHOP, 6 cycles")
    expect(participant.get_by_test_id("live-writer")).to_contain_text("écrit")
    expect(participant.get_by_test_id("live-proposal")).to_have_text("Immunochimiothérapie R-CHOP, 6 cycles")
    coordinator.get_by_test_id("add-alternative").click()
    coordinator.locator("#live-alt-type-1").select_option("C15632")
    coordinator.get_by_label("Précisions sur l'alternative 1").fill("Radiothérapie de consolidation")
    expect(participant.get_by_test_id("live-alternative")).to_contain_text("Radiothérapie de consolidation")
    expect(participant.get_by_test_id("live-quorum")).to_contain_text("Quorum non atteint")
    assert_fits_width(participant)
    shot(participant, "rcp-live-participant-tablet")

    # a surgeon invited for this case only, on a phone: sees that case alone and completes its quorum
    guest_secret = enrol(server, "chir.fabre")
    coordinator.get_by_label("Nom ou RPPS").fill(guest_rpps)
    coordinator.get_by_role("button", name="Chercher").click()
    coordinator.get_by_test_id("invite-guest").click()
    expect(coordinator.get_by_test_id("live-guest")).to_contain_text("Pas encore arrivé")
    guest = page_factory("phone")
    login(guest, server, "chir.fabre", guest_secret, lands_on="/team")
    visit(guest, url)
    expect(guest.get_by_test_id("live-case-patient")).to_have_text(names[1])
    expect(guest.get_by_test_id("live-agenda-item")).to_have_count(1)
    expect(guest.get_by_test_id("take-pen")).to_have_count(0)
    expect(participant.get_by_test_id("live-quorum")).to_contain_text("Quorum atteint")
    # Dr Girard leaves early: the quorum of this case drops on every screen, the guest's phone included
    coordinator.get_by_test_id("live-participant").filter(has_text=re.compile("girard", re.I)).get_by_role(
        "button", name="Parti(e)").click()
    expect(guest.get_by_test_id("live-quorum")).to_contain_text("Quorum non atteint")
    assert_fits_width(guest)
    shot(coordinator, "rcp-live-coordinator-tablet")
    shot(guest, "rcp-live-guest-phone")
    assert not coordinator.errors and not participant.errors and not guest.errors
