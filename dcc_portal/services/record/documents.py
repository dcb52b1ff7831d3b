"""Clinical documents as append-only versions (content + SHA-256 + author + time + reason).

A correction is a new version; a withdrawal is the status entered_in_error, never a DELETE. Saving names the
version the user started from: a stale save is refused and nothing is overwritten.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, insert, update
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    Document,
    DocumentKind,
    DocumentRead,
    DocumentStatus,
    DocumentVersion,
    Grant,
    Patient,
    Professional,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import registry, render, storage
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import StaleVersion
from dcc_portal.services.common.names import (
    patient_name,
    professional_label,
    professional_label_of,
)
from dcc_portal.services.common.paging import PAGE_SIZE, Page
from dcc_portal.services.common.storage import FilePayload
from dcc_portal.services.record import notifications

# LOINC document type (DMP typeCode, JDV_J07_XdsTypeCode_CISIS) and French label of each kind.
KINDS: dict[str, tuple[str, str]] = {
    DocumentKind.FRCP: ("34794-8", "Fiche RCP"),
    DocumentKind.PPS: ("18776-5", "Programme personnalisé de soins"),
    DocumentKind.CR_ACP: ("60568-3", "Compte rendu d'anatomo-cytopathologie"),
    DocumentKind.CRO: ("34874-8", "Compte rendu opératoire"),
    DocumentKind.IMAGING: ("18748-4", "Compte rendu d'imagerie"),
    DocumentKind.BIOLOGY: ("11502-2", "Compte rendu de biologie"),
    DocumentKind.CR_GM: ("51969-4", "Compte rendu de génétique moléculaire"),
    DocumentKind.CONSULTATION: ("11488-4", "Compte rendu de consultation"),
    DocumentKind.LETTER: ("11490-0", "Lettre de liaison"),
    DocumentKind.TREATMENT_SUMMARY: ("11488-4", "Compte rendu de traitement"),
    DocumentKind.ANNOUNCEMENT_SUMMARY: ("", "Synthèse du dispositif d'annonce"),
    DocumentKind.OTHER: ("", "Autre document"),
}

# Documents that announce a cancer are gated for the patient until the medical announcement.
ANNOUNCING_KINDS = frozenset({DocumentKind.CR_ACP, DocumentKind.CR_GM, DocumentKind.FRCP, DocumentKind.PPS})


def kind_label(kind: str) -> str:
    return KINDS.get(kind, ("", kind))[1]


def sha256_of_content(content: dict) -> tuple[str, str]:
    """Canonical JSON text of structured content and its SHA-256."""
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text, hashlib.sha256(text.encode()).hexdigest()


def create(
    db: Session,
    *,
    actor: Actor,
    patient: Patient,
    kind: str,
    title: str,
    content: dict | None = None,
    file_bytes: bytes | None = None,
    mime_type: str = "application/json",
    service_date: date | None = None,
    organisation_id: int | None = None,
    announces_cancer: bool | None = None,
    share_with_dmp: bool = False,
    reason: str = "création",
    now: datetime | None = None,
) -> tuple[Document, DocumentVersion]:
    """A new draft with its first version. The caller has already checked the actor's right to write."""
    now = now or utcnow()
    document = Document(
        patient_id=patient.id,
        kind=kind,
        title=title[:200],
        status=DocumentStatus.DRAFT,
        current_version=0,
        service_date=service_date,
        organisation_id=organisation_id or actor.organisation_id,
        author_professional_id=actor.professional_id,
        created_by_account_id=actor.account_id,
        created_at=now,
        updated_at=now,
        announces_cancer=kind in ANNOUNCING_KINDS if announces_cancer is None else announces_cancer,
        share_with_dmp=share_with_dmp,
    )
    db.add(document)
    db.flush()
    version = add_version(
        db, actor=actor, document=document, expected_version=0, content=content, file_bytes=file_bytes,
        mime_type=mime_type, reason=reason, now=now,
    )
    audit.record(db, actor=actor, action=AuditAction.CREATE, patient_id=patient.id, document_id=document.public_id,
                 document_version=version.version, detail=kind_label(kind))
    return document, version


