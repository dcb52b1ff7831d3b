"""Feeding the DMP: the outbox of document-sharing submissions, the status board and the patient's opposition.

- `on_validated` is called by documents.validate, in the validating transaction: a document marked for the DMP
  (Document.share_with_dmp) gets one submission for its validated version, with its CDA R2 document frozen in the
  file store. A newer version replaces the previous one at the recipient (relatesTo "replaces"); a previous version
  that was never tried is superseded at once, one that was tried goes first (a worker sends the versions of one
  document in order).
- services/exchange/sharing_worker.py sends the submissions (ITI-65), retries, and records the outcome.
- The board lists submissions (team: the patients of my care teams; admin: all), paginated in SQL; resend and cancel
  are role-checked and audited.
- A patient opposed to DMP feeding gets no submission sent: new ones are recorded as cancelled with that reason,
  open ones are cancelled when the opposition is recorded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, or_, update
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    OPEN_SUBMISSION_STATUSES,
    AuditAction,
    AuditOutcome,
    Document,
    DocumentStatus,
    Grant,
    Patient,
    Professional,
    Role,
    SharingSubmission,
    SubmissionKind,
    SubmissionStatus,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs, storage
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.names import patient_name, professional_label
from dcc_portal.services.common.paging import PAGE_SIZE, Page
from dcc_portal.services.common.storage import FilePayload
from dcc_portal.services.exchange import (
    cda_facts,
    cda_n1,
    dmp_metadata,
    sharing_updates,
    xdm,
)
from dcc_portal.services.exchange.dmp_metadata import DocumentMetadata
from dcc_portal.services.exchange.sharing_updates import visibility_codes
from dcc_portal.services.record import documents

TEAM_VIEW_ROLES = frozenset({Role.CLINICIAN, Role.NURSE, Role.RCP_SECRETARY})
TEAM_ACTION_ROLES = frozenset({Role.CLINICIAN, Role.RCP_SECRETARY})
OPPOSITION_REASON = "Opposition du patient à l'alimentation du DMP."
NO_INS = "INS du patient absente : le DMP n'accepte que des documents identifiés par l'INS. Renvoyez une fois l'INS qualifiée."

STATUS_LABELS = {
    SubmissionStatus.PENDING: "En attente d'envoi",
    SubmissionStatus.SENDING: "Envoyé, réponse attendue",
    SubmissionStatus.RETRYING: "Nouvel essai prévu",
    SubmissionStatus.ACKNOWLEDGED: "Reçu par le DMP",
    SubmissionStatus.REJECTED: "Refusé",
    SubmissionStatus.CANCELLED: "Annulé",
    SubmissionStatus.SUPERSEDED: "Remplacé",
}
KIND_LABELS = {
    SubmissionKind.INITIAL: "Envoi initial",
    SubmissionKind.REPLACEMENT: "Remplacement",
    SubmissionKind.UPDATE: "Mise à jour de la visibilité",
    SubmissionKind.WITHDRAWAL: "Retrait du DMP",
}
STATUS_COLORS = {
    SubmissionStatus.PENDING: "gray",
    SubmissionStatus.SENDING: "blue",
    SubmissionStatus.RETRYING: "amber",
    SubmissionStatus.ACKNOWLEDGED: "green",
    SubmissionStatus.REJECTED: "red",
    SubmissionStatus.CANCELLED: "gray",
    SubmissionStatus.SUPERSEDED: "gray",
}
# Board filters -> statuses.
FILTERS: dict[str, tuple[str, ...]] = {
    "all": (),
    "rejected": (SubmissionStatus.REJECTED,),
    "waiting": (SubmissionStatus.PENDING, SubmissionStatus.SENDING),
    "retrying": (SubmissionStatus.RETRYING,),
    "acknowledged": (SubmissionStatus.ACKNOWLEDGED,),
    "closed": (SubmissionStatus.CANCELLED, SubmissionStatus.SUPERSEDED),
}
RESENDABLE = frozenset({SubmissionStatus.REJECTED, SubmissionStatus.CANCELLED})
CANCELLABLE = frozenset({SubmissionStatus.PENDING, SubmissionStatus.RETRYING, SubmissionStatus.REJECTED})


# --------------------------------------------------------------------------------------------------- queueing


def _derived_ids(document: Document, version: int) -> tuple[str, str]:
    return (dmp_metadata.derived_uuid("entry", document.public_id, version),
            dmp_metadata.derived_uuid("submission-set", document.public_id, version))


def _store_package(submission: SharingSubmission, package: cda_n1.CdaPackage) -> None:
    name, _sha256 = storage.put(package.xml)
    submission.cda_file = name
    submission.cda_sha1 = hashlib.sha1(package.xml).hexdigest()  # noqa: S324 - the hash XDS/MHD define
    submission.cda_size = len(package.xml)
    submission.unique_id = package.unique_id
    submission.format_code = package.format_code
    submission.cda_level = package.level


def _build(db: Session, submission: SharingSubmission, document: Document, patient: Patient) -> str:
    """Freeze the CDA of the submission's version; returns a French reason when it cannot be built."""
    version = documents.version_row(db, document=document, version=submission.document_version)
    try:
        package = cda_n1.package(db, document=document, version=version, patient=patient,
                                 authenticator_professional_id=submission.authenticator_professional_id)
    except cda_n1.NotShareable as problem:
        return problem.reason
    _store_package(submission, package)
    return ""


