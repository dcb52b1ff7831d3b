"""Shared column helpers. All times are timezone-aware UTC in the database and shown in Europe/Paris."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id() -> str:
    """Non-guessable identifier for anything that appears in a URL."""
    return uuid.uuid4().hex
