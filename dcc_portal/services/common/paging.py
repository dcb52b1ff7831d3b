"""A page of a server-side paginated list."""

from __future__ import annotations

from dataclasses import dataclass

PAGE_SIZE = 20


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    page_size: int
    total: int

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))
