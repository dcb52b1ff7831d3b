"""The live sitting: moving through the agenda, joining, presence and the quorum per case, the shared proposal and the
decision validated in session."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from sqlmodel import select

from dcc_portal.conformance import cda as cda_validation
from dcc_portal.models import AuditEvent, Document, RcpCase, RcpCaseSitting, RcpCaseStatus, RcpSessionStatus
from dcc_portal.services.access import audit
from dcc_portal.services.common import render
from dcc_portal.services.common.errors import AccessDenied, ValidationFailed
from dcc_portal.services.rcp import decision as rcp_decision
from dcc_portal.services.rcp import directory as rcp_directory
from dcc_portal.services.rcp import fiche as frcp
from dcc_portal.services.rcp import guests as rcp_guests
from dcc_portal.services.rcp import live, live_view
from dcc_portal.services.rcp import registration as rcp_registration
from dcc_portal.services.rcp import sessions as rcp_sessions
from dcc_portal.services.record import documents
from dcc_portal.state import live_signal
from tests import factories as f
from tests.test_rcp import NOW, NS, RADIO, _actor, _register, _session, world  # noqa: F401 (fixture)

COLECTOMY = {"type": "387713003", "intention": "first", "detail": "Colectomie droite", "additional_exams": "Coloscopie à 1 an"}


def _sitting(db, w, *, cases: int = 2):
    """An open session with `cases` patients on its agenda, and the actors of its three members."""
    session_id = _session(db, w)
    case_ids = [_register(db, w, session_id)]
    for index in range(cases - 1):
        patient = f.patient(db, gp=w.gp, family=f"SUIVANT{index}")
        f.member(db, patient=patient, pro=w.clinician)
        case_ids.append(rcp_registration.register_case(
            db, actor=w.clinician_actor, patient_public_id=patient.public_id, session_public_id=session_id,
            reason="treatment_proposal", question="Radiothérapie ?", summary="Résumé", now=NOW))
    rcp_sessions.set_session_status(db, actor=w.secretary_actor, session_public_id=session_id, status=RcpSessionStatus.OPEN)
    surgeon_actor, _ = _actor(db, w.surgeon)
    radio_actor, _ = _actor(db, w.radio)
    return session_id, case_ids, surgeon_actor, radio_actor


def _all_join(db, w, session_id, surgeon_actor, radio_actor):
    for actor in (w.coordinator_actor, surgeon_actor, radio_actor):
        live.join(db, actor=actor, session_public_id=session_id)


def test_the_coordinator_moves_and_every_participant_sees_the_same_case(db, world):
    session_id, case_ids, surgeon_actor, _radio = _sitting(db, world)
    before = live.pulse(db, session_id)
    live.step(db, actor=world.coordinator_actor, session_public_id=session_id, offset=1)
    assert live.status(db, actor=surgeon_actor, session_public_id=session_id).current_case_public_id == case_ids[0]
    live.step(db, actor=world.secretary_actor, session_public_id=session_id, offset=1)  # the secretariat acting
    assert live.pulse(db, session_id) > before + 1
    seen = live.status(db, actor=surgeon_actor, session_public_id=session_id)
    assert seen.current_case_public_id == case_ids[1] and not seen.can_lead
    with pytest.raises(AccessDenied):
        live.move(db, actor=surgeon_actor, session_public_id=session_id, case_public_id=case_ids[0])


def test_each_case_shown_is_an_audited_read_and_outsiders_see_nothing(db, world):
    session_id, case_ids, surgeon_actor, _radio = _sitting(db, world)
    shown = live.case_view(db, actor=surgeon_actor, session_public_id=session_id, case_public_id=case_ids[0])
    assert shown.tnm and shown.who == "OMS 1" and shown.question == "Chirurgie d'emblée ?"
    assert any(item.key == "pathology" for item in shown.checklist)
    db.commit()
    read = db.exec(select(AuditEvent).where(AuditEvent.account_id == surgeon_actor.account_id,
                                            AuditEvent.patient_id == world.patient.id)).all()
    assert any("séance en direct" in event.detail for event in read)
    with pytest.raises(AccessDenied):
        live.status(db, actor=world.outsider_actor, session_public_id=session_id)


def test_a_member_removed_mid_session_loses_the_view_at_the_next_change(db, world):
    session_id, _cases, surgeon_actor, _radio = _sitting(db, world)
    live.join(db, actor=surgeon_actor, session_public_id=session_id)
    rcp_directory.set_member(db, actor=world.secretary_actor, rcp_public_id=world.rcp_public_id,
                             professional_public_id=world.surgeon.public_id, member=False)
    with pytest.raises(AccessDenied):
        live.status(db, actor=surgeon_actor, session_public_id=session_id)


def test_a_case_withdrawn_during_the_sitting_leaves_every_agenda_at_the_next_change(db, world):
    session_id, case_ids, surgeon_actor, _radio = _sitting(db, world)
    assert [item.public_id for item in live.status(db, actor=surgeon_actor, session_public_id=session_id).agenda] == case_ids
    before = live.pulse(db, session_id)
    rcp_registration.withdraw_case(db, actor=world.clinician_actor, case_public_id=case_ids[1], now=NOW)
    assert live.pulse(db, session_id) == before + 1  # the tablets watching the counter reload their agenda
    assert [item.public_id for item in live.status(db, actor=surgeon_actor, session_public_id=session_id).agenda] == case_ids[:1]


def test_joining_marks_present_to_confirm_and_the_room_counts_too(db, world):
    session_id, _cases, surgeon_actor, _radio = _sitting(db, world)
    live.join(db, actor=surgeon_actor, session_public_id=session_id)
    live.set_presence(db, actor=world.secretary_actor, session_public_id=session_id,
                      professional_public_id=world.radio.public_id, present=True)  # in the room, no tablet
    people = {p.name: p for p in live.status(db, actor=world.secretary_actor, session_public_id=session_id).participants}
    surgeon, radio = (next(p for name, p in people.items() if family in name.upper()) for family in ("LAMBERT", "BLANC"))
    assert (surgeon.via, surgeon.confirmed) == ("tablet", False) and (radio.via, radio.confirmed) == ("room", True)
    live.set_presence(db, actor=world.secretary_actor, session_public_id=session_id,
                      professional_public_id=world.surgeon.public_id, present=True)
    assert all(p.confirmed for p in live.status(db, actor=world.secretary_actor, session_public_id=session_id).participants)


def test_quorum_per_case_counts_who_is_still_there(db, world):
    session_id, case_ids, surgeon_actor, radio_actor = _sitting(db, world)
    _all_join(db, world, session_id, surgeon_actor, radio_actor)
    live.move(db, actor=world.coordinator_actor, session_public_id=session_id, case_public_id=case_ids[0])
    live.take_pen(db, actor=world.coordinator_actor, session_public_id=session_id)
    live.write(db, actor=world.coordinator_actor, session_public_id=session_id, draft=COLECTOMY)
    live.validate_case(db, actor=world.coordinator_actor, session_public_id=session_id)
    first = db.get(RcpCaseSitting, db.exec(select(RcpCase.id).where(RcpCase.public_id == case_ids[0])).one())
    assert first.quorum_reached and "LAMBERT" in first.present_names.upper()
    live.set_presence(db, actor=surgeon_actor, session_public_id=session_id, professional_public_id=world.surgeon.public_id,
                      present=False)  # the surgeon leaves early
    live.step(db, actor=world.coordinator_actor, session_public_id=session_id, offset=1)
    now = live.status(db, actor=radio_actor, session_public_id=session_id)
    assert now.current_case_public_id == case_ids[1] and not now.quorum.reached
    assert "chirurgien" in now.quorum.summary
    assert rcp_decision.case_decision(db, actor=world.coordinator_actor, case_public_id=case_ids[0]).quorum_reached is True


def test_no_decision_without_quorum_unless_the_coordinator_records_why(db, world):
    session_id, case_ids, _surgeon, radio_actor = _sitting(db, world, cases=1)
    live.join(db, actor=world.coordinator_actor, session_public_id=session_id)
    live.join(db, actor=radio_actor, session_public_id=session_id)
    live.move(db, actor=world.coordinator_actor, session_public_id=session_id, case_public_id=case_ids[0])
    live.take_pen(db, actor=world.coordinator_actor, session_public_id=session_id)
    live.write(db, actor=world.coordinator_actor, session_public_id=session_id, draft=COLECTOMY)
    with pytest.raises(ValidationFailed) as refused:
        live.validate_case(db, actor=world.coordinator_actor, session_public_id=session_id)
    assert "Quorum non atteint" in refused.value.errors["override_reason"]
    with pytest.raises(AccessDenied):  # a member who is not the coordinator cannot decide without quorum
        live.validate_case(db, actor=radio_actor, session_public_id=session_id, override_reason="Suivi")
    live.validate_case(db, actor=world.coordinator_actor, session_public_id=session_id,
                       override_reason="Surveillance simple, conforme au référentiel")
    case = db.exec(select(RcpCase).where(RcpCase.public_id == case_ids[0])).one()
    sitting = db.get(RcpCaseSitting, case.id)
    assert case.status == RcpCaseStatus.DISCUSSED and case.quorum_reached is False and case.needs_representation
    assert sitting.override_reason.startswith("Surveillance") and not sitting.quorum_reached


def test_one_writer_at_a_time_and_the_others_see_the_text(db, world):
    session_id, case_ids, surgeon_actor, radio_actor = _sitting(db, world, cases=1)
    live.move(db, actor=world.coordinator_actor, session_public_id=session_id, case_public_id=case_ids[0])
    live.take_pen(db, actor=surgeon_actor, session_public_id=session_id)
    live.write(db, actor=surgeon_actor, session_public_id=session_id, draft=COLECTOMY)
    with pytest.raises(ValidationFailed) as busy:
        live.take_pen(db, actor=radio_actor, session_public_id=session_id)
    assert "LAMBERT" in busy.value.errors["pen"].upper()
    with pytest.raises(ValidationFailed):
        live.write(db, actor=radio_actor, session_public_id=session_id, draft={"detail": "autre"})
    seen = live.status(db, actor=radio_actor, session_public_id=session_id)
    assert seen.draft["detail"] == "Colectomie droite" and "LAMBERT" in seen.writer.upper() and not seen.writer_is_me
    live.take_pen(db, actor=world.coordinator_actor, session_public_id=session_id)  # the coordinator takes it over
    assert live.status(db, actor=surgeon_actor, session_public_id=session_id).writer_is_me is False


def test_the_live_view_waits_for_the_session_to_open(db, world):
    session_id = _session(db, world)
    with pytest.raises(ValidationFailed):
        live.status(db, actor=world.coordinator_actor, session_public_id=session_id)


def _validated(db, w, session_id, case_id, draft=COLECTOMY, **extra):
    live.move(db, actor=w.coordinator_actor, session_public_id=session_id, case_public_id=case_id)
    live.take_pen(db, actor=w.coordinator_actor, session_public_id=session_id)
    live.write(db, actor=w.coordinator_actor, session_public_id=session_id, draft=draft)
    live.validate_case(db, actor=w.coordinator_actor, session_public_id=session_id, **extra)


def _sign(db, w, case_id, step: int = 0) -> dict:
    when = datetime.now(UTC) + timedelta(seconds=30 * step)  # one TOTP code per signature
    version = db.exec(select(RcpCase.decision_version).where(RcpCase.public_id == case_id)).one()
    document_id = frcp.sign(db, actor=w.coordinator_actor, case_public_id=case_id, expected_version=version,
                            code=f.code_for(w.coordinator_secret, when), now=when)
    document = db.exec(select(Document).where(Document.public_id == document_id)).one()
    version_row = documents.version_row(db, document=document)
    return {"content": documents.content_of(version_row), "html": frcp.print_view(db, document=document, version=version_row,
                                                                                 patient=None)}


def test_the_fiche_names_the_physicians_present_when_its_case_was_discussed(db, world):
    session_id, case_ids, surgeon_actor, radio_actor = _sitting(db, world)
    _all_join(db, world, session_id, surgeon_actor, radio_actor)
    _validated(db, world, session_id, case_ids[0])
    live.set_presence(db, actor=surgeon_actor, session_public_id=session_id, professional_public_id=world.surgeon.public_id,
                      present=False)  # the surgeon leaves before the second case
    _validated(db, world, session_id, case_ids[1], override_reason="Surveillance, conforme au référentiel")
    first, second = _sign(db, world, case_ids[0]), _sign(db, world, case_ids[1], step=1)

    assert {a["name"].split()[-1].upper() for a in first["content"]["attendees"]} == {"MOREAU", "LAMBERT", "BLANC"}
    assert [a["specialty"] for a in first["content"]["attendees"] if "LAMBERT" in a["name"].upper()] == ["Chirurgie viscérale et digestive"]
    names = {a["name"].split()[-1].upper() for a in second["content"]["attendees"]}
    assert names == {"MOREAU", "BLANC"}
    assert "Présents lors de la discussion de ce dossier" in second["html"] and "LAMBERT" not in second["html"].upper()
    assert "Surveillance, conforme au référentiel" in second["html"] and "Quorum non atteint" in second["html"]
    xml = second["content"]["cda"]
    result = cda_validation.validate_frcp(xml, profiles=False)  # the general profiles: tests/test_rcp.py
    assert result.ok, result.summary()
    tree = etree.fromstring(xml.encode())
    present = tree.xpath("c:participant[c:functionCode/@code='353']", namespaces=NS)
    assert len(present) == 2 and all(p.find("c:time", NS).get("value", "").startswith("20") for p in present)
    rpps = {pro.rpps for pro in (world.coordinator, world.radio)}
    assert {p.find("c:associatedEntity/c:id", NS).get("extension")[1:] for p in present} == rpps
    assert second["content"]["quorum"]["code"]["code"] == "ORG-133"
    older = {key: value for key, value in first["content"].items() if key != "sitting"}  # a fiche signed before the sitting
    older["attendees"] = [{key: value for key, value in a.items() if key != "guest"} for a in older["attendees"]]
    html = render.render("print/frcp.html.j2", f=older, title="Fiche", version=1, footer="", show_print_button=False)
    assert "Présents à la séance" in html and "LAMBERT" in html.upper()


def test_the_proposal_written_together_carries_its_alternatives_to_the_fiche(db, world):
    session_id, case_ids, surgeon_actor, radio_actor = _sitting(db, world, cases=1)
    _all_join(db, world, session_id, surgeon_actor, radio_actor)
    with_options = {**COLECTOMY, "alternatives": [{"type": "C15632", "detail": "Chimiothérapie néoadjuvante puis chirurgie"},
                                                  {"type": "", "detail": "Radiothérapie"}]}
    with pytest.raises(ValidationFailed) as untyped:  # an option without its treatment type is refused, nothing decided
        _validated(db, world, session_id, case_ids[0], draft=with_options)
    assert "type de traitement" in untyped.value.errors["alternatives"]
    case = db.exec(select(RcpCase).where(RcpCase.public_id == case_ids[0])).one()
    assert case.decided_at is None and db.get(RcpCaseSitting, case.id) is None
    seen = live.status(db, actor=radio_actor, session_public_id=session_id).draft
    assert [item["detail"] for item in seen["alternatives"]] == ["Chimiothérapie néoadjuvante puis chirurgie", "Radiothérapie"]
    with pytest.raises(ValidationFailed):
        live.write(db, actor=world.coordinator_actor, session_public_id=session_id,
                   draft={**COLECTOMY, "alternatives": [{"type": "C15632"}] * (live.MAX_ALTERNATIVES + 1)})
    live.write(db, actor=world.coordinator_actor, session_public_id=session_id,
               draft={**with_options, "alternatives": with_options["alternatives"][:1]})
    live.validate_case(db, actor=world.coordinator_actor, session_public_id=session_id)
    proposal = rcp_decision.case_decision(db, actor=world.coordinator_actor, case_public_id=case_ids[0]).proposal
    assert [(item.intention, item.type_code) for item in proposal] == [("first", "387713003"), ("alternative", "C15632")]
    html = _sign(db, world, case_ids[0])["html"]
    assert "Alternative" in html and "Chimiothérapie néoadjuvante puis chirurgie" in html


def test_a_guest_sees_only_their_case_and_counts_in_its_quorum_while_present(db, world):
    session_id, case_ids, surgeon_actor, _radio = _sitting(db, world)
    guest = f.professional(db, specialty=RADIO, org=world.org, family="Invitée")
    guest_actor, _ = _actor(db, guest)
    for actor in (world.coordinator_actor, surgeon_actor):
        live.join(db, actor=actor, session_public_id=session_id)
    with pytest.raises(AccessDenied):  # not invited yet
        live.status(db, actor=guest_actor, session_public_id=session_id)
    with pytest.raises(AccessDenied):  # only the coordinator or the secretariat invites
        rcp_guests.invite(db, actor=surgeon_actor, session_public_id=session_id, case_public_id=case_ids[0],
                          professional_public_id=guest.public_id)
    rcp_guests.invite(db, actor=world.coordinator_actor, session_public_id=session_id, case_public_id=case_ids[0],
                      professional_public_id=guest.public_id)
    live.move(db, actor=world.coordinator_actor, session_public_id=session_id, case_public_id=case_ids[1])
    live.join(db, actor=guest_actor, session_public_id=session_id)
    seen = live.status(db, actor=guest_actor, session_public_id=session_id)
    assert seen.is_guest and [item.public_id for item in seen.agenda] == [case_ids[0]]
    assert seen.current_case_public_id == "" and not seen.can_lead and not seen.can_validate
    with pytest.raises(AccessDenied):
        live.case_view(db, actor=guest_actor, session_public_id=session_id, case_public_id=case_ids[1])
    db.commit()
    refused = db.exec(select(AuditEvent).where(AuditEvent.account_id == guest_actor.account_id,
                                               AuditEvent.detail.contains("invité pour un autre dossier"))).all()
    assert refused and refused[0].outcome == "denied"
    assert not live.status(db, actor=world.coordinator_actor, session_public_id=session_id).quorum.reached  # case 2: no radiologist

    live.move(db, actor=world.coordinator_actor, session_public_id=session_id, case_public_id=case_ids[0])
    assert live.case_view(db, actor=guest_actor, session_public_id=session_id, case_public_id=case_ids[0]).tnm
    now = live.status(db, actor=world.coordinator_actor, session_public_id=session_id)
    assert now.quorum.reached and [p.name for p in now.guests if p.guest] and any(p.guest for p in now.participants)
    with pytest.raises(AccessDenied):
        live.take_pen(db, actor=guest_actor, session_public_id=session_id)
    live.set_presence(db, actor=guest_actor, session_public_id=session_id, professional_public_id=guest.public_id, present=False)
    assert not live.status(db, actor=world.coordinator_actor, session_public_id=session_id).quorum.reached
    live.set_presence(db, actor=world.coordinator_actor, session_public_id=session_id, professional_public_id=guest.public_id,
                      present=True)  # back in the room
    _validated(db, world, session_id, case_ids[0])
    present = json.loads(db.get(RcpCaseSitting, db.exec(select(RcpCase.id).where(RcpCase.public_id == case_ids[0])).one()).present_json)
    assert [entry["guest"] for entry in present if entry["professional_id"] == guest.id] == [True]
    rcp_guests.withdraw(db, actor=world.coordinator_actor, session_public_id=session_id, case_public_id=case_ids[0],
                        professional_public_id=guest.public_id)
    with pytest.raises(AccessDenied):
        live.status(db, actor=guest_actor, session_public_id=session_id)


def test_the_view_shared_by_the_participants_is_read_once_per_change_and_never_widens_anyones_access(db, world):
    session_id, case_ids, surgeon_actor, radio_actor = _sitting(db, world)
    _all_join(db, world, session_id, surgeon_actor, radio_actor)
    guest = f.professional(db, specialty=RADIO, org=world.org, family="Invitée")
    guest_actor, _ = _actor(db, guest)
    rcp_guests.invite(db, actor=world.coordinator_actor, session_public_id=session_id, case_public_id=case_ids[0],
                      professional_public_id=guest.public_id)
    live.join(db, actor=guest_actor, session_public_id=session_id)
    masked, _ = documents.create(db, actor=surgeon_actor, patient=world.patient, kind="consultation", title="Consultation masquée")
    masked.status, masked.hidden_from_professionals = "validated", True
    db.add(masked)
    live.move(db, actor=world.coordinator_actor, session_public_id=session_id, case_public_id=case_ids[1])

    def shared():
        session, rcp = live.load_sitting(db, world.coordinator_actor, session_id, "read")
        return live_view.sitting(db, session=session, rcp=rcp, live=live.live_row(db, session))

    member_view = live.status(db, actor=surgeon_actor, session_public_id=session_id)  # the coordinator's case: read once
    assert shared() is shared() and member_view.current_case_public_id == case_ids[1]
    seen = live.status(db, actor=guest_actor, session_public_id=session_id)  # same version, from what members read
    assert [item.public_id for item in seen.agenda] == [case_ids[0]] and seen.current_case_public_id == ""
    assert seen.draft == {} and seen.guests == [] and not seen.can_lead
    with pytest.raises(AccessDenied):
        live.case_view(db, actor=guest_actor, session_public_id=session_id, case_public_id=case_ids[1])
    for attempt in (lambda: live.status(db, actor=world.outsider_actor, session_public_id=session_id),
                    lambda: live.case_view(db, actor=world.outsider_actor, session_public_id=session_id,
                                           case_public_id=case_ids[1])):
        with pytest.raises(AccessDenied):
            attempt()
    denied = db.exec(select(AuditEvent).where(AuditEvent.outcome == "denied", AuditEvent.account_id.in_(
        [guest_actor.account_id, world.outsider_actor.account_id]))).all()
    assert len(denied) == 3

    before = shared()
    live.move(db, actor=world.coordinator_actor, session_public_id=session_id, case_public_id=case_ids[0])
    assert shared() is not before and shared().version > before.version  # the move is the database's new version
    assert live.status(db, actor=guest_actor, session_public_id=session_id).current_case_public_id == case_ids[0]
    views = {actor.account_id: live.case_view(db, actor=actor, session_public_id=session_id, case_public_id=case_ids[0])
             for actor in (radio_actor, surgeon_actor, guest_actor)}  # the case read once, its documents per reader
    titles = {account: [doc["title"] for doc in view.documents] for account, view in views.items()}
    assert "Consultation masquée" in titles[surgeon_actor.account_id]  # its author
    assert "Consultation masquée" not in titles[radio_actor.account_id] + titles[guest_actor.account_id]
    db.commit()
    for actor in (radio_actor, surgeon_actor, guest_actor):  # each reader's read of the record stays audited
        details = [event.detail for event in db.exec(select(AuditEvent).where(
            AuditEvent.account_id == actor.account_id, AuditEvent.patient_id == world.patient.id,
            AuditEvent.outcome == "success")).all()]
        reads = [read for detail in details for read in detail.split(audit.DETAIL_SEPARATOR)]
        assert any("séance en direct" in read for read in reads) and "liste des documents" in reads


def test_a_change_rolled_back_after_a_participant_read_it_is_not_shown_for_the_next_change(db, world):
    session_id, case_ids, surgeon_actor, _radio = _sitting(db, world)
    undone = db.begin_nested()
    live.move(db, actor=world.coordinator_actor, session_public_id=session_id, case_public_id=case_ids[0])
    assert live.status(db, actor=surgeon_actor, session_public_id=session_id).current_case_public_id == case_ids[0]
    undone.rollback()
    live.move(db, actor=world.coordinator_actor, session_public_id=session_id, case_public_id=case_ids[1])  # same version
    assert live.status(db, actor=surgeon_actor, session_public_id=session_id).current_case_public_id == case_ids[1]


def test_tablets_woken_together_read_the_version_once_and_a_later_signal_reads_it_again():
    gate, reads = threading.Event(), []

    def read(session_id: str) -> int:
        reads.append(session_id)
        number = len(reads)
        gate.wait(10)
        return number

    async def scenario():
        together = [asyncio.ensure_future(live_signal.version("sitting-once", read)) for _ in range(3)]
        await asyncio.sleep(0)
        await live_signal.changed("sitting-once")  # a change while that read is under way: it may not have seen it
        later = asyncio.ensure_future(live_signal.version("sitting-once", read))
        await asyncio.sleep(0)
        gate.set()
        return await asyncio.gather(*together), await later

    together, later = asyncio.run(scenario())
    assert together == [1, 1, 1] and later == 2 and len(reads) == 2
