"""Turn service dataclasses into the plain dicts that state vars hold."""

from __future__ import annotations

from dataclasses import asdict, fields, is_dataclass
from typing import Any


def row(item: Any) -> dict[str, str]:
    if is_dataclass(item):
        data = {each.name: getattr(item, each.name) for each in fields(item)}
        if any(isinstance(value, tuple) for value in data.values()):
            data = asdict(item)  # tuples are shown as text, with their dataclasses as dicts
    else:
        data = dict(item)
    return {key: _text(value) for key, value in data.items()
            if not isinstance(value, (list, dict)) and not is_dataclass(value)}


def rows(items: list) -> list[dict[str, str]]:
    return [row(item) for item in items]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    return str(value)