def on_validated(db: Session, *, actor: Actor, document: Document, now: datetime | None = None) -> SharingSubmission | None:
    """Queue the validated version of a document marked for the DMP (same transaction as the validation)."""
    if not document.share_with_dmp or document.status != DocumentStatus.VALIDATED:
        return None
    now = now or utcnow()
    number = document.current_version
    existing = db.exec(select(SharingSubmission).where(SharingSubmission.document_id == document.id,
                                                       SharingSubmission.document_version == number,
                                                       SharingSubmission.metadata_version == 1)).first()
    if existing is not None:
        return existing
    patient = db.get(Patient, document.patient_id)
    for older in db.exec(select(SharingSubmission).where(
        SharingSubmission.document_id == document.id, SharingSubmission.document_version < number,
        SharingSubmission.status == SubmissionStatus.PENDING, SharingSubmission.attempts == 0,
    )).all():
        older.status = SubmissionStatus.SUPERSEDED
        older.closed_reason = f"Remplacé par la version {number} avant tout envoi."
        older.next_attempt_at = None
        older.updated_at = now
        db.add(older)
    entry_uuid, set_uuid = _derived_ids(document, number)
    earlier = db.exec(select(SharingSubmission.id).where(SharingSubmission.document_id == document.id,
                                                        SharingSubmission.document_version < number)).first()
    submission = SharingSubmission(
        document_id=document.id, document_version=number, patient_id=patient.id, status=SubmissionStatus.PENDING,
        kind=SubmissionKind.REPLACEMENT if earlier is not None else SubmissionKind.INITIAL,
        unique_id="", entry_uuid=entry_uuid, submission_set_uuid=set_uuid,
        authenticator_professional_id=actor.professional_id or document.author_professional_id,
        next_attempt_at=now, created_at=now, updated_at=now,
    )
    # Without an INS the CDA would carry no national identity: it is built when the team resends, INS recorded.
    problem = NO_INS if not (patient.ins and patient.ins_oid) else _build(db, submission, document, patient)
    if problem:
        submission.status = SubmissionStatus.REJECTED
        submission.last_error = problem
        submission.next_attempt_at = None
    elif patient.dmp_opposed_at is not None:
        submission.status = SubmissionStatus.CANCELLED
        submission.closed_reason = OPPOSITION_REASON
        submission.next_attempt_at = None
    db.add(submission)
    db.flush()
    return submission


def on_entered_in_error(db: Session, *, actor: Actor, document: Document, now: datetime | None = None) -> int:
    """A document entered in error: its open, unclaimed submissions are cancelled, and the version the DMP registered
    is withdrawn (a metadata update that deprecates it, services/exchange/sharing_updates.py)."""
    now = now or utcnow()
    cancelled = _close_open(db, SharingSubmission.document_id == document.id, reason="Document retiré (saisi par erreur).",
                            now=now)
    sharing_updates.withdraw(db, document=document, now=now)
    return cancelled


