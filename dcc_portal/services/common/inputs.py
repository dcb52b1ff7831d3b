"""Checks shared by the clinical entry forms: dates, free text, double submits."""

from __future__ import annotations

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


def text(value, limit: int) -> str:
    """Free text as typed (shown inert everywhere), trimmed, without NUL or other control characters but newlines."""
    cleaned = "".join(ch for ch in str(value or "") if ch in "\n\t" or ch >= " " and ch != "\x7f")
    return cleaned.replace("\r\n", "\n").strip()[:limit]


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
