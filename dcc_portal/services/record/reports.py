"""Reports (comptes rendus): structured consultation reports and letters, uploaded PDFs of external reports,
their versions, validation, and when the patient may see them (release gating).

- Physicians of the care team write structured reports; physicians and the RCP secretariat file external PDFs.
- An upload is checked before anything is kept: size, PDF signature and structure, no active content; the user's
  file name is never used (storage names are random).
- A correction (edit or new upload) is a new version with its reason, from the version the user started from.
- Validated reports go on the timeline and are notified to the médecin traitant.
- Documents announcing a cancer wait for the medical announcement before the patient sees them; physicians of the
  team may release one earlier or hold it longer, with a reason (audited).
"""

from __future__ import annotations

import io
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
    NotificationKind,
    Organisation,
    PathwayEventKind,
    Patient,
    Professional,
    ReleaseMode,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs, render, storage
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import StaleVersion, ValidationFailed
from dcc_portal.services.common.names import (
    patient_name,
    professional_label,
    professional_label_of,
)
from dcc_portal.services.common.paging import Page
from dcc_portal.services.record import documents, notifications, pathway

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PAGES = 500
STRUCTURED_KINDS = [DocumentKind.CONSULTATION, DocumentKind.LETTER]
UPLOAD_KINDS = [DocumentKind.CR_ACP, DocumentKind.CRO, DocumentKind.IMAGING, DocumentKind.BIOLOGY, DocumentKind.CR_GM,
                DocumentKind.TREATMENT_SUMMARY, DocumentKind.CONSULTATION, DocumentKind.LETTER, DocumentKind.OTHER]
STRUCTURED_WRITERS = frozenset({Role.CLINICIAN})
FILERS = frozenset({Role.CLINICIAN, Role.RCP_SECRETARY})
VALIDATORS = frozenset({Role.CLINICIAN})
RELEASERS = frozenset({Role.CLINICIAN})
# "" follows the kind (CR-ACP, CR-GM, FRCP and PPS wait for the announcement); "yes"/"no" say it explicitly.
GATING_CHOICES = {"": None, "yes": True, "no": False}
RELEASE_LABELS = {ReleaseMode.AUTO: "Règle de l'annonce", ReleaseMode.RELEASED: "Diffusé par l'équipe",
                  ReleaseMode.HELD: "Retenu par l'équipe"}
_PDF_WHITESPACE = b"\x00\t\n\x0c\r "  # PDF 32000-1, 7.2.2
_ACTIVE_CONTENT = (b"/JavaScript", b"/JS ", b"/JS(", b"/JS<", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")


# --- Upload checks ---

def check_pdf(data: bytes) -> None:
    """ValidationFailed({"file": message}) unless the bytes are a readable PDF of at most 20 MB without active content."""
    if not data:
        raise ValidationFailed({"file": "Le fichier est vide."})
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationFailed({"file": "Le fichier dépasse 20 Mo : réduisez-le (PDF compressé ou en niveaux de gris)."})
    if not (data.startswith(b"%PDF-1.") or data.startswith(b"%PDF-2.")):
        raise ValidationFailed({"file": "Ce fichier n'est pas un PDF (son contenu n'en est pas un, quel que soit son nom)."})
    if b"%%EOF" not in data[-2048:]:
        raise ValidationFailed({"file": "Ce PDF est incomplet ou endommagé (fin de fichier absente)."})
    if data[data.rfind(b"%%EOF") + 5:].strip(_PDF_WHITESPACE):
        # Another format appended after the PDF's end (a polyglot) may be opened as that format.
        raise ValidationFailed({"file": "Ce PDF contient des données après sa fin (contenu actif possible) : refusé."})
    if any(marker in data for marker in _ACTIVE_CONTENT):
        raise ValidationFailed({"file": "Ce PDF contient du contenu actif (script, pièce jointe, formulaire dynamique) : refusé."})
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationFailed({"file": "Ce PDF est protégé par un mot de passe : déposez une version non protégée."})
        pages = len(reader.pages)
        root = reader.trailer["/Root"]
        active = "/OpenAction" in root and "/JS" in str(root["/OpenAction"]) or "/AA" in root
    except ValidationFailed:
        raise
    except Exception:
        raise ValidationFailed({"file": "Ce PDF est endommagé : il ne peut pas être lu."}) from None
    if pages == 0:
        raise ValidationFailed({"file": "Ce PDF ne contient aucune page."})
    if pages > MAX_PAGES:
        raise ValidationFailed({"file": f"Ce PDF compte plus de {MAX_PAGES} pages."})
    if active:
        raise ValidationFailed({"file": "Ce PDF contient du contenu actif (action automatique) : refusé."})


def display_file_name(name: str | None) -> str:
    """The user's file name, only to show back to them (never used to store anything)."""
    base = str(name or "").replace("\\", "/").split("/")[-1]
    return inputs.text(base, 80) or "document.pdf"


# --- Access ---

def _write_access(db: Session, *, actor: Actor, patient_public_id: str, roles: frozenset, action: str, detail: str,
                  now: datetime | None = None) -> tuple[Patient, str]:
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id, action=action,
                                            detail=detail, now=now)
    if grant != Grant.CARE_TEAM or actor.role not in roles:
        raise access.deny(db, actor=actor, action=action, patient_id=patient.id, detail=f"{detail} : non autorisé")
    return patient, grant


