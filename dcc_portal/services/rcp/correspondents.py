"""« Correspondants à informer »: the professionals named at RCP registration, chosen from the MSSanté directory (a
professional with an active personal mailbox), then offered as recipients of the patient's documents."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from dcc_portal.models import (
    AuditAction,
    MssAddress,
    Professional,
    RcpCase,
    RcpCorrespondent,
    utcnow,
)
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.names import professional_label
from dcc_portal.services.common.paging import Page
from dcc_portal.services.rcp.rules import REGISTRAR_ROLES

MAX_CORRESPONDENTS = 10
CHOICES_PER_PAGE = 8
FIELD = "correspondents"


@dataclass(frozen=True)
class Choice:
    public_id: str
    label: str  # « Dr Claire DURAND — Médecine générale »
    address: str


def _has_mailbox():
    return select(MssAddress.professional_id).where(MssAddress.professional_id == Professional.id, MssAddress.active).exists()


def choices(db: Session, *, actor: Actor, query: str, page: int = 1) -> Page:
    """Professionals of the MSSanté directory whose name holds every word of `query`, by name, a page at a time."""
    if actor.role not in REGISTRAR_ROLES:
        raise access.deny(db, actor=actor, action=AuditAction.SEARCH, detail="correspondants RCP : annuaire MSSanté")
    words = [word for word in str(query or "").lower().split() if word][:4]
    if len("".join(words)) < 2:
        return Page([], 1, CHOICES_PER_PAGE, 0)
    name = func.lower(Professional.family_name + " " + Professional.given_name)
    clauses = [name.like("%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%", escape="\\")
               for word in words]
    base = select(Professional).where(_has_mailbox(), *clauses)
    total = db.exec(select(func.count()).select_from(base.subquery())).one()
    page = max(1, min(int(page or 1), max(1, -(-total // CHOICES_PER_PAGE))))
    found = db.exec(base.order_by(Professional.family_name, Professional.given_name, Professional.id)
                    .offset((page - 1) * CHOICES_PER_PAGE).limit(CHOICES_PER_PAGE)).all()
    addresses = _addresses(db, [pro.id for pro in found])
    items = [Choice(pro.public_id, f"{professional_label(pro)} — {terminology.specialty_label(pro.specialty_code)}",
                    addresses.get(pro.id, "")) for pro in found]
    return Page(items, page, CHOICES_PER_PAGE, total)


def _addresses(db: Session, professional_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    if professional_ids:
        for pro_id, address in db.exec(select(MssAddress.professional_id, MssAddress.address)
                                       .where(MssAddress.professional_id.in_(professional_ids), MssAddress.active)
                                       .order_by(MssAddress.id)).all():
            found.setdefault(pro_id, address)
    return found


def resolve(db: Session, public_ids: list[str]) -> tuple[list[Professional], str]:
    """The chosen professionals, or a message saying what is wrong with the choice (nothing is saved then)."""
    wanted = list(dict.fromkeys(str(value)[:32] for value in public_ids or [] if value))
    if len(wanted) > MAX_CORRESPONDENTS:
        return [], f"{MAX_CORRESPONDENTS} correspondants au plus."
    if not wanted:
        return [], ""
    found = {pro.public_id: pro for pro in db.exec(select(Professional).where(Professional.public_id.in_(wanted),
                                                                              _has_mailbox())).all()}
    if len(found) != len(wanted):
        return [], "Un correspondant choisi n'a pas (ou plus) de messagerie sécurisée dans l'annuaire : retirez-le."
    return [found[public_id] for public_id in wanted], ""


def attach(db: Session, *, case: RcpCase, professionals: list[Professional]) -> None:
    for pro in professionals:
        db.add(RcpCorrespondent(case_id=case.id, professional_id=pro.id, created_at=utcnow()))


def names_by_case(db: Session, case_ids: list[int]) -> dict[int, str]:
    """« Dr A, Dr B » per case, in one query for a whole agenda."""
    names: dict[int, list[str]] = {}
    if case_ids:
        rows = db.exec(select(RcpCorrespondent.case_id, Professional).join(
            Professional, Professional.id == RcpCorrespondent.professional_id)
            .where(RcpCorrespondent.case_id.in_(case_ids)).order_by(RcpCorrespondent.id)).all()
        for case_id, pro in rows:
            names.setdefault(case_id, []).append(professional_label(pro))
    return {case_id: ", ".join(labels) for case_id, labels in names.items()}
