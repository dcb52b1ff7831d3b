"""The live sitting ("séance en direct"): the case on every participant's screen, presence and the quorum at the moment a
case is discussed, and the proposal written by one person at a time while the others watch it being typed.

Everything lives in the database (table `rcp_live`), so every worker serves the same sitting; each change increments
`RcpLive.version`, the one integer every screen watches (`pulse`).

Who sees the live view: the RCP's members and its secretariat (and the administrator). Who leads it (moves through the
agenda, confirms presence, holds the pen first): the coordinator or the secretariat acting for them. Who validates a
decision: a physician member, through `decision.save_decision`, with the quorum of the people present then; without
quorum only with the coordinator's written reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, select

from dcc_portal.models import (
    AuditAction,
    DocumentKind,
    Patient,
    Professional,
    Rcp,
    RcpAttendance,
    RcpCase,
    RcpCaseGuest,
    RcpCaseSitting,
    RcpCaseStatus,
    RcpLive,
    RcpMember,
    RcpSession,
    RcpSessionStatus,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.names import professional_label
from dcc_portal.services.common.paging import PAGE_SIZE
from dcc_portal.services.rcp import decision, live_view
from dcc_portal.services.rcp.live_clock import bump
from dcc_portal.services.rcp.directory import manages, membership
from dcc_portal.services.rcp.live_view import AGENDA, GUESTS, PRESENCE, AgendaItem, Participant
from dcc_portal.services.rcp.registration import ChecklistItem, load_case
from dcc_portal.services.rcp.rules import (
    QuorumStatus,
    is_physician,
    quorum_rule,
    split_codes,
)
from dcc_portal.services.rcp.sessions import load_session, require_session_visible

DRAFT_FIELDS = {"type": 20, "intention": 20, "detail": 1000, "trial_detail": 300, "additional_exams": 4000, "comment": 4000}
NOT_ON_THE_SHEET = "Seuls les membres de la RCP et les invités figurent sur la feuille de présence."
MAX_ALTERNATIVES = 3  # besides the first-intent proposal, the other options the board leaves open (intention "alternative")


@dataclass(frozen=True)
class LiveStatus:
    """What changes during the sitting, without patient data beyond the agenda names and the shared draft."""

    version: int
    session_public_id: str
    rcp_name: str
    current_case_public_id: str
    agenda: list[AgendaItem]
    participants: list[Participant]
    quorum: QuorumStatus
    writer: str
    writer_is_me: bool
    draft: dict
    draft_saved_at: str
    joined: bool
    can_lead: bool
    can_validate: bool
    is_guest: bool  # sees only the case(s) they were invited for
    guests: list[Participant]  # invited for the case being discussed (the coordinator manages them)
    sitting: dict = field(default_factory=dict)  # the current case's validation, if done: names, quorum, reason


@dataclass(frozen=True)
class LiveCase:
    """The case shown: one audited read of the patient's record for the participant who sees it."""

    public_id: str
    patient_name: str
    diagnosis: str
    morphology: str
    tnm: str
    who: str
    reason: str
    question: str
    summary: str
    requester: str
    checklist: list[ChecklistItem]
    documents: list[dict]
    fiches: list[dict]


_VERSION = select(RcpLive.version).join(RcpSession, RcpSession.id == RcpLive.session_id).where(
    RcpSession.public_id == bindparam("public_id"))


def pulse(db: Session, session_public_id: str) -> int:
    """The sitting's version counter (0 before it starts): the one cheap read each screen repeats."""
    return db.exec(_VERSION, params={"public_id": str(session_public_id)[:32]}).first() or 0


# --------------------------------------------------------------------------------------------------- access


def load_sitting(db: Session, actor: Actor, session_public_id: str, action: str) -> tuple[RcpSession, Rcp]:
    session, rcp, _member, _manager, _invited = _standing(db, actor, session_public_id, action)
    return session, rcp


