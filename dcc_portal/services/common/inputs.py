"""Checks shared by the entry forms: dates, free text (one rule for every field), double submits."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import FormSubmission, utcnow
from dcc_portal.services.common.actor import Actor

EARLIEST = date(1950, 1, 1)


def parse_date(
    value: str,
    field_name: str,
    errors: dict[str, str],
    *,
    required: bool = True,
    not_before: date | None = None,
    not_before_label: str = "",
    allow_future: bool = False,
    now: datetime | None = None,
) -> date | None:
    """An ISO date from a date input (YYYY-MM-DD). Future means after today in Paris."""
    value = (value or "").strip()[:20]
    if not value:
        if required:
            errors[field_name] = "La date est obligatoire."
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        errors[field_name] = "Date invalide (format attendu : JJ/MM/AAAA)."
        return None
    today = formatting.paris_today(now)
    floor = max(EARLIEST, not_before) if not_before else EARLIEST
    if parsed < floor:
        errors[field_name] = (
            f"Date antérieure à {not_before_label}." if not_before and parsed < not_before and not_before_label
            else f"Date trop ancienne (avant le {floor.strftime('%d/%m/%Y')})."
        )
        return None
    if not allow_future and parsed > today:
        errors[field_name] = "Date dans le futur : saisissez la date à laquelle cela a eu lieu."
        return None
    if allow_future and parsed.year > today.year + 5:
        errors[field_name] = "Date trop lointaine."
        return None
    return parsed


# Line breaks however typed or pasted; a form feed or vertical tab from a pasted document breaks the line too.
_BREAKS = re.compile(r"\r\n?|[\x0b\x0c]")
# What XML 1.0 cannot carry (C0 controls but tab and line feed, lone surrogates, U+FFFE, U+FFFF), and DEL.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean(value) -> str:
    """The rule for every free-text field: text that any output (page, PDF, CDA XML, mail) can carry.

    Line breaks become "\n"; other control characters, lone surrogates, U+FFFE and U+FFFF are removed."""
    return _NOT_TEXT.sub("", _BREAKS.sub("\n", "" if value is None else str(value)))


def text(value, limit: int | None = None) -> str:
    """Free text of several lines as typed (shown inert everywhere), trimmed, cut at `limit`."""
    return clean(value).strip()[:limit]


def line(value, limit: int | None = None) -> str:
    """Free text of one line: every run of spaces, tabs or line breaks becomes one space; cut at `limit`."""
    return " ".join(clean(value).split())[:limit]


def check_length(value, limit: int, field_name: str, errors: dict[str, str]) -> None:
    if len(str(value or "")) > limit:
        errors[field_name] = f"Texte trop long ({limit} caractères au plus)."


def already_submitted(db: Session, *, actor: Actor, key: str) -> str | None:
    """The public id a previous submission of this form created, if any."""
    if not key:
        return None
    return db.exec(
        select(FormSubmission.target).where(FormSubmission.account_id == actor.account_id, FormSubmission.key == str(key)[:64])
    ).first()


def record_submission(db: Session, *, actor: Actor, key: str, target: str) -> bool:
    """Remember that this form created `target`. False when a concurrent submit of the same form won the race."""
    if not key:
        return True
    try:
        with db.begin_nested():
            db.add(FormSubmission(account_id=actor.account_id, key=str(key)[:64], target=target, created_at=utcnow()))
            db.flush()
    except IntegrityError:
        return False
    return True
