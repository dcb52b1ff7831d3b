"""RCP sessions: planning (one date or a recurrence), their status, and the lists of upcoming and past sessions.

Who sees a session is one rule, `visible_sessions`, that both the list and the session page apply:
- the administrator: every session;
- a 3C secretary: every session of the RCPs whose secretariat she is (directory fact set by the administrator);
- a clinician or nurse: the published sessions (agenda published, sitting, closed) of the RCPs they are members of.
Running a session (status, attendance) is for its secretariat, the administrator and the RCP's clinician members.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import bindparam, false, func, true
from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    Rcp,
    RcpCase,
    RcpCaseStatus,
    RcpSession,
    RcpSessionStatus,
    Role,
    new_public_id,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.paging import PAGE_SIZE, Page
from dcc_portal.services.rcp.directory import load_rcp, managed_rcp_ids, manages, member_rcp_ids
from dcc_portal.services.rcp.rules import (
    DIRECTORY_READERS,
    EDITOR_ROLES,
    HHMM,
    HTTPS_URL,
    RECURRENCES,
    SESSION_STATUS_LABELS,
    paris_to_utc,
)


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


def session_row(db: Session, session: RcpSession, rcp: Rcp, now: datetime, case_count: int | None = None) -> SessionRow:
    if case_count is None:
        case_count = db.exec(select(func.count()).select_from(RcpCase).where(
            RcpCase.session_id == session.id, RcpCase.status != RcpCaseStatus.WITHDRAWN)).one()
    start = formatting.to_paris(session.starts_at)
    return SessionRow(
        public_id=session.public_id, rcp_public_id=rcp.public_id, rcp_name=rcp.name,
        starts=formatting.datetime_fr(session.starts_at), date=start.strftime("%d/%m/%Y"), time=start.strftime("%H:%M"),
        deadline=formatting.datetime_fr(session.registration_deadline),
        deadline_passed=now >= aware(session.registration_deadline), place=session.place or rcp.place,
        visio_url=session.visio_url or rcp.visio_url, status=session.status,
        status_label=SESSION_STATUS_LABELS.get(session.status, session.status), cases=case_count,
        is_past=aware(session.starts_at) + timedelta(hours=6) < now,
    )


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def plan_sessions(
    db: Session, *, actor: Actor, rcp_public_id: str, first_date: str, start_time: str, recurrence: str = "none",
    count: int = 1, deadline_days: int = 2, deadline_time: str = "12:00", place: str = "", visio_url: str = "",
    now: datetime | None = None,
) -> list[str]:
    """One-off or recurring sessions at the same Paris wall-clock time (whatever the DST offset)."""
    access.require_role(db, actor=actor, roles=EDITOR_ROLES, action=AuditAction.CREATE, detail="planification RCP")
    now = now or utcnow()
    rcp = load_rcp(db, rcp_public_id)
    errors: dict[str, str] = {}
    if rcp is None or not rcp.active:
        errors["rcp"] = "Choisissez une RCP active de l'annuaire."
    elif not manages(db, actor=actor, rcp=rcp):
        errors["rcp"] = "Votre secrétariat ne gère pas cette RCP : choisissez une RCP dont vous avez la charge."
    try:
        day = date.fromisoformat(str(first_date))
    except ValueError:
        day = None
        errors["first_date"] = "Date invalide (jj/mm/aaaa)."
    clock = HHMM.match(str(start_time).strip())
    if not clock:
        errors["start_time"] = "Heure invalide (hh:mm)."
    deadline_clock = HHMM.match(str(deadline_time).strip())
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
    if visio and (len(visio) > 300 or not HTTPS_URL.match(visio)):
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


def load_session(db: Session, public_id: str) -> tuple[RcpSession, Rcp] | None:
    if not isinstance(public_id, str) or not 0 < len(public_id) <= 32:
        return None
    row = db.exec(_SESSION_BY_PUBLIC_ID, params={"public_id": public_id}).first()
    return (row[0], row[1]) if row else None


def set_session_status(db: Session, *, actor: Actor, session_public_id: str, status: str, now: datetime | None = None) -> None:
    """Publish the agenda, open or close the sitting, cancel. Secretariat (members) and the RCP's physicians."""
    now = now or utcnow()
    loaded = load_session(db, session_public_id)
    if loaded is None or status not in set(RcpSessionStatus):
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="séance RCP inconnue")
    session, rcp = loaded
    require_session_staff(db, actor=actor, rcp=rcp, session=session, action=AuditAction.UPDATE)
    if status == RcpSessionStatus.PUBLISHED and session.published_at is None:
        session.published_at = now
    session.status = status
    db.add(session)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, detail=f"séance RCP {rcp.national_id} : {status}")


