"""The patient's calendar file: RFC 5545 as the icalendar package reads it, Paris times across the DST change,
stable UIDs, discreet by default, access re-checked by the download producer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest

from dcc_portal.models import GpConsent
from dcc_portal.services.common.errors import AccessDenied
from dcc_portal.services.pps import calendar as pps_calendar
from dcc_portal.services.pps import programme as pps
from dcc_portal.services.record import downloads
from tests.pps_world import (  # noqa: F401  (fixture)
    NOW,
    XSS,
    announce,
    hand_over,
    programme,
    treatment,
    world,
    write,
)


def _events(data: bytes) -> list:
    calendar = icalendar.Calendar.from_ical(data)
    return sorted(calendar.walk("VEVENT"), key=lambda event: (event.decoded("DTSTART").isoformat(), str(event["UID"])))


def _issued(world, form=None):
    write(world, form or programme(treatments=[treatment(start="2026-03-20", every_days="7", sessions="3")]))
    hand_over(world)
    announce(world)
    return pps.current_document(world.db, patient_id=world.patient.id)


def test_the_file_parses_and_keeps_paris_wall_clock_time_across_the_dst_change(world):
    _issued(world)
    data = pps_calendar.ics_bytes(world.db, actor=world.me, patient_public_id=world.patient.public_id, now=NOW)
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    assert [component["TZID"] for component in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    events = _events(data)
    sessions = [event for event in events if isinstance(event.decoded("DTSTART"), datetime)]
    assert len(events) == 4 and len(sessions) == 4  # 3 sessions + the follow-up consultation
    starts = [event.decoded("DTSTART") for event in sessions]
    # 20 and 27 March 2026 are before the change (last Sunday of March, the 29th), 3 April after it.
    assert [start.strftime("%d/%m %H:%M") for start in starts[:3]] == ["20/03 09:30", "27/03 09:30", "03/04 09:30"]
    assert all(str(start.tzinfo) == "Europe/Paris" for start in starts)
    assert [start.astimezone(UTC).hour for start in starts[:3]] == [8, 8, 7]
    assert starts[0].utcoffset() == timedelta(hours=1) and starts[2].utcoffset() == timedelta(hours=2)
    assert all(event.decoded("DURATION") == timedelta(hours=1) for event in sessions)
    raw = data.decode()
    assert "\r\n" in raw and all(len(line.encode()) <= 75 for line in raw.split("\r\n"))


def test_by_default_events_say_nothing_clinical(world):
    _issued(world)
    data = pps_calendar.ics_bytes(world.db, actor=world.me, patient_public_id=world.patient.public_id, now=NOW)
    for event in _events(data):
        assert str(event["SUMMARY"]).startswith("Rendez-vous médical")
        assert "LOCATION" not in event
    text = data.decode()
    for clinical in ("Chimio", "Institut", "Consultation avec", "nausées", "C50"):
        assert clinical not in text
    assert "Rendez-vous médical (2/3)" in text


def test_the_detailed_file_carries_what_the_patient_chose_to_see_and_stays_text(world):
    _issued(world, programme(treatments=[treatment(title="Chimio; cure, EC\\1 " + XSS, place="Hôpital de jour, bâtiment B",
                                                   sessions="1", every_days="")]))
    data = pps_calendar.ics_bytes(world.db, actor=world.me, patient_public_id=world.patient.public_id, detailed=True, now=NOW)
    events = _events(data)
    assert str(events[0]["SUMMARY"]) == "Chimio; cure, EC\\1 " + XSS
    assert str(events[0]["LOCATION"]) == "Hôpital de jour, bâtiment B"
    assert "Chimiothérapie" in str(events[0]["DESCRIPTION"])
    assert "effets" not in data.decode().lower() and "nausées" not in data.decode()
    assert "SUMMARY:Chimio\\; cure\\, EC\\\\1" in data.decode().replace("\r\n ", "")


def test_uids_are_stable_from_one_version_to_the_next(world):
    _issued(world)
    before = {str(event["UID"]): event.decoded("DTSTART") for event in _events(
        pps_calendar.ics_bytes(world.db, actor=world.me, patient_public_id=world.patient.public_id, now=NOW))}
    write(world, programme(treatments=[treatment(start="2026-03-23", every_days="7", sessions="3")]), expected=1, reason_code="GEN-176")
    after_events = _events(pps_calendar.ics_bytes(world.db, actor=world.me, patient_public_id=world.patient.public_id, now=NOW))
    after = {str(event["UID"]): event.decoded("DTSTART") for event in after_events}
    assert set(before) == set(after) and before != after  # same events, moved
    assert all(int(event["SEQUENCE"]) == 2 for event in after_events)


def test_a_period_without_sessions_is_one_all_day_event_on_its_first_day(world):
    _issued(world, programme(treatments=[treatment(type="C15445", title="Hormonothérapie", start="2026-07-01", end="2031-06-30",
                                                   sessions="", every_days="", time="")], follow_up=[]))
    (event,) = _events(pps_calendar.ics_bytes(world.db, actor=world.me, patient_public_id=world.patient.public_id, now=NOW))
    assert event.decoded("DTSTART") == date(2026, 7, 1) and event.decoded("DTEND") == date(2026, 7, 2)
    (detailed,) = _events(pps_calendar.ics_bytes(world.db, actor=world.me, patient_public_id=world.patient.public_id,
                                                  detailed=True, now=NOW))
    assert str(detailed["SUMMARY"]) == "Hormonothérapie : début" and "Jusqu'au 30/06/2031" in str(detailed["DESCRIPTION"])
    assert detailed.decoded("DTEND") - detailed.decoded("DTSTART") == timedelta(days=1)


def test_the_download_producer_checks_access_again(world):
    document = _issued(world)
    payload = pps_calendar.produce_ics(world.db, actor=world.me, target=document.public_id)
    assert payload.mime_type.startswith("text/calendar") and payload.filename.endswith(".ics")
    assert "pps_ics" in downloads.PRODUCERS
    with pytest.raises(AccessDenied):
        pps_calendar.produce_ics(world.db, actor=world.someone_else, target=document.public_id)
    assert pps_calendar.ics_bytes(world.db, actor=world.someone_else, patient_public_id=world.other_patient.public_id, now=NOW) is None


def test_no_calendar_before_release_nor_for_a_gp_without_consent(world):
    write(world)
    hand_over(world, consent=GpConsent.REFUSED)
    assert pps_calendar.ics_bytes(world.db, actor=world.me, patient_public_id=world.patient.public_id, now=NOW) is None
    document = pps.current_document(world.db, patient_id=world.patient.id)
    with pytest.raises(AccessDenied):
        pps_calendar.produce_ics(world.db, actor=world.me, target=document.public_id)
    with pytest.raises(AccessDenied):
        pps_calendar.produce_ics(world.db, actor=world.gp, target=document.public_id)
