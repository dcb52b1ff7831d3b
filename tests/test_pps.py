"""The PPS: versions and reasons, stale saves, handover, consent to share with the médecin traitant, release
gating, the patient's acknowledgement and what changed, print view and PDF."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from dcc_portal.models import (
    AuditEvent,
    DocumentKind,
    DocumentStatus,
    GpConsent,
    Notification,
    PathwayEvent,
    PpsAcknowledgement,
)
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.errors import (
    AccessDenied,
    StaleVersion,
    ValidationFailed,
)
from dcc_portal.services.pps import content as pc
from dcc_portal.services.pps import programme as pps
from dcc_portal.services.pps import reading as pps_reading
from dcc_portal.services.pps import sources as pps_sources
from dcc_portal.services.record import documents, pathway
from tests import factories
from tests.pps_world import (  # noqa: F401
    NOW,
    XSS,
    announce,
    document_of,
    hand_over,
    programme,
    treatment,
    world,
    write,
)

# --- Authoring, versions, reasons -----------------------------------------------------------------------------


def test_a_clinician_writes_a_draft_prefilled_from_the_pathway(world):
    data = pps.editor(world.db, actor=world.onco, patient_public_id=world.patient.public_id, now=NOW)
    assert data.expected_version == 0 and not data.issued
    assert ("Localisation", "Tumeur maligne du sein (C50.9)") in data.diagnosis
    assert ("Stade", "cT2 cN1 cM0") in data.diagnosis
    assert "Aucune décision de RCP" in data.prefill_note

    result = write(world)
    document = document_of(world)
    assert result.version == 1 and document.status == DocumentStatus.DRAFT and document.kind == DocumentKind.PPS
    content = documents.content_of(documents.version_row(world.db, document=document))
    assert content["treatments"][0]["sessions"] == 4 and content["diagnosis"]["icd10_code"] == "C50.9"
    assert {member["name"] for member in content["team"]["members"]} >= {"Dr Test MOREAU"}
    assert content["team"]["medecin_traitant"]["name"] == "Dr Test DURAND"
    assert document.withheld_from_medecin_traitant  # nobody asked the patient yet


def test_the_last_rcp_proposal_prefills_when_there_is_one(world):
    assert pps_sources.last_rcp_proposal(world.db, patient_id=world.patient.id) is None
    frcp, _ = documents.create(world.db, actor=world.onco, patient=world.patient, kind=DocumentKind.FRCP, title="Fiche RCP",
                               content={"proposal": [
                                   {"type_code": "C15632", "type_label": "Chimiothérapie", "intention": "first",
                                    "intention_label": "Première intention", "detail": "4 cures EC"},
                                   {"type_code": "C547", "type_label": "Hormonothérapie", "intention": "first",
                                    "intention_label": "Première intention", "detail": ""},
                                   {"type_code": "C15313", "type_label": "Radiothérapie", "intention": "alternative",
                                    "intention_label": "Alternative", "detail": ""},
                                   {"type_code": "C15747", "type_label": "Soins de support", "intention": "first"}]},
                               service_date=date(2026, 3, 2))
    documents.validate(world.db, actor=world.onco, document=frcp)
    data = pps.editor(world.db, actor=world.onco, patient_public_id=world.patient.public_id, now=NOW)
    assert data.form["rcp_date"] == "2026-03-02"
    assert data.form["rcp_proposal"] == ("Chimiothérapie (première intention) : 4 cures EC\nHormonothérapie (première intention)\n"
                                         "Radiothérapie (alternative)\nSoins de support")
    # First-intention treatments become lines; FRCP-only codes (supportive care) do not; C547 maps to the PPS code.
    assert [item["type"] for item in data.form["treatments"]] == ["C15632", "C15445"]
    assert "RCP du 02/03/2026" in data.prefill_note


@pytest.mark.parametrize(("field", "value", "message"), [
    ("start", "1900-01-01", "hors des limites"),
    ("start", "2100-01-01", "hors des limites"),
    ("start", "2026-02-30", "Date invalide"),
    ("end", "2026-03-01", "précède"),
    ("type", "not-a-code", "liste"),
    ("time", "25:00", "Heure invalide"),
    ("sessions", "0", "entre 1 et"),
    ("title", "", "obligatoire"),
])
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(world, field, value, message):
    with pytest.raises(ValidationFailed) as error:
        write(world, programme(treatments=[treatment(**{field: value})]))
    assert message in error.value.errors[f"treatments.0.{field}"]
    assert document_of(world) is None


def test_29_february_and_a_bad_phone(world):
    write(world, programme(treatments=[treatment(start="2028-02-29")]))
    with pytest.raises(ValidationFailed) as error:
        write(world, programme(contacts=[{"who": "IDE", "phone": "javascript:alert(1)"}]), expected=1)
    assert "téléphone" in error.value.errors["contacts.0.phone"].lower()


def test_two_clinicians_saving_from_the_same_version_the_second_is_refused(world):
    write(world)
    write(world, programme(plan_summary="Première modification"), expected=1)
    with pytest.raises(StaleVersion):
        write(world, programme(plan_summary="Modification concurrente"), actor=world.onco2, expected=1)
    content = documents.content_of(documents.version_row(world.db, document=document_of(world)))
    assert content["plan_summary"] == "Première modification" and document_of(world).current_version == 2


def test_nurses_write_only_supportive_care_and_social_support(world):
    with pytest.raises(AccessDenied):  # a nurse does not create the PPS
        write(world, actor=world.nurse)
    write(world)
    tampered = programme(plan_summary="changé par l'infirmière", treatments=[],
                         supportive_care=[{"type": "ORG-036", "detail": "Consultation diététique", "contact": "Diététicienne"}],
                         social=[{"type": "PAT-024", "detail": "Aide ménagère deux fois par semaine"}])
    write(world, tampered, actor=world.nurse, expected=1)
    content = documents.content_of(documents.version_row(world.db, document=document_of(world)))
    assert content["supportive_care"][0]["detail"] == "Consultation diététique"
    assert content["social"][0]["type"] == "PAT-024"
    assert content["plan_summary"] == programme()["plan_summary"] and len(content["treatments"]) == 1
    with pytest.raises(AccessDenied):
        pps.record_handover(world.db, actor=world.nurse, patient_public_id=world.patient.public_id, expected_version=2,
                            handed_over_on="2026-03-09", by_professional_public_id=world.onco_pro.public_id,
                            gp_consent=GpConsent.AGREED, now=NOW)
    with pytest.raises(AccessDenied):
        write(world, actor=world.secretary, expected=2)


def test_after_the_handover_every_update_has_a_reason_and_the_history_is_kept(world):
    write(world)
    hand_over(world)
    with pytest.raises(ValidationFailed) as error:
        write(world, programme(plan_summary="Nouveau plan"), expected=1)
    assert "motif" in error.value.errors["reason"]
    with pytest.raises(ValidationFailed) as error:
        write(world, programme(plan_summary="Nouveau plan"), expected=1, reason_code=pc.OTHER_UPDATE_REASON)
    assert "Précisez" in error.value.errors["reason_detail"]
    write(world, programme(treatments=[treatment(start="2026-03-27")]), expected=1, reason_code="GEN-176")
    write(world, programme(treatments=[treatment(start="2026-03-27")], plan_summary="Soins palliatifs"), expected=2,
          reason_code="MED-105")
    view = pps.team_view(world.db, actor=world.onco, patient_public_id=world.patient.public_id, now=NOW)
    assert view.status == "issued" and view.version == 3
    assert [row.reason for row in view.versions] == ["Décision de prise en soins palliatifs", "Modification de calendrier",
                                                     "Première version remise"]
    events = world.db.exec(select(PathwayEvent).where(PathwayEvent.patient_id == world.patient.id, PathwayEvent.kind == "pps")).all()
    assert [event.title for event in events] == [
        "Programme personnalisé de soins remis au patient",
        "Programme personnalisé de soins mis à jour : Modification de calendrier",
        "Programme personnalisé de soins mis à jour : Décision de prise en soins palliatifs",
    ]
    with pytest.raises(ValidationFailed) as error:  # the same content again changes nothing
        write(world, programme(treatments=[treatment(start="2026-03-27")], plan_summary="Soins palliatifs"), expected=3,
              reason_code="MED-560")
    assert "Aucune modification" in error.value.errors["form"]


def test_the_handover_needs_an_rcp_date_a_contact_and_a_past_date(world):
    write(world, programme(rcp_date="", contacts=[]))
    with pytest.raises(ValidationFailed) as error:
        hand_over(world, day="2026-03-11")
    assert set(error.value.errors) >= {"rcp_date", "contacts", "handed_over_on"}
    assert "futur" in error.value.errors["handed_over_on"]
    assert document_of(world).status == DocumentStatus.DRAFT
    write(world, expected=1)
    with pytest.raises(ValidationFailed) as error:
        hand_over(world, version=2, day="2026-03-01")
    assert "précéder la RCP" in error.value.errors["handed_over_on"]
    with pytest.raises(StaleVersion):  # the handover names the version the clinician looked at
        hand_over(world, version=1)
    hand_over(world, version=2)
    assert document_of(world).status == DocumentStatus.VALIDATED and document_of(world).service_date == date(2026, 3, 9)


# --- Consent: the médecin traitant ----------------------------------------------------------------------------


def _gp_notifications(w) -> list[Notification]:
    gp_account = w.gp.account_id
    return list(w.db.exec(select(Notification).where(Notification.account_id == gp_account)).all())


def test_refused_consent_the_gp_neither_sees_nor_is_notified(world):
    write(world)
    hand_over(world, consent=GpConsent.REFUSED)
    write(world, programme(plan_summary="Mise à jour"), expected=1, reason_code="MED-560")
    document = document_of(world)
    with pytest.raises(AccessDenied):
        access.require_document(world.db, actor=world.gp, document_public_id=document.public_id, now=NOW)
    denied = world.db.exec(select(AuditEvent).where(AuditEvent.account_id == world.gp.account_id,
                                                    AuditEvent.outcome == "denied")).all()
    assert any(document.public_id in event.detail for event in denied)
    listed = documents.list_for_patient(world.db, actor=world.gp, patient_public_id=world.patient.public_id, now=NOW)
    assert document.public_id not in [row.public_id for row in listed.items]
    assert not [item for item in pathway.timeline(world.db, actor=world.gp, patient_public_id=world.patient.public_id, now=NOW)
                if item.kind == "pps"]
    assert _gp_notifications(world) == []
    # The care team still sees it.
    access.require_document(world.db, actor=world.secretary, document_public_id=document.public_id, now=NOW)


def test_refusal_holds_even_when_the_gp_is_also_in_the_care_team(world):
    factories.member(world.db, patient=world.patient, pro=world.gp_pro, team_role="gp")
    write(world)
    hand_over(world, consent=GpConsent.REFUSED)
    with pytest.raises(AccessDenied):
        access.require_document(world.db, actor=world.gp, document_public_id=document_of(world).public_id, now=NOW)


def test_a_draft_or_unasked_pps_stays_away_from_the_gp(world):
    write(world)
    with pytest.raises(AccessDenied):
        access.require_document(world.db, actor=world.gp, document_public_id=document_of(world).public_id, now=NOW)


def test_agreed_consent_the_gp_sees_and_is_notified_of_each_version(world):
    write(world)
    hand_over(world, consent=GpConsent.AGREED)
    access.require_document(world.db, actor=world.gp, document_public_id=document_of(world).public_id, now=NOW)
    write(world, programme(plan_summary="Mise à jour"), expected=1, reason_code="MED-560")
    titles = [row.title for row in _gp_notifications(world)]
    assert len(titles) == 2 and titles[0].endswith("programme personnalisé de soins remis")
    assert titles[1].endswith("programme personnalisé de soins mis à jour")
    assert "pps" in [item.kind for item in pathway.timeline(world.db, actor=world.gp, patient_public_id=world.patient.public_id, now=NOW)]


def test_the_patient_can_change_their_mind_later(world):
    write(world)
    hand_over(world, consent=GpConsent.REFUSED)
    pps.record_gp_consent(world.db, actor=world.nurse, patient_public_id=world.patient.public_id, gp_consent=GpConsent.AGREED, now=NOW)
    access.require_document(world.db, actor=world.gp, document_public_id=document_of(world).public_id, now=NOW)
    assert [row.title.split(" : ")[1] for row in _gp_notifications(world)] == ["programme personnalisé de soins partagé"]
    pps.record_gp_consent(world.db, actor=world.onco, patient_public_id=world.patient.public_id, gp_consent=GpConsent.REFUSED, now=NOW)
    with pytest.raises(AccessDenied):
        access.require_document(world.db, actor=world.gp, document_public_id=document_of(world).public_id, now=NOW)
    with pytest.raises(ValidationFailed):
        pps.record_gp_consent(world.db, actor=world.onco, patient_public_id=world.patient.public_id, gp_consent="maybe", now=NOW)


# --- Release gating, the patient's reading --------------------------------------------------------------------


def test_the_patient_sees_nothing_before_the_announcement_then_the_handed_over_version(world):
    assert pps_reading.patient_view(world.db, actor=world.me, now=NOW).available is False
    write(world)
    announce(world)
    assert pps_reading.patient_view(world.db, actor=world.me, now=NOW).available is False  # a draft
    world.patient.medical_announcement_at = None
    hand_over(world)
    assert pps_reading.patient_view(world.db, actor=world.me, now=NOW).available is False  # gated: no announcement recorded
    with pytest.raises(AccessDenied):
        access.require_document(world.db, actor=world.me, document_public_id=document_of(world).public_id, now=NOW)
    assert not world.db.exec(select(Notification).where(Notification.account_id == world.me.account_id)).all()
    announce(world)
    view = pps_reading.patient_view(world.db, actor=world.me, now=NOW)
    assert view.available and view.first_read and view.unread and view.changes == []
    assert view.handed_over == "le 09/03/2026 par Dr Test MOREAU"
    assert [row.title for row in view.next_steps] == ["Chimiothérapie EC (séance 1 sur 4)", "Consultation avec votre oncologue",
                                                      "Chimiothérapie EC (séance 2 sur 4)"]
    assert view.next_steps[0].day == "Vendredi 20 mars 2026" and view.next_steps[0].time == "9 h 30"
    assert view.contacts[0].tel_href == "tel:0299202021"
    assert [row.reason for row in view.history] == ["Première version remise"]


def test_another_patient_and_professionals_cannot_use_the_patient_functions(world):
    write(world)
    hand_over(world)
    announce(world)
    assert pps_reading.patient_view(world.db, actor=world.someone_else, now=NOW).available is False
    with pytest.raises(AccessDenied):
        pps_reading.patient_view(world.db, actor=world.onco, now=NOW)
    with pytest.raises(AccessDenied):
        pps.team_view(world.db, actor=world.me, patient_public_id=world.patient.public_id, now=NOW)
    with pytest.raises(AccessDenied):
        pps.team_view(world.db, actor=world.gp, patient_public_id=world.patient.public_id, now=NOW)
    with pytest.raises(AccessDenied):
        write(world, actor=world.me, expected=1, reason_code="MED-560")
    with pytest.raises(AccessDenied):
        pps.save(world.db, actor=world.onco, patient_public_id=world.other_patient.public_id, form=programme(),
                 expected_version=0, now=NOW)


def test_acknowledgement_is_audited_and_the_next_version_shows_what_changed(world):
    write(world)
    hand_over(world)
    announce(world)
    pps_reading.acknowledge(world.db, actor=world.me, version=1, now=NOW)
    pps_reading.acknowledge(world.db, actor=world.me, version=1, now=NOW)  # twice: one record
    assert len(world.db.exec(select(PpsAcknowledgement)).all()) == 1
    world.db.commit()  # audit events are chained when the transaction commits
    events = world.db.exec(select(AuditEvent).where(AuditEvent.action == "acknowledge")).all()
    assert events and events[-1].document_id == document_of(world).public_id and events[-1].document_version == 1
    assert not pps_reading.patient_view(world.db, actor=world.me, now=NOW).unread

    moved = programme(
        treatments=[treatment(start="2026-03-27", place="À la maison"), treatment(uid="aaaaaaaaaaa2", type="C15313", title="Radiothérapie du sein",
                                                                                start="2026-06-01", sessions="20", every_days="", weekdays_only="true", time="")],
        follow_up=[],
    )
    write(world, moved, expected=1, reason_code="GEN-176")
    view = pps_reading.patient_view(world.db, actor=world.me, now=NOW)
    assert view.unread and not view.first_read
    assert view.reasons == ["Changement de dates dans votre calendrier"]
    changes = {change.title: change.lines for change in view.changes}
    assert "Chimiothérapie EC : date de début — désormais 27/03/2026 (avant : 20/03/2026)" in changes["Vos traitements"]
    assert "Chimiothérapie EC : lieu — désormais À la maison (avant : Hôpital de jour, Institut Loire-Océan)" in changes["Vos traitements"]
    assert any(line.startswith("Ajouté : Radiothérapie du sein (à partir du 01/06/2026") for line in changes["Vos traitements"])
    assert changes["Vos examens et consultations de suivi"] == ["Retiré : Consultation avec votre oncologue"]

    with pytest.raises(ValidationFailed):  # confirming the version read before is refused: there is a newer one
        pps_reading.acknowledge(world.db, actor=world.me, version=1, now=NOW)
    pps_reading.acknowledge(world.db, actor=world.me, version=2, now=NOW)
    view = pps_reading.patient_view(world.db, actor=world.me, now=NOW)
    assert not view.unread and view.changes == []
    with pytest.raises(AccessDenied):
        pps_reading.acknowledge(world.db, actor=world.onco, version=2, now=NOW)


def test_radiotherapy_sessions_skip_weekends(world):
    content, errors = pc.normalize(programme(treatments=[treatment(start="2026-06-05", sessions="3", every_days="", weekdays_only="true")]))
    assert not errors
    days = [event.day for event in pc.planned_events(content) if event.section == "treatments"]
    assert days == [date(2026, 6, 5), date(2026, 6, 8), date(2026, 6, 9)]


def test_differences_in_plain_words():
    old = {"plan_summary": "A", "treatments": [{"uid": "u1", "type": "C15632", "title": "EC", "start": "2026-03-20", "at_home": False}],
           "contacts": [{"uid": "c1", "who": "IDE", "phone": "01"}], "team": {"members": [{"name": "Dr A"}]}}
    new = {"plan_summary": "B", "treatments": [{"uid": "u1", "type": "C15632", "title": "EC", "start": "2026-03-20", "at_home": True}],
           "contacts": [], "team": {"members": [{"name": "Dr B"}]}}
    changes = {change.section: change.lines for change in pc.differences(old, new)}
    assert changes["general"] == ["Votre programme en quelques mots — nouveau texte : B"]
    assert changes["treatments"] == ["EC : à domicile — oui (avant : non)"]
    assert changes["contacts"] == ["Retiré : IDE"]
    assert changes["team"] == ["Dr B rejoint votre équipe", "Dr A ne fait plus partie de votre équipe"]
    assert pc.differences(new, new) == []


# --- Print view and PDF: free text stays inert ----------------------------------------------------------------


def _everything_hostile() -> dict:
    return programme(
        rcp_proposal=XSS, plan_summary=XSS,
        treatments=[treatment(title=XSS, rhythm=XSS, place=XSS, side_effects=XSS, management=XSS)],
        follow_up=[{"uid": "bbbbbbbbbbb1", "type": "11429006", "title": XSS, "date": "2026-04-08", "place": XSS, "rhythm": XSS}],
        measures=[{"type": "MED-555", "detail": XSS}],
        supportive_care=[{"type": "ORG-035", "detail": XSS, "contact": XSS}],
        social=[{"type": "PAT-024", "detail": XSS}],
        contacts=[{"who": XSS, "reason": XSS, "phone": "02 99 20 20 21", "hours": XSS, "emergency": "true"}],
    )


def test_free_text_is_inert_in_the_print_view_and_the_pdf(world):
    write(world, _everything_hostile())
    hand_over(world)
    document = document_of(world)
    html = documents.produce_view(world.db, actor=world.onco, target=document.public_id).data.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "href=" not in html and "src=" not in html  # no link, so no javascript: link; the text shows as text
    assert "javascript:alert(1)" in html
    assert html.count("<script>") == 1  # the print button's own script only
    assert html.count("&lt;script&gt;") >= 12
    pdf = pps_reading.pdf_bytes(world.db, actor=world.onco, document_public_id=document.public_id)
    assert pdf.startswith(b"%PDF") and b"/JavaScript" not in pdf and b"/URI" not in pdf


def test_print_view_is_written_for_the_patient(world):
    write(world)
    hand_over(world)
    document = document_of(world)
    html = documents.produce_view(world.db, actor=world.onco, target=document.public_id).data.decode()
    for text in ("Mon programme personnalisé de soins", "Qui appeler", "appelez le 15", "Votre calendrier", "Vendredi 20 mars 2026",
                 "Par perfusion dans une veine", "Votre dossier a été discuté le 02/03/2026", "Remis le 09/03/2026 par Dr Test MOREAU"):
        assert text in html
    assert "font-size: 13pt" in html


def test_operator_export_writes_the_pps_as_cda_pdf_and_calendar(world, tmp_path):
    from icalendar import Calendar

    from dcc_portal.conformance import cda as cda_validation
    from dcc_portal.services.exchange import exports

    write(world)
    hand_over(world)
    written = {}
    for fmt in ("cda", "pdf", "ics"):
        result = exports.export_patient(world.db, reference=world.patient.local_id, fmt=fmt, out_dir=tmp_path / fmt)
        assert len(result.written) == 1
        written[fmt] = open(result.written[0], "rb").read()
    assert cda_validation.xsd_errors(written["cda"]) == []
    assert b"18776-5" in written["cda"]
    assert written["pdf"].startswith(b"%PDF")
    starts = [event.get("DTSTART").dt for event in Calendar.from_ical(written["ics"]).walk("VEVENT")]
    timed = [start for start in starts if isinstance(start, datetime)]
    assert timed and all(str(start.tzinfo) == "Europe/Paris" for start in timed)


def test_the_handed_over_pps_and_each_later_version_are_queued_for_the_dmp_as_cda_pps(world):
    from dcc_portal.conformance import cda as cda_validation
    from dcc_portal.models import SharingSubmission
    from dcc_portal.services.common import storage

    write(world)
    hand_over(world)
    write(world, programme(treatments=[treatment(start="2026-03-27")]), expected=1, reason_code="GEN-176")
    document = document_of(world)
    queued = world.db.exec(select(SharingSubmission).where(SharingSubmission.document_id == document.id)
                           .order_by(SharingSubmission.document_version)).all()
    assert [row.document_version for row in queued] == [1, 2]
    for row in queued:
        assert (row.cda_level, row.format_code) == ("N3", "urn:asip:ci-sis:pps-cancer:2017")
        xml = storage.get(row.cda_file)
        assert b"18776-5" in xml and cda_validation.xsd_errors(xml) == []