def _standing(db: Session, actor: Actor, session_public_id: str,
              action: str) -> tuple[RcpSession, Rcp, RcpMember | None, bool, set[int]]:
    """The open sitting and who the actor is in it (membership, secretariat, the cases they are a guest of); refused
    (audited) to anyone else."""
    loaded = load_session(db, session_public_id)
    if loaded is None:
        raise access.deny(db, actor=actor, action=action, detail="séance RCP inconnue")
    session, rcp = loaded
    invited = guest_cases(db, session_id=session.id, professional_id=actor.professional_id) \
        if actor.role.is_care_professional else set()
    if not invited:  # a guest of one case: `status` and `case_view` show them that case alone
        require_session_visible(db, actor=actor, session=session, rcp=rcp, action=action)
    member = membership(db, rcp_id=rcp.id, professional_id=actor.professional_id)
    manager = manages(db, actor=actor, rcp=rcp)
    if not invited and member is None and not manager:
        raise access.deny(db, actor=actor, action=action, detail=f"séance RCP {rcp.national_id} en direct : hors de la RCP")
    if session.status != RcpSessionStatus.OPEN:
        raise ValidationFailed({"session": "La séance n'est pas ouverte : la séance en direct commence à son ouverture."})
    return session, rcp, member, manager, invited


@dataclass(frozen=True)
class Reader:
    """A participant allowed to see the sitting, checked again at each call (a participant removed from the RCP loses
    the view at the next change)."""

    session: RcpSession
    rcp: Rcp
    live: RcpLive
    member: RcpMember | None
    manager: bool
    only: set[int] | None  # the only cases they may see (a guest), None for the whole agenda

    @property
    def may_lead(self) -> bool:
        return bool(self.member and self.member.is_coordinator) or self.manager


_GUEST_CASES = (select(RcpCaseGuest.case_id).join(RcpCase, RcpCase.id == RcpCaseGuest.case_id)
                .where(RcpCase.session_id == bindparam("session_id"), RcpCaseGuest.professional_id == bindparam("professional_id"),
                       RcpCase.status != RcpCaseStatus.WITHDRAWN))


def guest_cases(db: Session, *, session_id: int, professional_id: int | None) -> set[int]:
    """The cases of this session a professional was invited for (empty for a member)."""
    if professional_id is None:
        return set()
    return set(db.exec(_GUEST_CASES, params={"session_id": session_id, "professional_id": professional_id}).all())


def _may_lead(db: Session, actor: Actor, rcp: Rcp) -> bool:
    member = membership(db, rcp_id=rcp.id, professional_id=actor.professional_id)
    return bool(member and member.is_coordinator) or manages(db, actor=actor, rcp=rcp)


def require_lead(db: Session, actor: Actor, rcp: Rcp, action: str) -> None:
    if not _may_lead(db, actor, rcp):
        raise access.deny(db, actor=actor, action=action, detail=f"séance RCP {rcp.national_id} : conduite réservée au coordonnateur")


def live_row(db: Session, session: RcpSession) -> RcpLive:
    live = db.get(RcpLive, session.id)
    if live is None:
        live = RcpLive(session_id=session.id)
        db.add(live)
        db.flush()
    return live


def _physician(db: Session, actor: Actor) -> Professional | None:
    pro = db.get(Professional, actor.professional_id) if actor.professional_id else None
    return pro if pro is not None and is_physician(pro.specialty_code) else None


# --------------------------------------------------------------------------------------------------- status


def _reader(db: Session, actor: Actor, session_public_id: str) -> Reader:
    session, rcp, member, manager, invited = _standing(db, actor, session_public_id, AuditAction.READ)
    return Reader(session, rcp, live_row(db, session), member, manager, None if member is not None or manager else invited)


def status(db: Session, *, actor: Actor, session_public_id: str) -> LiveStatus:
    """The sitting as this participant sees it now: the part every participant shares is read once per version
    (`live_view.sitting`), the rest is theirs (a guest's one case, the pen, what they may do)."""
    return _status(db, actor, _reader(db, actor, session_public_id))


def screen(db: Session, *, actor: Actor, session_public_id: str,
           case_to_show: Callable[[LiveStatus], str]) -> tuple[LiveStatus, LiveCase | None]:
    """A participant's reload: `status`, then the `case_view` of the case `case_to_show(status)` names (none if it
    names none), with the sitting's access checked once for both."""
    reader = _reader(db, actor, session_public_id)
    now = _status(db, actor, reader)
    target = case_to_show(now)
    return now, _case_view(db, actor, reader, target) if target else None