# Who hears that a document came into force (validated, or a new version of a validated one) or was withdrawn, in the
# same transaction, as "module:function" taking (db, *, actor, document, now): the exchanges built on documents (the
# DMP feed) register here, so that the document lifecycle does not import them.
ON_VALIDATED: tuple[str, ...] = ("dcc_portal.services.exchange.sharing:on_validated",)
ON_ENTERED_IN_ERROR: tuple[str, ...] = ("dcc_portal.services.exchange.sharing:on_entered_in_error",)
# Who hears that the patient's access to a document may have changed (release gating: released or held by the team,
# or the medical announcement recorded): the DMP feed updates the visibility it registered.
ON_RELEASE_CHANGED: tuple[str, ...] = ("dcc_portal.services.exchange.sharing_updates:on_visibility_changed",)


def _announce(listeners: tuple[str, ...], db: Session, **event) -> None:
    for listener in listeners:
        registry.resolve(listener)(db, **event)


def add_version(
    db: Session,
    *,
    actor: Actor,
    document: Document,
    expected_version: int,
    content: dict | None = None,
    file_bytes: bytes | None = None,
    mime_type: str = "application/json",
    reason: str = "",
    now: datetime | None = None,
) -> DocumentVersion:
    """Append a version. `expected_version` is the version the user's edit started from."""
    now = now or utcnow()
    if document.current_version != expected_version or document.status == DocumentStatus.ENTERED_IN_ERROR:
        raise StaleVersion()
    # Compare-and-set first: a concurrent save from the same version makes this UPDATE match no row.
    updated = db.execute(
        Document.__table__.update()
        .where(Document.__table__.c.id == document.id, Document.__table__.c.current_version == expected_version)
        .values(current_version=expected_version + 1, updated_at=now)
    )
    if updated.rowcount != 1:
        raise StaleVersion()
    document.current_version = expected_version + 1
    document.updated_at = now
    if file_bytes is not None:
        file_name, digest = storage.put(file_bytes)
        size = len(file_bytes)
        # Structured metadata may accompany a file (e.g. an external report's author and conclusion).
        content_text = sha256_of_content(content)[0] if content else None
    else:
        content_text, digest = sha256_of_content(content or {})
        file_name, size, mime_type = None, len(content_text.encode()), "application/json"
    version = DocumentVersion(
        document_id=document.id,
        version=expected_version + 1,
        content_json=content_text,
        file_name=file_name,
        mime_type=mime_type,
        size=size,
        sha256=digest,
        author_account_id=actor.account_id,
        author_professional_id=actor.professional_id,
        reason=reason[:500],
        created_at=now,
    )
    db.add(version)
    db.flush()
    if expected_version > 0:
        audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=document.patient_id,
                     document_id=document.public_id, document_version=version.version, detail=reason[:200])
    if document.status == DocumentStatus.VALIDATED:
        # A new version of a validated document is in force at once: it replaces the previous one in the DMP too.
        _announce(ON_VALIDATED, db, actor=actor, document=document, now=now)
    return version


def validate(db: Session, *, actor: Actor, document: Document, now: datetime | None = None) -> None:
    """The document becomes shareable (and, unless gated, visible to the patient); a document marked for the DMP
    gets its sharing submission queued (services/exchange/sharing.py)."""
    now = now or utcnow()
    document.status = DocumentStatus.VALIDATED
    document.validated_at = now
    document.updated_at = now
    db.add(document)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=document.patient_id,
                 document_id=document.public_id, document_version=document.current_version, detail="validation")
    # Documents marked for the DMP are queued for sending in this same transaction (the outbox).
    _announce(ON_VALIDATED, db, actor=actor, document=document, now=now)


def release_changed(db: Session, *, actor: Actor | None, documents: list[Document], now: datetime | None = None) -> None:
    """Tell the exchanges built on documents that the patient's access to these documents may have changed."""
    for document in documents:
        _announce(ON_RELEASE_CHANGED, db, actor=actor, document=document, now=now)


def mark_entered_in_error(db: Session, *, actor: Actor, document: Document, reason: str, now: datetime | None = None) -> None:
    document.status = DocumentStatus.ENTERED_IN_ERROR
    document.updated_at = now or utcnow()
    db.add(document)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=document.patient_id,
                 document_id=document.public_id, document_version=document.current_version,
                 detail=f"retiré (erreur) : {reason[:200]}")
    _announce(ON_ENTERED_IN_ERROR, db, actor=actor, document=document, now=now)


