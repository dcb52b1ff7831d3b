"""Turn service dataclasses into the plain dicts that state vars hold."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any


def row(item: Any) -> dict[str, str]:
    data = asdict(item) if is_dataclass(item) else dict(item)
    return {key: _text(value) for key, value in data.items() if not isinstance(value, (list, dict))}


def rows(items: list) -> list[dict[str, str]]:
    return [row(item) for item in items]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    return str(value)