def _document_for_write(db: Session, *, actor: Actor, document_public_id: str, roles: frozenset, action: str,
                        detail: str, now: datetime | None = None) -> tuple[Document, Patient]:
    document, patient, grant = access.require_document(db, actor=actor, document_public_id=document_public_id,
                                                       action=action, detail=detail, now=now)
    if grant != Grant.CARE_TEAM or actor.role not in roles:
        raise access.deny(db, actor=actor, action=action, patient_id=patient.id, detail=f"{detail} : non autorisé")
    return document, patient


# --- Form values ---

def _common(values: dict, kinds: list[str], errors: dict[str, str], *, patient: Patient, now: datetime) -> dict:
    kind = str(values.get("kind", "") or "")
    if kind not in kinds:
        errors["kind"] = "Choisissez le type de document."
    service_date = inputs.parse_date(values.get("service_date", ""), "service_date", errors, not_before=patient.birth_date,
                                     not_before_label="la naissance du patient", now=now)
    title = inputs.text(values.get("title"), 200)
    inputs.check_length(values.get("title"), 200, "title", errors)
    establishment = inputs.text(values.get("establishment"), 200)
    inputs.check_length(values.get("establishment"), 200, "establishment", errors)
    conclusion = inputs.text(values.get("conclusion"), 4000)
    inputs.check_length(values.get("conclusion"), 4000, "conclusion", errors)
    gating = str(values.get("announces_cancer", "") or "")
    if gating not in GATING_CHOICES:
        errors["announces_cancer"] = "Choix inconnu."
    return {"kind": kind, "service_date": service_date, "title": title or documents.kind_label(kind),
            "establishment": establishment, "conclusion": conclusion, "announces_cancer": GATING_CHOICES.get(gating),
            "validate": _checked(values.get("validate")), "share_with_dmp": _checked(values.get("share_dmp"))}


def _checked(value) -> bool:
    return str(value or "") in ("on", "true", "1", "yes")


def _structured_content(values: dict, errors: dict[str, str], author: str, common: dict) -> dict:
    body = inputs.text(values.get("body"), 20000)
    inputs.check_length(values.get("body"), 20000, "body", errors)
    if not body:
        errors["body"] = "Le corps du compte rendu est vide."
    return {"author": author, "establishment": common["establishment"], "conclusion": common["conclusion"], "body": body}


def _author_label(db: Session, actor: Actor) -> str:
    pro = db.get(Professional, actor.professional_id) if actor.professional_id else None
    return professional_label(pro) if pro else actor.display_name


def default_establishment(db: Session, *, actor: Actor) -> str:
    org = db.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    return org.name if org else ""


# --- Writing ---

def _after_validation(db: Session, *, actor: Actor, document: Document, patient: Patient, now: datetime) -> None:
    occurred = document.service_date or formatting.paris_today(now)
    title = documents.kind_label(document.kind)
    if document.title and document.title != title:
        title = f"{title} : {document.title}"
    pathway.add_event(db, patient_id=patient.id, kind=PathwayEventKind.REPORT, occurred_on=occurred, title=title,
                      document_id=document.id, author_professional_id=document.author_professional_id)
    notifications.notify_medecin_traitant(db, patient=patient, kind=NotificationKind.DOCUMENT_SHARED,
                                          title="nouveau document disponible", document_id=document.id)


