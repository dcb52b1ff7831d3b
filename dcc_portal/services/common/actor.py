"""Who is acting: resolved from the server-side session at every event."""

from __future__ import annotations

from dataclasses import dataclass

from dcc_portal.models import Role


@dataclass(frozen=True)
class Actor:
    account_id: int
    role: Role
    display_name: str
    professional_id: int | None = None
    patient_id: int | None = None
    organisation_id: int | None = None
    session_id: int | None = None
    session_hash: str = ""
    client_ip: str = ""

    @property
    def is_professional(self) -> bool:
        return self.role.is_professional
