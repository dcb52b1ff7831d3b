"""The demo dates care on days a French hospital works: a clinician reading « scanner le 25 décembre » stops
believing the story."""

from __future__ import annotations

from datetime import date, timedelta

from dcc_portal.demo import calendar_days, profiles
from dcc_portal.demo.calendar_days import is_open, public_holidays


def test_the_french_public_holidays_include_the_movable_ones():
    assert {date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25)} <= public_holidays(2026)  # Easter 5 April
    assert {date(2027, 3, 29), date(2027, 5, 6), date(2027, 5, 17)} <= public_holidays(2027)  # Easter 28 March
    assert date(2025, 4, 21) in public_holidays(2025) and len(public_holidays(2025)) == 11
    assert not is_open(date(2026, 12, 25)) and not is_open(date(2027, 1, 1)) and is_open(date(2026, 12, 24))
    assert calendar_days.open_on_or_after(date(2026, 12, 25)) == date(2026, 12, 28)
    assert calendar_days.open_on_or_before(date(2027, 1, 1)) == date(2026, 12, 31)


def test_every_programme_dates_its_appointments_on_working_days():
    first = date(2026, 1, 1)
    for offset in range(730):
        start = first + timedelta(days=offset)
        for profile in profiles.PROFILES.values():
            for item in profile.programme(start)["follow_up"]:
                assert is_open(date.fromisoformat(item["date"])), (profile.key, start, item["title"], item["date"])


def test_every_story_starts_and_ends_its_treatment_on_a_working_day():
    for today in (date(2026, 12, 30), date(2027, 1, 4), date(2027, 5, 26)):
        for index in range(60):
            story = profiles.story(index, "F" if index % 2 else "M", "follow_up", today, rcp_weekday=index % 5)
            assert is_open(story.treatment) and is_open(story.follow_up), (index, today)
