"""The days a French hospital schedules care: not a weekend, not a public holiday."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


def _easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar, anonymous computus)."""
    golden = year % 19
    century, rest = divmod(year, 100)
    leap_century, century_left = divmod(century, 4)
    correction = (century + 8) // 25
    moon = (19 * golden + century - leap_century - (century - correction + 1) // 3 + 15) % 30
    leap_rest, rest_left = divmod(rest, 4)
    weekday = (32 + 2 * century_left + 2 * leap_rest - moon - rest_left) % 7
    shift = (golden + 11 * moon + 22 * weekday) // 451
    month, day = divmod(moon + weekday - 7 * shift + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=32)
def public_holidays(year: int) -> frozenset[date]:
    easter = _easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [easter + timedelta(days=offset) for offset in (1, 39, 50)]  # Easter Monday, Ascension, Whit Monday
    return frozenset([date(year, month, day) for month, day in fixed] + movable)


def is_open(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def _open_from(day: date, step: timedelta) -> date:
    while not is_open(day):
        day += step
    return day


def open_on_or_after(day: date) -> date:
    return _open_from(day, timedelta(days=1))


def open_on_or_before(day: date) -> date:
    return _open_from(day, timedelta(days=-1))
