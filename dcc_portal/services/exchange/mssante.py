"""Addressing documents by MSSanté (secure health messaging): the directory of mailboxes, the recipients offered for a
document, queueing one outbox row per recipient, the sending status, and "renvoyer".

- Which documents: a validated fiche RCP (signed), PPS (handed over) or report. The sender is a clinician or 3C
  secretary of the patient's care team; anyone else is refused (audited).
- Default recipients: the médecin traitant; for a fiche RCP, the requester and presenter of the case and the
  « correspondants à informer » named at its registration; for a PPS or report, the correspondents of the patient's
  latest RCP registration. Each with their personal MSSanté mailbox; the sender unticks or adds from the directory.
- A PPS the patient has not agreed to share with the médecin traitant is never addressed to them (not offered, and
  refused if added by hand).
- Idempotent per (document version, address): sending twice queues nothing new.
- Every queued message is audited as an export of the document to a named recipient; services/exchange/mssante_worker.py
  sends them over SMTP with mutual TLS.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam, func
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    Document,
    DocumentKind,
    DocumentStatus,
    Grant,
    MailStatus,
    MssAddress,
    MssMessage,
    Patient,
    Professional,
    RcpCase,
    RcpCaseStatus,
    RcpCorrespondent,
    Role,
    new_public_id,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.names import LABEL_COLUMNS, professional_label
from dcc_portal.services.common.paging import PAGE_SIZE, Page
from dcc_portal.services.exchange.mssante_directory import label_of as _label
from dcc_portal.services.exchange.mssante_directory import normalize_address
from dcc_portal.services.record import documents

SENDER_ROLES = frozenset({Role.CLINICIAN, Role.RCP_SECRETARY})
MAX_RECIPIENTS = 20
NOT_SHARED = "Le patient n'a pas accepté le partage de son PPS avec son médecin traitant."

STATUS_LABELS = {
    MailStatus.PENDING: "En attente",
    MailStatus.SENDING: "Envoi en cours",
    MailStatus.RETRYING: "En attente (nouvel essai prévu)",
    MailStatus.SENT: "Envoyé",
    MailStatus.FAILED: "Refusé par l'opérateur",
}
DELIVERY_LABELS = {"delivered": ("Remis", "green"), "failed": ("Non remis", "red"), "delayed": ("Remise retardée", "amber")}
SENDINGS_PER_PAGE = 10
STATUS_COLORS = {MailStatus.PENDING: "gray", MailStatus.SENDING: "blue", MailStatus.RETRYING: "amber",
                 MailStatus.SENT: "green", MailStatus.FAILED: "red"}


@dataclass(frozen=True)
class Recipient:
    address: str
    label: str  # « Dr Claire Durand (médecin traitant) »
    preselected: bool
    professional_id: int | None = None


@dataclass(frozen=True)
class Sending:
    public_id: str
    address: str
    label: str
    version: int
    status: str
    status_label: str
    color: str
    detail: str
    at: str
    resendable: bool
    sender: str = ""
    document_kind: str = ""


# --------------------------------------------------------------------------------------------------- sending


def _document_for_sending(db: Session, *, actor: Actor, document_public_id: str, detail: str) -> tuple[Document, Patient]:
    document, patient, grant = access.require_document(db, actor=actor, document_public_id=document_public_id,
                                                       action=AuditAction.READ, detail=detail)
    if actor.role not in SENDER_ROLES or grant != Grant.CARE_TEAM:
        raise access.deny(db, actor=actor, action=AuditAction.MSS_SEND, patient_id=patient.id,
                          detail="messagerie sécurisée : réservé à l'équipe de soins")
    return document, patient


def sendable(document: Document) -> bool:
    return document.status == DocumentStatus.VALIDATED


def _gp_blocked(document: Document) -> bool:
    return document.kind == DocumentKind.PPS and document.withheld_from_medecin_traitant


# A professional's first active mailbox, with what their label needs (the row stands for both in `label_of`).
_PERSONAL_ADDRESS = dbmod.Read(
    select(MssAddress.address, MssAddress.label, *LABEL_COLUMNS)
    .join(Professional, Professional.id == MssAddress.professional_id)
    .where(MssAddress.professional_id == bindparam("professional_id"), MssAddress.active)
    .order_by(MssAddress.id).limit(1)
)


def default_recipients(db: Session, *, actor: Actor, document_public_id: str) -> list[Recipient]:
    """The recipients offered for a document, preselected (médecin traitant, correspondents of the RCP case)."""
    document, patient = _document_for_sending(db, actor=actor, document_public_id=document_public_id,
                                              detail="messagerie sécurisée : destinataires")
    found: list[Recipient] = []
    seen: set[str] = set()

    def offer(professional_id: int | None, role: str) -> None:
        if not professional_id or professional_id == actor.professional_id:
            return
        if professional_id == patient.gp_professional_id and _gp_blocked(document):
            return  # withheld from the médecin traitant, whatever else they are to this case
        entry = _PERSONAL_ADDRESS.first(db, {"professional_id": professional_id})
        if entry is None or entry.address in seen:
            return
        seen.add(entry.address)
        found.append(Recipient(entry.address, _label(entry, entry, role), True, professional_id))

    offer(patient.gp_professional_id, "médecin traitant")
    case_id = None
    if document.kind == DocumentKind.FRCP:
        case = db.exec(select(RcpCase).where(RcpCase.document_id == document.id)).first()
        if case is not None:
            offer(case.requester_professional_id, "demandeur de la RCP")
            offer(case.presenter_professional_id, "présentateur en RCP")
            case_id = case.id
    else:
        case_id = _latest_case_id(db, patient.id)
    for professional_id in _correspondents_of(db, case_id):
        offer(professional_id, "correspondant à informer")
    return found


_CORRESPONDENTS = dbmod.Read(select(RcpCorrespondent.professional_id)
                             .where(RcpCorrespondent.case_id == bindparam("case_id")).order_by(RcpCorrespondent.id))


def _correspondents_of(db: Session, case_id: int | None) -> list[int]:
    if case_id is None:
        return []
    return _CORRESPONDENTS.scalars(db, {"case_id": case_id})


_LATEST_CASE = dbmod.Read(
    select(RcpCase.id).where(RcpCase.patient_id == bindparam("patient_id"), RcpCase.status != RcpCaseStatus.WITHDRAWN)
    .order_by(RcpCase.created_at.desc(), RcpCase.id.desc()).limit(1)
)


def _latest_case_id(db: Session, patient_id: int) -> int | None:
    """The patient's most recent RCP registration still standing: its correspondents follow the PPS and reports."""
    return _LATEST_CASE.scalar(db, {"patient_id": patient_id})


