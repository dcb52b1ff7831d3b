"""Tumour boards (RCP): directory, session planning, case registration, attendance and quorum, decision.

The signed fiche (FRCP document, print view, PDF and CDA R2) is in services/rcp/fiche.py.

Quorum (INCa): at least three physicians of different specialties relevant to the options discussed; since the 2023
reference a surgeon is mandatory in a standard organ-based RCP outside haematology. A case discussed without quorum
is flagged to be presented again; a case recorded without discussion must cite the guideline it follows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import bindparam, func
from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    CancerDiagnosis,
    CareStage,
    CareTeamMembership,
    Document,
    DocumentKind,
    DocumentStatus,
    Grant,
    Organisation,
    PathwayEventKind,
    Patient,
    Professional,
    Rcp,
    RcpAttendance,
    RcpCase,
    RcpCaseReason,
    RcpCaseStatus,
    RcpKind,
    RcpMember,
    RcpSession,
    RcpSessionStatus,
    Role,
    new_public_id,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs, terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import StaleVersion, ValidationFailed
from dcc_portal.services.common.names import (
    PROFESSIONAL_LABELS,
    patient_name,
    professional_label,
)
from dcc_portal.services.common.paging import PAGE_SIZE, Page
from dcc_portal.services.record import documents, pathway

PARIS = formatting.PARIS
EDITOR_ROLES = frozenset({Role.RCP_SECRETARY, Role.ADMIN})
REGISTRAR_ROLES = frozenset({Role.CLINICIAN, Role.RCP_SECRETARY})
DIRECTORY_READERS = frozenset({Role.CLINICIAN, Role.NURSE, Role.RCP_SECRETARY, Role.ADMIN, Role.GP})

APPAREIL = "JDV_RCP_Appareil_CISIS"
ORGANE = "JDV_RCP_Organe_CISIS"
TREATMENT_TYPES = "JDV_TypeTraitement_FRCP_CISIS"
TRANSVERSAL_TYPES = "JDV_TraitementSoins_FRCP_CISIS"
HAEMATOPOIETIC = "57171008"  # appareil "structure du système hématopoïétique"

KIND_LABELS = {RcpKind.ORGAN: "Appareil / organe", RcpKind.TRANSVERSAL: "Transversale"}
SESSION_STATUS_LABELS = {
    RcpSessionStatus.PLANNED: "En préparation",
    RcpSessionStatus.PUBLISHED: "Ordre du jour publié",
    RcpSessionStatus.OPEN: "En séance",
    RcpSessionStatus.CLOSED: "Close",
    RcpSessionStatus.CANCELLED: "Annulée",
}
REASON_LABELS = {
    RcpCaseReason.DIAGNOSTIC_OPINION: "Avis diagnostique",
    RcpCaseReason.TREATMENT_PROPOSAL: "Proposition de traitement (dont surveillance, ajustement)",
    RcpCaseReason.RECOURS: "Recours",
}
CASE_STATUS_LABELS = {
    RcpCaseStatus.REGISTERED: "Inscrit",
    RcpCaseStatus.RECORDED: "Cas enregistré (sans discussion)",
    RcpCaseStatus.DISCUSSED: "Cas discuté",
    RcpCaseStatus.WITHDRAWN: "Retiré",
}
INTENTIONS = {"first": "Première intention", "alternative": "Alternative"}
RECURRENCES = {"none": 0, "weekly": 7, "biweekly": 14, "monthly": -1}

# Surgical specialties of JDV_J01 (RPPS "SM" codes): chirurgie générale, maxillo-faciale, orthopédique, infantile,
# plastique, thoracique et cardio-vasculaire, urologique, vasculaire, viscérale et digestive, gynéco-obstétrique,
# neurochirurgie, ORL et chirurgie cervico-faciale, chirurgie orale, pédiatrique, endoscopie chirurgicale.
SURGICAL_SPECIALTIES = frozenset({
    "G15_10/SM05", "G15_10/SM06", "G15_10/SM07", "G15_10/SM08", "G15_10/SM09", "G15_10/SM10", "G15_10/SM11",
    "G15_10/SM12", "G15_10/SM13", "G15_10/SM14", "G15_10/SM20", "G15_10/SM31", "G15_10/SM34", "G15_10/SM51",
    "G15_10/SM56", "G15_10/SM68", "G15_10/SM69", "G15_10/SM70", "G15_10/SM78",
})

_URL = re.compile(r"^https://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%\-]*)?$")
_NATIONAL_ID = re.compile(r"^[A-Za-z0-9\-]{1,20}$")
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def is_physician(specialty_code: str) -> bool:
    return specialty_code.startswith("G15_10/")


def is_surgeon(specialty_code: str) -> bool:
    return specialty_code in SURGICAL_SPECIALTIES


def specialty_label(code: str) -> str:
    return terminology.specialty_label(code) if code else ""


def paris_to_utc(day: date, clock: time) -> datetime:
    """A Paris wall-clock time as UTC. A time that does not exist (spring DST gap) moves forward by the gap."""
    local = datetime.combine(day, clock, tzinfo=PARIS)
    return local.astimezone(UTC)


def _split(codes: str) -> list[str]:
    return [code for code in (codes or "").split() if code]


# --------------------------------------------------------------------------------------------------- quorum


@dataclass(frozen=True)
class QuorumStatus:
    reached: bool
    physicians: int
    specialties: tuple[str, ...]  # distinct relevant specialties present (labels)
    surgeon_required: bool
    surgeon_present: bool
    problems: tuple[str, ...]  # French sentences: what is missing

    @property
    def summary(self) -> str:
        if self.reached:
            return f"Quorum atteint : {len(self.specialties)} spécialités médicales présentes."
        return "Quorum non atteint : " + " ".join(self.problems)


def quorum_rule(*, rcp: Rcp, present_specialties: list[str]) -> QuorumStatus:
    """The INCa rule on the specialties of the people present (one code per person)."""
    relevant = set(_split(rcp.quorum_specialties))
    physicians = [code for code in present_specialties if is_physician(code)]
    counted = {code for code in physicians if not relevant or code in relevant}
    surgeon_required = (
        rcp.kind == RcpKind.ORGAN and not rcp.is_pediatric and rcp.appareil_code != HAEMATOPOIETIC
    )
    surgeon_present = any(is_surgeon(code) for code in physicians)
    problems = []
    if len(counted) < 3:
        problems.append(
            f"il faut au moins trois médecins de spécialités différentes"
            f"{' parmi celles du quorum de la RCP' if relevant else ''} ({len(counted)} présente(s))."
        )
    if surgeon_required and not surgeon_present:
        problems.append("un chirurgien doit être présent (RCP d'organe hors hématologie).")
    return QuorumStatus(
        reached=not problems,
        physicians=len(physicians),
        specialties=tuple(sorted(specialty_label(code) for code in counted)),
        surgeon_required=surgeon_required,
        surgeon_present=surgeon_present,
        problems=tuple(problems),
    )


def session_quorum(db: Session, *, session: RcpSession) -> QuorumStatus:
    rcp = db.get(Rcp, session.rcp_id)
    codes = db.exec(select(RcpAttendance.specialty_code).where(RcpAttendance.session_id == session.id)).all()
    return quorum_rule(rcp=rcp, present_specialties=list(codes))


# --------------------------------------------------------------------------------------------------- directory


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
    can_edit: bool = False


def _scope(rcp: Rcp) -> str:
    if rcp.kind == RcpKind.TRANSVERSAL:
        return terminology.load(TRANSVERSAL_TYPES).label(rcp.transversal_code, "Transversale")
    appareil = terminology.load(APPAREIL).label(rcp.appareil_code, "")
    organs = ", ".join(terminology.load(ORGANE).label(code, code) for code in _split(rcp.organ_codes))
    return f"{appareil.capitalize()}{' : ' + organs if organs else ''}"


def _rcp_row(db: Session, rcp: Rcp, member_count: int | None = None) -> RcpRow:
    organisation = db.get(Organisation, rcp.organisation_id)
    if member_count is None:
        member_count = db.exec(select(func.count()).select_from(RcpMember).where(RcpMember.rcp_id == rcp.id)).one()
    flags = ", ".join(label for flag, label in ((rcp.is_recours, "recours"), (rcp.is_pediatric, "pédiatrique")) if flag)
    return RcpRow(
        public_id=rcp.public_id, name=rcp.name, national_id=rcp.national_id, kind=rcp.kind,
        kind_label=KIND_LABELS.get(rcp.kind, rcp.kind), organisation=organisation.name if organisation else "",
        manager_name=rcp.manager_name, scope=_scope(rcp), flags=flags, usual_schedule=rcp.usual_schedule,
        place=rcp.place, visio_url=rcp.visio_url,
        quorum=", ".join(specialty_label(code) for code in _split(rcp.quorum_specialties)),
        members=member_count, active=rcp.active, version=rcp.version,
    )


def _is_member(db: Session, *, rcp_id: int, professional_id: int | None) -> RcpMember | None:
    if professional_id is None:
        return None
    return db.get(RcpMember, (rcp_id, professional_id))


def list_rcps(db: Session, *, actor: Actor, page: int = 1, mine: bool = False) -> Page:
    access.require_role(db, actor=actor, roles=DIRECTORY_READERS, action=AuditAction.READ, detail="annuaire des RCP")
    statement = select(Rcp)
    if mine:
        statement = statement.join(RcpMember, RcpMember.rcp_id == Rcp.id).where(
            RcpMember.professional_id == (actor.professional_id or -1))
    total = db.exec(select(func.count()).select_from(statement.subquery())).one()
    page = max(1, min(int(page or 1), 10_000))
    rcps = db.exec(statement.order_by(Rcp.active.desc(), Rcp.name).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    counts = dict(db.exec(
        select(RcpMember.rcp_id, func.count()).where(RcpMember.rcp_id.in_([r.id for r in rcps])).group_by(RcpMember.rcp_id)
    ).all()) if rcps else {}
    return Page(items=[_rcp_row(db, rcp, counts.get(rcp.id, 0)) for rcp in rcps], page=page, page_size=PAGE_SIZE,
                total=total)


def _load_rcp(db: Session, public_id: str) -> Rcp | None:
    if not isinstance(public_id, str) or not 0 < len(public_id) <= 32:
        return None
    return db.exec(select(Rcp).where(Rcp.public_id == public_id)).first()


def rcp_detail(db: Session, *, actor: Actor, rcp_public_id: str) -> RcpDetail:
    access.require_role(db, actor=actor, roles=DIRECTORY_READERS, action=AuditAction.READ, detail="fiche RCP de l'annuaire")
    rcp = _load_rcp(db, rcp_public_id)
    if rcp is None:
        raise access.deny(db, actor=actor, action=AuditAction.READ, detail="RCP inconnue")
    members = db.exec(
        select(RcpMember, Professional).join(Professional, Professional.id == RcpMember.professional_id)
        .where(RcpMember.rcp_id == rcp.id).order_by(RcpMember.is_coordinator.desc(), Professional.family_name)
    ).all()
    organisation = db.get(Organisation, rcp.organisation_id)
    return RcpDetail(
        row=_rcp_row(db, rcp, len(members)), appareil_code=rcp.appareil_code, organ_codes=_split(rcp.organ_codes),
        transversal_code=rcp.transversal_code, quorum_codes=_split(rcp.quorum_specialties), is_recours=rcp.is_recours,
        is_pediatric=rcp.is_pediatric, organisation_public_id=organisation.public_id if organisation else "",
        network_id=rcp.network_id, manager_id=rcp.manager_id,
        members=[MemberRow(pro.public_id, professional_label(pro), specialty_label(pro.specialty_code), pro.specialty_code,
                           member.is_coordinator, is_physician(pro.specialty_code)) for member, pro in members],
        can_edit=actor.role in EDITOR_ROLES,
    )


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
    if not _NATIONAL_ID.match(national_id):
        errors["national_id"] = "L'identifiant national comporte de 1 à 20 lettres ou chiffres."
    for key in ("network_id", "manager_id"):
        value = str(getattr(form, key)).strip()
        if value and not _NATIONAL_ID.match(value):
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
    if visio and (len(visio) > 300 or not _URL.match(visio)):
        errors["visio_url"] = "Le lien de visioconférence doit commencer par https:// (300 caractères au plus)."
    duplicate = db.exec(select(Rcp.public_id).where(Rcp.national_id == national_id)).first()
    if duplicate and duplicate != rcp_public_id:
        errors["national_id"] = "Une autre RCP porte déjà cet identifiant national."
    if errors:
        raise ValidationFailed(errors)
    if rcp_public_id:
        rcp = _load_rcp(db, rcp_public_id)
        if rcp is None:
            raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="RCP inconnue")
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
    audit.record(db, actor=actor, action=AuditAction.ADMIN, detail=f"annuaire RCP {'modifiée' if rcp_public_id else 'créée'} : {rcp.national_id}")
    return rcp.public_id


def set_member(db: Session, *, actor: Actor, rcp_public_id: str, professional_public_id: str, member: bool,
               coordinator: bool = False) -> None:
    access.require_role(db, actor=actor, roles=EDITOR_ROLES, action=AuditAction.UPDATE, detail="membres de RCP")
    rcp = _load_rcp(db, rcp_public_id)
    pro = db.exec(select(Professional).where(Professional.public_id == str(professional_public_id)[:32])).first()
    if rcp is None or pro is None:
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="membre de RCP inconnu")
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


# --------------------------------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class SessionRow:
    public_id: str
    rcp_public_id: str
    rcp_name: str
    starts: str
    date: str
    time: str
    deadline: str
    deadline_passed: bool
    place: str
    visio_url: str
    status: str
    status_label: str
    cases: int
    is_past: bool


def _session_row(db: Session, session: RcpSession, rcp: Rcp, now: datetime, case_count: int | None = None) -> SessionRow:
    if case_count is None:
        case_count = db.exec(select(func.count()).select_from(RcpCase).where(
            RcpCase.session_id == session.id, RcpCase.status != RcpCaseStatus.WITHDRAWN)).one()
    start = formatting.to_paris(session.starts_at)
    return SessionRow(
        public_id=session.public_id, rcp_public_id=rcp.public_id, rcp_name=rcp.name,
        starts=formatting.datetime_fr(session.starts_at), date=start.strftime("%d/%m/%Y"), time=start.strftime("%H:%M"),
        deadline=formatting.datetime_fr(session.registration_deadline),
        deadline_passed=now >= _aware(session.registration_deadline), place=session.place or rcp.place,
        visio_url=session.visio_url or rcp.visio_url, status=session.status,
        status_label=SESSION_STATUS_LABELS.get(session.status, session.status), cases=case_count,
        is_past=_aware(session.starts_at) + timedelta(hours=6) < now,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def plan_sessions(
    db: Session, *, actor: Actor, rcp_public_id: str, first_date: str, start_time: str, recurrence: str = "none",
    count: int = 1, deadline_days: int = 2, deadline_time: str = "12:00", place: str = "", visio_url: str = "",
    now: datetime | None = None,
) -> list[str]:
    """One-off or recurring sessions at the same Paris wall-clock time (whatever the DST offset)."""
    access.require_role(db, actor=actor, roles=EDITOR_ROLES, action=AuditAction.CREATE, detail="planification RCP")
    now = now or utcnow()
    rcp = _load_rcp(db, rcp_public_id)
    errors: dict[str, str] = {}
    if rcp is None or not rcp.active:
        errors["rcp"] = "Choisissez une RCP active de l'annuaire."
    try:
        day = date.fromisoformat(str(first_date))
    except ValueError:
        day = None
        errors["first_date"] = "Date invalide (jj/mm/aaaa)."
    clock = _HHMM.match(str(start_time).strip())
    if not clock:
        errors["start_time"] = "Heure invalide (hh:mm)."
    deadline_clock = _HHMM.match(str(deadline_time).strip())
    if not deadline_clock:
        errors["deadline_time"] = "Heure limite invalide (hh:mm)."
    if recurrence not in RECURRENCES:
        errors["recurrence"] = "Choisissez la périodicité."
    try:
        count = int(count)
        deadline_days = int(deadline_days)
    except (TypeError, ValueError):
        count, deadline_days = 0, -1
    if not 1 <= count <= 52:
        errors["count"] = "Entre 1 et 52 séances."
    if not 0 <= deadline_days <= 30:
        errors["deadline_days"] = "La clôture des inscriptions se fait de 0 à 30 jours avant la séance."
    visio = str(visio_url).strip()
    if visio and (len(visio) > 300 or not _URL.match(visio)):
        errors["visio_url"] = "Le lien de visioconférence doit commencer par https://."
    if day and clock and not errors:
        first = paris_to_utc(day, time(int(clock[1]), int(clock[2])))
        if first <= now:
            errors["first_date"] = "La première séance doit être dans le futur."
        elif day.year > now.year + 2:
            errors["first_date"] = "Planifiez au plus deux ans à l'avance."
    if errors:
        raise ValidationFailed(errors)
    series = new_public_id() if count > 1 else ""
    created = []
    for index in range(count):
        if recurrence == "monthly":
            month = day.month - 1 + index
            year = day.year + month // 12
            occurrence = _same_weekday_of_month(day, year, month % 12 + 1)
        else:
            occurrence = day + timedelta(days=RECURRENCES[recurrence] * index)
        start_utc = paris_to_utc(occurrence, time(int(clock[1]), int(clock[2])))
        deadline_utc = paris_to_utc(occurrence - timedelta(days=deadline_days),
                                    time(int(deadline_clock[1]), int(deadline_clock[2])))
        if deadline_utc > start_utc:
            deadline_utc = start_utc
        session = RcpSession(rcp_id=rcp.id, starts_at=start_utc, registration_deadline=deadline_utc,
                             place=inputs.line(place, 200), visio_url=visio, series_id=series,
                             created_by_account_id=actor.account_id)
        db.add(session)
        db.flush()
        created.append(session.public_id)
        if recurrence == "none":
            break
    audit.record(db, actor=actor, action=AuditAction.CREATE, detail=f"RCP {rcp.national_id} : {len(created)} séance(s) planifiée(s)")
    return created


def _same_weekday_of_month(first: date, year: int, month: int) -> date:
    """The same weekday rank (e.g. 2nd Tuesday) in another month; the last one when the month has fewer."""
    rank = (first.day - 1) // 7
    day = date(year, month, 1)
    day += timedelta(days=(first.weekday() - day.weekday()) % 7)
    candidate = day + timedelta(days=7 * rank)
    return candidate if candidate.month == month else candidate - timedelta(days=7)


_SESSION_BY_PUBLIC_ID = select(RcpSession, Rcp).join(Rcp, Rcp.id == RcpSession.rcp_id).where(
    RcpSession.public_id == bindparam("public_id"))


def _load_session(db: Session, public_id: str) -> tuple[RcpSession, Rcp] | None:
    if not isinstance(public_id, str) or not 0 < len(public_id) <= 32:
        return None
    row = db.exec(_SESSION_BY_PUBLIC_ID, params={"public_id": public_id}).first()
    return (row[0], row[1]) if row else None


def set_session_status(db: Session, *, actor: Actor, session_public_id: str, status: str, now: datetime | None = None) -> None:
    """Publish the agenda, open or close the sitting, cancel. Secretariat (members) and the RCP's physicians."""
    now = now or utcnow()
    loaded = _load_session(db, session_public_id)
    if loaded is None or status not in set(RcpSessionStatus):
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="séance RCP inconnue")
    session, rcp = loaded
    _require_session_staff(db, actor=actor, rcp=rcp, action=AuditAction.UPDATE)
    if status == RcpSessionStatus.PUBLISHED and session.published_at is None:
        session.published_at = now
    session.status = status
    db.add(session)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, detail=f"séance RCP {rcp.national_id} : {status}")