def create_structured(db: Session, *, actor: Actor, patient_public_id: str, values: dict, submission_key: str = "",
                      now: datetime | None = None) -> str:
    """A consultation report or letter written in the portal; returns its public id."""
    now = now or utcnow()
    patient, _grant = _write_access(db, actor=actor, patient_public_id=patient_public_id, roles=STRUCTURED_WRITERS,
                                    action=AuditAction.CREATE, detail="compte rendu structuré", now=now)
    previous = inputs.already_submitted(db, actor=actor, key=submission_key)
    if previous:
        return previous
    errors: dict[str, str] = {}
    common = _common(values, STRUCTURED_KINDS, errors, patient=patient, now=now)
    content = _structured_content(values, errors, _author_label(db, actor), common)
    if errors:
        raise ValidationFailed(errors)
    document, _version = documents.create(db, actor=actor, patient=patient, kind=common["kind"], title=common["title"],
                                          content=content, service_date=common["service_date"],
                                          announces_cancer=common["announces_cancer"],
                                          share_with_dmp=common["share_with_dmp"], now=now)
    if not inputs.record_submission(db, actor=actor, key=submission_key, target=document.public_id):
        raise StaleVersion()
    if common["validate"]:
        documents.validate(db, actor=actor, document=document, now=now)
        _after_validation(db, actor=actor, document=document, patient=patient, now=now)
    db.flush()
    return document.public_id


def correct_structured(db: Session, *, actor: Actor, document_public_id: str, expected_version: int, values: dict,
                       reason: str, now: datetime | None = None) -> int:
    """A corrected version of a structured report; returns the new version number."""
    now = now or utcnow()
    document, patient = _document_for_write(db, actor=actor, document_public_id=document_public_id,
                                            roles=STRUCTURED_WRITERS, action=AuditAction.UPDATE, detail="correction", now=now)
    if document.kind not in STRUCTURED_KINDS or documents.version_row(db, document=document).file_name is not None:
        raise ValidationFailed({"form": "Ce document est un PDF : déposez une nouvelle version du fichier."})
    errors: dict[str, str] = {}
    values = {**values, "kind": document.kind}
    common = _common(values, STRUCTURED_KINDS, errors, patient=patient, now=now)
    content = _structured_content(values, errors, _author_label(db, actor), common)
    reason = inputs.text(reason, 500)
    if len(reason) < 3:
        errors["reason"] = "Indiquez le motif de la nouvelle version."
    if errors:
        raise ValidationFailed(errors)
    document.title = common["title"]
    document.service_date = common["service_date"]
    if common["announces_cancer"] is not None:
        document.announces_cancer = common["announces_cancer"]
    document.share_with_dmp = common["share_with_dmp"]
    version = documents.add_version(db, actor=actor, document=document, expected_version=int(expected_version or -1),
                                    content=content, reason=reason, now=now)
    db.add(document)
    if document.status == DocumentStatus.VALIDATED:
        notifications.notify_medecin_traitant(db, patient=patient, kind=NotificationKind.DOCUMENT_SHARED,
                                              title="document mis à jour", document_id=document.id)
    db.flush()
    return version.version


@dataclass(frozen=True)
class StagedFile:
    token: str
    name: str
    size: str


def stage_pdf(db: Session, *, actor: Actor, patient_public_id: str, data: bytes, file_name: str = "",
              now: datetime | None = None) -> StagedFile:
    """Check an uploaded file and keep it until its form is sent. ValidationFailed({"file": ...}) when refused."""
    patient, _grant = _write_access(db, actor=actor, patient_public_id=patient_public_id, roles=FILERS,
                                    action=AuditAction.CREATE, detail="dépôt d'un PDF", now=now)
    check_pdf(data)
    token = storage.stage(data)
    size = len(data)
    shown = f"{size / 1024 / 1024:.1f} Mo".replace(".", ",") if size >= 1024 * 1024 else f"{max(1, size // 1024)} ko"
    return StagedFile(token, display_file_name(file_name), shown)


def _take_staged(token: str) -> bytes:
    data = storage.staged(token) if token else None
    if data is None:
        raise ValidationFailed({"file": "Choisissez le fichier PDF à déposer."})
    check_pdf(data)
    return data


