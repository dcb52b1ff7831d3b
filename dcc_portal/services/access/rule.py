"""The one place that decides who may see or change what, from the database at the time of the event.

Rule (security.md, domain.md), spelled out in `grant_for`:
- a patient sees their own record only;
- a professional sees a patient through an active care-team membership, being the declared médecin traitant,
  membership or the secretariat of an RCP where the patient has a case registered (not withdrawn), or an emergency access (bris de
  glace) still running, and only after accepting the current user charter;
  the patient's opposition removes every access except the care team's;
- the administrator manages accounts and teams but sees no clinical content;
- a document the patient did not agree to share with their médecin traitant (the PPS until consent is recorded
  as given) is not shown to that doctor, whatever the grant;
- every decision on patient data is audited, with the grant that allowed it or as a denial.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, event, not_, or_, true, union_all
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    AuditOutcome,
    CareTeamMembership,
    Document,
    DocumentRead,
    DocumentStatus,
    DownloadTicket,
    EmergencyAccess,
    Grant,
    Notification,
    Patient,
    PatientOpposition,
    PatientVisit,
    RcpCase,
    RcpCaseGuest,
    RcpCaseStatus,
    RcpMember,
    RcpSecretariat,
    RcpSession,
    RcpSessionStatus,
    ReleaseMode,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit, charter
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import AccessDenied


def active_membership_clause(today: date):
    return (
        (CareTeamMembership.start_date <= today)
        & (CareTeamMembership.end_date.is_(None) | (CareTeamMembership.end_date >= today))
        & CareTeamMembership.removed_at.is_(None)
    )


def team_patient_ids(professional_id, today):
    """The ids of the patients whose care team this professional belongs to today (values or bound parameters)."""
    return select(CareTeamMembership.patient_id).where(
        CareTeamMembership.professional_id == professional_id, active_membership_clause(today)
    )


# Decisions prepared for a whole list of patients (`prefetch`), valid for the rest of the transaction only.
_PREFETCHED = "dcc_access_prefetched"


# Patients found and grants decided in this transaction (the loaders of a patient's page each check the same
# patient): forgotten when it ends, and at any write in it, which may change the answer, except the writes of a page
# that only reads a record (its visit, documents read, notifications read, download tickets): no decision or patient
# row depends on those tables.
_DECIDED = "dcc_access_decided"
_NEUTRAL_WRITES = (PatientVisit, DocumentRead, Notification, DownloadTicket)
_NEUTRAL_TABLES = frozenset(model.__tablename__ for model in _NEUTRAL_WRITES)


def _may_change_access(db: OrmSession) -> bool:
    """Whether the session's unflushed changes (or, after a flush, the ones just flushed) touch a table other than
    the neutral ones."""
    return any(not isinstance(row, _NEUTRAL_WRITES) for row in (*db.new, *db.dirty, *db.deleted))


@event.listens_for(OrmSession, "after_transaction_end")
def _forget(db: OrmSession, transaction) -> None:
    if transaction.parent is None:
        db.info.pop(_PREFETCHED, None)
        db.info.pop(_DECIDED, None)


def _decided(db: Session) -> dict:
    if _may_change_access(db):  # changes not flushed yet
        db.info.pop(_DECIDED, None)
    return db.info.setdefault(_DECIDED, {})


@event.listens_for(OrmSession, "after_flush")
def _forget_decided_after_flush(db: OrmSession, flush_context) -> None:
    if _may_change_access(db):  # still the flushed changes, at this point
        db.info.pop(_DECIDED, None)


@event.listens_for(OrmSession, "do_orm_execute")
def _forget_decided_before_write(execute_state) -> None:
    if execute_state.is_select:
        return
    table = getattr(execute_state.statement, "table", None)
    if getattr(table, "name", None) not in _NEUTRAL_TABLES:
        execute_state.session.info.pop(_DECIDED, None)


def prefetch(db: Session, *, actor: Actor, patient_ids: Iterable[int], now: datetime | None = None) -> None:
    """Look up, in three queries, what `grant_for` needs about many patients (care-team membership, opposition,
    RCP membership) before a screen checks each of them: an RCP agenda or a list does not pay a round of queries
    per patient. The rule itself is unchanged and still applied patient by patient."""
    if actor.professional_id is None:
        return
    ids = set(patient_ids)
    if not ids:
        return
    today = formatting.paris_today(now)
    pro = actor.professional_id
    values = {"professional_id": pro, "patient_ids": sorted(ids), "today": today}
    team, opposed, rcp = (set(db.exec(statement, params=values).all()) for statement in _PREFETCH)
    db.info[_PREFETCHED] = {"professional": pro, "today": today, "ids": ids, "team": team, "opposed": opposed, "rcp": rcp}


def _prefetched(db: Session, professional_id: int, patient_id: int, key: str, today: date | None = None) -> bool | None:
    known = db.info.get(_PREFETCHED)
    if known is None or known["professional"] != professional_id or patient_id not in known["ids"]:
        return None
    if today is not None and known["today"] != today:
        return None
    return patient_id in known[key]


# The access checks run at every event on a patient: their statements are built once, with bound parameters.
_TEAM_MEMBER = dbmod.Read(select(CareTeamMembership.id).where(
    CareTeamMembership.professional_id == bindparam("professional_id"),
    CareTeamMembership.patient_id == bindparam("patient_id"),
    active_membership_clause(bindparam("today")),
))
_OPPOSED = dbmod.Read(select(PatientOpposition.id).where(
    PatientOpposition.patient_id == bindparam("patient_id"),
    PatientOpposition.professional_id == bindparam("professional_id"),
    PatientOpposition.withdrawn_at.is_(None),
))
# The RCPs a professional sits in (member) or runs (secretariat).
_BOARDS_OF = union_all(
    select(RcpMember.rcp_id).where(RcpMember.professional_id == bindparam("professional_id")),
    select(RcpSecretariat.rcp_id).where(RcpSecretariat.professional_id == bindparam("professional_id")),
).scalar_subquery()
_RCP_MEMBER = dbmod.Read(
    select(RcpCase.id)
    .join(RcpSession, RcpSession.id == RcpCase.session_id)
    .where(
        RcpCase.patient_id == bindparam("patient_id"),
        RcpCase.status != RcpCaseStatus.WITHDRAWN,
        RcpSession.rcp_id.in_(_BOARDS_OF),
    )
)
# A guest invited for one case of this patient, while its sitting is open.
_RCP_GUEST = dbmod.Read(
    select(RcpCaseGuest.case_id)
    .join(RcpCase, RcpCase.id == RcpCaseGuest.case_id)
    .join(RcpSession, RcpSession.id == RcpCase.session_id)
    .where(
        RcpCaseGuest.professional_id == bindparam("professional_id"),
        RcpCase.patient_id == bindparam("patient_id"),
        RcpCase.status != RcpCaseStatus.WITHDRAWN,
        RcpSession.status == RcpSessionStatus.OPEN,
    )
)
# What `prefetch` reads about a list of patients (`patient_ids`): care team, opposition, RCP membership.
_AMONG = bindparam("patient_ids", expanding=True)
_PREFETCH = (
    select(CareTeamMembership.patient_id).where(
        CareTeamMembership.professional_id == bindparam("professional_id"), CareTeamMembership.patient_id.in_(_AMONG),
        active_membership_clause(bindparam("today"))),
    select(PatientOpposition.patient_id).where(
        PatientOpposition.professional_id == bindparam("professional_id"), PatientOpposition.patient_id.in_(_AMONG),
        PatientOpposition.withdrawn_at.is_(None)),
    select(RcpCase.patient_id).distinct().join(RcpSession, RcpSession.id == RcpCase.session_id)
    .where(RcpCase.patient_id.in_(_AMONG), RcpCase.status != RcpCaseStatus.WITHDRAWN, RcpSession.rcp_id.in_(_BOARDS_OF)),
)
_PATIENT_BY_PUBLIC_ID = select(Patient).where(Patient.public_id == bindparam("public_id"))
_DOCUMENT_BY_PUBLIC_ID = (
    select(Document, Patient).join(Patient, Patient.id == Document.patient_id)
    .where(Document.public_id == bindparam("public_id"))
)


def is_team_member(db: Session, *, professional_id: int, patient_id: int, today: date) -> bool:
    known = _prefetched(db, professional_id, patient_id, "team", today)
    if known is not None:
        return known
    params = {"professional_id": professional_id, "patient_id": patient_id, "today": today}
    return _TEAM_MEMBER.first(db, params) is not None


def is_opposed(db: Session, *, professional_id: int, patient_id: int) -> bool:
    """The patient objects to this professional's access (opposition recorded and not withdrawn)."""
    known = _prefetched(db, professional_id, patient_id, "opposed")
    if known is not None:
        return known
    return _OPPOSED.first(db, {"professional_id": professional_id, "patient_id": patient_id}) is not None