def _status(db: Session, actor: Actor, reader: Reader) -> LiveStatus:
    session, rcp, live, only = reader.session, reader.rcp, reader.live, reader.only
    shared = live_view.sitting(db, session=session, rcp=rcp, live=live)
    agenda = [(case_id, item) for case_id, item in shared.agenda if only is None or case_id in only]
    current = shared.current_case_id if any(case_id == shared.current_case_id for case_id, _ in agenda) else None
    invited = shared.invited if current else ()
    me = actor.professional_id
    same_case = current is not None and shared.draft_case_id == current
    return LiveStatus(
        version=live.version, session_public_id=session.public_id, rcp_name=rcp.name,
        current_case_public_id=next((item.public_id for case_id, item in agenda if case_id == current), ""),
        agenda=[item for _, item in agenda],
        participants=[seat.shown for seat in shared.members] + [seat.shown for seat in invited if seat.shown.confirmed],
        guests=[seat.shown for seat in invited],
        quorum=shared.quorum if current else shared.members_quorum,
        writer=shared.writer, writer_is_me=shared.writer_id is not None and shared.writer_id == me,
        draft=dict(shared.draft) if same_case else {},
        draft_saved_at=shared.draft_saved_at if same_case else "",
        joined=any(seat.professional_id == me and seat.here for seat in shared.members + invited),
        can_lead=reader.may_lead,
        can_validate=reader.member is not None and _physician(db, actor) is not None,
        is_guest=only is not None,
        sitting=dict(shared.sittings.get(current, {})) if current else {},
    )


def case_view(db: Session, *, actor: Actor, session_public_id: str, case_public_id: str, now: datetime | None = None) -> LiveCase:
    """One case of the sitting's agenda for this participant: an audited read of the patient's record (and of the list
    of their documents, those this participant may see)."""
    return _case_view(db, actor, _reader(db, actor, session_public_id), case_public_id, now)


def _case_view(db: Session, actor: Actor, reader: Reader, case_public_id: str, now: datetime | None = None) -> LiveCase:
    session, rcp, live, only = reader.session, reader.rcp, reader.live, reader.only
    loaded = load_case(db, case_public_id)
    if loaded is None or loaded[1].id != session.id or loaded[0].status == RcpCaseStatus.WITHDRAWN:
        raise access.deny(db, actor=actor, action=AuditAction.READ, detail=f"séance RCP {rcp.national_id} : cas hors de l'ordre du jour")
    case = loaded[0]
    if only is not None and case.id not in only:
        raise access.deny(db, actor=actor, action=AuditAction.READ, patient_id=case.patient_id,
                          detail=f"séance en direct RCP {rcp.national_id} : invité pour un autre dossier")
    patient = db.get(Patient, case.patient_id)
    grant = access.authorize_patient(db, actor=actor, patient=patient, action=AuditAction.READ,
                                     detail=f"séance en direct RCP {rcp.national_id}", now=now)
    audit.record(db, actor=actor, action=AuditAction.READ, patient_id=patient.id, grant=grant,
                 justification=access.justification_for(db, actor=actor, patient=patient, grant=grant, now=now),
                 detail="liste des documents")
    shared = live_view.case(db, case=case, patient=patient, live=live)
    shown = [doc for doc in shared.documents
             if access.document_visible(actor=actor, grant=grant, document=doc, patient=patient)][:PAGE_SIZE]
    return LiveCase(
        public_id=case.public_id, patient_name=shared.patient_name, diagnosis=shared.diagnosis, morphology=shared.morphology,
        tnm=shared.tnm, who=shared.who, reason=shared.reason, question=shared.question, summary=shared.summary,
        requester=shared.requester, checklist=list(shared.checklist),
        documents=[dict(doc.shown) for doc in shown if doc.kind != DocumentKind.FRCP],
        fiches=[dict(doc.shown) for doc in shown if doc.kind == DocumentKind.FRCP],
    )


# --------------------------------------------------------------------------------------------------- moves


def move(db: Session, *, actor: Actor, session_public_id: str, case_public_id: str) -> int:
    """The coordinator (or the secretariat) puts a case on every screen. Returns the new version."""
    session, rcp = load_sitting(db, actor, session_public_id, AuditAction.UPDATE)
    require_lead(db, actor, rcp, AuditAction.UPDATE)
    loaded = load_case(db, case_public_id)
    if loaded is None or loaded[1].id != session.id or loaded[0].status == RcpCaseStatus.WITHDRAWN:
        raise ValidationFailed({"case": "Ce dossier n'est pas à l'ordre du jour de la séance."})
    live = live_row(db, session)
    if live.current_case_id != loaded[0].id:
        live.current_case_id = loaded[0].id
        live.writer_professional_id = None
    bump(db, live)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=loaded[0].patient_id,
                 detail=f"séance en direct RCP {rcp.national_id} : dossier présenté")
    return live.version


