"""The RCP directory: each board's kind, scope, organisation, members (with its coordinators) and the secretariat
that manages it (set by the administrator)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from dcc_portal.models import (
    Account,
    AuditAction,
    Organisation,
    Professional,
    Rcp,
    RcpKind,
    RcpMember,
    RcpSecretariat,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs, terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import StaleVersion, ValidationFailed
from dcc_portal.services.common.names import professional_label
from dcc_portal.services.common.paging import PAGE_SIZE, Page
from dcc_portal.services.rcp.rules import (
    APPAREIL,
    DIRECTORY_READERS,
    EDITOR_ROLES,
    HTTPS_URL,
    KIND_LABELS,
    NATIONAL_ID,
    ORGANE,
    TRANSVERSAL_TYPES,
    is_physician,
    specialty_label,
    split_codes,
)


@dataclass(frozen=True)
class RcpRow:
    public_id: str
    name: str
    national_id: str
    kind: str
    kind_label: str
    organisation: str
    manager_name: str
    scope: str
    flags: str
    usual_schedule: str
    place: str
    visio_url: str
    quorum: str
    members: int
    active: bool
    version: int


@dataclass(frozen=True)
class MemberRow:
    public_id: str
    name: str
    specialty: str
    specialty_code: str
    is_coordinator: bool
    is_physician: bool


@dataclass(frozen=True)
class RcpDetail:
    row: RcpRow
    appareil_code: str
    organ_codes: list[str]
    transversal_code: str
    quorum_codes: list[str]
    is_recours: bool
    is_pediatric: bool
    organisation_public_id: str
    network_id: str
    manager_id: str
    members: list[MemberRow] = field(default_factory=list)
    secretariat: list[MemberRow] = field(default_factory=list)
    can_edit: bool = False
    can_set_secretariat: bool = False


def scope_label(rcp: Rcp) -> str:
    if rcp.kind == RcpKind.TRANSVERSAL:
        return terminology.load(TRANSVERSAL_TYPES).label(rcp.transversal_code, "Transversale")
    appareil = terminology.load(APPAREIL).label(rcp.appareil_code, "")
    organs = ", ".join(terminology.load(ORGANE).label(code, code) for code in split_codes(rcp.organ_codes))
    return f"{appareil.capitalize()}{' : ' + organs if organs else ''}"


def _rcp_row(db: Session, rcp: Rcp, member_count: int | None = None) -> RcpRow:
    organisation = db.get(Organisation, rcp.organisation_id)
    if member_count is None:
        member_count = db.exec(select(func.count()).select_from(RcpMember).where(RcpMember.rcp_id == rcp.id)).one()
    flags = ", ".join(label for flag, label in ((rcp.is_recours, "recours"), (rcp.is_pediatric, "pédiatrique")) if flag)
    return RcpRow(
        public_id=rcp.public_id, name=rcp.name, national_id=rcp.national_id, kind=rcp.kind,
        kind_label=KIND_LABELS.get(rcp.kind, rcp.kind), organisation=organisation.name if organisation else "",
        manager_name=rcp.manager_name, scope=scope_label(rcp), flags=flags, usual_schedule=rcp.usual_schedule,
        place=rcp.place, visio_url=rcp.visio_url,
        quorum=", ".join(specialty_label(code) for code in split_codes(rcp.quorum_specialties)),
        members=member_count, active=rcp.active, version=rcp.version,
    )


def membership(db: Session, *, rcp_id: int, professional_id: int | None) -> RcpMember | None:
    if professional_id is None:
        return None
    return db.get(RcpMember, (rcp_id, professional_id))


def managed_rcp_ids(professional_id: int | None):
    """The ids of the RCPs whose secretariat this professional is (a subquery)."""
    return select(RcpSecretariat.rcp_id).where(RcpSecretariat.professional_id == (professional_id or -1))


def member_rcp_ids(professional_id: int | None):
    """The ids of the RCPs this professional is a member of (a subquery)."""
    return select(RcpMember.rcp_id).where(RcpMember.professional_id == (professional_id or -1))


def manages(db: Session, *, actor: Actor, rcp: Rcp) -> bool:
    """The administrator, or the secretariat of this RCP, runs it: directory entry, members, sessions, attendance."""
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.RCP_SECRETARY and actor.professional_id is not None \
        and db.get(RcpSecretariat, (rcp.id, actor.professional_id)) is not None


def _require_manager(db: Session, *, actor: Actor, rcp: Rcp, action: str, detail: str) -> None:
    if not manages(db, actor=actor, rcp=rcp):
        raise access.deny(db, actor=actor, action=action, detail=f"{detail} : RCP {rcp.national_id} gérée par un autre secrétariat")


def list_rcps(db: Session, *, actor: Actor, page: int = 1, mine: bool = False) -> Page:
    """The directory; `mine`: the RCPs the actor runs (secretariat) or sits in (member)."""
    access.require_role(db, actor=actor, roles=DIRECTORY_READERS, action=AuditAction.READ, detail="annuaire des RCP")
    statement = select(Rcp)
    if mine and actor.role != Role.ADMIN:
        boards = managed_rcp_ids if actor.role == Role.RCP_SECRETARY else member_rcp_ids
        statement = statement.where(Rcp.id.in_(boards(actor.professional_id)))
    total = db.exec(select(func.count()).select_from(statement.subquery())).one()
    page = max(1, min(int(page or 1), 10_000))
    rcps = db.exec(statement.order_by(Rcp.active.desc(), Rcp.name).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    counts = dict(db.exec(
        select(RcpMember.rcp_id, func.count()).where(RcpMember.rcp_id.in_([r.id for r in rcps])).group_by(RcpMember.rcp_id)
    ).all()) if rcps else {}
    return Page(items=[_rcp_row(db, rcp, counts.get(rcp.id, 0)) for rcp in rcps], page=page, page_size=PAGE_SIZE,
                total=total)


def load_rcp(db: Session, public_id: str) -> Rcp | None:
    if not isinstance(public_id, str) or not 0 < len(public_id) <= 32:
        return None
    return db.exec(select(Rcp).where(Rcp.public_id == public_id)).first()


def rcp_detail(db: Session, *, actor: Actor, rcp_public_id: str) -> RcpDetail:
    access.require_role(db, actor=actor, roles=DIRECTORY_READERS, action=AuditAction.READ, detail="fiche RCP de l'annuaire")
    rcp = load_rcp(db, rcp_public_id)
    if rcp is None:
        raise access.deny(db, actor=actor, action=AuditAction.READ, detail="RCP inconnue")
    members = db.exec(
        select(RcpMember, Professional).join(Professional, Professional.id == RcpMember.professional_id)
        .where(RcpMember.rcp_id == rcp.id).order_by(RcpMember.is_coordinator.desc(), Professional.family_name)
    ).all()
    secretariat = db.exec(
        select(Professional).join(RcpSecretariat, RcpSecretariat.professional_id == Professional.id)
        .where(RcpSecretariat.rcp_id == rcp.id).order_by(Professional.family_name)
    ).all()
    organisation = db.get(Organisation, rcp.organisation_id)
    return RcpDetail(
        row=_rcp_row(db, rcp, len(members)), appareil_code=rcp.appareil_code, organ_codes=split_codes(rcp.organ_codes),
        transversal_code=rcp.transversal_code, quorum_codes=split_codes(rcp.quorum_specialties), is_recours=rcp.is_recours,
        is_pediatric=rcp.is_pediatric, organisation_public_id=organisation.public_id if organisation else "",
        network_id=rcp.network_id, manager_id=rcp.manager_id,
        members=[MemberRow(pro.public_id, professional_label(pro), specialty_label(pro.specialty_code), pro.specialty_code,
                           member.is_coordinator, is_physician(pro.specialty_code)) for member, pro in members],
        secretariat=[_person_row(pro) for pro in secretariat],
        can_edit=manages(db, actor=actor, rcp=rcp), can_set_secretariat=actor.role == Role.ADMIN,
    )


def _person_row(pro: Professional) -> MemberRow:
    return MemberRow(pro.public_id, professional_label(pro), specialty_label(pro.specialty_code), pro.specialty_code, False,
                     is_physician(pro.specialty_code))


@dataclass
class RcpForm:
    name: str = ""
    national_id: str = ""
    network_id: str = ""
    manager_id: str = ""
    manager_name: str = ""
    organisation_public_id: str = ""
    kind: str = RcpKind.ORGAN
    is_recours: bool = False
    is_pediatric: bool = False
    appareil_code: str = ""
    organ_codes: list[str] = field(default_factory=list)
    transversal_code: str = ""
    quorum_codes: list[str] = field(default_factory=list)
    usual_schedule: str = ""
    place: str = ""
    visio_url: str = ""
    active: bool = True


def save_rcp(db: Session, *, actor: Actor, form: RcpForm, rcp_public_id: str = "", expected_version: int = 0,
             now: datetime | None = None) -> str:
    """Create (no id) or update a directory entry; returns its public id."""
    access.require_role(db, actor=actor, roles=EDITOR_ROLES, action=AuditAction.UPDATE, detail="annuaire des RCP")
    now = now or utcnow()
    errors: dict[str, str] = {}
    name = inputs.line(form.name, 200)
    if len(name) < 3:
        errors["name"] = "Indiquez le nom de la RCP (3 caractères au moins)."
    national_id = str(form.national_id).strip()
    if not NATIONAL_ID.match(national_id):
        errors["national_id"] = "L'identifiant national comporte de 1 à 20 lettres ou chiffres."
    for key in ("network_id", "manager_id"):
        value = str(getattr(form, key)).strip()
        if value and not NATIONAL_ID.match(value):
            errors[key] = "Identifiant : de 1 à 20 lettres ou chiffres."
    organisation = db.exec(select(Organisation).where(Organisation.public_id == str(form.organisation_public_id)[:32])).first()
    if organisation is None:
        errors["organisation"] = "Choisissez l'établissement organisateur."
    if form.kind not in (RcpKind.ORGAN, RcpKind.TRANSVERSAL):
        errors["kind"] = "Choisissez le type de RCP."
    elif form.kind == RcpKind.ORGAN:
        if form.appareil_code not in terminology.load(APPAREIL).index:
            errors["appareil_code"] = "Choisissez l'appareil (jeu de valeurs JDV_RCP_Appareil)."
        bad = [code for code in form.organ_codes if code not in terminology.load(ORGANE).index]
        if bad:
            errors["organ_codes"] = "Organe inconnu du jeu de valeurs JDV_RCP_Organe."
    elif form.transversal_code not in terminology.load(TRANSVERSAL_TYPES).index:
        errors["transversal_code"] = "Choisissez le thème de la RCP transversale."
    if [code for code in form.quorum_codes if not terminology.is_specialty(code) or not is_physician(code)]:
        errors["quorum_codes"] = "Les spécialités du quorum sont des spécialités médicales (JDV_J01)."
    visio = str(form.visio_url).strip()
    if visio and (len(visio) > 300 or not HTTPS_URL.match(visio)):
        errors["visio_url"] = "Le lien de visioconférence doit commencer par https:// (300 caractères au plus)."
    duplicate = db.exec(select(Rcp.public_id).where(Rcp.national_id == national_id)).first()
    if duplicate and duplicate != rcp_public_id:
        errors["national_id"] = "Une autre RCP porte déjà cet identifiant national."
    if errors:
        raise ValidationFailed(errors)
    if rcp_public_id:
        rcp = load_rcp(db, rcp_public_id)
        if rcp is None:
            raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="RCP inconnue")
        _require_manager(db, actor=actor, rcp=rcp, action=AuditAction.UPDATE, detail="annuaire des RCP")
        updated = db.execute(Rcp.__table__.update().where(Rcp.__table__.c.id == rcp.id, Rcp.__table__.c.version == expected_version)
                             .values(version=expected_version + 1))
        if updated.rowcount != 1:
            raise StaleVersion()
        rcp.version = expected_version + 1
    else:
        rcp = Rcp(national_id=national_id, name=name, organisation_id=organisation.id, kind=form.kind)
    rcp.name, rcp.national_id, rcp.organisation_id, rcp.kind = name, national_id, organisation.id, form.kind
    rcp.network_id, rcp.manager_id = str(form.network_id).strip(), str(form.manager_id).strip()
    rcp.manager_name = inputs.line(form.manager_name, 200)
    rcp.is_recours, rcp.is_pediatric, rcp.active = bool(form.is_recours), bool(form.is_pediatric), bool(form.active)
    rcp.appareil_code = form.appareil_code if form.kind == RcpKind.ORGAN else ""
    rcp.organ_codes = " ".join(dict.fromkeys(form.organ_codes)) if form.kind == RcpKind.ORGAN else ""
    rcp.transversal_code = form.transversal_code if form.kind == RcpKind.TRANSVERSAL else ""
    rcp.quorum_specialties = " ".join(dict.fromkeys(form.quorum_codes))
    rcp.usual_schedule = inputs.line(form.usual_schedule, 200)
    rcp.place = inputs.line(form.place, 200)
    rcp.visio_url = visio
    rcp.updated_at = now
    db.add(rcp)
    db.flush()
    created_by_secretary = not rcp_public_id and actor.role == Role.RCP_SECRETARY
    if created_by_secretary:
        db.add(RcpSecretariat(rcp_id=rcp.id, professional_id=actor.professional_id))
    audit.record(db, actor=actor, action=AuditAction.ADMIN,
                 detail=f"annuaire RCP {'modifiée' if rcp_public_id else 'créée'} : {rcp.national_id}"
                        f"{' (secrétariat : son créateur)' if created_by_secretary else ''}")
    return rcp.public_id


def set_member(db: Session, *, actor: Actor, rcp_public_id: str, professional_public_id: str, member: bool,
               coordinator: bool = False) -> None:
    access.require_role(db, actor=actor, roles=EDITOR_ROLES, action=AuditAction.UPDATE, detail="membres de RCP")
    rcp = load_rcp(db, rcp_public_id)
    pro = db.exec(select(Professional).where(Professional.public_id == str(professional_public_id)[:32])).first()
    if rcp is None or pro is None:
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="membre de RCP inconnu")
    _require_manager(db, actor=actor, rcp=rcp, action=AuditAction.UPDATE, detail="membres de RCP")
    if member and _is_secretary(db, pro.id):
        raise ValidationFailed({"member": "Un secrétariat ne siège pas dans la RCP : l'administrateur le désigne "
                                          "dans la rubrique « Secrétariat » de la RCP."})
    if coordinator and not is_physician(pro.specialty_code):
        raise ValidationFailed({"member": "Le médecin coordonnateur doit être un médecin."})
    row = db.get(RcpMember, (rcp.id, pro.id))
    if member:
        if row is None:
            row = RcpMember(rcp_id=rcp.id, professional_id=pro.id)
        row.is_coordinator = coordinator
        db.add(row)
    elif row is not None:
        db.delete(row)
    audit.record(db, actor=actor, action=AuditAction.ADMIN,
                 detail=f"RCP {rcp.national_id} : {'ajout' if member else 'retrait'} du membre {pro.rpps}")


def professional_choices(db: Session, *, actor: Actor, query: str = "") -> list[MemberRow]:
    """Professionals to add as members (directory search, 30 at most)."""
    access.require_role(db, actor=actor, roles=EDITOR_ROLES, action=AuditAction.SEARCH, detail="professionnels")
    statement = select(Professional).order_by(Professional.family_name, Professional.given_name)
    words = "".join(ch for ch in str(query)[:50] if ch.isalnum() or ch in " -'")
    if words.strip():
        statement = statement.where(Professional.family_name.ilike(f"{words.strip()}%"))
    return [MemberRow(p.public_id, professional_label(p), specialty_label(p.specialty_code), p.specialty_code, False,
                      is_physician(p.specialty_code)) for p in db.exec(statement.limit(30)).all()]


def _is_secretary(db: Session, professional_id: int) -> bool:
    return db.exec(select(Account.id).where(Account.professional_id == professional_id,
                                            Account.role == Role.RCP_SECRETARY)).first() is not None


def set_secretariat(db: Session, *, actor: Actor, rcp_public_id: str, professional_public_id: str, assigned: bool) -> None:
    """The administrator names (or removes) a 3C secretary as the secretariat of an RCP."""
    access.require_role(db, actor=actor, roles={Role.ADMIN}, action=AuditAction.UPDATE, detail="secrétariat de RCP")
    rcp = load_rcp(db, rcp_public_id)
    pro = db.exec(select(Professional).where(Professional.public_id == str(professional_public_id)[:32])).first()
    if rcp is None or pro is None:
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="secrétariat de RCP inconnu")
    if assigned and not _is_secretary(db, pro.id):
        raise ValidationFailed({"secretariat": "Le secrétariat d'une RCP est un compte de secrétariat 3C."})
    row = db.get(RcpSecretariat, (rcp.id, pro.id))
    if assigned and row is None:
        db.add(RcpSecretariat(rcp_id=rcp.id, professional_id=pro.id))
    elif not assigned and row is not None:
        db.delete(row)
    db.flush()
    audit.record(db, actor=actor, action=AuditAction.ADMIN,
                 detail=f"RCP {rcp.national_id} : secrétariat {'confié à' if assigned else 'retiré à'} {pro.rpps}")


def secretary_choices(db: Session, *, actor: Actor) -> list[MemberRow]:
    """The 3C secretaries the administrator may name as an RCP's secretariat."""
    access.require_role(db, actor=actor, roles={Role.ADMIN}, action=AuditAction.SEARCH, detail="secrétariats 3C")
    rows = db.exec(select(Professional).join(Account, Account.professional_id == Professional.id)
                   .where(Account.role == Role.RCP_SECRETARY).order_by(Professional.family_name, Professional.given_name)
                   .limit(200)).all()
    return [_person_row(pro) for pro in rows]
