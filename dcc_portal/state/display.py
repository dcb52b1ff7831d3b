"""Turn service dataclasses into the plain dicts that state vars hold."""

from __future__ import annotations

import functools
from dataclasses import asdict, fields, is_dataclass
from typing import Any


@functools.cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    return tuple(each.name for each in fields(kind)) if is_dataclass(kind) else None


def row(item: Any) -> dict[str, str]:
    names = _field_names(type(item))
    if names is not None:
        data = {name: getattr(item, name) for name in names}
        if any(isinstance(value, tuple) for value in data.values()):
            data = asdict(item)  # tuples are shown as text, with their dataclasses as dicts
    else:
        data = dict(item)
    return {key: _text(value) for key, value in data.items()
            if not isinstance(value, (list, dict)) and _field_names(type(value)) is None}


def rows(items: list) -> list[dict[str, str]]:
    return [row(item) for item in items]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    return str(value)