def step(db: Session, *, actor: Actor, session_public_id: str, offset: int) -> int:
    """Previous (-1) or next (+1) case of the agenda; the first one when none is shown yet."""
    session, _rcp = load_sitting(db, actor, session_public_id, AuditAction.UPDATE)
    ids = [case.public_id for case, _ in db.exec(AGENDA, params={"session_id": session.id}).all()]
    if not ids:
        raise ValidationFailed({"case": "L'ordre du jour est vide."})
    live = live_row(db, session)
    current = db.get(RcpCase, live.current_case_id) if live.current_case_id else None
    index = ids.index(current.public_id) + (1 if offset > 0 else -1) if current and current.public_id in ids else 0
    return move(db, actor=actor, session_public_id=session_public_id, case_public_id=ids[max(0, min(index, len(ids) - 1))])


# --------------------------------------------------------------------------------------------------- presence


def join(db: Session, *, actor: Actor, session_public_id: str) -> int:
    """A member opens the live view: present (via tablet), to be confirmed by the secretariat."""
    session, rcp = load_sitting(db, actor, session_public_id, AuditAction.UPDATE)
    pro = db.get(Professional, actor.professional_id) if actor.professional_id else None
    if pro is not None and guest_cases(db, session_id=session.id, professional_id=pro.id) \
            and db.get(RcpMember, (rcp.id, pro.id)) is None:
        return _guest_presence(db, actor=actor, session=session, rcp=rcp, pro=pro, present=True, only_if_absent=True)
    if pro is None or db.get(RcpMember, (rcp.id, pro.id)) is None:
        return live_row(db, session).version  # the secretariat follows the sitting without being on the attendance sheet
    row = db.exec(select(RcpAttendance).where(RcpAttendance.session_id == session.id, RcpAttendance.professional_id == pro.id)).first()
    live = live_row(db, session)
    if row is not None and row.left_at is None:
        return live.version
    if row is None:
        db.add(RcpAttendance(session_id=session.id, professional_id=pro.id, specialty_code=pro.specialty_code,
                             recorded_by_account_id=actor.account_id, via="tablet", confirmed=False))
    else:
        row.left_at = None
        db.add(row)
    bump(db, live)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, detail=f"séance en direct RCP {rcp.national_id} : arrivée de {pro.rpps}")
    return live.version


def set_presence(db: Session, *, actor: Actor, session_public_id: str, professional_public_id: str, present: bool) -> int:
    """The secretariat confirms a participant, marks one present in the room (no tablet), or records a departure.
    A participant may record their own departure."""
    session, rcp = load_sitting(db, actor, session_public_id, AuditAction.UPDATE)
    pro = db.exec(select(Professional).where(Professional.public_id == str(professional_public_id)[:32])).first()
    if not (pro is not None and pro.id == actor.professional_id and not present):
        require_lead(db, actor, rcp, AuditAction.UPDATE)
    if pro is not None and db.get(RcpMember, (rcp.id, pro.id)) is None:
        return _guest_presence(db, actor=actor, session=session, rcp=rcp, pro=pro, present=present)
    if pro is None:
        raise ValidationFailed({"attendance": NOT_ON_THE_SHEET})
    row = db.exec(select(RcpAttendance).where(RcpAttendance.session_id == session.id, RcpAttendance.professional_id == pro.id)).first()
    if present:
        if row is None:
            row = RcpAttendance(session_id=session.id, professional_id=pro.id, specialty_code=pro.specialty_code,
                                recorded_by_account_id=actor.account_id, via="room")
        row.confirmed, row.left_at = True, None
        db.add(row)
    elif row is not None and row.left_at is None:
        row.left_at = utcnow()
        db.add(row)
    return _presence_changed(db, actor=actor, rcp=rcp, live=live_row(db, session), pro=pro, present=present)


def _guest_presence(db: Session, *, actor: Actor, session: RcpSession, rcp: Rcp, pro: Professional, present: bool,
                    only_if_absent: bool = False) -> int:
    """A guest arrives (joins the live view, or is marked present) or leaves: they count in their case's quorum only
    in between."""
    live = live_row(db, session)
    rows = db.exec(select(RcpCaseGuest).join(RcpCase, RcpCase.id == RcpCaseGuest.case_id)
                   .where(RcpCase.session_id == session.id, RcpCaseGuest.professional_id == pro.id)).all()
    if not rows:
        raise ValidationFailed({"attendance": NOT_ON_THE_SHEET})
    changed = False
    for row in rows:
        here = row.joined_at is not None and row.left_at is None
        if present and not here:
            row.joined_at, row.left_at, changed = utcnow(), None, True
        elif not present and here and not only_if_absent:
            row.left_at, changed = utcnow(), True
        db.add(row)
    if not changed:
        return live.version
    return _presence_changed(db, actor=actor, rcp=rcp, live=live, pro=pro, present=present, guest=True)


