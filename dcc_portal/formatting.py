"""Display formatting shared by the UI and the rendered documents (French conventions, Europe/Paris time)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def to_paris(moment: datetime) -> datetime:
    """A UTC datetime from the database (naive values are UTC), in Paris time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(PARIS)


def paris_today(now: datetime | None = None) -> date:
    """Today's date in Paris (`now`: a UTC datetime, default the present)."""
    return to_paris(now or datetime.now(UTC)).date()


def date_fr(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_paris(value)
    # Formatted by hand: strftime costs twice as much, and a pathway or an agenda formats hundreds of dates.
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def datetime_fr(value: datetime | None) -> str:
    if value is None:
        return ""
    moment = to_paris(value)
    return f"{moment.day:02d}/{moment.month:02d}/{moment.year:04d} {moment.hour:02d}:{moment.minute:02d}"


def age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def ins_display(ins: str | None) -> str:
    """1 84 12 75 056 001 23: the grouping printed on the carte Vitale."""
    if not ins or len(ins) != 15:
        return ins or ""
    return f"{ins[0]} {ins[1:3]} {ins[3:5]} {ins[5:7]} {ins[7:10]} {ins[10:13]} {ins[13:]}"


def person_name(family: str, given: str) -> str:
    return f"{family.upper()} {given.title()}".strip()


def professional_name(family: str, given: str, *, doctor: bool) -> str:
    prefix = "Dr " if doctor else ""
    return f"{prefix}{given.title()} {family.upper()}"


SEX_LABELS = {"F": "Femme", "M": "Homme", "U": "Non précisé"}


def device_label(user_agent: str) -> str:
    """'Chrome sur Android' rather than the raw User-Agent string."""
    ua = user_agent or ""
    browser = next((name for key, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("OPR/", "Opera"),
                                            ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"))
                    if key in ua), "Navigateur")
    system = next((name for key, name in (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
                                           ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux"))
                   if key in ua), "système inconnu")
    return f"{browser} sur {system}"