def send(db: Session, *, actor: Actor, document_public_id: str, addresses: list[str], now: datetime | None = None) -> list[str]:
    """Queue the current validated version for each chosen address; returns the addresses newly queued."""
    document, patient = _document_for_sending(db, actor=actor, document_public_id=document_public_id,
                                              detail="messagerie sécurisée : envoi")
    now = now or utcnow()
    if not sendable(document):
        raise ValidationFailed({"recipients": "Seul un document validé (signé, remis) peut être adressé."})
    chosen = list(dict.fromkeys(normalize_address(a) for a in addresses if normalize_address(a)))
    if not chosen:
        raise ValidationFailed({"recipients": "Choisissez au moins un destinataire."})
    if len(chosen) > MAX_RECIPIENTS:
        raise ValidationFailed({"recipients": f"{MAX_RECIPIENTS} destinataires au plus."})
    entries = {entry.address: entry for entry in db.exec(select(MssAddress).where(MssAddress.address.in_(chosen),
                                                                                  MssAddress.active)).all()}
    unknown = [address for address in chosen if address not in entries]
    if unknown:
        raise ValidationFailed({"recipients": "Adresse absente de l'annuaire MSSanté : " + ", ".join(unknown[:3])})
    return queue(db, actor=actor, document=document, patient=patient, entries=[entries[a] for a in chosen], now=now)