def file_pdf(db: Session, *, actor: Actor, patient_public_id: str, staged_token: str, values: dict,
             submission_key: str = "", now: datetime | None = None) -> str:
    """File a checked PDF (external report) with its metadata; returns the document's public id."""
    now = now or utcnow()
    patient, _grant = _write_access(db, actor=actor, patient_public_id=patient_public_id, roles=FILERS,
                                    action=AuditAction.CREATE, detail="dépôt d'un compte rendu PDF", now=now)
    previous = inputs.already_submitted(db, actor=actor, key=submission_key)
    if previous:
        return previous
    errors: dict[str, str] = {}
    common = _common(values, UPLOAD_KINDS, errors, patient=patient, now=now)
    author = inputs.text(values.get("author"), 200)
    inputs.check_length(values.get("author"), 200, "author", errors)
    if not author:
        errors["author"] = "Indiquez l'auteur du compte rendu."
    try:
        data = _take_staged(staged_token)
    except ValidationFailed as error:
        errors.update(error.errors)
        data = b""
    if common["validate"] and actor.role not in VALIDATORS:
        errors["validate"] = "Seul un médecin peut valider : le document sera enregistré en brouillon."
    if errors:
        raise ValidationFailed(errors)
    content = {"author": author, "establishment": common["establishment"], "conclusion": common["conclusion"]}
    document, _version = documents.create(db, actor=actor, patient=patient, kind=common["kind"], title=common["title"],
                                          content=content, file_bytes=data, mime_type="application/pdf",
                                          service_date=common["service_date"], announces_cancer=common["announces_cancer"],
                                          share_with_dmp=common["share_with_dmp"], reason="dépôt", now=now)
    if not inputs.record_submission(db, actor=actor, key=submission_key, target=document.public_id):
        raise StaleVersion()
    if common["validate"]:
        documents.validate(db, actor=actor, document=document, now=now)
        _after_validation(db, actor=actor, document=document, patient=patient, now=now)
    db.flush()
    storage.discard_staged(staged_token)
    return document.public_id


def replace_pdf(db: Session, *, actor: Actor, document_public_id: str, expected_version: int, staged_token: str,
                reason: str, now: datetime | None = None) -> int:
    """A corrected PDF as a new version (the metadata stays); returns the new version number."""
    now = now or utcnow()
    document, patient = _document_for_write(db, actor=actor, document_public_id=document_public_id, roles=FILERS,
                                            action=AuditAction.UPDATE, detail="nouvelle version du PDF", now=now)
    current = documents.version_row(db, document=document)
    if current.file_name is None:
        raise ValidationFailed({"form": "Ce compte rendu est saisi dans le portail : corrigez-le par le formulaire."})
    errors: dict[str, str] = {}
    reason = inputs.text(reason, 500)
    if len(reason) < 3:
        errors["reason"] = "Indiquez le motif de la nouvelle version."
    try:
        data = _take_staged(staged_token)
    except ValidationFailed as error:
        errors.update(error.errors)
        data = b""
    if errors:
        raise ValidationFailed(errors)
    version = documents.add_version(db, actor=actor, document=document, expected_version=int(expected_version or -1),
                                    content=documents.content_of(current) or None, file_bytes=data,
                                    mime_type="application/pdf", reason=reason, now=now)
    if document.status == DocumentStatus.VALIDATED:
        notifications.notify_medecin_traitant(db, patient=patient, kind=NotificationKind.DOCUMENT_SHARED,
                                              title="document mis à jour", document_id=document.id)
    db.flush()
    storage.discard_staged(staged_token)
    return version.version