EMERGENCY_DURATION = timedelta(hours=4)


def active_emergency(db: Session, *, professional_id: int, patient_id: int, now: datetime) -> EmergencyAccess | None:
    """The running emergency access of this professional to this patient (started <= now < expires), if any."""
    return db.exec(
        select(EmergencyAccess)
        .where(
            EmergencyAccess.professional_id == professional_id,
            EmergencyAccess.patient_id == patient_id,
            EmergencyAccess.expires_at > now,
            EmergencyAccess.started_at <= now,
        )
        .order_by(EmergencyAccess.expires_at.desc())
    ).first()


GrantRule = Callable[[Session, Actor, Patient, datetime], "Grant | None"]


def _medecin_traitant(db: Session, actor: Actor, patient: Patient, now: datetime) -> Grant | None:
    return Grant.MEDECIN_TRAITANT if patient.gp_professional_id == actor.professional_id else None


def _emergency(db: Session, actor: Actor, patient: Patient, now: datetime) -> Grant | None:
    found = active_emergency(db, professional_id=actor.professional_id, patient_id=patient.id, now=now)
    return Grant.EMERGENCY if found is not None else None


# Grants held outside the care team, tried in order; the patient's opposition removes all of them. A new way in
# (membership of the RCP a case is registered in...) is added here, before the emergency access, the last resort.
def _rcp(db: Session, actor: Actor, patient: Patient, now: datetime) -> Grant | None:
    return Grant.RCP if is_rcp_member_for(db, professional_id=actor.professional_id, patient_id=patient.id) else None