def _close_open(db: Session, clause, *, reason: str, now: datetime, account_id: int | None = None) -> int:
    result = db.execute(
        update(SharingSubmission)
        .where(clause, SharingSubmission.status.in_([SubmissionStatus.PENDING, SubmissionStatus.RETRYING]))
        .values(status=SubmissionStatus.CANCELLED, closed_reason=reason[:300], closed_by_account_id=account_id,
                next_attempt_at=None, updated_at=now)
    )
    return result.rowcount or 0


# --------------------------------------------------------------------------------------------------- metadata


def _replaced(db: Session, submission: SharingSubmission) -> SharingSubmission | None:
    return db.exec(
        select(SharingSubmission)
        .where(SharingSubmission.document_id == submission.document_id,
               SharingSubmission.document_version < submission.document_version,
               SharingSubmission.status == SubmissionStatus.ACKNOWLEDGED)
        .order_by(SharingSubmission.document_version.desc())
    ).first()


def metadata_for(db: Session, *, submission: SharingSubmission, now: datetime) -> tuple[DocumentMetadata, bytes]:
    """The metadata and the frozen CDA of a submission, as they are sent now. Every field the CDA carries is read
    from that CDA (services/exchange/cda_facts.py); the visibility flags are read at sending time."""
    document = db.get(Document, submission.document_id)
    patient = db.get(Patient, submission.patient_id)
    if not patient.ins or not patient.ins_oid:
        raise cda_n1.NotShareable(NO_INS)
    if submission.cda_file is None:
        raise cda_n1.NotShareable(submission.last_error or "Document CDA absent.")
    data = storage.get(submission.cda_file)
    if hashlib.sha1(data).hexdigest() != submission.cda_sha1:  # noqa: S324
        raise RuntimeError("stored CDA does not match its recorded SHA-1")
    replaced = _replaced(db, submission)
    is_update = submission.kind in (SubmissionKind.UPDATE, SubmissionKind.WITHDRAWAL)
    if is_update and not submission.recipient_id:
        raise cda_n1.NotShareable("Mise à jour impossible : identifiant du document chez le destinataire inconnu.")
    try:
        meta = dmp_metadata.from_cda(
            cda_facts.read(data), entry_uuid=submission.entry_uuid, submission_set_uuid=submission.submission_set_uuid,
            format_code=submission.format_code, visibility=visibility_codes(document, patient), submission_time=now,
            size=len(data), sha1_hex=submission.cda_sha1, version=submission.document_version,
            replaces_entry_uuid=replaced.entry_uuid if replaced and not is_update else "",
            replaces_recipient_id=replaced.recipient_id if replaced and not is_update else "",
            metadata_version=submission.metadata_version, update_of=submission.recipient_id if is_update else "",
            status="superseded" if submission.kind == SubmissionKind.WITHDRAWAL else "current",
        )
    except (cda_facts.UnreadableCda, LookupError, ValueError) as problem:
        raise cda_n1.NotShareable(f"Métadonnées DMP impossibles à lire dans le document CDA : {problem}") from problem
    return meta, data


# --------------------------------------------------------------------------------------------------- opposition


@dataclass(frozen=True)
class Opposition:
    patient_public_id: str
    opposed: bool
    since: str
    source: str  # "le patient" | "l'équipe de soins"
    open_submissions: int


def _opposition_patient(db: Session, *, actor: Actor, patient_public_id: str, action: str, detail: str,
                        now: datetime | None, refuse_outside_team: bool = True) -> Patient | None:
    """The patient themself, or a member of their care team (audited either way). A professional holding the record
    otherwise (emergency access, RCP, médecin traitant) is refused, or gets None when `refuse_outside_team` is off."""
    if actor.role == Role.PATIENT:
        patient = db.get(Patient, actor.patient_id) if actor.patient_id else None
        if patient is None:
            raise access.deny(db, actor=actor, action=action, detail=detail)
        patient_public_id = patient.public_id
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id, action=action,
                                            detail=detail, now=now)
    if grant not in (Grant.SELF, Grant.CARE_TEAM):
        if not refuse_outside_team:
            return None
        raise access.deny(db, actor=actor, action=action, patient_id=patient.id, detail=f"{detail} : hors équipe de soins")
    return patient


