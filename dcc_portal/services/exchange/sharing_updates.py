"""Documents that change after the DMP registered them.

- A document entered in error is withdrawn: a metadata update of the registered version with the status
  "superseded" (XDS availabilityStatus Deprecated), `withdraw`.
- A change of visibility (masked to professionals, invisible to the patient or to legal representatives) is sent as
  a metadata update of the registered version, `on_visibility_changed`.
- A new version is a replacement (relatesTo replaces / RPLC), queued by sharing.on_validated.

An update is its own submission (kind update or withdrawal) with the next PDSm `meta.versionId` of the registered
DocumentReference; it carries the same uniqueId and entryUUID and the same frozen CDA (its metadata is read from it),
and goes through the same outbox and worker, after every older submission of the document.
`drifted` lists registered documents whose metadata no longer matches the current document (operator command).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from dcc_portal.models import (
    OPEN_SUBMISSION_STATUSES,
    Document,
    DocumentStatus,
    Patient,
    SharingSubmission,
    SubmissionKind,
    SubmissionStatus,
    utcnow,
)
from dcc_portal.services.access import rule as access
from dcc_portal.services.exchange import dmp_metadata

REGISTERING = (SubmissionKind.INITIAL, SubmissionKind.REPLACEMENT)


def visibility_codes(document: Document, patient: Patient) -> tuple[str, ...]:
    """The DMP visibility of a document: its flags, and INVISIBLE_PATIENT while the patient may not see it yet
    (the team's flag, or release gating before the announcement consultation)."""
    codes = []
    if document.hidden_from_professionals:
        codes.append(dmp_metadata.MASQUE_PS)
    if document.invisible_to_patient or not access.patient_may_see(document, patient):
        codes.append(dmp_metadata.INVISIBLE_PATIENT)
    if document.invisible_to_legal_reps:
        codes.append(dmp_metadata.INVISIBLE_LEGAL_REPS)
    return tuple(codes)


def registered(db: Session, document_id: int) -> SharingSubmission | None:
    """The last submission of the document the recipient acknowledged (newest version, newest metadata)."""
    return db.exec(
        select(SharingSubmission)
        .where(SharingSubmission.document_id == document_id, SharingSubmission.status == SubmissionStatus.ACKNOWLEDGED)
        .order_by(SharingSubmission.document_version.desc(), SharingSubmission.metadata_version.desc())
    ).first()


def _open_update(db: Session, document_id: int, kind: str) -> SharingSubmission | None:
    return db.exec(select(SharingSubmission).where(
        SharingSubmission.document_id == document_id, SharingSubmission.kind == kind,
        SharingSubmission.status.in_(list(OPEN_SUBMISSION_STATUSES)))).first()


def _queue(db: Session, *, base: SharingSubmission, kind: str, now: datetime) -> SharingSubmission:
    document = db.get(Document, base.document_id)
    latest = db.exec(select(func.max(SharingSubmission.metadata_version)).where(
        SharingSubmission.document_id == base.document_id,
        SharingSubmission.document_version == base.document_version)).one()
    number = (latest or base.metadata_version) + 1
    submission = SharingSubmission(
        document_id=base.document_id, document_version=base.document_version, patient_id=base.patient_id,
        status=SubmissionStatus.PENDING, kind=kind, metadata_version=number, unique_id=base.unique_id,
        entry_uuid=base.entry_uuid,
        submission_set_uuid=dmp_metadata.derived_uuid("submission-set", document.public_id, base.document_version, number),
        format_code=base.format_code, cda_level=base.cda_level, cda_file=base.cda_file, cda_sha1=base.cda_sha1,
        cda_size=base.cda_size, authenticator_professional_id=base.authenticator_professional_id,
        recipient_id=base.recipient_id, next_attempt_at=now, created_at=now, updated_at=now,
    )
    db.add(submission)
    db.flush()
    return submission


def withdraw(db: Session, *, document: Document, now: datetime | None = None) -> SharingSubmission | None:
    """Queue the withdrawal of the registered version of a document entered in error (None: nothing registered)."""
    base = registered(db, document.id)
    if base is None or base.kind == SubmissionKind.WITHDRAWAL or _open_update(db, document.id, SubmissionKind.WITHDRAWAL):
        return None
    return _queue(db, base=base, kind=SubmissionKind.WITHDRAWAL, now=now or utcnow())


def on_visibility_changed(db: Session, *, document: Document, now: datetime | None = None, **_event) -> SharingSubmission | None:
    """Queue a metadata update when the visibility the DMP holds differs from the document's (None: nothing to
    send, or an update is already waiting: it reads the flags when it is sent)."""
    base = registered(db, document.id)
    if base is None or base.kind == SubmissionKind.WITHDRAWAL or document.status != DocumentStatus.VALIDATED:
        return None
    patient = db.get(Patient, document.patient_id)
    if " ".join(visibility_codes(document, patient)) == base.sent_visibility:
        return None
    if _open_update(db, document.id, SubmissionKind.UPDATE) is not None:
        return None
    return _queue(db, base=base, kind=SubmissionKind.UPDATE, now=now or utcnow())


# --------------------------------------------------------------------------------------------------- drift


@dataclass(frozen=True)
class Drift:
    submission_public_id: str
    document_public_id: str
    version: int
    problem: str  # French


def drifted(db: Session, *, after_id: int = 0, limit: int = 500) -> tuple[list[Drift], int]:
    """Registered documents whose metadata at the DMP no longer matches the current document, one page in the
    order of the submissions (keyset: pass the returned last id to read the next page; 0 when done)."""
    later = aliased(SharingSubmission)
    superseded = exists().where(  # a later registration or update speaks for the document
        later.document_id == SharingSubmission.document_id, later.status == SubmissionStatus.ACKNOWLEDGED,
        or_(later.document_version > SharingSubmission.document_version,
            and_(later.document_version == SharingSubmission.document_version,
                 later.metadata_version > SharingSubmission.metadata_version)))
    rows = db.exec(
        select(SharingSubmission, Document, Patient)
        .join(Document, Document.id == SharingSubmission.document_id)
        .join(Patient, Patient.id == SharingSubmission.patient_id)
        .where(SharingSubmission.status == SubmissionStatus.ACKNOWLEDGED, SharingSubmission.id > after_id, ~superseded)
        .order_by(SharingSubmission.id).limit(limit)
    ).all()
    found = []
    for submission, document, patient in rows:
        problem = _mismatch(submission, document, patient)
        if problem:
            found.append(Drift(submission.public_id, document.public_id, submission.document_version, problem))
    return found, (rows[-1][0].id if len(rows) == limit else 0)


def _mismatch(submission: SharingSubmission, document: Document, patient: Patient) -> str:
    withdrawn = submission.kind == SubmissionKind.WITHDRAWAL
    if document.status == DocumentStatus.ENTERED_IN_ERROR and not withdrawn:
        return "Document retiré (saisi par erreur) mais toujours actif dans le DMP."
    if withdrawn:
        return ""
    if document.current_version > submission.document_version:
        return f"Version {document.current_version} en vigueur, le DMP a la version {submission.document_version}."
    current = " ".join(visibility_codes(document, patient))
    if current != submission.sent_visibility:
        return f"Visibilité envoyée « {submission.sent_visibility or 'normale'} », actuelle « {current or 'normale'} »."
    return ""