def file_received(db: Session, *, actor: Actor, patient: Patient, document: Document | None, kind: str, title: str,
                  service_date, content: dict, file_bytes: bytes | None, reason: str,
                  now: datetime | None = None) -> Document:
    """A report another system sent (its checks done by the caller: check_pdf for a PDF): a new validated document,
    or a new version of the one received before under the same id. Release gating follows the kind, as for an upload;
    the médecin traitant is told as for a validated report, and so is the care team, who did not write it."""
    now = now or utcnow()
    mime_type = "application/pdf" if file_bytes is not None else "application/json"
    if document is None:
        document, _version = documents.create(db, actor=actor, patient=patient, kind=kind, title=title,
                                              content=content, file_bytes=file_bytes, mime_type=mime_type,
                                              service_date=service_date, reason=reason, now=now)
    else:
        document.title, document.service_date = title[:200], service_date or document.service_date
        db.add(document)
        documents.add_version(db, actor=actor, document=document, expected_version=document.current_version,
                              content=content, file_bytes=file_bytes, mime_type=mime_type, reason=reason, now=now)
    if document.status != DocumentStatus.VALIDATED:
        documents.validate(db, actor=actor, document=document, now=now)
        _after_validation(db, actor=actor, document=document, patient=patient, now=now)
        news = "nouveau document disponible"
    else:
        news = "document mis à jour"
        notifications.notify_medecin_traitant(db, patient=patient, kind=NotificationKind.DOCUMENT_SHARED, title=news,
                                              document_id=document.id)
    notifications.notify_care_team(db, patient=patient, kind=NotificationKind.DOCUMENT_SHARED, title=news,
                                   document_id=document.id)
    db.flush()
    return document

def validate_report(db: Session, *, actor: Actor, document_public_id: str, expected_version: int,
                    now: datetime | None = None) -> None:
    """A physician validates the version they read: shared with the médecin traitant, on the timeline."""
    now = now or utcnow()
    document, patient = _document_for_write(db, actor=actor, document_public_id=document_public_id, roles=VALIDATORS,
                                            action=AuditAction.UPDATE, detail="validation", now=now)
    if document.current_version != int(expected_version or -1) or document.status == DocumentStatus.ENTERED_IN_ERROR:
        raise StaleVersion()
    if document.status == DocumentStatus.VALIDATED:
        return
    documents.validate(db, actor=actor, document=document, now=now)
    _after_validation(db, actor=actor, document=document, patient=patient, now=now)
    db.flush()


def set_release(db: Session, *, actor: Actor, document_public_id: str, mode: str, reason: str,
                now: datetime | None = None) -> None:
    """Release a document to the patient earlier, hold it longer, or go back to the announcement rule (reason audited)."""
    now = now or utcnow()
    document, patient = _document_for_write(db, actor=actor, document_public_id=document_public_id, roles=RELEASERS,
                                            action=AuditAction.UPDATE, detail="diffusion au patient", now=now)
    errors: dict[str, str] = {}
    if mode not in {m.value for m in ReleaseMode}:
        errors["mode"] = "Choisissez : diffuser maintenant, retenir, ou suivre la règle de l'annonce."
    reason = inputs.text(reason, 500)
    if len(reason) < 3:
        errors["reason"] = "Indiquez le motif (il est tracé)."
    if errors:
        raise ValidationFailed(errors)
    document.release_mode = mode
    document.release_reason = reason
    document.released_at = now if mode == ReleaseMode.RELEASED else None
    document.updated_at = now
    db.add(document)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id, grant=Grant.CARE_TEAM,
                 document_id=document.public_id, document_version=document.current_version, justification=reason,
                 detail=f"diffusion au patient : {RELEASE_LABELS[mode]}")
    documents.release_changed(db, actor=actor, documents=[document], now=now)
    db.flush()


# --- Reading ---

@dataclass(frozen=True)
class TeamDocumentRow:
    public_id: str
    kind_label: str
    title: str
    service_date: str
    author: str
    status: str
    status_label: str
    version: int
    is_file: bool
    is_structured: bool
    release_state: str  # draft | hidden | waiting | held | released | visible
    release_label: str
    release_mode: str


def release_state(document: Document, patient: Patient) -> tuple[str, str]:
    if document.status != DocumentStatus.VALIDATED:
        return "draft", "Brouillon : pas encore partagé"
    if document.invisible_to_patient:
        return "hidden", "Non visible par le patient"
    if document.release_mode == ReleaseMode.HELD:
        return "held", f"Retenu par l'équipe : {document.release_reason}"
    released = access.release_date(document, patient)
    if released is None:
        return "waiting", "Retenu jusqu'à la consultation d'annonce médicale"
    if document.release_mode == ReleaseMode.RELEASED and document.announces_cancer and patient.medical_announcement_at is None:
        return "released", f"Diffusé au patient le {formatting.datetime_fr(released)}, avant l'annonce : {document.release_reason}"
    return "visible", f"Visible par le patient depuis le {formatting.datetime_fr(released)}"