def _require_session_staff(db: Session, *, actor: Actor, rcp: Rcp, action: str) -> RcpMember | None:
    """Admins and secretaries manage every session; otherwise one must be a member of the RCP."""
    if actor.role == Role.ADMIN:
        access.require_role(db, actor=actor, roles={Role.ADMIN}, action=action)
        return None
    access.require_role(db, actor=actor, roles={Role.CLINICIAN, Role.RCP_SECRETARY}, action=action, detail="séance RCP")
    member = _is_member(db, rcp_id=rcp.id, professional_id=actor.professional_id)
    if member is None and actor.role != Role.RCP_SECRETARY:
        raise access.deny(db, actor=actor, action=action, detail=f"non membre de la RCP {rcp.national_id}")
    return member


def upcoming_sessions(db: Session, *, actor: Actor, page: int = 1, past: bool = False, now: datetime | None = None) -> Page:
    """Members: the sessions of their RCPs (published or later); secretariat and admins: every session."""
    access.require_role(db, actor=actor, roles=DIRECTORY_READERS - {Role.GP}, action=AuditAction.READ, detail="séances RCP")
    now = now or utcnow()
    statement = select(RcpSession, Rcp).join(Rcp, Rcp.id == RcpSession.rcp_id)
    if actor.role not in EDITOR_ROLES:
        statement = statement.join(RcpMember, RcpMember.rcp_id == Rcp.id).where(
            RcpMember.professional_id == (actor.professional_id or -1),
            RcpSession.status.in_([RcpSessionStatus.PUBLISHED, RcpSessionStatus.OPEN, RcpSessionStatus.CLOSED]))
    cutoff = now - timedelta(hours=6)
    if past:
        statement = statement.where(RcpSession.starts_at < cutoff).order_by(RcpSession.starts_at.desc())
    else:
        statement = statement.where(RcpSession.starts_at >= cutoff).order_by(RcpSession.starts_at)
    total = db.exec(select(func.count()).select_from(statement.subquery())).one()
    page = max(1, min(int(page or 1), 10_000))
    rows = db.exec(statement.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return Page(items=[_session_row(db, s, r, now) for s, r in rows], page=page, page_size=PAGE_SIZE, total=total)


def open_sessions_for_registration(db: Session, *, now: datetime | None = None, limit: int = 40) -> list[SessionRow]:
    now = now or utcnow()
    rows = db.exec(
        select(RcpSession, Rcp).join(Rcp, Rcp.id == RcpSession.rcp_id)
        .where(RcpSession.status.in_([RcpSessionStatus.PUBLISHED, RcpSessionStatus.PLANNED]), RcpSession.starts_at > now,
               Rcp.active.is_(True))
        .order_by(RcpSession.starts_at).limit(limit)
    ).all()
    return [_session_row(db, s, r, now) for s, r in rows]


# --------------------------------------------------------------------------------------------------- registration


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    ok: bool
    detail: str
    computed: bool  # established from the record (True) or declared by the requester (False)


DECLARED_ITEMS = {
    "imaging_reviewed": "Imagerie disponible pour la séance",
    "patient_informed": "Patient informé de la présentation de son dossier en RCP",
}


@dataclass(frozen=True)
class _RecordFacts:
    """What the checklist reads from a patient's record."""

    kinds: set[str]
    diagnosis: CancerDiagnosis | None  # or a row of _DIAGNOSES
    gp: Professional | None  # or a row of names.PROFESSIONAL_LABELS


# Read for a whole agenda at once (`ids`: expanding), as the columns the agenda shows.
_IDS = bindparam("ids", expanding=True)
_KINDS_IN_RECORDS = select(Document.patient_id, Document.kind).where(
    Document.patient_id.in_(_IDS), Document.status == DocumentStatus.VALIDATED).distinct()
_DIAGNOSES = select(
    CancerDiagnosis.patient_id, CancerDiagnosis.icd10_code, CancerDiagnosis.morphology_code, CancerDiagnosis.tnm_prefix,
    CancerDiagnosis.tnm_t, CancerDiagnosis.tnm_n, CancerDiagnosis.tnm_m, CancerDiagnosis.other_staging,
    CancerDiagnosis.who_performance_status,
).where(CancerDiagnosis.patient_id.in_(_IDS)).order_by(CancerDiagnosis.id)
_CASE_DOCUMENTS = select(Document.id, Document.public_id, Document.status, Document.updated_at).where(Document.id.in_(_IDS))


def _record_facts(db: Session, patients: list[Patient]) -> dict[int, _RecordFacts]:
    """The checklist's facts for many patients in three queries (an agenda lists 20 or more cases)."""
    ids = [patient.id for patient in patients]
    if not ids:
        return {}
    kinds: dict[int, set[str]] = {}
    for patient_id, kind in db.exec(_KINDS_IN_RECORDS, params={"ids": ids}).all():
        kinds.setdefault(patient_id, set()).add(kind)
    diagnoses: dict[int, CancerDiagnosis] = {}
    for diagnosis in db.exec(_DIAGNOSES, params={"ids": ids}).all():
        diagnoses[diagnosis.patient_id] = diagnosis  # the latest wins
    gp_ids = sorted({patient.gp_professional_id for patient in patients if patient.gp_professional_id})
    gps = {pro.id: pro for pro in db.exec(PROFESSIONAL_LABELS, params={"ids": gp_ids}).all()} if gp_ids else {}
    return {patient.id: _RecordFacts(kinds.get(patient.id, set()), diagnoses.get(patient.id),
                                     gps.get(patient.gp_professional_id)) for patient in patients}


def checklist(db: Session, *, patient: Patient, declared: dict[str, bool] | None = None,
              facts: _RecordFacts | None = None) -> list[ChecklistItem]:
    """What the board needs, computed from the record where it can be, declared by the requester otherwise."""
    declared = declared or {}
    facts = facts or _record_facts(db, [patient])[patient.id]
    kinds, diagnosis, gp = facts.kinds, facts.diagnosis, facts.gp
    items = [
        ChecklistItem("pathology", "Compte rendu d'anatomopathologie (CR-ACP)", DocumentKind.CR_ACP in kinds,
                      "présent dans le dossier" if DocumentKind.CR_ACP in kinds else "absent du dossier", True),
        ChecklistItem("imaging", "Compte rendu d'imagerie", DocumentKind.IMAGING in kinds or bool(declared.get("imaging_reviewed")),
                      "présent dans le dossier" if DocumentKind.IMAGING in kinds else
                      ("déclaré disponible" if declared.get("imaging_reviewed") else "absent du dossier"),
                      DocumentKind.IMAGING in kinds),
        ChecklistItem("diagnosis", "Diagnostic codé (CIM-10, morphologie)",
                      bool(diagnosis and diagnosis.icd10_code and diagnosis.morphology_code),
                      f"{diagnosis.icd10_code} {diagnosis.morphology_code}".strip() if diagnosis else "non renseigné", True),
        ChecklistItem("tnm", "Stade TNM", bool(diagnosis and (diagnosis.tnm_t or diagnosis.other_staging)),
                      _tnm(diagnosis) or "non renseigné", True),
        ChecklistItem("who", "État général (OMS 0 à 4)", bool(diagnosis and diagnosis.who_performance_status is not None),
                      f"OMS {diagnosis.who_performance_status}" if diagnosis and diagnosis.who_performance_status is not None
                      else "non renseigné", True),
        ChecklistItem("gp", "Médecin traitant nommé", gp is not None, professional_label(gp) if gp else "non déclaré", True),
        ChecklistItem("patient_informed", DECLARED_ITEMS["patient_informed"], bool(declared.get("patient_informed")),
                      "oui" if declared.get("patient_informed") else "non confirmé", False),
    ]
    return items


def _tnm(diagnosis: CancerDiagnosis | None) -> str:
    if diagnosis is None:
        return ""
    parts = [f"{diagnosis.tnm_prefix}{letter}{value}" for letter, value in (("T", diagnosis.tnm_t), ("N", diagnosis.tnm_n), ("M", diagnosis.tnm_m)) if value]
    return " ".join(parts + ([diagnosis.other_staging] if diagnosis.other_staging else []))


@dataclass(frozen=True)
class RegistrationContext:
    patient_name: str
    sessions: list[SessionRow]
    checklist: list[ChecklistItem]
    cases: list[CaseRow]
    presenters: list[tuple[str, str]]  # (public id, label): the physicians of the patient's care team


@dataclass(frozen=True)
class CaseRow:
    public_id: str
    patient_public_id: str
    patient_name: str
    rcp_name: str
    session_public_id: str
    session_starts: str
    reason: str
    reason_label: str
    question: str
    requester: str
    presenter: str
    status: str
    status_label: str
    complete: bool
    missing: str
    needs_representation: bool
    document_public_id: str
    signed: bool


def _case_rows(db: Session, agenda: list[tuple[RcpCase, Patient]], session: RcpSession, rcp: Rcp) -> list[CaseRow]:
    """The rows of a whole agenda with a fixed number of queries, whatever the number of cases."""
    facts = _record_facts(db, [patient for _, patient in agenda])
    pro_ids = sorted({pid for case, _ in agenda for pid in (case.requester_professional_id, case.presenter_professional_id) if pid})
    # The professionals and fiches the rows name, as the columns shown (`_case_row` loads whatever is not here).
    held = {(Professional, pro.id): pro for pro in db.exec(PROFESSIONAL_LABELS, params={"ids": pro_ids})} if pro_ids else {}
    document_ids = sorted({case.document_id for case, _ in agenda if case.document_id})
    if document_ids:
        held.update({(Document, doc.id): doc for doc in db.exec(_CASE_DOCUMENTS, params={"ids": document_ids})})
    return [_case_row(db, case, session, rcp, patient, facts=facts[patient.id], loaded=held) for case, patient in agenda]


def _case_row(db: Session, case: RcpCase, session: RcpSession, rcp: Rcp, patient: Patient,
              facts: _RecordFacts | None = None, loaded: dict | None = None) -> CaseRow:
    def get(model, row_id):
        if row_id is None:
            return None
        return (loaded or {}).get((model, row_id)) or db.get(model, row_id)

    requester = get(Professional, case.requester_professional_id)
    presenter = get(Professional, case.presenter_professional_id)
    items = checklist(db, patient=patient, declared=json.loads(case.checklist_json or "{}"), facts=facts)
    document = get(Document, case.document_id)
    return CaseRow(
        public_id=case.public_id, patient_public_id=patient.public_id, patient_name=patient_name(patient),
        rcp_name=rcp.name, session_public_id=session.public_id, session_starts=formatting.datetime_fr(session.starts_at),
        reason=case.reason, reason_label=REASON_LABELS.get(case.reason, case.reason), question=case.question,
        requester=professional_label(requester) if requester else "", presenter=professional_label(presenter) if presenter else "",
        status=case.status, status_label=CASE_STATUS_LABELS.get(case.status, case.status),
        complete=all(item.ok for item in items), missing=", ".join(item.label for item in items if not item.ok),
        needs_representation=case.needs_representation,
        document_public_id=document.public_id if document else "",
        signed=bool(document and document.status == DocumentStatus.VALIDATED and case.decided_at
                    and document.updated_at >= case.updated_at),
    )


def registration_context(db: Session, *, actor: Actor, patient_public_id: str, now: datetime | None = None) -> RegistrationContext:
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id,
                                            action=AuditAction.READ, detail="inscription RCP", now=now)
    cases = db.exec(
        select(RcpCase, RcpSession, Rcp).join(RcpSession, RcpSession.id == RcpCase.session_id).join(Rcp, Rcp.id == RcpSession.rcp_id)
        .where(RcpCase.patient_id == patient.id).order_by(RcpSession.starts_at.desc()).limit(50)
    ).all()
    return RegistrationContext(
        patient_name=patient_name(patient),
        sessions=open_sessions_for_registration(db, now=now) if grant == Grant.CARE_TEAM else [],
        checklist=checklist(db, patient=patient),
        cases=[_case_row(db, c, s, r, patient) for c, s, r in cases],
        presenters=_team_physicians(db, patient=patient, now=now),
    )