def _rcp_guest(db: Session, actor: Actor, patient: Patient, now: datetime) -> Grant | None:
    params = {"professional_id": actor.professional_id, "patient_id": patient.id}
    return Grant.RCP if _RCP_GUEST.first(db, params) is not None else None


OUTSIDE_TEAM_GRANTS: list[GrantRule] = [_medecin_traitant, _rcp, _rcp_guest, _emergency]


def grant_for(db: Session, *, actor: Actor, patient: Patient, now: datetime | None = None) -> Grant | None:
    """Why the actor may access this patient's record now, or None.

    The rule; the first step that decides wins:
    1. A patient: SELF on their own record, nothing on any other.
    2. Only the care roles (gp, clinician, nurse, rcp_secretary) with a directory entry can hold clinical access;
       the administrator holds none here (team management has its own, administrative, path).
    3. A professional who has not accepted the current user charter: nothing.
    4. A care-team membership active today in Paris (start <= today <= planned end, not removed): CARE_TEAM.
       The patient cannot object to the team treating them now.
    5. The patient objects to this professional (opposition not withdrawn): nothing more.
    6. Declared médecin traitant: MEDECIN_TRAITANT.
    7. Member or secretariat of an RCP in which the patient has a case registered and not withdrawn: RCP; so is a
       guest invited for that case, while its sitting is open.
    8. An emergency access of this professional, started and not expired (4 hours): EMERGENCY.
    Otherwise nothing.
    """
    at = now or utcnow()
    by_day, by_instant = (actor, patient.id, formatting.paris_today(at)), (actor, patient.id, now)
    decided = _decided(db)
    grant = decided.get(by_day) or decided.get(by_instant)
    if grant is None:
        grant = _grant(db, actor=actor, patient=patient, now=at)
        if grant is not None:
            # Every way in but the emergency access holds for the whole Paris day (team memberships are by date),
            # so the services of one page, each with its own `now`, share the decision.
            _decided(db)[by_instant if grant == Grant.EMERGENCY else by_day] = grant
    return grant