def queue(db: Session, *, actor: Actor, document: Document, patient: Patient, entries: list[MssAddress],
          now: datetime | None = None) -> list[str]:
    """Queue the current version for each directory entry not yet sent it (audited); no access check here (callers
    do it)."""
    if _gp_blocked(document) and patient.gp_professional_id and any(
            entry.professional_id == patient.gp_professional_id for entry in entries):
        raise ValidationFailed({"recipients": NOT_SHARED})
    now = now or utcnow()
    version = document.current_version
    queued: list[str] = []
    for entry in entries:
        address = entry.address
        existing = db.exec(select(MssMessage.id).where(MssMessage.document_id == document.id,
                                                       MssMessage.document_version == version,
                                                       MssMessage.to_address == address)).first()
        if existing is not None:
            continue
        professional = db.get(Professional, entry.professional_id) if entry.professional_id else None
        role = "médecin traitant" if professional and professional.id == patient.gp_professional_id else ""
        label = _label(entry, professional, role)
        db.add(MssMessage(document_id=document.id, document_version=version, patient_id=patient.id, to_address=address,
                          to_label=label[:200], to_professional_id=entry.professional_id, sender_account_id=actor.account_id,
                          sender_professional_id=actor.professional_id, status=MailStatus.PENDING, next_attempt_at=now,
                          created_at=now, updated_at=now))
        audit.record(db, actor=actor, action=AuditAction.MSS_SEND, patient_id=patient.id, document_id=document.public_id,
                     document_version=version, detail=f"document adressé à {label} par messagerie sécurisée ({address})"[:300])
        queued.append(address)
    db.flush()
    return queued


def _undelivered(message: MssMessage) -> bool:
    """Refused by the operator, or accepted and then reported not delivered: « Renvoyer » is offered."""
    return message.status == MailStatus.FAILED or message.delivery == "failed"


def _row(message: MssMessage) -> Sending:
    label, color = STATUS_LABELS.get(message.status, message.status), STATUS_COLORS.get(message.status, "gray")
    detail = message.last_error
    if message.status == MailStatus.RETRYING and message.next_attempt_at:
        detail = f"{detail} Prochain essai {formatting.datetime_fr(message.next_attempt_at)}.".strip()
    if message.status == MailStatus.SENT and message.read_at:
        label, color = "Lu", "green"
        detail = f"Ouvert par le destinataire le {formatting.datetime_fr(message.read_at)}."
    elif message.status == MailStatus.SENT and message.delivery in DELIVERY_LABELS:
        label, color = DELIVERY_LABELS[message.delivery]
        detail = message.delivery_detail or f"Remis dans sa boîte le {formatting.datetime_fr(message.delivered_at)}."
    moment = message.sent_at or message.updated_at
    return Sending(message.public_id, message.to_address, message.to_label, message.document_version, message.status,
                   label, color, detail, formatting.datetime_fr(moment), _undelivered(message))