def _team_physicians(db: Session, *, patient: Patient, now: datetime | None) -> list[tuple[str, str]]:
    rows = db.exec(
        select(Professional)
        .join(CareTeamMembership, CareTeamMembership.professional_id == Professional.id)
        .where(CareTeamMembership.patient_id == patient.id, access.active_membership_clause(formatting.paris_today(now)))
        .order_by(Professional.family_name)
    ).all()
    return [(pro.public_id, f"{professional_label(pro)} — {terminology.specialty_label(pro.specialty_code)}")
            for pro in rows if is_physician(pro.specialty_code)]


def register_case(
    db: Session, *, actor: Actor, patient_public_id: str, session_public_id: str, reason: str, question: str,
    summary: str = "", presenter_public_id: str = "", declared: dict[str, bool] | None = None, now: datetime | None = None,
) -> str:
    """Inscription of a patient of the actor's care team; refused from the registration deadline on."""
    now = now or utcnow()
    if actor.role not in REGISTRAR_ROLES:
        raise access.deny(db, actor=actor, action=AuditAction.CREATE, detail="inscription RCP : rôle non autorisé")
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id, action=AuditAction.CREATE,
                                            detail="inscription RCP", now=now)
    if grant != Grant.CARE_TEAM:
        raise access.deny(db, actor=actor, action=AuditAction.CREATE, patient_id=patient.id,
                          detail="inscription RCP hors équipe de soins")
    errors: dict[str, str] = {}
    loaded = _load_session(db, session_public_id)
    if loaded is None:
        errors["session"] = "Choisissez une séance."
    else:
        session, rcp = loaded
        if session.status not in (RcpSessionStatus.PLANNED, RcpSessionStatus.PUBLISHED) or not rcp.active:
            errors["session"] = "Cette séance n'accepte pas d'inscription."
        elif now >= _aware(session.registration_deadline):
            errors["session"] = (
                f"Les inscriptions à la séance du {formatting.datetime_fr(session.starts_at)} sont closes depuis le "
                f"{formatting.datetime_fr(session.registration_deadline)} (heure de Paris). Inscrivez le patient à une "
                "séance suivante ou contactez le secrétariat de la RCP."
            )
        elif db.exec(select(RcpCase.id).where(RcpCase.session_id == session.id, RcpCase.patient_id == patient.id,
                                              RcpCase.status != RcpCaseStatus.WITHDRAWN)).first():
            errors["session"] = "Ce patient est déjà inscrit à cette séance."
    if reason not in set(RcpCaseReason):
        errors["reason"] = "Choisissez le motif de présentation."
    question, summary = inputs.text(question), inputs.text(summary)
    if len(question) < 5:
        errors["question"] = "Formulez la question posée à la RCP."
    elif len(question) > 4000:
        errors["question"] = "La question est trop longue (4 000 caractères au plus)."
    if len(summary) > 8000:
        errors["summary"] = "La synthèse est trop longue (8 000 caractères au plus)."
    presenter = None
    if presenter_public_id:
        presenter = db.exec(select(Professional).where(Professional.public_id == str(presenter_public_id)[:32])).first()
        if presenter is None or not is_physician(presenter.specialty_code):
            errors["presenter"] = "Le présentateur doit être un médecin de l'annuaire."
    if errors:
        raise ValidationFailed(errors)
    requester_id = actor.professional_id
    if not is_physician(db.get(Professional, requester_id).specialty_code):
        # a secretary registers on behalf of the patient's referent physician (the presenter)
        if presenter is None:
            raise ValidationFailed({"presenter": "Indiquez le médecin demandeur qui présentera le dossier."})
        requester_id = presenter.id
    clean_declared = {key: bool(value) for key, value in (declared or {}).items() if key in DECLARED_ITEMS}
    case = RcpCase(
        session_id=session.id, patient_id=patient.id, requester_professional_id=requester_id,
        presenter_professional_id=(presenter.id if presenter else requester_id), reason=reason, question=question,
        summary=summary, checklist_json=json.dumps(clean_declared), created_by_account_id=actor.account_id,
        created_at=now, updated_at=now,
    )
    db.add(case)
    db.flush()
    pathway.add_event(db, patient_id=patient.id, kind=PathwayEventKind.RCP_REGISTERED,
                      occurred_on=formatting.to_paris(session.starts_at).date(),
                      title=f"Inscription en RCP : {rcp.name}", author_professional_id=requester_id)
    pathway.move_stage(db, patient=patient, stage=CareStage.RCP, on=formatting.paris_today(now))
    audit.record(db, actor=actor, action=AuditAction.CREATE, patient_id=patient.id, grant=grant,
                 detail=f"inscription RCP {rcp.national_id} séance {session.public_id}")
    return case.public_id