def _presence_changed(db: Session, *, actor: Actor, rcp: Rcp, live: RcpLive, pro: Professional, present: bool,
                      guest: bool = False) -> int:
    """An arrival or a departure recorded: one who leaves puts the pen down; every screen is told; audited."""
    if not present and live.writer_professional_id == pro.id:
        live.writer_professional_id = None
    bump(db, live)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, detail=f"séance en direct RCP {rcp.national_id} : "
                 f"{'invité ' if guest else ''}{pro.rpps} {'présent' if present else 'parti'}")
    return live.version


# --------------------------------------------------------------------------------------------------- the proposal


def take_pen(db: Session, *, actor: Actor, session_public_id: str) -> int:
    """Become the one writer of the current case's proposal: free, or handed over by the coordinator/secretariat, who
    may take it from anyone."""
    session, rcp = load_sitting(db, actor, session_public_id, AuditAction.UPDATE)
    live = live_row(db, session)
    if live.current_case_id is None:
        raise ValidationFailed({"pen": "Aucun dossier n'est en discussion."})
    may_write = _may_lead(db, actor, rcp) or (_physician(db, actor) is not None and membership(
        db, rcp_id=rcp.id, professional_id=actor.professional_id) is not None)
    if not may_write:
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail=f"séance RCP {rcp.national_id} : rédaction réservée")
    if live.writer_professional_id not in (None, actor.professional_id) and not _may_lead(db, actor, rcp):
        holder = db.get(Professional, live.writer_professional_id)
        raise ValidationFailed({"pen": f"{professional_label(holder)} écrit : attendez qu'il ou elle passe la main."})
    live.writer_professional_id = actor.professional_id
    if live.draft_case_id != live.current_case_id:
        live.draft_case_id, live.draft_json, live.draft_saved_at = live.current_case_id, "{}", None
    bump(db, live)
    return live.version


def release_pen(db: Session, *, actor: Actor, session_public_id: str) -> int:
    session, _rcp = load_sitting(db, actor, session_public_id, AuditAction.UPDATE)
    live = live_row(db, session)
    if live.writer_professional_id == actor.professional_id:
        live.writer_professional_id = None
        bump(db, live)
    return live.version


def write(db: Session, *, actor: Actor, session_public_id: str, draft: dict) -> int:
    """The writer's text, saved as typed; the other screens show it read-only."""
    session, rcp = load_sitting(db, actor, session_public_id, AuditAction.UPDATE)
    live = live_row(db, session)
    if live.writer_professional_id != actor.professional_id or live.draft_case_id != live.current_case_id:
        raise ValidationFailed({"pen": "Prenez la main pour écrire la proposition."})
    clean = {}
    for key, limit in DRAFT_FIELDS.items():
        value = inputs.text(str((draft or {}).get(key) or ""))
        if len(value) > limit:
            raise ValidationFailed({key: f"Texte trop long ({limit} caractères au plus)."})
        clean[key] = value
    clean["trial_proposed"] = bool((draft or {}).get("trial_proposed"))
    clean["alternatives"] = _clean_alternatives((draft or {}).get("alternatives"))
    live.draft_json = json.dumps(clean, ensure_ascii=False)
    live.draft_saved_at = utcnow()
    bump(db, live)
    return live.version


@dataclass(frozen=True)
class PresentPerson:
    professional: Professional
    specialty_code: str  # as it was that day
    counted: bool  # a physician whose specialty counts for this RCP's quorum
    guest: bool  # invited for this case only


def present_for_case(db: Session, *, session: RcpSession, rcp: Rcp, case: RcpCase | None) -> list[PresentPerson]:
    """Who is in the sitting now for this case: the members who came and have not left, and the guests invited for this
    case who are there."""
    relevant = set(split_codes(rcp.quorum_specialties))
    rows = [(pro, row.specialty_code, False) for row, pro in db.exec(PRESENCE, params={"session_id": session.id}).all()
            if row.left_at is None]
    if case is not None:
        rows += [(pro, row.specialty_code, True) for row, pro in db.exec(GUESTS, params={"case_id": case.id}).all()
                 if row.joined_at is not None and row.left_at is None]
    return [PresentPerson(pro, code, is_physician(code) and (not relevant or code in relevant), guest)
            for pro, code, guest in rows]