# Every patient file of the team shows it; fixed statuses as equalities, not an IN list (db.Read).
_OPEN_SUBMISSIONS = dbmod.Read(select(func.count(SharingSubmission.id)).where(
    SharingSubmission.patient_id == bindparam("patient_id"),
    or_(*(SharingSubmission.status == status for status in sorted(OPEN_SUBMISSION_STATUSES)))))


def opposition(db: Session, *, actor: Actor, patient_public_id: str = "", now: datetime | None = None) -> Opposition | None:
    """The patient's opposition to DMP feeding, for the patient and the care team; None for a professional who
    holds the record outside the team (their page has no DMP panel: the team records the opposition)."""
    patient = _opposition_patient(db, actor=actor, patient_public_id=patient_public_id, action=AuditAction.READ,
                                  detail="opposition à l'alimentation du DMP", now=now, refuse_outside_team=False)
    if patient is None:
        return None
    open_count = _OPEN_SUBMISSIONS.scalar(db, {"patient_id": patient.id})
    return Opposition(
        patient_public_id=patient.public_id, opposed=patient.dmp_opposed_at is not None,
        since=formatting.datetime_fr(patient.dmp_opposed_at),
        source={"patient": "le patient", "team": "l'équipe de soins"}.get(patient.dmp_opposition_source or "", ""),
        open_submissions=open_count,
    )


def set_opposition(db: Session, *, actor: Actor, opposed: bool, patient_public_id: str = "", now: datetime | None = None) -> int:
    """Record or lift the opposition. Returns how many queued submissions were cancelled."""
    now = now or utcnow()
    what = "opposition à l'alimentation du DMP" if opposed else "levée de l'opposition à l'alimentation du DMP"
    patient = _opposition_patient(db, actor=actor, patient_public_id=patient_public_id, action=AuditAction.UPDATE,
                                  detail=what, now=now)
    cancelled = 0
    if opposed and patient.dmp_opposed_at is None:
        patient.dmp_opposed_at = now
        patient.dmp_opposition_source = "patient" if actor.role == Role.PATIENT else "team"
        cancelled = _close_open(db, SharingSubmission.patient_id == patient.id, reason=OPPOSITION_REASON, now=now,
                                account_id=actor.account_id)
    elif not opposed and patient.dmp_opposed_at is not None:
        patient.dmp_opposed_at = None
        patient.dmp_opposition_source = None
    db.add(patient)
    source = "par le patient" if actor.role == Role.PATIENT else "par l'équipe, à la demande du patient"
    audit.record(db, actor=actor, action=AuditAction.DMP_OPPOSITION, patient_id=patient.id,
                 grant=Grant.SELF if actor.role == Role.PATIENT else Grant.CARE_TEAM,
                 detail=f"{what} {source}" + (f" ; {cancelled} envoi(s) annulé(s)" if cancelled else ""))
    return cancelled


# --------------------------------------------------------------------------------------------------- the board


@dataclass(frozen=True)
class SubmissionRow:
    public_id: str
    patient: str  # team: the name; admin: the local id
    patient_public_id: str  # team only
    document: str  # team: the title; admin: the kind
    kind_label: str
    submission_kind: str  # SubmissionKind
    submission_kind_label: str
    version: int
    status: str
    status_label: str
    status_color: str
    detail: str  # the reason, or when the next attempt is due (Paris time)
    attempts: int
    last_attempt: str
    created: str
    can_resend: bool
    can_cancel: bool
    can_download: bool


@dataclass(frozen=True)
class Board:
    page: Page
    counts: dict[str, int]
    patient_name: str = ""


def _detail(submission: SharingSubmission) -> str:
    status = submission.status
    if status == SubmissionStatus.RETRYING:
        when = formatting.datetime_fr(submission.next_attempt_at)
        return f"Prochain essai le {when}." + (f" Dernière erreur : {submission.last_error}" if submission.last_error else "")
    if status == SubmissionStatus.REJECTED:
        return submission.last_error or "Refusé."
    if status in (SubmissionStatus.CANCELLED, SubmissionStatus.SUPERSEDED):
        return submission.closed_reason
    if status == SubmissionStatus.ACKNOWLEDGED:
        return f"Accusé de réception le {formatting.datetime_fr(submission.acknowledged_at)}."
    if status == SubmissionStatus.SENDING:
        return f"Envoi commencé le {formatting.datetime_fr(submission.last_attempt_at)}."
    return "Sera envoyé dans quelques instants."