# Versions are not changed after the transaction that writes them: read as rows of every column, not as ORM objects.
_VERSION = dbmod.Read(select(*DocumentVersion.__table__.c).where(
    DocumentVersion.document_id == bindparam("document_id"), DocumentVersion.version == bindparam("version")
))


def version_row(db: Session, *, document: Document, version: int | None = None) -> DocumentVersion:
    """A version of the document (the current one by default), as a read-only row with the columns of
    `DocumentVersion`."""
    number = version or document.current_version
    row = _VERSION.first(db, {"document_id": document.id, "version": number})
    if row is None:
        raise LookupError(f"document {document.id} has no version {number}")
    return row


def content_of(version: DocumentVersion) -> dict:
    return json.loads(version.content_json) if version.content_json else {}


def file_of(version: DocumentVersion) -> bytes:
    data = storage.get(version.file_name)
    if hashlib.sha256(data).hexdigest() != version.sha256:
        raise RuntimeError("stored file does not match its recorded SHA-256")
    return data


@dataclass(frozen=True)
class DocumentRow:
    public_id: str
    kind: str
    kind_label: str
    title: str
    status: str
    version: int
    service_date: str
    author: str
    updated: str
    released: str  # for the patient: when it became visible to them


@dataclass(frozen=True)
class PatientDocuments:
    """One page of a patient's documents, with what the care team's view adds to the rows."""

    page: Page  # of DocumentRow
    documents: list  # the same documents, in the same order, as rows of their columns (and `with_shown_author`'s)
    patient: Patient
    files: set[int]  # ids of the documents whose current version is a file


def list_for_patient(
    db: Session, *, actor: Actor, patient_public_id: str, page: int = 1, kinds: set[str] | None = None,
    now: datetime | None = None,
) -> Page:
    """The documents of one patient that this actor may see, newest first (one audited read of the list)."""
    return patient_documents(db, actor=actor, patient_public_id=patient_public_id, page=page, kinds=kinds, now=now).page


def patient_documents(
    db: Session, *, actor: Actor, patient_public_id: str, page: int = 1, kinds: set[str] | None = None,
    now: datetime | None = None,
) -> PatientDocuments:
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id,
                                            action=AuditAction.READ, detail="liste des documents", now=now)
    shape, values = access.document_visibility(actor=actor, grant=grant, patient=patient)
    count, page_statement = _list_statements(shape, bool(kinds))
    values = {**values, "patient_id": patient.id, **({"kinds": sorted(kinds)} if kinds else {})}
    total = count.scalar(db, values)
    page = max(1, min(int(page or 1), 10_000))
    rows = page_statement.run(db, {**values, "offset": (page - 1) * PAGE_SIZE})
    items = [
        DocumentRow(
            public_id=doc.public_id,
            kind=doc.kind,
            kind_label=kind_label(doc.kind),
            title=doc.title,
            status=doc.status,
            version=doc.current_version,
            service_date=formatting.date_fr(doc.service_date),
            author=shown_author(doc),
            updated=formatting.datetime_fr(doc.updated_at),
            released=formatting.datetime_fr(access.release_date(doc, patient)) if grant == Grant.SELF else "",
        )
        for doc in rows
    ]
    return PatientDocuments(page=Page(items=items, page=page, page_size=PAGE_SIZE, total=total), documents=rows,
                            patient=patient, files={row.id for row in rows if row.file_name is not None})


@functools.cache
def _list_statements(visibility: tuple, by_kind: bool):
    """Count and page reads of a patient's documents for one shape of the visibility rule (and with or without a kind
    filter)."""
    conditions = [Document.patient_id == bindparam("patient_id"), Document.status != DocumentStatus.ENTERED_IN_ERROR,
                  access.visible_documents_clause(visibility)]
    if by_kind:
        conditions.append(Document.kind.in_(bindparam("kinds", expanding=True)))
    page = (with_shown_author(select(*Document.__table__.c)).where(*conditions)
            .order_by(Document.created_at.desc(), Document.id.desc()).offset(bindparam("offset")).limit(PAGE_SIZE))
    return dbmod.Read(select(func.count(Document.id)).where(*conditions)), dbmod.Read(page)