def case_quorum(db: Session, *, session: RcpSession, rcp: Rcp, case: RcpCase | None) -> QuorumStatus:
    """The quorum for this case: the specialties present at the moment it is discussed."""
    return quorum_rule(rcp=rcp, present_specialties=[person.specialty_code
                                                     for person in present_for_case(db, session=session, rcp=rcp, case=case)])


def _clean_alternatives(items) -> list[dict]:
    if not isinstance(items, list):
        return []
    if len(items) > MAX_ALTERNATIVES:
        raise ValidationFailed({"alternatives": f"{MAX_ALTERNATIVES} alternatives au plus."})
    clean = []
    for item in items:
        item = item if isinstance(item, dict) else {}
        detail = inputs.text(str(item.get("detail") or ""))
        if len(detail) > DRAFT_FIELDS["detail"]:
            raise ValidationFailed({"alternatives": f"Texte trop long ({DRAFT_FIELDS['detail']} caractères au plus)."})
        clean.append({"type": inputs.line(str(item.get("type") or ""), 20), "detail": detail})
    return clean


def _proposal(draft: dict) -> list[dict]:
    """The first-intent proposal then the alternatives, as `decision.save_decision` takes them."""
    alternatives = draft.get("alternatives") or []
    if any(item["detail"] and not item["type"] for item in alternatives):
        raise ValidationFailed({"alternatives": "Choisissez le type de traitement de chaque alternative, ou retirez-la."})
    return [{"type": draft.get("type", ""), "intention": "first", "detail": draft.get("detail", "")}] + [
        {"type": item["type"], "intention": "alternative", "detail": item["detail"]} for item in alternatives if item["type"]]


def validate_case(db: Session, *, actor: Actor, session_public_id: str, override_reason: str = "",
                  now: datetime | None = None) -> int:
    """"Décision validée en séance": the proposal becomes the case's decision (draft of the fiche the coordinator signs
    after the sitting), with the names present and the quorum now. Without quorum, only with a written reason."""
    now = now or utcnow()
    session, rcp = load_sitting(db, actor, session_public_id, AuditAction.UPDATE)
    live = live_row(db, session)
    case = db.get(RcpCase, live.current_case_id) if live.current_case_id else None
    if case is None:
        raise ValidationFailed({"case": "Aucun dossier n'est en discussion."})
    quorum = case_quorum(db, session=session, rcp=rcp, case=case)
    reason = inputs.line(override_reason, 300)
    if not quorum.reached and not reason:
        raise ValidationFailed({"override_reason": "Quorum non atteint : indiquez pourquoi le dossier est tout de même "
                                                   "décidé (par exemple un suivi), ou attendez le quorum."})
    if not quorum.reached and not _may_lead(db, actor, rcp):
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, patient_id=case.patient_id,
                          detail=f"séance RCP {rcp.national_id} : décision hors quorum réservée au coordonnateur")
    draft = json.loads(live.draft_json or "{}") if live.draft_case_id == case.id else {}
    decision.save_decision(
        db, actor=actor, case_public_id=case.public_id, expected_version=case.decision_version, status=RcpCaseStatus.DISCUSSED,
        proposal=_proposal(draft),
        trial_proposed=bool(draft.get("trial_proposed")), trial_detail=draft.get("trial_detail", ""),
        additional_exams=draft.get("additional_exams", ""), comment=draft.get("comment", ""), quorum=quorum, now=now)
    present = present_for_case(db, session=session, rcp=rcp, case=case)
    sitting = db.get(RcpCaseSitting, case.id) or RcpCaseSitting(case_id=case.id)
    sitting.present_names = ", ".join(professional_label(person.professional) for person in present)
    sitting.present_json = json.dumps([{"professional_id": person.professional.id, "specialty_code": person.specialty_code,
                                        "counted": person.counted, "guest": person.guest} for person in present])
    sitting.quorum_reached, sitting.quorum_summary = quorum.reached, quorum.summary[:400]
    sitting.override_reason = "" if quorum.reached else reason
    sitting.validated_by_professional_id, sitting.validated_at = actor.professional_id, now
    db.add(sitting)
    live.writer_professional_id = None
    bump(db, live)
    return live.version
