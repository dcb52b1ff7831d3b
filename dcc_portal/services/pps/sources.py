"""Where a new PPS takes its prefilled content from: the patient's pathway (the diagnosis being treated) and,
when there is one, the last RCP proposal. This is the only module of the PPS that reads RCP data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from dcc_portal.models import Document, DocumentKind, DocumentStatus
from dcc_portal.services.record import documents


@dataclass(frozen=True)
class RcpProposal:
    """What the PPS needs from the tumour board's decision."""

    session_date: date | None
    proposal: str  # the proposal as the board wrote it
    treatment_types: list[str] = field(default_factory=list)  # PPS treatment type codes (JDV_TypeTraitementPPS)


# The FRCP proposal uses JDV_TypeTraitement_FRCP; the PPS uses JDV_TypeTraitementPPS, identical but for this code.
FRCP_TO_PPS_TYPE = {"C547": "C15445"}


def _proposal_text(items: list) -> str:
    lines = []
    for item in items:
        if not isinstance(item, dict):
            continue
        label = str(item.get("type_label") or "")
        intention = str(item.get("intention_label") or "")
        detail = str(item.get("detail") or "")
        line = f"{label} ({intention.lower()})" if intention else label
        lines.append(f"{line} : {detail}" if detail else line)
    return "\n".join(line for line in lines if line)


def last_rcp_proposal(db: Session, *, patient_id: int) -> RcpProposal | None:
    """The last validated fiche RCP of the patient, or None when there is none.

    Reads the FRCP document (kind "frcp", dated the day of the session) that the RCP feature freezes at signature:
    its content's "proposal" is a list of {type_code, type_label, intention ("first" | "alternative"),
    intention_label, detail}. First-intention treatments become the PPS's treatment lines.
    """
    frcp = db.exec(
        select(Document)
        .where(Document.patient_id == patient_id, Document.kind == DocumentKind.FRCP,
               Document.status == DocumentStatus.VALIDATED)
        .order_by(Document.service_date.desc(), Document.id.desc())
    ).first()
    if frcp is None:
        return None
    items = documents.content_of(documents.version_row(db, document=frcp)).get("proposal")
    items = items if isinstance(items, list) else []
    types = [FRCP_TO_PPS_TYPE.get(str(item.get("type_code")), str(item.get("type_code")))
             for item in items if isinstance(item, dict) and item.get("intention", "first") == "first"]
    return RcpProposal(session_date=frcp.service_date, proposal=_proposal_text(items)[:4000], treatment_types=types[:20])
