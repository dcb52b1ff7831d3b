"""What every participant of a live sitting sees alike, read once per change of the sitting and worker process.

A case change reaches every participant at the same moment and each reloads the view; the agenda, the presence list,
the quorum, the draft and the case shown (summary, checklist, documents) are the same for all of them. They are read
once for a version of the sitting (`RcpLive.version`, read by each caller in its own transaction: the database decides
which version is current, a cached one is never served for a newer version) and kept here for the next callers.
What depends on the participant is not kept: the access checks, their audited reads, a guest's one case, the pen and
which documents this participant may see (`live.status`, `live.case_view`).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import (
    Document,
    DocumentStatus,
    Patient,
    Professional,
    Rcp,
    RcpAttendance,
    RcpCase,
    RcpCaseGuest,
    RcpCaseSitting,
    RcpCaseStatus,
    RcpLive,
    RcpSession,
)
from dcc_portal.services.common.names import patient_name, professional_label
from dcc_portal.services.rcp.registration import ChecklistItem, checklist, tnm_label
from dcc_portal.services.rcp.rules import REASON_LABELS, QuorumStatus, quorum_rule, specialty_label
from dcc_portal.services.record import diagnosis as diagnosis_record
from dcc_portal.services.record.documents import kind_label

CACHE_SIZE = 32  # sittings and cases of the last changes; a few kilobytes each
DOCUMENTS_READ = 500  # a patient's documents read for the case view, before each participant's visibility rule


@dataclass(frozen=True)
class Participant:
    public_id: str
    name: str
    specialty: str
    via: str  # tablet | room
    confirmed: bool
    left: bool
    guest: bool = False  # invited for the case being discussed only


@dataclass(frozen=True)
class AgendaItem:
    public_id: str
    patient_name: str
    status_label: str
    validated: bool


@dataclass(frozen=True)
class Seat:
    """One person on the attendance sheet, or invited for the case being discussed."""

    professional_id: int
    specialty_code: str
    shown: Participant
    here: bool  # came and has not left


@dataclass(frozen=True)
class SharedSitting:
    version: int
    current_case_id: int | None  # None when none is shown (or the one shown was withdrawn)
    agenda: tuple[tuple[int, AgendaItem], ...]  # (case id, item), the cases not withdrawn
    sittings: dict  # case id -> the validation in session: names, quorum, reason
    members: tuple[Seat, ...]
    invited: tuple[Seat, ...]  # the guests of the current case
    quorum: QuorumStatus  # of the current case: the members still there and its guests who are there
    members_quorum: QuorumStatus  # the members alone (what a guest of another case is shown)
    writer_id: int | None
    writer: str
    draft_case_id: int | None
    draft: dict
    draft_saved_at: str


@dataclass(frozen=True)
class SharedDocument:
    public_id: str
    kind: str
    status: str
    author_professional_id: int | None
    hidden_from_professionals: bool
    withheld_from_medecin_traitant: bool
    shown: dict  # public_id, title, kind, date


@dataclass(frozen=True)
class SharedCase:
    patient_name: str
    diagnosis: str
    morphology: str
    tnm: str
    who: str
    reason: str
    question: str
    summary: str
    requester: str
    checklist: tuple[ChecklistItem, ...]
    documents: tuple[SharedDocument, ...]  # newest first, before the visibility rule


class _Recent:
    """A small map of the last entries, safe across the threads of one worker."""

    def __init__(self, size: int) -> None:
        self._entries: OrderedDict = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_SITTINGS = _Recent(CACHE_SIZE)
_CASES = _Recent(CACHE_SIZE)


def forget() -> None:
    """Drop what is kept (tests that rebuild their database)."""
    _SITTINGS.clear()
    _CASES.clear()


AGENDA = (select(RcpCase, Patient).join(Patient, Patient.id == RcpCase.patient_id)
          .where(RcpCase.session_id == bindparam("session_id"), RcpCase.status != RcpCaseStatus.WITHDRAWN)
          .order_by(RcpCase.created_at))

PRESENCE = (select(RcpAttendance, Professional).join(Professional, Professional.id == RcpAttendance.professional_id)
            .where(RcpAttendance.session_id == bindparam("session_id")).order_by(Professional.family_name))

GUESTS = (select(RcpCaseGuest, Professional).join(Professional, Professional.id == RcpCaseGuest.professional_id)
          .where(RcpCaseGuest.case_id == bindparam("case_id")).order_by(Professional.family_name))

_VALIDATED = select(RcpCaseSitting).join(RcpCase, RcpCase.id == RcpCaseSitting.case_id).where(
    RcpCase.session_id == bindparam("session_id"))


def guest_participant(row: RcpCaseGuest, pro: Professional) -> Participant:
    return Participant(pro.public_id, professional_label(pro), specialty_label(row.specialty_code), "guest",
                       row.joined_at is not None, row.left_at is not None, guest=True)  # confirmed: arrived


def change(live: RcpLive) -> tuple:
    """The identity of the sitting's last change: its version, and when it was made (a change rolled back after a
    caller read it must not stand for the next change that reaches the same version)."""
    return live.version, live.updated_at.replace(tzinfo=None) if live.updated_at else None


def sitting(db: Session, *, session: RcpSession, rcp: Rcp, live: RcpLive) -> SharedSitting:
    """The sitting at `live.version`, read in this transaction unless a caller of this worker already read it."""
    key = (session.public_id, *change(live))
    shared = _SITTINGS.get(key)
    if shared is None:
        shared = _read_sitting(db, session=session, rcp=rcp, live=live)
        _SITTINGS.put(key, shared)
    return shared


def _read_sitting(db: Session, *, session: RcpSession, rcp: Rcp, live: RcpLive) -> SharedSitting:
    agenda = db.exec(AGENDA, params={"session_id": session.id}).all()
    done = {row.case_id: row for row in db.exec(_VALIDATED, params={"session_id": session.id}).all()}
    current = live.current_case_id if any(case.id == live.current_case_id for case, _ in agenda) else None
    members = tuple(Seat(pro.id, row.specialty_code, Participant(
        pro.public_id, professional_label(pro), specialty_label(row.specialty_code), row.via, row.confirmed,
        row.left_at is not None), row.left_at is None) for row, pro in db.exec(PRESENCE, params={"session_id": session.id}).all())
    invited = tuple(Seat(pro.id, row.specialty_code, guest_participant(row, pro), row.joined_at is not None and row.left_at is None)
                    for row, pro in (db.exec(GUESTS, params={"case_id": current}).all() if current else []))
    writer = db.get(Professional, live.writer_professional_id) if live.writer_professional_id else None
    present = [seat.specialty_code for seat in members if seat.here]
    return SharedSitting(
        version=live.version, current_case_id=current,
        agenda=tuple((case.id, AgendaItem(case.public_id, patient_name(patient),
                                          "Décision validée en séance" if case.id in done else "À discuter", case.id in done))
                     for case, patient in agenda),
        sittings={case_id: {"names": row.present_names, "quorum": row.quorum_summary, "reason": row.override_reason}
                  for case_id, row in done.items()},
        members=members, invited=invited,
        quorum=quorum_rule(rcp=rcp, present_specialties=present + [seat.specialty_code for seat in invited if seat.here]),
        members_quorum=quorum_rule(rcp=rcp, present_specialties=present),
        writer_id=writer.id if writer else None, writer=professional_label(writer) if writer else "",
        draft_case_id=live.draft_case_id, draft=json.loads(live.draft_json or "{}"),
        draft_saved_at=live.draft_saved_at.strftime("%H:%M:%S") if live.draft_saved_at else "",
    )


def case(db: Session, *, case: RcpCase, patient: Patient, live: RcpLive) -> SharedCase:
    """The case as the sitting shows it at this version: summary, checklist, the patient's documents."""
    key = (case.public_id, *change(live))
    shared = _CASES.get(key)
    if shared is None:
        shared = _read_case(db, case=case, patient=patient)
        _CASES.put(key, shared)
    return shared