def withdraw_case(db: Session, *, actor: Actor, case_public_id: str, now: datetime | None = None) -> None:
    loaded = _load_case(db, case_public_id)
    if loaded is None:
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="inscription RCP inconnue")
    case, session, rcp = loaded
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=db.get(Patient, case.patient_id).public_id,
                                            action=AuditAction.UPDATE, detail="retrait d'inscription RCP", now=now)
    if grant != Grant.CARE_TEAM or case.status != RcpCaseStatus.REGISTERED:
        raise ValidationFailed({"case": "Seule une inscription non encore traitée peut être retirée, par l'équipe de soins."})
    case.status = RcpCaseStatus.WITHDRAWN
    case.withdrawn_at = now or utcnow()
    db.add(case)


def _load_case(db: Session, public_id: str) -> tuple[RcpCase, RcpSession, Rcp] | None:
    if not isinstance(public_id, str) or not 0 < len(public_id) <= 32:
        return None
    row = db.exec(
        select(RcpCase, RcpSession, Rcp).join(RcpSession, RcpSession.id == RcpCase.session_id)
        .join(Rcp, Rcp.id == RcpSession.rcp_id).where(RcpCase.public_id == public_id)
    ).first()
    return (row[0], row[1], row[2]) if row else None


# --------------------------------------------------------------------------------------------------- the sitting