def _grant(db: Session, *, actor: Actor, patient: Patient, now: datetime) -> Grant | None:
    if actor.role == Role.PATIENT:
        return Grant.SELF if actor.patient_id is not None and actor.patient_id == patient.id else None
    if not actor.role.is_care_professional or actor.professional_id is None:
        return None
    if charter.needs_acceptance(db, account_id=actor.account_id):
        return None
    if is_team_member(db, professional_id=actor.professional_id, patient_id=patient.id, today=formatting.paris_today(now)):
        return Grant.CARE_TEAM
    if is_opposed(db, professional_id=actor.professional_id, patient_id=patient.id):
        return None
    for rule in OUTSIDE_TEAM_GRANTS:
        grant = rule(db, actor, patient, now)
        if grant is not None:
            return grant
    return None


def justification_for(db: Session, *, actor: Actor, patient: Patient, grant: Grant | None, now: datetime | None = None) -> str:
    """What the audit records next to the grant: the reason given for an emergency access."""
    if grant != Grant.EMERGENCY or actor.professional_id is None:
        return ""
    found = active_emergency(db, professional_id=actor.professional_id, patient_id=patient.id, now=now or utcnow())
    return found.reason if found is not None else ""


def is_rcp_member_for(db: Session, *, professional_id: int, patient_id: int) -> bool:
    """Member or secretariat of an RCP in which this patient has a case registered and not withdrawn."""
    known = _prefetched(db, professional_id, patient_id, "rcp")
    if known is not None:
        return known
    return _RCP_MEMBER.first(db, {"professional_id": professional_id, "patient_id": patient_id}) is not None


def deny(db: Session, *, actor: Actor | None, action: str, patient_id: int | None = None, detail: str = "") -> AccessDenied:
    """Audit a denial and keep it, and keep nothing the caller wrote before it.

    In a unit of work opened by `db.transaction`, the caller's transaction is rolled back (its writes and the audit
    events it staged with them) and the denial is committed in a transaction of its own. A session opened by hand
    (tests, scripts) owns its transaction: the denial is committed with it."""
    if dbmod.is_unit_of_work(db):
        db.rollback()
    audit.record(db, actor=actor, action=action, outcome=AuditOutcome.DENIED, patient_id=patient_id, detail=detail)
    db.commit()
    return AccessDenied()


def require_patient(
    db: Session,
    *,
    actor: Actor,
    patient_public_id: str,
    action: str = AuditAction.READ,
    document_id: str = "",
    document_version: int | None = None,
    detail: str = "",
    now: datetime | None = None,
) -> tuple[Patient, Grant]:
    """The patient and the grant, with the access audited; AccessDenied (audited) otherwise.

    An unknown id and a forbidden one get the same answer.
    """
    patient = patient_by_public_id(db, patient_public_id)
    if patient is None:
        raise deny(db, actor=actor, action=action, detail=f"dossier inconnu {str(patient_public_id)[:40]}")
    return patient, authorize_patient(db, actor=actor, patient=patient, action=action, document_id=document_id,
                                      document_version=document_version, detail=detail, now=now)


def _by_public_id(db: Session, statement, public_id: str, kind: str):
    """The first row of `statement` for this public id, looked up once per transaction (None when not found)."""
    if not isinstance(public_id, str) or not 0 < len(public_id) <= 32:
        return None
    key = (kind, public_id)
    found = _decided(db).get(key)
    if found is None:
        found = db.exec(statement, params={"public_id": public_id}).first()
        if found is not None:
            _decided(db)[key] = found
    return found