_DOCUMENTS = (select(Document.public_id, Document.kind, Document.title, Document.status, Document.service_date,
                     Document.updated_at, Document.author_professional_id, Document.hidden_from_professionals,
                     Document.withheld_from_medecin_traitant)
              .where(Document.patient_id == bindparam("patient_id"), Document.status != DocumentStatus.ENTERED_IN_ERROR)
              .order_by(Document.created_at.desc(), Document.id.desc()).limit(DOCUMENTS_READ))


def _read_case(db: Session, *, case: RcpCase, patient: Patient) -> SharedCase:
    diagnosis = diagnosis_record.latest(db, patient.id)
    requester = db.get(Professional, case.requester_professional_id)
    docs = tuple(SharedDocument(
        row.public_id, row.kind, row.status, row.author_professional_id, bool(row.hidden_from_professionals),
        bool(row.withheld_from_medecin_traitant),
        {"public_id": row.public_id, "title": row.title, "kind": kind_label(row.kind),
         "date": formatting.date_fr(row.service_date) or formatting.datetime_fr(row.updated_at)})
        for row in db.exec(_DOCUMENTS, params={"patient_id": patient.id}).all())
    return SharedCase(
        patient_name=patient_name(patient),
        diagnosis=f"{diagnosis.icd10_code} {diagnosis.icd10_label}".strip() if diagnosis else "Non renseigné",
        morphology=f"{diagnosis.morphology_code} {diagnosis.morphology_label}".strip() if diagnosis else "",
        tnm=tnm_label(diagnosis) or "Non renseigné",
        who=f"OMS {diagnosis.who_performance_status}" if diagnosis and diagnosis.who_performance_status is not None else "Non renseigné",
        reason=REASON_LABELS.get(case.reason, case.reason),
        question=case.question, summary=case.summary, requester=professional_label(requester) if requester else "",
        checklist=tuple(checklist(db, patient=patient, declared=json.loads(case.checklist_json or "{}"))),
        documents=docs,
    )
