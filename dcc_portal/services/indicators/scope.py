"""Who sees which figures: the administrator the whole network, an RCP secretariat the RCPs it runs, a coordinator
the RCPs they coordinate. Every other role, and any filter naming an RCP outside one's own, is refused and audited."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal.models import AuditAction, Rcp, RcpMember, RcpSecretariat, Role
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor

# The RCPs a role runs (secretariat) or coordinates, by professional.
_RUNS = {
    Role.RCP_SECRETARY: lambda professional_id: select(RcpSecretariat.rcp_id).where(
        RcpSecretariat.professional_id == professional_id),
    Role.CLINICIAN: lambda professional_id: select(RcpMember.rcp_id).where(
        RcpMember.professional_id == professional_id, RcpMember.is_coordinator.is_(True)),
}
READERS = frozenset({Role.ADMIN, *_RUNS})
_RCPS_OF = {role: dbmod.Read(rcps(bindparam("professional_id"))) for role, rcps in _RUNS.items()}
_OFFERED_ROLES = tuple(_RUNS)


def offered_columns(professional_id) -> tuple:
    """Whether the professional runs or coordinates any RCP, one column per role, for a larger statement (the session
    check of a page load): `offered` reads them."""
    return tuple(rcps(professional_id).exists() for rcps in _RUNS.values())


def offered(role: str, columns: tuple) -> bool:
    """`may_read` from the values of `offered_columns`."""
    role = Role(role)
    return role == Role.ADMIN or (role in _RUNS and bool(columns[_OFFERED_ROLES.index(role)]))


def visible_rcp_ids(db: Session, *, actor: Actor) -> set[int] | None:
    """None for the whole network; else the RCPs the actor runs or coordinates (possibly none)."""
    if actor.role == Role.ADMIN:
        return None
    statement = _RCPS_OF.get(actor.role)
    return set(statement.scalars(db, {"professional_id": actor.professional_id})) if statement is not None else set()


_OFFERED = dbmod.Read(select(*offered_columns(bindparam("professional_id"))))


def may_read(db: Session, *, actor: Actor | None) -> bool:
    """Whether the area is offered at all: the service asks it, the menu reads `offered_columns` with the session."""
    if actor is None or actor.role not in READERS:
        return False
    return offered(actor.role, () if actor.role == Role.ADMIN else
                   tuple(_OFFERED.first(db, {"professional_id": actor.professional_id})))


def require(db: Session, *, actor: Actor | None, rcp_public_id: str = "") -> tuple[set[int] | None, int | None]:
    """(the RCPs the actor may see, the RCP filtered on); AccessDenied, audited, otherwise."""
    access.require_role(db, actor=actor, roles=READERS, action=AuditAction.READ, detail="indicateurs du réseau")
    if not may_read(db, actor=actor):
        raise access.deny(db, actor=actor, action=AuditAction.READ,
                          detail="indicateurs du réseau : ni secrétariat ni coordination de RCP")
    visible = visible_rcp_ids(db, actor=actor)
    chosen = None
    if rcp_public_id:
        chosen = db.exec(select(Rcp.id).where(Rcp.public_id == str(rcp_public_id)[:32])).first()
        if chosen is None or (visible is not None and chosen not in visible):
            raise access.deny(db, actor=actor, action=AuditAction.READ,
                              detail=f"indicateurs de la RCP {str(rcp_public_id)[:32]} hors de son périmètre")
    return visible, chosen