@dataclass(frozen=True)
class AttendeeRow:
    public_id: str
    name: str
    specialty: str
    present: bool
    counted: bool  # physician whose specialty counts for this RCP's quorum
    is_coordinator: bool


@dataclass(frozen=True)
class SessionDetail:
    row: SessionRow
    rcp_kind_label: str
    scope: str
    attendees: list[AttendeeRow]
    quorum: QuorumStatus
    cases: list[CaseRow]
    can_manage: bool  # secretariat / admin: status, attendance
    can_decide: bool  # member physicians: decisions
    is_coordinator: bool  # may sign the fiches


_ATTENDANCE = select(RcpAttendance.professional_id, RcpAttendance.specialty_code).where(
    RcpAttendance.session_id == bindparam("session_id"))
_MEMBERS = (select(RcpMember.is_coordinator, Professional.id, Professional.public_id, Professional.family_name,
                   Professional.given_name, Professional.specialty_code)
            .join(Professional, Professional.id == RcpMember.professional_id)
            .where(RcpMember.rcp_id == bindparam("rcp_id")).order_by(Professional.family_name))
_AGENDA = (select(RcpCase, Patient).join(Patient, Patient.id == RcpCase.patient_id)
           .where(RcpCase.session_id == bindparam("session_id"), RcpCase.status != RcpCaseStatus.WITHDRAWN)
           .order_by(RcpCase.created_at))


