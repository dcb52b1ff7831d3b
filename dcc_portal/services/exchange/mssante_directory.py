"""The MSSanté directory of the network: personal mailboxes of professionals and organisational mailboxes of
establishments (kept by the administrator, audited), searched by the senders of documents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from dcc_portal.models import (
    AuditAction,
    MssAddress,
    Organisation,
    Professional,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.names import professional_label
from dcc_portal.services.common.paging import PAGE_SIZE, Page

ADDRESS = re.compile(r"^[a-z0-9._%+-]+@([a-z0-9-]+\.)*mssante\.fr$")
SEARCH_ROLES = frozenset({Role.CLINICIAN, Role.RCP_SECRETARY, Role.ADMIN})


@dataclass(frozen=True)
class Entry:
    public_id: str
    address: str
    owner: str  # « Dr Claire DURAND » or « Secrétariat médical, CHU ... »
    kind: str  # « personnelle » | « organisationnelle »
    active: bool


@dataclass(frozen=True)
class Found:
    address: str
    label: str
    professional_id: int | None


def normalize_address(value: str) -> str:
    return str(value or "").strip().lower()[:200]


def label_of(entry: MssAddress, professional: Professional | None, role: str = "") -> str:
    name = professional_label(professional) if professional else (entry.label or entry.address)
    return f"{name} ({role})" if role else name


def set_address(db: Session, *, actor: Actor, address: str, owner: str = "", professional_public_id: str = "",
                organisation_public_id: str = "", label: str = "", active: bool = True, now: datetime | None = None) -> MssAddress:
    """Add or edit a directory entry (administrator only, audited). The owner is a professional (public id, or RPPS
    in `owner`) or an organisation (public id, or FINESS in `owner`)."""
    access.require_role(db, actor=actor, roles={Role.ADMIN}, action=AuditAction.ADMIN, detail="annuaire MSSanté")
    now = now or utcnow()
    address = normalize_address(address)
    owner = "".join(str(owner or "").split())
    errors: dict[str, str] = {}
    if not ADDRESS.match(address):
        errors["address"] = "Adresse MSSanté invalide (de la forme prenom.nom@domaine.mssante.fr)."
    professional = organisation = None
    if professional_public_id or len(owner) == 11:
        professional = db.exec(select(Professional).where(
            (Professional.public_id == professional_public_id) if professional_public_id else (Professional.rpps == owner))).first()
    if organisation_public_id or len(owner) == 9:
        organisation = db.exec(select(Organisation).where(
            (Organisation.public_id == organisation_public_id) if organisation_public_id else (Organisation.finess == owner))).first()
    if (professional is None) == (organisation is None):
        errors["owner"] = "Indiquez le RPPS du professionnel (11 chiffres) ou le FINESS de l'organisation (9 caractères)."
    if organisation is not None and not str(label or "").strip():
        errors["label"] = "Nommez la boîte organisationnelle (ex. « Secrétariat d'oncologie »)."
    if errors:
        raise ValidationFailed(errors)
    entry = db.exec(select(MssAddress).where(MssAddress.address == address)).first() or MssAddress(address=address, created_at=now)
    entry.professional_id = professional.id if professional else None
    entry.organisation_id = organisation.id if organisation else None
    entry.label = " ".join(str(label or "").split())[:200]
    entry.active = bool(active)
    entry.updated_at = now
    db.add(entry)
    db.flush()
    audit.record(db, actor=actor, action=AuditAction.ADMIN,
                 detail=f"annuaire MSSanté : {address} {'active' if active else 'désactivée'}")
    return entry


def set_active(db: Session, *, actor: Actor, entry_public_id: str, active: bool, now: datetime | None = None) -> bool:
    access.require_role(db, actor=actor, roles={Role.ADMIN}, action=AuditAction.ADMIN, detail="annuaire MSSanté")
    entry = db.exec(select(MssAddress).where(MssAddress.public_id == str(entry_public_id)[:32])).first()
    if entry is None:
        return False
    entry.active, entry.updated_at = bool(active), now or utcnow()
    db.add(entry)
    audit.record(db, actor=actor, action=AuditAction.ADMIN,
                 detail=f"annuaire MSSanté : {entry.address} {'réactivée' if active else 'désactivée'}")
    return True


def _matching(query: str):
    words = [word for word in str(query or "").lower().split() if word][:4]
    haystack = func.lower(MssAddress.address + " " + func.coalesce(Professional.family_name, "") + " "
                          + func.coalesce(Professional.given_name, "") + " " + MssAddress.label)
    clauses = []
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(haystack.like(f"%{escaped}%", escape="\\"))
    return words, clauses


def directory_page(db: Session, *, actor: Actor, query: str = "", page: int = 1) -> Page:
    """The directory for the administrator, 20 a page (paged in the database)."""
    access.require_role(db, actor=actor, roles={Role.ADMIN}, action=AuditAction.ADMIN, detail="annuaire MSSanté")
    _words, clauses = _matching(query)
    base = select(MssAddress, Professional).join(Professional, Professional.id == MssAddress.professional_id, isouter=True) \
        .where(*clauses)
    total = db.exec(select(func.count()).select_from(base.subquery())).one()
    page = max(1, min(int(page or 1), max(1, -(-total // PAGE_SIZE))))
    found = db.exec(base.order_by(MssAddress.address).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    items = [Entry(entry.public_id, entry.address, label_of(entry, pro),
                   "personnelle" if entry.professional_id else "organisationnelle", entry.active) for entry, pro in found]
    return Page(items, page, PAGE_SIZE, total)


def personal_address(db: Session, professional_id: int | None) -> str:
    if not professional_id:
        return ""
    return db.exec(select(MssAddress.address).where(MssAddress.professional_id == professional_id, MssAddress.active)
                   .order_by(MssAddress.id)).first() or ""


def search(db: Session, *, actor: Actor, query: str, limit: int = 10) -> list[Found]:
    """Active mailboxes whose address, professional's name or organisational label matches every word of `query`."""
    if actor.role not in SEARCH_ROLES:
        raise access.deny(db, actor=actor, action=AuditAction.SEARCH, detail="annuaire MSSanté")
    words, clauses = _matching(query)
    if not words or len(" ".join(words)) < 2:
        return []
    rows = db.exec(select(MssAddress, Professional).join(Professional, Professional.id == MssAddress.professional_id, isouter=True)
                   .where(MssAddress.active, *clauses).order_by(MssAddress.address).limit(limit)).all()
    return [Found(entry.address, label_of(entry, pro), entry.professional_id) for entry, pro in rows]