def team_documents(db: Session, *, actor: Actor, patient_public_id: str, page: int = 1, now: datetime | None = None) -> Page:
    """The documents list (documents.patient_documents) with, for the care team, status, versions and release state."""
    listed = documents.patient_documents(db, actor=actor, patient_public_id=patient_public_id, page=page, now=now)
    items = []
    for item, doc in zip(listed.page.items, listed.documents, strict=True):
        state, label = release_state(doc, listed.patient)
        is_file = doc.id in listed.files
        items.append(TeamDocumentRow(
            public_id=item.public_id, kind_label=item.kind_label, title=item.title, service_date=item.service_date,
            author=item.author, status=item.status,
            status_label="Validé" if item.status == DocumentStatus.VALIDATED else "Brouillon",
            version=item.version, is_file=is_file, is_structured=not is_file and doc.kind in STRUCTURED_KINDS,
            release_state=state, release_label=label, release_mode=doc.release_mode,
        ))
    return Page(items=items, page=listed.page.page, page_size=listed.page.page_size, total=listed.page.total)


@dataclass(frozen=True)
class ReportForm:
    public_id: str
    kind: str
    kind_label: str
    version: int
    is_file: bool
    service_date: str
    title: str
    establishment: str
    conclusion: str
    body: str
    author: str
    announces_cancer: str  # "yes" | "no"
    share_dmp: str  # "on" | ""


def edit_form(db: Session, *, actor: Actor, document_public_id: str, now: datetime | None = None) -> ReportForm:
    """What the correction form starts from (and the version it names)."""
    document, _patient, grant = access.require_document(db, actor=actor, document_public_id=document_public_id,
                                                        action=AuditAction.READ, detail="correction (lecture)", now=now)
    if grant != Grant.CARE_TEAM:
        raise access.deny(db, actor=actor, action=AuditAction.READ, patient_id=document.patient_id, detail="correction hors équipe")
    version = documents.version_row(db, document=document)
    content = documents.content_of(version)
    return ReportForm(
        public_id=document.public_id, kind=document.kind, kind_label=documents.kind_label(document.kind),
        version=document.current_version, is_file=version.file_name is not None,
        service_date=document.service_date.isoformat() if document.service_date else "", title=document.title,
        establishment=content.get("establishment", ""), conclusion=content.get("conclusion", ""),
        body=content.get("body", ""), author=content.get("author", ""),
        announces_cancer="yes" if document.announces_cancer else "no",
        share_dmp="on" if document.share_with_dmp else "",
    )


def my_documents(db: Session, *, actor: Actor, page: int = 1, now: datetime | None = None) -> Page:
    """The patient's own released documents, newest first, each with the date it was released to them."""
    if actor.role != Role.PATIENT or actor.patient_id is None:
        raise access.deny(db, actor=actor, action=AuditAction.READ, detail="mes documents (réservé au patient)")
    public_id = db.exec(select(Patient.public_id).where(Patient.id == actor.patient_id)).one()
    return documents.list_for_patient(db, actor=actor, patient_public_id=public_id, page=page, now=now)


def print_html(db: Session, *, document: Document, version, patient: Patient) -> str:
    """Print view of a structured report (documents.RENDERERS); the PDF is this page through WeasyPrint."""
    content = documents.content_of(version)
    author = content.get("author") or professional_label_of(db, version.author_professional_id)
    kind_label = documents.kind_label(document.kind)
    return render.render(
        "print/report.html.j2",
        title=f"{kind_label} — {patient_name(patient)}",
        footer=f"{kind_label} — {patient_name(patient)} — version {version.version}",
        show_print_button=True,
        kind_label=kind_label,
        document_title=document.title,
        patient_name=patient_name(patient),
        birth_date=formatting.date_fr(patient.birth_date),
        ins=formatting.ins_display(patient.ins),
        service_date=formatting.date_fr(document.service_date),
        author=author,
        establishment=content.get("establishment", ""),
        conclusion=content.get("conclusion", ""),
        body=content.get("body", ""),
        version=version.version,
        version_reason=version.reason if version.version > 1 else "",
        version_date=formatting.datetime_fr(version.created_at),
        validated=formatting.datetime_fr(document.validated_at) if document.status == DocumentStatus.VALIDATED else "",
    )