def session_detail(db: Session, *, actor: Actor, session_public_id: str, now: datetime | None = None) -> SessionDetail:
    now = now or utcnow()
    loaded = _load_session(db, session_public_id)
    if loaded is None:
        raise access.deny(db, actor=actor, action=AuditAction.READ, detail="séance RCP inconnue")
    session, rcp = loaded
    member = _require_session_staff(db, actor=actor, rcp=rcp, action=AuditAction.READ)
    if actor.role == Role.CLINICIAN and session.status == RcpSessionStatus.PLANNED:
        raise access.deny(db, actor=actor, action=AuditAction.READ, detail="séance non publiée")
    relevant = set(_split(rcp.quorum_specialties))
    attendance = db.exec(_ATTENDANCE, params={"session_id": session.id}).all()
    present = {professional_id for professional_id, _specialty in attendance}
    members = db.exec(_MEMBERS, params={"rcp_id": rcp.id}).all()
    attendees = [
        AttendeeRow(pro.public_id, professional_label(pro), specialty_label(pro.specialty_code), pro.id in present,
                    is_physician(pro.specialty_code) and (not relevant or pro.specialty_code in relevant), pro.is_coordinator)
        for pro in members
    ]
    agenda = db.exec(_AGENDA, params={"session_id": session.id}).all()
    access.prefetch(db, actor=actor, patient_ids=[patient.id for _, patient in agenda], now=now)
    for _case, patient in agenda:
        access.authorize_patient(db, actor=actor, patient=patient, action=AuditAction.READ,
                                 detail=f"ordre du jour RCP {rcp.national_id}", now=now)
    cases = _case_rows(db, agenda, session, rcp)
    is_physician_member = member is not None and is_physician(db.get(Professional, actor.professional_id).specialty_code)
    return SessionDetail(
        row=_session_row(db, session, rcp, now, len(cases)), rcp_kind_label=KIND_LABELS.get(rcp.kind, rcp.kind),
        scope=_scope(rcp), attendees=attendees,
        quorum=quorum_rule(rcp=rcp, present_specialties=[specialty for _pro, specialty in attendance]),
        cases=cases, can_manage=actor.role in EDITOR_ROLES or member is not None,
        can_decide=is_physician_member, is_coordinator=bool(member and member.is_coordinator),
    )