def patient_by_public_id(db: Session, public_id: str) -> Patient | None:
    """The patient with this public id, looked up once per transaction (no access check: callers go on to one)."""
    return _by_public_id(db, _PATIENT_BY_PUBLIC_ID, public_id, "patient")


def document_by_public_id(db: Session, public_id: str) -> tuple[Document, Patient] | None:
    """The document with this public id and its patient, looked up once per transaction (no access check: callers go
    on to one)."""
    row = _by_public_id(db, _DOCUMENT_BY_PUBLIC_ID, public_id, "document")
    return None if row is None else (row[0], row[1])


def authorize_patient(
    db: Session,
    *,
    actor: Actor,
    patient: Patient,
    action: str = AuditAction.READ,
    document_id: str = "",
    document_version: int | None = None,
    detail: str = "",
    now: datetime | None = None,
) -> Grant:
    """`require_patient` for a patient row the caller already loaded: the grant, audited; AccessDenied otherwise."""
    grant = grant_for(db, actor=actor, patient=patient, now=now)
    if grant is None:
        raise deny(db, actor=actor, action=action, patient_id=patient.id, detail=detail)
    audit.record(
        db,
        actor=actor,
        action=action,
        patient_id=patient.id,
        grant=grant,
        justification=justification_for(db, actor=actor, patient=patient, grant=grant, now=now),
        document_id=document_id,
        document_version=document_version,
        detail=detail,
    )
    return grant


def require_role(db: Session, *, actor: Actor | None, roles: set[Role] | frozenset[Role], action: str, detail: str = "") -> Actor:
    """Role-level check for actions that are not about one patient (admin screens, directories)."""
    if actor is None or actor.role not in roles:
        raise deny(db, actor=actor, action=action, detail=detail or "rôle non autorisé")
    if actor.role.is_professional and charter.needs_acceptance(db, account_id=actor.account_id):
        raise deny(db, actor=actor, action=action, detail="charte non acceptée")
    return actor


def patient_may_see(document: Document, patient: Patient) -> bool:
    """Release rule: validated, not flagged invisible to the patient, and, for a document that announces a
    cancer, released by the team or after the medical announcement consultation was recorded."""
    if document.status != DocumentStatus.VALIDATED or document.invisible_to_patient:
        return False
    if document.release_mode == ReleaseMode.HELD:
        return False
    if document.release_mode == ReleaseMode.RELEASED or not document.announces_cancer:
        return True
    return patient.medical_announcement_at is not None


def release_date(document: Document, patient: Patient) -> datetime | None:
    """When the patient could first see the document (shown to them), or None while it is not released."""
    if not patient_may_see(document, patient):
        return None
    candidates = [moment for moment in (document.validated_at, document.released_at) if moment]
    if document.announces_cancer and document.release_mode == ReleaseMode.AUTO and patient.medical_announcement_at:
        candidates.append(patient.medical_announcement_at)
    return max(candidates) if candidates else None


def is_medecin_traitant(actor: Actor, patient: Patient) -> bool:
    return actor.professional_id is not None and actor.professional_id == patient.gp_professional_id


def document_visible(*, actor: Actor, grant: Grant, document: Document, patient: Patient) -> bool:
    """Given a grant on the patient, may the actor see this document?"""
    if grant == Grant.SELF:
        return patient_may_see(document, patient)
    if document.withheld_from_medecin_traitant and is_medecin_traitant(actor, patient) \
            and actor.professional_id != document.author_professional_id:
        # Consent rule (the PPS): the patient refused, or was not yet asked, to share it with their médecin traitant.
        # It holds whatever else would grant access, care-team membership included: the patient named this doctor.
        return False
    if document.status == DocumentStatus.DRAFT and grant != Grant.CARE_TEAM:
        return False
    if document.hidden_from_professionals:
        # MASQUE_PS: only its author and the médecin traitant still see it.
        return actor.professional_id is not None and actor.professional_id in (
            document.author_professional_id,
            patient.gp_professional_id,
        )
    return True