def with_shown_author(statement):
    """`statement` (over Document) with what a list shows of each document's current version (its author for
    `shown_author`, its file if it is one) and authoring professional."""
    return (
        statement.add_columns(DocumentVersion.content_json, DocumentVersion.file_name, Professional.family_name,
                              Professional.given_name, Professional.specialty_code)
        .outerjoin(DocumentVersion, (DocumentVersion.document_id == Document.id)
                   & (DocumentVersion.version == Document.current_version))
        .outerjoin(Professional, Professional.id == Document.author_professional_id)
    )


def shown_author(row) -> str:
    """The author a list shows (a row of `with_shown_author`): the one named in the current version, an external
    report's signatory, or else the authoring professional."""
    named = json.loads(row.content_json).get("author") if row.content_json else None
    if isinstance(named, str) and named:
        return named
    return professional_label(row) if row.family_name is not None else ""


_READ = DocumentRead.__table__
_READ_KEY = (_READ.c.account_id == bindparam("reader")) & (_READ.c.document_id == bindparam("document"))
_READ_VERSION = select(_READ.c.version).where(_READ_KEY)
_FIRST_READ = insert(_READ)
_REREAD = update(_READ).where(_READ_KEY).values(version=bindparam("new_version"), read_at=bindparam("now"))


def mark_read(db: Session, *, actor: Actor, document: Document, now: datetime | None = None) -> None:
    """The actor opened the current version (the caller checked access): it is read, and so are the actor's
    notifications about it. A later version is unread again."""
    now = now or utcnow()
    key = {"reader": actor.account_id, "document": document.id}
    read_version = db.execute(_READ_VERSION, key).scalar()
    if read_version is None:
        db.execute(_FIRST_READ, {"account_id": actor.account_id, "document_id": document.id,
                                   "version": document.current_version, "read_at": now})
    elif read_version != document.current_version:
        db.execute(_REREAD, {**key, "new_version": document.current_version, "now": now})
    notifications.mark_read_for_document(db, actor=actor, document_id=document.id, now=now)


def count_for_patient(db: Session, *, patient_id: int) -> int:
    return db.exec(select(func.count(Document.id)).where(Document.patient_id == patient_id)).one()


# kind -> "module:function"; the function takes (db, *, document, version, patient) and returns the print-view
# HTML of a structured document (rendered with jinja2 from templates/print/). Features register their kinds.
RENDERERS: dict[str, str] = {
    DocumentKind.FRCP: "dcc_portal.services.rcp.fiche:print_view",
    DocumentKind.PPS: "dcc_portal.services.pps.reading:print_html",
    # Any other kind held as structured content (written in the portal, or metadata and text received from
    # elsewhere) reads as a report: author, establishment, text, conclusion.
    **{kind: "dcc_portal.services.record.reports:print_html" for kind in DocumentKind
       if kind not in (DocumentKind.FRCP, DocumentKind.PPS)},
}


def print_html(db: Session, *, document: Document, version: DocumentVersion, patient: Patient) -> str:
    if document.kind not in RENDERERS:
        raise LookupError(f"no print view for documents of kind {document.kind}")
    renderer = registry.resolve(RENDERERS[document.kind])
    return renderer(db, document=document, version=version, patient=patient)


# Kinds whose print view shows nothing but the version (its content, frozen at signature with the patient's identity,
# its number and the document's title): their PDF is found by the version, without rendering the view again. A new
# layout of the template applies to the versions laid out after it.
VIEW_OF_VERSION_KINDS = frozenset({DocumentKind.FRCP})


def view_pdf(db: Session, *, document: Document, version: DocumentVersion, patient: Patient) -> bytes:
    """The PDF of a structured version's print view, laid out once and kept (render.print_pdf)."""
    return _laid_out(_view_source(document, version), lambda: print_html(db, document=document, version=version,
                                                                        patient=patient))


def _view_source(document: Document, version: DocumentVersion) -> str | None:
    """All that the print view of a VIEW_OF_VERSION_KINDS version shows; None for the other kinds."""
    if document.kind not in VIEW_OF_VERSION_KINDS:
        return None
    return "\n".join((document.kind, document.public_id, str(version.version), document.title, version.content_json or ""))


def _laid_out(source: str | None, make_html) -> bytes:
    return render.print_pdf(make_html()) if source is None else render.print_pdf_of_source(source, make_html)


