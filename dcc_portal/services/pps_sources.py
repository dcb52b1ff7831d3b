"""Where a new PPS takes its prefilled content from: the patient's pathway (the diagnosis being treated) and,
when there is one, the last RCP proposal. This is the only module of the PPS that reads RCP data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from dcc_portal.models import CancerDiagnosis, Document, DocumentKind, DocumentStatus
from dcc_portal.services import documents


@dataclass(frozen=True)
class RcpProposal:
    """What the PPS needs from the tumour board's decision."""

    session_date: date | None
    proposal: str  # the proposal as the board wrote it
    treatment_types: list[str] = field(default_factory=list)  # PPS treatment type codes (JDV_TypeTraitementPPS)


def current_diagnosis(db: Session, *, patient_id: int) -> CancerDiagnosis | None:
    """The most recently recorded primary cancer of the patient."""
    return db.exec(
        select(CancerDiagnosis)
        .where(CancerDiagnosis.patient_id == patient_id)
        .order_by(CancerDiagnosis.updated_at.desc(), CancerDiagnosis.id.desc())
    ).first()


def _text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _text(value.get("text") or value.get("label") or "")
    if isinstance(value, list):
        return "\n".join(part for part in (_text(item) for item in value) if part)
    return ""


def last_rcp_proposal(db: Session, *, patient_id: int) -> RcpProposal | None:
    """The last validated fiche RCP of the patient, or None when there is none.

    Reads the FRCP document (kind "frcp") that the RCP feature files for each decision: its date of session and
    the structured proposal when its content carries one. Nothing else of the RCP model is used by the PPS.
    """
    frcp = db.exec(
        select(Document)
        .where(Document.patient_id == patient_id, Document.kind == DocumentKind.FRCP,
               Document.status == DocumentStatus.VALIDATED)
        .order_by(Document.service_date.desc(), Document.id.desc())
    ).first()
    if frcp is None:
        return None
    content = documents.content_of(documents.version_row(db, document=frcp))
    types = content.get("pps_treatment_types") or []
    return RcpProposal(
        session_date=frcp.service_date,
        proposal=_text(content.get("proposal"))[:4000],
        treatment_types=[code for code in types if isinstance(code, str)][:20],
    )