def _page(db: Session, query, page: int, size: int) -> tuple[list, int, int]:
    total = db.exec(select(func.count()).select_from(query.subquery())).one()
    page = max(1, min(int(page or 1), max(1, -(-total // size))))
    found = db.exec(query.order_by(MssMessage.created_at.desc(), MssMessage.id.desc())
                    .offset((page - 1) * size).limit(size)).all()
    return found, page, total


def sendings(db: Session, *, actor: Actor, document_public_id: str, page: int = 1) -> Page:
    """The MSSanté messages of a document, newest first, a page at a time (what the sender and the team see)."""
    document, _patient = _document_for_sending(db, actor=actor, document_public_id=document_public_id,
                                               detail="messagerie sécurisée : suivi des envois")
    found, page, total = _page(db, select(MssMessage).where(MssMessage.document_id == document.id), page, SENDINGS_PER_PAGE)
    return Page([_row(message) for message in found], page, SENDINGS_PER_PAGE, total)


def board(db: Session, *, actor: Actor, page: int = 1) -> Page:
    """Every MSSanté message of the network, newest first (administrator): recipient, status, the operator's reason
    for a refusal, the kind of document and its sender; never the patient's name nor the document's title."""
    access.require_role(db, actor=actor, roles={Role.ADMIN}, action=AuditAction.ADMIN, detail="messagerie sécurisée : suivi")
    query = select(MssMessage, Document.kind, Professional).join(Document, Document.id == MssMessage.document_id) \
        .join(Professional, Professional.id == MssMessage.sender_professional_id, isouter=True)
    found, page, total = _page(db, query, page, PAGE_SIZE)
    items = [replace(_row(message), sender=professional_label(sender) if sender else "",
                     document_kind=documents.kind_label(kind)) for message, kind, sender in found]
    return Page(items, page, PAGE_SIZE, total)


def resend(db: Session, *, actor: Actor, message_public_id: str, now: datetime | None = None) -> None:
    """« Renvoyer » a refused or undelivered message (after the address, the mailbox or the operator was fixed). An
    undelivered one was accepted by the operator: it goes again as a new message, with a new Message-ID."""
    message = db.exec(select(MssMessage).where(MssMessage.public_id == str(message_public_id)[:32])).first()
    if message is None:
        raise access.deny(db, actor=actor, action=AuditAction.MSS_SEND, detail="messagerie sécurisée : renvoi d'un envoi inconnu")
    document = db.get(Document, message.document_id)
    if actor.role == Role.ADMIN:  # from the network-wide board, once the directory or the operator was fixed
        access.require_role(db, actor=actor, roles={Role.ADMIN}, action=AuditAction.ADMIN, detail="messagerie sécurisée : renvoi")
    else:
        _document_for_sending(db, actor=actor, document_public_id=document.public_id, detail="messagerie sécurisée : renvoi")
    if not _undelivered(message):
        raise ValidationFailed({"recipients": "Seul un envoi refusé ou non remis peut être renvoyé."})
    patient = db.get(Patient, message.patient_id)
    if not sendable(document):
        raise ValidationFailed({"recipients": "Ce document n'est plus validé : il ne peut pas être renvoyé."})
    if _gp_blocked(document) and message.to_professional_id and message.to_professional_id == patient.gp_professional_id:
        raise ValidationFailed({"recipients": NOT_SHARED})
    now = now or utcnow()
    if message.delivery == "failed":
        message.public_id, message.delivery, message.delivery_detail, message.sent_at = new_public_id(), "", "", None
    message.status, message.next_attempt_at, message.updated_at = MailStatus.PENDING, now, now
    db.add(message)
    audit.record(db, actor=actor, action=AuditAction.MSS_SEND, patient_id=message.patient_id, document_id=document.public_id,
                 document_version=message.document_version,
                 detail=f"document adressé de nouveau à {message.to_label} par messagerie sécurisée"[:300])



@dataclass(frozen=True)
class Panel:
    recipients: list[Recipient]
    sendings: Page


def panel(db: Session, *, actor: Actor, document_public_id: str, page: int = 1) -> Panel | None:
    """What the reader shows a member of the care team who may address this validated document; None for anyone
    else (nothing is offered, so nothing is refused: the reader's own access check was audited)."""
    if actor.role not in SENDER_ROLES:
        return None
    found = access.document_by_public_id(db, str(document_public_id)[:32])
    if found is None or not sendable(found[0]):
        return None
    document, patient = found
    if access.grant_for(db, actor=actor, patient=patient) != Grant.CARE_TEAM:
        return None
    return Panel(default_recipients(db, actor=actor, document_public_id=document.public_id),
                 sendings(db, actor=actor, document_public_id=document.public_id, page=page))