def set_attendance(db: Session, *, actor: Actor, session_public_id: str, professional_public_id: str, present: bool) -> QuorumStatus:
    loaded = _load_session(db, session_public_id)
    if loaded is None:
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="séance RCP inconnue")
    session, rcp = loaded
    _require_session_staff(db, actor=actor, rcp=rcp, action=AuditAction.UPDATE)
    if session.status in (RcpSessionStatus.CLOSED, RcpSessionStatus.CANCELLED):
        raise ValidationFailed({"attendance": "La séance est close : la feuille de présence ne peut plus changer."})
    pro = db.exec(select(Professional).where(Professional.public_id == str(professional_public_id)[:32])).first()
    if pro is None or db.get(RcpMember, (rcp.id, pro.id)) is None:
        raise ValidationFailed({"attendance": "Seuls les membres de la RCP figurent sur la feuille de présence."})
    row = db.exec(select(RcpAttendance).where(RcpAttendance.session_id == session.id, RcpAttendance.professional_id == pro.id)).first()
    if present and row is None:
        db.add(RcpAttendance(session_id=session.id, professional_id=pro.id, specialty_code=pro.specialty_code,
                             recorded_by_account_id=actor.account_id))
    elif not present and row is not None:
        db.delete(row)
    db.flush()
    audit.record(db, actor=actor, action=AuditAction.UPDATE,
                 detail=f"présence RCP {rcp.national_id} : {pro.rpps} {'présent' if present else 'absent'}")
    return session_quorum(db, session=session)


# --------------------------------------------------------------------------------------------------- decision


@dataclass(frozen=True)
class ProposalItem:
    type_code: str
    type_label: str
    intention: str  # first | alternative
    detail: str


@dataclass(frozen=True)
class CaseDecision:
    case: CaseRow
    rcp_public_id: str
    rcp_name: str
    session_date: str
    summary: str
    checklist: list[ChecklistItem]
    status: str
    proposal: list[ProposalItem]
    guideline: str
    trial_proposed: bool
    trial_detail: str
    additional_exams: str
    comment: str
    quorum: QuorumStatus
    quorum_reached: bool | None
    decision_version: int
    decided: bool
    document_public_id: str
    document_version: int
    signed_at: str
    signed_by: str
    can_decide: bool
    is_coordinator: bool


def treatment_types() -> list[tuple[str, str]]:
    return [(c.code, c.display[:1].upper() + c.display[1:]) for c in terminology.load(TREATMENT_TYPES).concepts]


