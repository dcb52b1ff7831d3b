"""Reading the audit trail: the administrator's search and CSV export, and the patient's
"Qui a consulté mon dossier" (professionals' accesses to their own record, grouped by session).

Queries filter on one indexed column (patient, account, action or time) and order by time, so each page is an
index range scan; counts are capped so a broad search stays cheap on millions of events.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import bindparam, func
from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import (
    Account,
    AuditAction,
    AuditEvent,
    AuditOutcome,
    Grant,
    Organisation,
    Patient,
    Professional,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import identifiers, spreadsheet, terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.names import professional_label
from dcc_portal.services.common.paging import PAGE_SIZE, Page
from dcc_portal.services.common.storage import FilePayload
from dcc_portal.services.record import downloads

ACTION_LABELS = {
    AuditAction.CREATE: "Création",
    AuditAction.READ: "Consultation",
    AuditAction.UPDATE: "Modification",
    AuditAction.DELETE: "Suppression",
    AuditAction.PRINT: "Impression",
    AuditAction.EXPORT: "Export / téléchargement",
    AuditAction.SEARCH: "Recherche",
    AuditAction.LOGIN: "Connexion",
    AuditAction.LOGIN_FAILED: "Échec de connexion",
    AuditAction.LOGOUT: "Déconnexion",
    AuditAction.MFA_ENROL: "Activation du second facteur",
    AuditAction.MFA_RESET: "Réinitialisation du second facteur",
    AuditAction.RECOVERY_CODE_USED: "Code de secours utilisé",
    AuditAction.RECOVERY_CODES_REGENERATED: "Codes de secours régénérés",
    AuditAction.PASSWORD_CHANGE: "Changement de mot de passe",
    AuditAction.SESSION_END: "Session fermée",
    AuditAction.CHARTER_ACCEPT: "Charte acceptée",
    AuditAction.ACCOUNT_CREATE: "Création de compte",
    AuditAction.ACCOUNT_DISABLE: "Désactivation de compte",
    AuditAction.ACCOUNT_ENABLE: "Réactivation de compte",
    AuditAction.ACCOUNT_UNLOCK: "Déverrouillage de compte",
    AuditAction.AREA_ACCESS: "Accès à un espace",
    AuditAction.EMERGENCY_ACCESS: "Accès en urgence",
    AuditAction.ADMIN: "Administration",
    AuditAction.HL7_RECEIVE: "Réception HL7",
    AuditAction.MSS_SEND: "Envoi par messagerie sécurisée",
    AuditAction.IDENTITY_VIGILANCE: "Identitovigilance",
}
OUTCOME_LABELS = {AuditOutcome.SUCCESS: "Réussi", AuditOutcome.DENIED: "Refusé", AuditOutcome.ERROR: "Erreur"}
GRANT_LABELS = {
    Grant.SELF: "Le patient lui-même",
    Grant.CARE_TEAM: "Équipe de soins",
    Grant.MEDECIN_TRAITANT: "Médecin traitant",
    Grant.RCP: "RCP",
    Grant.EMERGENCY: "Accès en urgence",
    Grant.ADMIN: "Administration du réseau",
}
ROLE_LABELS = {
    Role.PATIENT: "Patient",
    Role.GP: "Médecin généraliste",
    Role.CLINICIAN: "Médecin hospitalier",
    Role.NURSE: "Infirmier(ère)",
    Role.RCP_SECRETARY: "Secrétariat RCP (3C)",
    Role.ADMIN: "Administrateur du réseau",
}

ADMIN_PAGE_SIZE = 50
COUNT_CAP = 10_000  # results beyond are not paged through: the administrator narrows the search
EXPORT_CAP = 100_000


# --- Administrator: search and export ---------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    patient: str = ""  # INS or local id
    user: str = ""  # account identifier
    action: str = ""
    outcome: str = ""
    date_from: str = ""  # ISO dates, Paris calendar days, both inclusive
    date_to: str = ""


# How each filter of `_Resolved` compares: one indexed column each.
_CONDITIONS = {
    "patient_id": lambda value: AuditEvent.patient_id == value,
    "account_id": lambda value: AuditEvent.account_id == value,
    "action": lambda value: AuditEvent.action == value,
    "outcome": lambda value: AuditEvent.outcome == value,
    "start": lambda value: AuditEvent.at >= value,
    "end": lambda value: AuditEvent.at < value,
}


@dataclass(frozen=True)
class _Resolved:
    patient_id: int | None = None
    account_id: int | None = None
    action: str = ""
    outcome: str = ""
    start: datetime | None = None  # UTC, inclusive
    end: datetime | None = None  # UTC, exclusive
    day_from: date | None = None
    day_to: date | None = None

    def filters(self) -> dict:
        """The filters in use and their values, by name (keys of `_CONDITIONS`)."""
        return {name: getattr(self, name) for name in _CONDITIONS if getattr(self, name) not in (None, "")}

    def conditions(self) -> list:
        return [_CONDITIONS[name](value) for name, value in self.filters().items()]

    def ticket(self) -> tuple[str, str]:
        """(target, variant) of a download ticket: ids and codes only, at most 64 and 20 characters."""
        target = ".".join([
            f"p{self.patient_id or ''}", f"u{self.account_id or ''}", f"a{self.action}", f"o{self.outcome}",
        ])
        variant = "-".join(day.strftime("%Y%m%d") if day else "" for day in (self.day_from, self.day_to))
        return target, variant

    @classmethod
    def from_ticket(cls, target: str, variant: str) -> _Resolved:
        parts = dict((part[:1], part[1:]) for part in target.split(".") if part)
        days = [datetime.strptime(text, "%Y%m%d").date() if text else None for text in (variant.split("-") + ["", ""])[:2]]
        action, outcome = parts.get("a", ""), parts.get("o", "")
        if action and action not in ACTION_LABELS or outcome and outcome not in OUTCOME_LABELS:
            raise ValueError("bad audit export ticket")
        return cls(
            patient_id=int(parts["p"]) if parts.get("p") else None,
            account_id=int(parts["u"]) if parts.get("u") else None,
            action=action, outcome=outcome,
            start=paris_midnight(days[0]) if days[0] else None,
            end=paris_midnight(days[1] + timedelta(days=1)) if days[1] else None,
            day_from=days[0], day_to=days[1],
        )


def paris_midnight(day: date) -> datetime:
    """The UTC instant a Paris calendar day starts (23:00 or 22:00 UTC the day before)."""
    return datetime.combine(day, time(0), tzinfo=formatting.PARIS).astimezone(UTC)


def _parse_day(value: str, name: str, errors: dict[str, str]) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        errors[name] = "Date invalide (format attendu : JJ/MM/AAAA)."
        return None
    if not date(2000, 1, 1) <= day <= date(2099, 12, 31):
        errors[name] = "Date hors des limites acceptées (2000 à 2099)."
        return None
    return day


_PATIENT_BY_INS = select(Patient.id).where(Patient.ins == bindparam("key"))
_PATIENT_BY_LOCAL_ID = select(Patient.id).where(Patient.local_id == bindparam("key"))
_ACCOUNT_BY_IDENTIFIER = select(Account.id).where(Account.identifier == bindparam("key"))


def _resolve(db: Session, filters: AuditFilters) -> _Resolved:
    errors: dict[str, str] = {}
    patient_id = account_id = None
    key = str(filters.patient or "").strip()[:40]
    if key:
        ins = identifiers.normalize_ins(key)
        by_ins = len(ins) == 15 and ins[:5].isdigit()
        patient_id = db.execute(_PATIENT_BY_INS if by_ins else _PATIENT_BY_LOCAL_ID, {"key": ins if by_ins else key}).scalar()
        if patient_id is None:
            errors["patient"] = "Aucun patient avec cet INS ou cet identifiant local."
    user = str(filters.user or "").strip().lower()[:120]
    if user:
        account_id = db.execute(_ACCOUNT_BY_IDENTIFIER, {"key": user}).scalar()
        if account_id is None:
            errors["user"] = "Aucun compte avec cet identifiant."
    action = str(filters.action or "")
    if action and action not in ACTION_LABELS:
        errors["action"] = "Choisissez une action dans la liste."
    outcome = str(filters.outcome or "")
    if outcome and outcome not in OUTCOME_LABELS:
        errors["outcome"] = "Choisissez un résultat dans la liste."
    day_from = _parse_day(str(filters.date_from or ""), "date_from", errors)
    day_to = _parse_day(str(filters.date_to or ""), "date_to", errors)
    if day_from and day_to and day_to < day_from:
        errors["date_to"] = "La date de fin précède la date de début."
    if errors:
        raise ValidationFailed(errors)
    return _Resolved(
        patient_id=patient_id, account_id=account_id, action=action, outcome=outcome,
        start=paris_midnight(day_from) if day_from else None,
        end=paris_midnight(day_to + timedelta(days=1)) if day_to else None,
        day_from=day_from, day_to=day_to,
    )


def _summary(filters: _Resolved) -> str:
    parts = []
    if filters.patient_id is not None:
        parts.append(f"patient n° {filters.patient_id}")
    if filters.account_id is not None:
        parts.append(f"compte n° {filters.account_id}")
    if filters.action:
        parts.append(f"action {filters.action}")
    if filters.outcome:
        parts.append(f"résultat {filters.outcome}")
    if filters.day_from or filters.day_to:
        parts.append(f"du {formatting.date_fr(filters.day_from) or '…'} au {formatting.date_fr(filters.day_to) or '…'}")
    return ", ".join(parts) or "sans filtre"


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: str
    user: str
    role: str
    organisation: str
    action: str
    outcome: str
    patient: str
    document: str
    grant: str
    justification: str
    detail: str
    client_ip: str
    denied: bool
    emergency: bool


@dataclass(frozen=True)
class AuditPage(Page):
    capped: bool = False  # more results than COUNT_CAP: only the first ones can be paged through


@functools.cache
def _search_statements(used: tuple[str, ...]):
    """The count and the named page of a search using these filters, with bound values: built once per set of
    filters (at most 64), not once per search."""
    where = [_CONDITIONS[name](bindparam(name)) for name in used]
    count = select(func.count()).select_from(select(AuditEvent.id).where(*where).limit(bindparam("cap")).subquery())
    return count, _named(_page_statement(where, offset=bindparam("offset")), newest_first=True)


def _named(events, *, newest_first: bool):
    """`events` (a statement over audit_event, ordered and limited) with the account, organisation and patient the
    screens name, in one statement and the same order."""
    page = events.subquery()
    order = (page.c.at.desc(), page.c.id.desc()) if newest_first else (page.c.at, page.c.id)
    return (
        select(page, Account.identifier.label("account_identifier"), Organisation.name.label("organisation_name"),
               Patient.local_id.label("patient_local_id"))
        .select_from(page)
        .outerjoin(Account, Account.id == page.c.account_id)
        .outerjoin(Organisation, Organisation.id == page.c.organisation_id)
        .outerjoin(Patient, Patient.id == page.c.patient_id)
        .order_by(*order)
    )


def _admin_row(event) -> AuditRow:
    return AuditRow(
        seq=event.seq,
        at=formatting.to_paris(event.at).strftime("%d/%m/%Y %H:%M:%S"),
        user=event.account_identifier or "",
        role=ROLE_LABELS.get(event.actor_role, event.actor_role),
        organisation=event.organisation_name or "",
        action=ACTION_LABELS.get(event.action, event.action),
        outcome=OUTCOME_LABELS.get(event.outcome, event.outcome),
        patient=event.patient_local_id or "",
        document=event.document_id + (f" v{event.document_version}" if event.document_version else ""),
        grant=GRANT_LABELS.get(event.grant, event.grant),
        justification=event.justification,
        detail=event.detail,
        client_ip=event.client_ip,
        denied=event.outcome == AuditOutcome.DENIED,
        emergency=event.grant == Grant.EMERGENCY,
    )


def _page_statement(where: list, *, offset):
    return (
        select(AuditEvent).where(*where).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset(offset).limit(ADMIN_PAGE_SIZE)
    )


def search(db: Session, *, actor: Actor, filters: AuditFilters, page: int = 1) -> AuditPage:
    """Newest first, 50 a page (audited as an administrative action)."""
    access.require_role(db, actor=actor, roles={Role.ADMIN}, action=AuditAction.ADMIN, detail="journal d'audit")
    resolved = _resolve(db, filters)
    values = resolved.filters()
    count, page_of_events = _search_statements(tuple(values))
    total = db.execute(count, {**values, "cap": COUNT_CAP + 1}).scalar_one()
    max_page = max(1, -(-min(total, COUNT_CAP) // ADMIN_PAGE_SIZE))
    page = max(1, min(int(page or 1), max_page))
    events = db.execute(page_of_events, {**values, "offset": (page - 1) * ADMIN_PAGE_SIZE}).all()
    audit.record(db, actor=actor, action=AuditAction.ADMIN, detail=f"journal d'audit : recherche ({_summary(resolved)}), page {page}")
    return AuditPage(
        items=[_admin_row(event) for event in events],
        page=page, page_size=ADMIN_PAGE_SIZE, total=min(total, COUNT_CAP), capped=total > COUNT_CAP,
    )


def issue_export(db: Session, *, actor: Actor, filters: AuditFilters) -> str:
    """A single-use download URL for the CSV of the events matching the filters."""
    access.require_role(db, actor=actor, roles={Role.ADMIN}, action=AuditAction.EXPORT, detail="export du journal d'audit")
    resolved = _resolve(db, filters)
    values = resolved.filters()
    count, _page = _search_statements(tuple(values))
    if db.execute(count, {**values, "cap": EXPORT_CAP + 1}).scalar_one() > EXPORT_CAP:
        raise ValidationFailed({"export": f"Plus de {EXPORT_CAP:,} événements : affinez les filtres avant d'exporter.".replace(",", " ")})
    target, variant = resolved.ticket()
    return downloads.issue(db, actor=actor, producer="audit_csv", target=target, variant=variant)


CSV_COLUMNS = [
    "n°", "horodatage (UTC)", "horodatage (Paris)", "compte", "rôle", "organisation", "action", "résultat",
    "patient (identifiant local)", "document", "version", "motif d'accès", "justification", "détail", "adresse IP",
    "session", "empreinte", "empreinte précédente",
]


def produce_csv(db: Session, *, actor: Actor, target: str, variant: str = "") -> FilePayload:
    """The download-ticket producer: checks the role again, writes the CSV, audits the export."""
    access.require_role(db, actor=actor, roles={Role.ADMIN}, action=AuditAction.EXPORT, detail="export du journal d'audit")
    try:
        resolved = _Resolved.from_ticket(target, variant)
    except ValueError:
        raise access.deny(db, actor=actor, action=AuditAction.EXPORT, detail="export du journal d'audit : ticket invalide") from None
    events = db.execute(_named(
        select(AuditEvent).where(*resolved.conditions()).order_by(AuditEvent.at, AuditEvent.id).limit(EXPORT_CAP),
        newest_first=False,
    )).all()
    rows = [CSV_COLUMNS]
    for event in events:
        rows.append((
            event.seq, event.at.astimezone(UTC).isoformat(timespec="microseconds"),
            formatting.to_paris(event.at).isoformat(timespec="seconds"),
            event.account_identifier or "", event.actor_role, event.organisation_name or "", event.action,
            event.outcome, event.patient_local_id or "", event.document_id, event.document_version or "",
            event.grant, event.justification, event.detail, event.client_ip, event.session_hash, event.hash, event.prev_hash,
        ))
    audit.record(db, actor=actor, action=AuditAction.EXPORT,
                 detail=f"export CSV du journal d'audit : {len(events)} événement(s) ({_summary(resolved)})")
    stamp = formatting.to_paris(utcnow()).strftime("%Y%m%d-%H%M")
    return FilePayload(spreadsheet.csv_bytes(rows), "text/csv; charset=utf-8", f"journal-audit-{stamp}.csv")


# --- Patient: who accessed my record ------------------------------------------------------------------------

# What a patient is shown: professionals' accesses, not the patient's own actions nor refused attempts.
PATIENT_VISIBLE_ROLES = tuple(role.value for role in Role if role != Role.PATIENT)
PATIENT_VISIBLE_ACTIONS = (
    AuditAction.READ, AuditAction.CREATE, AuditAction.UPDATE, AuditAction.PRINT, AuditAction.EXPORT,
    AuditAction.SEARCH, AuditAction.EMERGENCY_ACCESS, AuditAction.MSS_SEND,
)
PURPOSE_LABELS = {
    AuditAction.READ: "Consultation du dossier",
    AuditAction.CREATE: "Ajout au dossier",
    AuditAction.UPDATE: "Mise à jour du dossier",
    AuditAction.PRINT: "Impression",
    AuditAction.EXPORT: "Téléchargement d'un document",
    AuditAction.SEARCH: "Votre identité affichée dans une recherche",
    AuditAction.EMERGENCY_ACCESS: "Ouverture d'un accès en urgence",
    AuditAction.MSS_SEND: "Document adressé à un professionnel par messagerie sécurisée",
}
PATIENT_GRANT_LABELS = {
    Grant.CARE_TEAM: "en tant que membre de votre équipe de soins",
    Grant.MEDECIN_TRAITANT: "en tant que médecin traitant",
    Grant.RCP: "pour la réunion de concertation (RCP)",
    Grant.EMERGENCY: "en urgence, hors de votre équipe de soins",
    Grant.ADMIN: "pour la gestion administrative de votre équipe de soins",
}


@dataclass(frozen=True)
class AccessLogRow:
    when: str  # Paris time, "12/03/2026 09:14" or "12/03/2026 09:14 – 09:32"
    who: str
    role: str
    organisation: str
    purpose: str
    grant: str
    emergency: bool
    reason: str


def access_log(db: Session, *, actor: Actor, page: int = 1, now: datetime | None = None) -> Page:
    """The patient's own record only: one line per professional, login session, purpose and grant; newest first."""
    if actor.role != Role.PATIENT or actor.patient_id is None:
        raise access.deny(db, actor=actor, action=AuditAction.READ, detail="historique des accès")
    patient = db.get(Patient, actor.patient_id)
    access.require_patient(db, actor=actor, patient_public_id=patient.public_id, action=AuditAction.READ,
                           detail="historique des accès", now=now)
    last = func.max(AuditEvent.at).label("last")
    grouped = (
        select(
            AuditEvent.account_id, AuditEvent.actor_role, AuditEvent.session_hash, AuditEvent.action, AuditEvent.grant,
            func.min(AuditEvent.at).label("first"), last,
            func.max(AuditEvent.justification).label("reason"), func.max(AuditEvent.organisation_id).label("org"),
        )
        .where(
            AuditEvent.patient_id == patient.id,
            AuditEvent.outcome == AuditOutcome.SUCCESS,
            AuditEvent.actor_role.in_(PATIENT_VISIBLE_ROLES),
            AuditEvent.action.in_(PATIENT_VISIBLE_ACTIONS),
        )
        .group_by(AuditEvent.account_id, AuditEvent.actor_role, AuditEvent.session_hash, AuditEvent.action, AuditEvent.grant)
    )
    total = db.exec(select(func.count()).select_from(grouped.subquery())).one()
    page = max(1, min(int(page or 1), max(1, -(-total // PAGE_SIZE))))
    groups = db.exec(grouped.order_by(last.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    account_ids = {g.account_id for g in groups if g.account_id}
    pros = dict(db.exec(
        select(Account.id, Professional).join(Professional, Professional.id == Account.professional_id).where(Account.id.in_(account_ids))
    ).all()) if account_ids else {}
    org_ids = {g.org for g in groups if g.org}
    orgs = dict(db.exec(select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))).all()) if org_ids else {}
    items = []
    for g in groups:
        pro = pros.get(g.account_id)
        first, last_at = formatting.datetime_fr(g.first), formatting.datetime_fr(g.last)
        when = first if first == last_at else (
            f"{first} – {last_at[11:]}" if first[:10] == last_at[:10] else f"{first} – {last_at}")
        role = ROLE_LABELS.get(g.actor_role, g.actor_role)
        if pro is not None and g.actor_role != Role.ADMIN:
            role = f"{role} · {terminology.specialty_label(pro.specialty_code)}"
        items.append(AccessLogRow(
            when=when,
            who=professional_label(pro) if pro is not None else ROLE_LABELS.get(g.actor_role, ""),
            role=role,
            organisation=orgs.get(g.org, ""),
            purpose=PURPOSE_LABELS.get(g.action, g.action),
            grant=PATIENT_GRANT_LABELS.get(g.grant, ""),
            emergency=g.grant == Grant.EMERGENCY,
            reason=g.reason if g.grant == Grant.EMERGENCY else "",
        ))
    return Page(items=items, page=page, page_size=PAGE_SIZE, total=total)