VISIBLE_TO_MEMBERS = (RcpSessionStatus.PUBLISHED, RcpSessionStatus.OPEN, RcpSessionStatus.CLOSED)


def visible_sessions(actor: Actor):
    """The rule (see the module docstring), as a condition on RcpSession joined to its Rcp."""
    if actor.role == Role.ADMIN:
        return true()
    if actor.role == Role.RCP_SECRETARY:
        return Rcp.id.in_(managed_rcp_ids(actor.professional_id))
    if actor.role in (Role.CLINICIAN, Role.NURSE):
        return Rcp.id.in_(member_rcp_ids(actor.professional_id)) & RcpSession.status.in_(VISIBLE_TO_MEMBERS)
    return false()


SESSION_READERS = DIRECTORY_READERS - {Role.GP}


def require_session_visible(db: Session, *, actor: Actor, session: RcpSession, rcp: Rcp, action: str) -> None:
    """`visible_sessions` for one session: the page opens exactly what the list shows; a refusal is audited."""
    access.require_role(db, actor=actor, roles=SESSION_READERS, action=action, detail="séance RCP")
    shown = db.exec(select(RcpSession.id).join(Rcp, Rcp.id == RcpSession.rcp_id)
                    .where(RcpSession.id == session.id, visible_sessions(actor))).first()
    if shown is None:
        raise access.deny(db, actor=actor, action=action, detail=f"séance RCP {rcp.national_id} hors de ses RCP")


def require_session_staff(db: Session, *, actor: Actor, rcp: Rcp, session: RcpSession, action: str) -> None:
    """Running a session: its secretariat and the administrator, or a clinician member of the RCP."""
    require_session_visible(db, actor=actor, session=session, rcp=rcp, action=action)
    if not (manages(db, actor=actor, rcp=rcp) or actor.role == Role.CLINICIAN):
        raise access.deny(db, actor=actor, action=action, detail=f"séance RCP {rcp.national_id} : gestion réservée")


def upcoming_sessions(db: Session, *, actor: Actor, page: int = 1, past: bool = False, now: datetime | None = None) -> Page:
    """The sessions the actor may open (`visible_sessions`), upcoming first or past newest first."""
    access.require_role(db, actor=actor, roles=SESSION_READERS, action=AuditAction.READ, detail="séances RCP")
    now = now or utcnow()
    statement = select(RcpSession, Rcp).join(Rcp, Rcp.id == RcpSession.rcp_id).where(visible_sessions(actor))
    cutoff = now - timedelta(hours=6)
    if past:
        statement = statement.where(RcpSession.starts_at < cutoff).order_by(RcpSession.starts_at.desc())
    else:
        statement = statement.where(RcpSession.starts_at >= cutoff).order_by(RcpSession.starts_at)
    total = db.exec(select(func.count()).select_from(statement.subquery())).one()
    page = max(1, min(int(page or 1), 10_000))
    rows = db.exec(statement.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return Page(items=[session_row(db, s, r, now) for s, r in rows], page=page, page_size=PAGE_SIZE, total=total)


def open_sessions_for_registration(db: Session, *, now: datetime | None = None, limit: int = 40) -> list[SessionRow]:
    now = now or utcnow()
    rows = db.exec(
        select(RcpSession, Rcp).join(Rcp, Rcp.id == RcpSession.rcp_id)
        .where(RcpSession.status.in_([RcpSessionStatus.PUBLISHED, RcpSessionStatus.PLANNED]), RcpSession.starts_at > now,
               Rcp.active.is_(True))
        .order_by(RcpSession.starts_at).limit(limit)
    ).all()
    return [session_row(db, s, r, now) for s, r in rows]