def case_decision(db: Session, *, actor: Actor, case_public_id: str, now: datetime | None = None) -> CaseDecision:
    loaded = _load_case(db, case_public_id)
    if loaded is None:
        raise access.deny(db, actor=actor, action=AuditAction.READ, detail="inscription RCP inconnue")
    case, session, rcp = loaded
    patient = db.get(Patient, case.patient_id)
    access.require_patient(db, actor=actor, patient_public_id=patient.public_id, action=AuditAction.READ,
                           detail=f"dossier présenté en RCP {rcp.national_id}", now=now)
    member = _is_member(db, rcp_id=rcp.id, professional_id=actor.professional_id)
    document = db.get(Document, case.document_id) if case.document_id else None
    signed_at, signed_by = "", ""
    if document is not None:
        version = documents.version_row(db, document=document)
        signed_at = formatting.datetime_fr(version.signed_at)
        author = db.get(Professional, version.author_professional_id) if version.author_professional_id else None
        signed_by = professional_label(author) if author else ""
    is_phys = actor.professional_id is not None and is_physician(db.get(Professional, actor.professional_id).specialty_code)
    return CaseDecision(
        case=_case_row(db, case, session, rcp, patient), rcp_public_id=rcp.public_id, rcp_name=rcp.name,
        session_date=formatting.datetime_fr(session.starts_at), summary=case.summary,
        checklist=checklist(db, patient=patient, declared=json.loads(case.checklist_json or "{}")),
        status=case.status, proposal=proposal_items(case), guideline=case.guideline, trial_proposed=case.trial_proposed,
        trial_detail=case.trial_detail, additional_exams=case.additional_exams, comment=case.comment,
        quorum=session_quorum(db, session=session), quorum_reached=case.quorum_reached,
        decision_version=case.decision_version, decided=case.decided_at is not None,
        document_public_id=document.public_id if document else "", document_version=document.current_version if document else 0,
        signed_at=signed_at, signed_by=signed_by, can_decide=bool(member) and is_phys,
        is_coordinator=bool(member and member.is_coordinator) and is_phys,
    )


def proposal_items(case: RcpCase) -> list[ProposalItem]:
    labels = dict(treatment_types())
    return [ProposalItem(item["type"], labels.get(item["type"], item["type"]), item["intention"], item.get("detail", ""))
            for item in json.loads(case.proposal_json or "[]")]


def save_decision(
    db: Session, *, actor: Actor, case_public_id: str, expected_version: int, status: str, proposal: list[dict],
    guideline: str = "", trial_proposed: bool = False, trial_detail: str = "", additional_exams: str = "",
    comment: str = "", now: datetime | None = None,
) -> int:
    """Record what the board decided for one case (draft until the coordinator signs). Returns the new version."""
    now = now or utcnow()
    loaded = _load_case(db, case_public_id)
    if loaded is None:
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="inscription RCP inconnue")
    case, session, rcp = loaded
    patient = db.get(Patient, case.patient_id)
    _, grant = access.require_patient(db, actor=actor, patient_public_id=patient.public_id, action=AuditAction.UPDATE,
                                      detail=f"décision RCP {rcp.national_id}", now=now)
    member = _is_member(db, rcp_id=rcp.id, professional_id=actor.professional_id)
    if member is None or not is_physician(db.get(Professional, actor.professional_id).specialty_code):
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id,
                          detail="décision RCP : réservé aux médecins membres")
    errors: dict[str, str] = {}
    if case.status == RcpCaseStatus.WITHDRAWN:
        errors["status"] = "Cette inscription a été retirée."
    if session.status not in (RcpSessionStatus.OPEN, RcpSessionStatus.CLOSED, RcpSessionStatus.PUBLISHED):
        errors["status"] = "La séance n'est pas ouverte."
    if status not in (RcpCaseStatus.RECORDED, RcpCaseStatus.DISCUSSED):
        errors["status"] = "Indiquez si le cas a été discuté ou seulement enregistré."
    valid_types = terminology.load(TREATMENT_TYPES).index
    items = []
    for index, item in enumerate(proposal or []):
        if not isinstance(item, dict):
            continue
        type_code = str(item.get("type", ""))
        if not type_code:
            continue
        if type_code not in valid_types:
            errors["proposal"] = "Type de traitement inconnu du jeu de valeurs FRCP."
            continue
        intention = item.get("intention") if item.get("intention") in INTENTIONS else "first"
        items.append({"type": type_code, "intention": intention, "detail": inputs.text(item.get("detail"), 1000)})
        if index > 20:
            break
    if not items:
        errors["proposal"] = "Indiquez au moins une proposition (type de traitement)."
    elif not any(item["intention"] == "first" for item in items):
        errors["proposal"] = "Indiquez la proposition de première intention."
    guideline = inputs.line(guideline, 300)
    if status == RcpCaseStatus.RECORDED and not guideline:
        errors["guideline"] = "Un cas enregistré sans discussion doit citer le référentiel qu'il suit."
    trial_detail, additional_exams, comment = inputs.text(trial_detail), inputs.text(additional_exams), inputs.text(comment)
    for key, value, limit in (("trial_detail", trial_detail, 300), ("additional_exams", additional_exams, 4000), ("comment", comment, 4000)):
        if len(value) > limit:
            errors[key] = f"Texte trop long ({limit} caractères au plus)."
    if errors:
        raise ValidationFailed(errors)
    updated = db.execute(RcpCase.__table__.update().where(
        RcpCase.__table__.c.id == case.id, RcpCase.__table__.c.decision_version == expected_version
    ).values(decision_version=expected_version + 1))
    if updated.rowcount != 1:
        raise StaleVersion()
    quorum = session_quorum(db, session=session)
    case.decision_version = expected_version + 1
    case.status = status
    case.proposal_json = json.dumps(items, ensure_ascii=False)
    case.guideline = guideline
    case.trial_proposed = bool(trial_proposed)
    case.trial_detail = trial_detail if trial_proposed else ""
    case.additional_exams = additional_exams
    case.comment = comment
    if status == RcpCaseStatus.DISCUSSED:
        case.quorum_reached = quorum.reached
        case.needs_representation = not quorum.reached
    else:
        case.quorum_reached = None
        case.needs_representation = False
    case.decided_at = now
    case.updated_at = now
    db.add(case)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id, grant=grant,
                 detail=f"décision RCP {rcp.national_id} ({status})")
    return case.decision_version
