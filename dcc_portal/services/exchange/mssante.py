"""Addressing documents by MSSanté (secure health messaging): the directory of mailboxes, the recipients offered for a
document, queueing one outbox row per recipient, the sending status, and "renvoyer".

- Which documents: a validated fiche RCP (signed), PPS (handed over) or report. The sender is a clinician or 3C
  secretary of the patient's care team; anyone else is refused (audited).
- Default recipients: the médecin traitant and, for a fiche RCP, the professionals named at the RCP registration
  (requester and presenter), each with their personal MSSanté mailbox; the sender unticks or adds from the directory.
- A PPS the patient has not agreed to share with the médecin traitant is never addressed to them (not offered, and
  refused if added by hand).
- Idempotent per (document version, address): sending twice queues nothing new.
- Every queued message is audited as an export of the document to a named recipient; services/exchange/mssante_worker.py
  sends them over SMTP with mutual TLS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

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
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.exchange.mssante_directory import label_of as _label
from dcc_portal.services.exchange.mssante_directory import normalize_address

SENDER_ROLES = frozenset({Role.CLINICIAN, Role.RCP_SECRETARY})
MAX_RECIPIENTS = 20
NOT_SHARED = "Le patient n'a pas accepté le partage de son PPS avec son médecin traitant."

STATUS_LABELS = {
    MailStatus.PENDING: "En attente d'envoi",
    MailStatus.SENDING: "Envoi en cours",
    MailStatus.RETRYING: "Nouvel essai prévu",
    MailStatus.SENT: "Remis à l'opérateur MSSanté",
    MailStatus.FAILED: "Refusé",
}
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


def default_recipients(db: Session, *, actor: Actor, document_public_id: str) -> list[Recipient]:
    """The recipients offered for a document, preselected (médecin traitant, correspondents of the RCP case)."""
    document, patient = _document_for_sending(db, actor=actor, document_public_id=document_public_id,
                                              detail="messagerie sécurisée : destinataires")
    found: list[Recipient] = []
    seen: set[str] = set()

    def offer(professional_id: int | None, role: str) -> None:
        if not professional_id or professional_id == actor.professional_id:
            return
        entry = db.exec(select(MssAddress).where(MssAddress.professional_id == professional_id, MssAddress.active)
                        .order_by(MssAddress.id)).first()
        if entry is None or entry.address in seen:
            return
        seen.add(entry.address)
        found.append(Recipient(entry.address, _label(entry, db.get(Professional, professional_id), role), True, professional_id))

    if not _gp_blocked(document):
        offer(patient.gp_professional_id, "médecin traitant")
    if document.kind == DocumentKind.FRCP:
        case = db.exec(select(RcpCase).where(RcpCase.document_id == document.id)).first()
        if case is not None:
            offer(case.requester_professional_id, "demandeur de la RCP")
            offer(case.presenter_professional_id, "présentateur en RCP")
    return found


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


def _row(message: MssMessage) -> Sending:
    detail = message.last_error
    if message.status == MailStatus.RETRYING and message.next_attempt_at:
        detail = f"{detail} Prochain essai {formatting.datetime_fr(message.next_attempt_at)}.".strip()
    moment = message.sent_at or message.updated_at
    return Sending(message.public_id, message.to_address, message.to_label, message.document_version, message.status,
                   STATUS_LABELS.get(message.status, message.status), STATUS_COLORS.get(message.status, "gray"), detail,
                   formatting.datetime_fr(moment), message.status == MailStatus.FAILED)


def sendings(db: Session, *, actor: Actor, document_public_id: str, limit: int = 50) -> list[Sending]:
    """The MSSanté messages of a document, newest first (what the sender and the team see)."""
    document, _patient = _document_for_sending(db, actor=actor, document_public_id=document_public_id,
                                               detail="messagerie sécurisée : suivi des envois")
    rows = db.exec(select(MssMessage).where(MssMessage.document_id == document.id)
                   .order_by(MssMessage.created_at.desc(), MssMessage.id.desc()).limit(limit)).all()
    return [_row(message) for message in rows]


def resend(db: Session, *, actor: Actor, message_public_id: str, now: datetime | None = None) -> None:
    """« Renvoyer » a refused message (after the address or the operator was fixed)."""
    message = db.exec(select(MssMessage).where(MssMessage.public_id == str(message_public_id)[:32])).first()
    if message is None:
        raise access.deny(db, actor=actor, action=AuditAction.MSS_SEND, detail="messagerie sécurisée : renvoi d'un envoi inconnu")
    document = db.get(Document, message.document_id)
    _document_for_sending(db, actor=actor, document_public_id=document.public_id, detail="messagerie sécurisée : renvoi")
    if message.status != MailStatus.FAILED:
        raise ValidationFailed({"recipients": "Seul un envoi refusé peut être renvoyé."})
    now = now or utcnow()
    message.status, message.next_attempt_at, message.updated_at = MailStatus.PENDING, now, now
    db.add(message)
    audit.record(db, actor=actor, action=AuditAction.MSS_SEND, patient_id=message.patient_id, document_id=document.public_id,
                 document_version=message.document_version,
                 detail=f"document adressé de nouveau à {message.to_label} par messagerie sécurisée"[:300])



@dataclass(frozen=True)
class Panel:
    recipients: list[Recipient]
    sendings: list[Sending]


def panel(db: Session, *, actor: Actor, document_public_id: str) -> Panel | None:
    """What the reader shows a member of the care team who may address this validated document; None for anyone
    else (nothing is offered, so nothing is refused: the reader's own access check was audited)."""
    if actor.role not in SENDER_ROLES:
        return None
    document = db.exec(select(Document).where(Document.public_id == str(document_public_id)[:32])).first()
    if document is None or not sendable(document):
        return None
    patient = db.get(Patient, document.patient_id)
    if access.grant_for(db, actor=actor, patient=patient) != Grant.CARE_TEAM:
        return None
    return Panel(default_recipients(db, actor=actor, document_public_id=document.public_id),
                 sendings(db, actor=actor, document_public_id=document.public_id))