def _team_scope(actor: Actor, today):
    return SharingSubmission.patient_id.in_(access.team_patient_ids(actor.professional_id, today))


def board(db: Session, *, actor: Actor, page: int = 1, status_filter: str = "all", patient_public_id: str = "",
          now: datetime | None = None) -> Board:
    """Submissions newest first, paginated in SQL, with the count of each status in the same scope."""
    action = AuditAction.SEARCH
    access.require_role(db, actor=actor, roles=TEAM_VIEW_ROLES | {Role.ADMIN}, action=action, detail="tableau de partage DMP")
    team = actor.role != Role.ADMIN
    today = formatting.paris_today(now)
    clauses = []
    name = ""
    scoped_patient_id = None
    if patient_public_id:
        if team:
            patient, _grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id, action=AuditAction.READ,
                                                     detail="envois au DMP du patient", now=now)
        else:
            patient = db.exec(select(Patient).where(Patient.public_id == str(patient_public_id)[:32])).first()
            if patient is None:
                raise access.deny(db, actor=actor, action=action, detail="tableau de partage DMP : patient inconnu")
        clauses.append(SharingSubmission.patient_id == patient.id)
        scoped_patient_id = patient.id
        name = patient_name(patient) if team else patient.local_id
    elif team:
        clauses.append(_team_scope(actor, today))
    if team:
        # MASQUE_PS: a document hidden from professionals is listed only to its author.
        clauses.append(or_(Document.hidden_from_professionals.is_(False), Document.author_professional_id == actor.professional_id))
    base = select(SharingSubmission, Document, Patient).join(Document, Document.id == SharingSubmission.document_id).join(
        Patient, Patient.id == SharingSubmission.patient_id)
    count_base = select(SharingSubmission.status, func.count(SharingSubmission.id)).join(
        Document, Document.id == SharingSubmission.document_id)
    for clause in clauses:
        base = base.where(clause)
        count_base = count_base.where(clause)
    counts = {status: 0 for status in SubmissionStatus}
    counts.update({status: total for status, total in db.exec(count_base.group_by(SharingSubmission.status)).all()})
    statuses = FILTERS.get(status_filter, ())
    if statuses:
        base = base.where(SharingSubmission.status.in_(list(statuses)))
    total = sum(counts[s] for s in statuses) if statuses else sum(counts.values())
    page = max(1, min(int(page or 1), 10_000))
    rows = db.exec(base.order_by(SharingSubmission.created_at.desc(), SharingSubmission.id.desc())
                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    can_act = actor.role in TEAM_ACTION_ROLES | {Role.ADMIN}
    items = [
        SubmissionRow(
            public_id=submission.public_id,
            patient=patient_name(patient) if team else patient.local_id,
            patient_public_id=patient.public_id if team else "",
            document=document.title if team else documents.kind_label(document.kind),
            kind_label=documents.kind_label(document.kind),
            submission_kind=submission.kind,
            submission_kind_label=KIND_LABELS.get(submission.kind, submission.kind),
            version=submission.document_version,
            status=submission.status,
            status_label=STATUS_LABELS.get(submission.status, submission.status),
            status_color=STATUS_COLORS.get(submission.status, "gray"),
            detail=_detail(submission),
            attempts=submission.attempts,
            last_attempt=formatting.datetime_fr(submission.last_attempt_at),
            created=formatting.datetime_fr(submission.created_at),
            can_resend=can_act and submission.status in RESENDABLE and (
                patient.dmp_opposed_at is None or submission.kind == SubmissionKind.WITHDRAWAL),
            can_cancel=can_act and submission.status in CANCELLABLE,
            can_download=team and submission.cda_file is not None,
        )
        for submission, document, patient in rows
    ]
    label = status_filter if status_filter in FILTERS else "all"
    audit.record(db, actor=actor, action=action, patient_id=scoped_patient_id, grant=Grant.ADMIN if not team else "",
                 detail=f"tableau de partage DMP, filtre {label}, page {page}, {len(items)} ligne(s)")
    return Board(Page(items=items, page=page, page_size=PAGE_SIZE, total=total), {str(k): v for k, v in counts.items()}, name)


# --------------------------------------------------------------------------------------------------- actions


def _submission_for_action(db: Session, *, actor: Actor, submission_public_id: str, action: str, detail: str,
                           now: datetime | None) -> tuple[SharingSubmission, Document, Patient, str]:
    """The submission, if the actor may act on it: a clinician or RCP secretary of the patient's care team, or an
    administrator. The access is audited (the caller audits the action itself)."""
    submission = None
    if isinstance(submission_public_id, str) and 0 < len(submission_public_id) <= 32:
        submission = db.exec(select(SharingSubmission).where(SharingSubmission.public_id == submission_public_id)).first()
    if submission is None:
        raise access.deny(db, actor=actor, action=action, detail=f"{detail} : envoi inconnu")
    document = db.get(Document, submission.document_id)
    patient = db.get(Patient, submission.patient_id)
    if actor.role == Role.ADMIN:
        access.require_role(db, actor=actor, roles={Role.ADMIN}, action=action, detail=detail)
        return submission, document, patient, Grant.ADMIN
    if actor.role not in TEAM_ACTION_ROLES:
        raise access.deny(db, actor=actor, action=action, patient_id=patient.id, detail=f"{detail} : rôle non autorisé")
    document, patient, grant = access.require_document(db, actor=actor, document_public_id=document.public_id, action=action,
                                                       document_version=submission.document_version, detail=detail, now=now)
    if grant != Grant.CARE_TEAM:
        raise access.deny(db, actor=actor, action=action, patient_id=patient.id, detail=f"{detail} : hors équipe de soins")
    return submission, document, patient, grant


def _stale() -> ValidationFailed:
    return ValidationFailed({"submission": "Le statut de cet envoi vient de changer : la liste a été actualisée."})


def resend(db: Session, *, actor: Actor, submission_public_id: str, now: datetime | None = None) -> None:
    """Queue a rejected or cancelled submission again (same identifiers: the recipient recognises a duplicate)."""
    now = now or utcnow()
    submission, document, patient, grant = _submission_for_action(
        db, actor=actor, submission_public_id=submission_public_id, action=AuditAction.UPDATE, detail="renvoi au DMP", now=now)
    if submission.status not in RESENDABLE:
        raise _stale()
    withdrawal = submission.kind == SubmissionKind.WITHDRAWAL  # removing a document from the DMP may always be retried
    if patient.dmp_opposed_at is not None and not withdrawal:
        raise ValidationFailed({"submission": "Le patient s'oppose à l'alimentation du DMP : aucun envoi n'est possible."})
    if document.status != DocumentStatus.VALIDATED and not withdrawal:
        raise ValidationFailed({"submission": "Ce document a été retiré : il ne peut plus être envoyé."})
    newer = db.exec(select(SharingSubmission.id).where(
        SharingSubmission.document_id == document.id, SharingSubmission.document_version > submission.document_version)).first()
    if newer is not None or document.current_version != submission.document_version:
        raise ValidationFailed({"submission": "Une version plus récente de ce document existe : c'est elle qui est envoyée."})
    previous = submission.status
    if not (patient.ins and patient.ins_oid):
        raise ValidationFailed({"submission": NO_INS})
    if submission.cda_file is None:
        problem = _build(db, submission, document, patient)
        if problem:
            submission.last_error = problem
            submission.updated_at = now
            db.add(submission)
            raise ValidationFailed({"submission": problem})
    updated = db.execute(
        update(SharingSubmission)
        .where(SharingSubmission.id == submission.id, SharingSubmission.status == previous)
        .values(status=SubmissionStatus.PENDING, next_attempt_at=now, last_error="", closed_reason="",
                closed_by_account_id=None, lease_owner="", lease_expires_at=None, updated_at=now,
                cda_file=submission.cda_file, cda_sha1=submission.cda_sha1, cda_size=submission.cda_size,
                unique_id=submission.unique_id, format_code=submission.format_code, cda_level=submission.cda_level)
    )
    if updated.rowcount != 1:
        raise _stale()
    db.expire(submission)
    audit.record(db, actor=actor, action=AuditAction.SHARE_RESEND, patient_id=patient.id, grant=grant,
                 document_id=document.public_id, document_version=submission.document_version,
                 detail=f"renvoi au DMP demandé (était : {STATUS_LABELS.get(previous, previous)})")


def cancel(db: Session, *, actor: Actor, submission_public_id: str, reason: str = "", now: datetime | None = None) -> None:
    now = now or utcnow()
    submission, document, patient, grant = _submission_for_action(
        db, actor=actor, submission_public_id=submission_public_id, action=AuditAction.UPDATE, detail="annulation d'un envoi au DMP", now=now)
    reason = inputs.line(reason, 200)
    if submission.status == SubmissionStatus.SENDING:
        raise ValidationFailed({"submission": "Envoi en cours : attendez la réponse du DMP avant d'annuler."})
    if submission.status not in CANCELLABLE:
        raise ValidationFailed({"submission": "Cet envoi est déjà terminé : il ne peut plus être annulé."})
    previous = submission.status
    text = f"Annulé par {actor.display_name}" + (f" : {reason}" if reason else ".")
    updated = db.execute(
        update(SharingSubmission)
        .where(SharingSubmission.id == submission.id, SharingSubmission.status == previous)
        .values(status=SubmissionStatus.CANCELLED, closed_reason=text[:300], closed_by_account_id=actor.account_id,
                next_attempt_at=None, updated_at=now)
    )
    if updated.rowcount != 1:
        raise _stale()
    db.expire(submission)
    audit.record(db, actor=actor, action=AuditAction.SHARE_CANCEL, patient_id=patient.id, grant=grant,
                 document_id=document.public_id, document_version=submission.document_version,
                 detail=f"envoi au DMP annulé (était : {STATUS_LABELS.get(previous, previous)})" + (f" : {reason}" if reason else ""))


# --------------------------------------------------------------------------------------------------- export


def produce_xdm(db: Session, *, actor: Actor, target: str, variant: str = ""):
    """Download producer: the XDM ZIP of a submission, for a manual upload (team members of the patient; audited)."""
    submission = db.exec(select(SharingSubmission).where(SharingSubmission.public_id == str(target)[:32])).first()
    if submission is None or actor.role not in TEAM_VIEW_ROLES:
        raise access.deny(db, actor=actor, action=AuditAction.EXPORT, detail="export XDM refusé")
    document = db.get(Document, submission.document_id)
    _document, patient, grant = access.require_document(db, actor=actor, document_public_id=document.public_id,
                                                        action=AuditAction.EXPORT, document_version=submission.document_version,
                                                        detail="export XDM pour le DMP")
    if grant != Grant.CARE_TEAM:
        raise access.deny(db, actor=actor, action=AuditAction.EXPORT, patient_id=patient.id, detail="export XDM : hors équipe de soins")
    meta, data = metadata_for(db, submission=submission, now=utcnow())
    return FilePayload(xdm.archive(meta, data, sender=professional_sender(db, actor)), "application/zip",
                       xdm.file_name(patient.local_id, submission.document_version))


def professional_sender(db: Session, actor: Actor | None) -> str:
    if actor is None or actor.professional_id is None:
        return "l'exploitant du DCC"
    professional = db.get(Professional, actor.professional_id)
    return professional_label(professional) if professional else actor.display_name


def export_xdm(db: Session, *, document_public_id: str, version: int | None = None, operator: str = "") -> tuple[str, bytes]:
    """Operator (CLI) export: the XDM of a document version's submission (audited as an operator export)."""
    document = db.exec(select(Document).where(Document.public_id == str(document_public_id)[:32])).first()
    if document is None:
        raise LookupError("Document inconnu.")
    number = version or document.current_version
    submission = db.exec(select(SharingSubmission).where(SharingSubmission.document_id == document.id,
                                                         SharingSubmission.document_version == number)).first()
    if submission is None:
        raise LookupError(f"Aucun envoi au DMP pour la version {number} de ce document.")
    meta, data = metadata_for(db, submission=submission, now=utcnow())
    patient = db.get(Patient, submission.patient_id)
    audit.record(db, action=AuditAction.EXPORT, actor_role="operator", patient_id=patient.id, document_id=document.public_id,
                 document_version=number, outcome=AuditOutcome.SUCCESS,
                 detail=f"export XDM par l'exploitant {operator[:40]}".strip())
    return xdm.file_name(patient.local_id, number), xdm.archive(meta, data, sender="l'exploitant du DCC")
