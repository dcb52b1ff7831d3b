"""Establishments, GP practices and the network itself."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from dcc_portal.models import AuditAction, Organisation, OrganisationKind, Role
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import identifiers, inputs
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.paging import PAGE_SIZE, Page

KIND_LABELS = {
    OrganisationKind.NETWORK: "Réseau régional de cancérologie",
    OrganisationKind.UNIVERSITY_HOSPITAL: "CHU",
    OrganisationKind.CANCER_CENTRE: "Centre de lutte contre le cancer",
    OrganisationKind.GENERAL_HOSPITAL: "Centre hospitalier",
    OrganisationKind.PRIVATE_CLINIC: "Clinique",
    OrganisationKind.GP_PRACTICE: "Cabinet de médecine générale",
}


@dataclass(frozen=True)
class OrganisationRow:
    public_id: str
    name: str
    kind: str
    finess: str
    city: str
    phone: str
    psc_only_allowed: bool = False


def _row(org: Organisation) -> OrganisationRow:
    return OrganisationRow(org.public_id, org.name, KIND_LABELS.get(org.kind, org.kind), org.finess or "", org.city, org.phone,
                           org.psc_only_allowed)


def allow_psc_only(db: Session, *, actor: Actor, organisation_public_id: str, allowed: bool) -> bool:
    """Allow (or stop allowing) new accounts without password or TOTP, signing in with Pro Santé Connect only.
    Existing accounts keep how they sign in."""
    access.require_role(db, actor=actor, roles=(Role.ADMIN,), action=AuditAction.ADMIN, detail="comptes PSC seuls")
    org = db.exec(select(Organisation).where(Organisation.public_id == str(organisation_public_id)[:32])).first()
    if org is None:
        return False
    org.psc_only_allowed = bool(allowed)
    db.add(org)
    audit.record(db, actor=actor, action=AuditAction.ADMIN,
                 detail=f"comptes Pro Santé Connect seuls {'autorisés' if allowed else 'retirés'} : {org.name[:80]}")
    return True


HOSPITAL_KINDS = (OrganisationKind.UNIVERSITY_HOSPITAL, OrganisationKind.CANCER_CENTRE, OrganisationKind.GENERAL_HOSPITAL,
                  OrganisationKind.PRIVATE_CLINIC)


def hospital_choices(db: Session, *, actor: Actor) -> list[tuple[str, str]]:
    """(public id, name) of the establishments that may organise an RCP, for a picker."""
    access.require_role(db, actor=actor, roles={Role.RCP_SECRETARY, Role.ADMIN}, action=AuditAction.READ,
                        detail="établissements organisateurs de RCP")
    statement = select(Organisation.public_id, Organisation.name).where(Organisation.kind.in_(HOSPITAL_KINDS))
    return [(public_id, name) for public_id, name in db.exec(statement.order_by(Organisation.name)).all()]


def list_organisations(db: Session, *, actor: Actor, page: int = 1) -> Page:
    access.require_role(db, actor=actor, roles={Role.ADMIN}, action=AuditAction.ADMIN, detail="liste des organisations")
    page = max(1, min(int(page or 1), 10_000))
    total = db.exec(select(func.count(Organisation.id))).one()
    rows = db.exec(select(Organisation).order_by(Organisation.name).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    audit.record(db, actor=actor, action=AuditAction.ADMIN, detail=f"liste des organisations, page {page}")
    return Page(items=[_row(org) for org in rows], page=page, page_size=PAGE_SIZE, total=total)


def options(db: Session, *, actor: Actor) -> list[OrganisationRow]:
    """For pickers (admin forms)."""
    access.require_role(db, actor=actor, roles={Role.ADMIN}, action=AuditAction.ADMIN, detail="choix d'organisation")
    return [_row(org) for org in db.exec(select(Organisation).order_by(Organisation.name).limit(500)).all()]


def create_organisation(db: Session, *, actor: Actor, name: str, kind: str, finess: str, city: str, phone: str) -> str:
    access.require_role(db, actor=actor, roles={Role.ADMIN}, action=AuditAction.ADMIN, detail="création d'organisation")
    errors: dict[str, str] = {}
    name, city, phone = inputs.line(name, 200), inputs.line(city, 100), inputs.line(phone, 30)
    if not name:
        errors["name"] = "Le nom est obligatoire."
    if kind not in {k.value for k in OrganisationKind}:
        errors["kind"] = "Choisissez le type d'organisation."
    finess = finess.strip()
    if finess and not identifiers.is_valid_finess(finess):
        errors["finess"] = "Numéro FINESS invalide : 9 caractères dont une clé de contrôle."
    elif finess and db.exec(select(Organisation.id).where(Organisation.finess == finess)).first():
        errors["finess"] = "Une organisation porte déjà ce numéro FINESS."
    if errors:
        raise ValidationFailed(errors)
    org = Organisation(name=name, kind=kind, finess=finess or None, city=city, phone=phone)
    db.add(org)
    db.flush()
    audit.record(db, actor=actor, action=AuditAction.ADMIN, detail=f"organisation créée : {org.name[:80]}")
    return org.public_id
