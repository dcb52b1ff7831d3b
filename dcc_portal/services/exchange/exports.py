"""Operator export of a patient's validated documents to a folder (CDA, PDF...).

Each document kind registers its exporters: (kind, format) -> "module:function" taking
(db, *, document, version, patient) and returning (file name, bytes). The whole export is audited as one export
by an operator (no portal account: the command runs on the server). An exporter that cannot produce a document
(a PPS version before its handover, a stored content without what the format needs) raises ValueError or KeyError:
that document is reported as not exported, with the reason, and the others are still written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from dcc_portal.models import (
    AuditAction,
    Document,
    DocumentKind,
    DocumentStatus,
    Patient,
)
from dcc_portal.services.access import audit
from dcc_portal.services.common import identifiers, registry
from dcc_portal.services.record import documents

EXPORTERS: dict[tuple[str, str], str] = {
    (DocumentKind.FRCP, "cda"): "dcc_portal.services.rcp.fiche:export_cda",
    (DocumentKind.FRCP, "pdf"): "dcc_portal.services.rcp.fiche:export_pdf",
    (DocumentKind.PPS, "cda"): "dcc_portal.services.pps.cda:export_cda",
    (DocumentKind.PPS, "pdf"): "dcc_portal.services.pps.reading:export_pdf",
    (DocumentKind.PPS, "ics"): "dcc_portal.services.pps.calendar:export_ics",
}
FORMATS = ("cda", "pdf", "ics")


@dataclass(frozen=True)
class ExportResult:
    patient_local_id: str
    written: list[str]
    skipped: list[str]  # validated documents of kinds with no exporter for the format
    failed: list[str] = field(default_factory=list)  # « kind:public id : reason », documents the exporter could not produce


def find_patient(db: Session, reference: str) -> Patient | None:
    """A local id (DEMO-000001) or an INS (spaces allowed)."""
    reference = str(reference).strip()
    patient = db.exec(select(Patient).where(Patient.local_id == reference)).first()
    if patient is None:
        patient = db.exec(select(Patient).where(Patient.ins == identifiers.normalize_ins(reference))).first()
    return patient


def export_patient(db: Session, *, reference: str, fmt: str, out_dir: Path, operator: str = "") -> ExportResult:
    if fmt not in FORMATS:
        raise ValueError(f"format inconnu : {fmt} (cda, pdf ou ics)")
    patient = find_patient(db, reference)
    if patient is None:
        raise LookupError("Patient introuvable (identifiant local ou INS).")
    out_dir.mkdir(parents=True, exist_ok=True)
    written, skipped, failed = [], [], []
    rows = db.exec(select(Document).where(Document.patient_id == patient.id, Document.status == DocumentStatus.VALIDATED)
                   .order_by(Document.created_at)).all()
    for document in rows:
        target = EXPORTERS.get((document.kind, fmt))
        if target is None:
            skipped.append(f"{document.kind}:{document.public_id}")
            continue
        version = documents.version_row(db, document=document)
        try:
            name, data = registry.resolve(target)(db, document=document, version=version, patient=patient)
        except (KeyError, ValueError) as error:
            reason = str(error) if isinstance(error, ValueError) else f"contenu enregistré incomplet ({error})"
            failed.append(f"{document.kind}:{document.public_id} : {reason}")
            continue
        path = out_dir / name
        with open(path, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        written.append(str(path))
        audit.record(db, action=AuditAction.EXPORT, actor_role="operator", patient_id=patient.id, document_id=document.public_id,
                     document_version=version.version, detail=f"export {fmt} par l'exploitant {operator[:40]}".strip())
    if not rows:
        audit.record(db, action=AuditAction.EXPORT, actor_role="operator", patient_id=patient.id,
                     detail=f"export {fmt} par l'exploitant {operator[:40]} : aucun document validé".strip())
    return ExportResult(patient.local_id, written, skipped, failed)