def _file_name(document: Document, version: DocumentVersion, extension: str) -> str:
    stamp = document.service_date.isoformat() if document.service_date else document.created_at.date().isoformat()
    return f"{document.kind}-{stamp}-v{version.version}.{extension}"


def _requested_version(document: Document, variant: str) -> int | None:
    """Variants look like "v3" to ask for an older version; anything else means the current one."""
    if variant.startswith("v") and variant[1:].isdigit() and 0 < int(variant[1:]) <= document.current_version:
        return int(variant[1:])
    return None


def produce_view(db: Session, *, actor: Actor, target: str, variant: str = ""):
    """Inline view: the uploaded PDF itself, or the print view of a structured document (audited read)."""
    document, patient, _grant = access.require_document(db, actor=actor, document_public_id=target,
                                                        action=AuditAction.READ, detail="lecture du document")
    version = version_row(db, document=document, version=_requested_version(document, variant))
    if version.file_name is not None:
        return FilePayload(file_of(version), version.mime_type, _file_name(document, version, "pdf"))
    html = print_html(db, document=document, version=version, patient=patient)
    return FilePayload(html.encode(), "text/html; charset=utf-8", _file_name(document, version, "html"))


def produce_pdf(db: Session, *, actor: Actor, target: str, variant: str = ""):
    """PDF download: the uploaded file, or the print view rendered by WeasyPrint (audited export)."""
    document, patient, _grant = access.require_document(db, actor=actor, document_public_id=target,
                                                        action=AuditAction.EXPORT, detail="téléchargement PDF")
    version = version_row(db, document=document, version=_requested_version(document, variant))
    if version.file_name is not None:
        data = file_of(version)
    else:
        data = view_pdf(db, document=document, version=version, patient=patient)
    return FilePayload(data, "application/pdf", _file_name(document, version, "pdf"))


_pdf_layout = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-layout")
logger = logging.getLogger("dcc_portal.documents")


def lay_out_pdf_ahead(document_public_id: str, *, db_url: str | None = None) -> Future:
    """Renders the PDF of a structured document's current version in the background (after a signature), so that its
    first download is served from the kept rendition. Nobody receives it here: no access to check, nothing to audit."""
    return _pdf_layout.submit(_lay_out_pdf, document_public_id, db_url)


def _lay_out_pdf(document_public_id: str, db_url: str | None) -> None:
    try:
        with dbmod.transaction(db_url) as db:
            document = db.exec(select(Document).where(Document.public_id == document_public_id)).one()
            version = version_row(db, document=document)
            if version.file_name is not None:
                return
            source = _view_source(document, version)
            html = print_html(db, document=document, version=version, patient=db.get(Patient, document.patient_id))
        _laid_out(source, lambda: html)  # outside the transaction: the layout takes a few hundred milliseconds
    except Exception:
        logger.exception("PDF of document %s not laid out ahead; it will be at its first download", document_public_id)
        raise


@dataclass(frozen=True)
class DocumentInfo:
    public_id: str
    patient_public_id: str
    patient_name: str
    kind: str
    kind_label: str
    title: str
    status: str
    version: int
    service_date: str
    author: str
    validated: str
    released: str
    is_file: bool
    version_reason: str


def describe(db: Session, *, actor: Actor, document_public_id: str, now: datetime | None = None) -> DocumentInfo:
    """What the reader shows around the document itself (audited read)."""
    document, patient, grant = access.require_document(db, actor=actor, document_public_id=document_public_id,
                                                       action=AuditAction.READ, detail="ouverture du document", now=now)
    version = version_row(db, document=document)
    mark_read(db, actor=actor, document=document, now=now)
    author = content_of(version).get("author") or professional_label_of(db, document.author_professional_id)
    return DocumentInfo(
        public_id=document.public_id,
        patient_public_id=patient.public_id,
        patient_name=patient_name(patient),
        kind=document.kind,
        kind_label=kind_label(document.kind),
        title=document.title,
        status=document.status,
        version=document.current_version,
        service_date=formatting.date_fr(document.service_date),
        author=author,
        validated=formatting.datetime_fr(document.validated_at),
        released=formatting.datetime_fr(access.release_date(document, patient)) if grant == Grant.SELF else "",
        is_file=version.file_name is not None,
        version_reason=version.reason,
    )