def medecin_traitant_may_see(document: Document, patient: Patient) -> bool:
    """What the médecin traitant is told about: a validated document, not one the patient refused to share with them."""
    if document.status != DocumentStatus.VALIDATED:
        return False
    return not (document.withheld_from_medecin_traitant and document.author_professional_id != patient.gp_professional_id)


def document_visibility(*, actor: Actor, grant: Grant, patient: Patient) -> tuple[tuple, dict]:
    """`document_visible` over the documents of one patient, as SQL: (shape, values), where
    `visible_documents_clause(shape)` is the condition (built once per shape, so that the statements holding it
    can be too) and `values` binds it. tests/test_visibility.py checks it agrees with document_visible."""
    shape = (grant == Grant.SELF, patient.medical_announcement_at is not None, is_medecin_traitant(actor, patient),
             actor.professional_id is not None, grant == Grant.CARE_TEAM)
    return shape, {"viewer_professional_id": actor.professional_id}


@functools.cache
def visible_documents_clause(shape: tuple):
    self_view, announced, as_medecin_traitant, viewer_known, care_team = shape
    if self_view:
        conditions = [Document.status == DocumentStatus.VALIDATED, Document.invisible_to_patient.is_(False),
                      Document.release_mode != ReleaseMode.HELD]
        if not announced:
            conditions.append(or_(Document.release_mode == ReleaseMode.RELEASED, Document.announces_cancer.is_(False)))
        return and_(*conditions)
    author = Document.author_professional_id
    is_author = and_(author.is_not(None), author == bindparam("viewer_professional_id")) if viewer_known else None
    conditions = [true()]
    if as_medecin_traitant:
        conditions.append(or_(Document.withheld_from_medecin_traitant.is_(False), is_author))
    else:
        conditions.append(or_(Document.hidden_from_professionals.is_(False), *([is_author] if is_author is not None else [])))
    if not care_team:
        conditions.append(Document.status != DocumentStatus.DRAFT)
    return and_(*conditions)


def shared_document_clause(professional_id: int):
    """`document_visible` for a professional, as SQL over Document joined to its Patient, for validated documents
    (lists and counts that cannot afford a check per row). tests/test_gp.py checks it agrees with document_visible."""
    author = Document.author_professional_id
    is_author = and_(author.is_not(None), author == professional_id)
    is_gp = and_(Patient.gp_professional_id.is_not(None), Patient.gp_professional_id == professional_id)
    return and_(
        Document.status == DocumentStatus.VALIDATED,
        not_(and_(Document.withheld_from_medecin_traitant.is_(True), is_gp, not_(is_author))),
        or_(Document.hidden_from_professionals.is_(False), is_author, is_gp),
    )


def require_document(
    db: Session,
    *,
    actor: Actor,
    document_public_id: str,
    action: str = AuditAction.READ,
    document_version: int | None = None,
    detail: str = "",
    now: datetime | None = None,
) -> tuple[Document, Patient, Grant]:
    """The document, its patient and the grant, with the access audited; AccessDenied (audited) otherwise."""
    found = document_by_public_id(db, document_public_id)
    if found is None:
        raise deny(db, actor=actor, action=action, detail=f"document inconnu {str(document_public_id)[:40]}")
    document, patient = found
    grant = grant_for(db, actor=actor, patient=patient, now=now)
    if grant is None or not document_visible(actor=actor, grant=grant, document=document, patient=patient):
        raise deny(db, actor=actor, action=action, patient_id=patient.id, detail=f"document {document.public_id}")
    audit.record(
        db,
        actor=actor,
        action=action,
        patient_id=patient.id,
        grant=grant,
        justification=justification_for(db, actor=actor, patient=patient, grant=grant, now=now),
        document_id=document.public_id,
        document_version=document_version or document.current_version,
        detail=detail,
    )
    return document, patient, grant
