"""The decision on a case: the proposal (treatments, intent, trial, next step), saved with optimistic concurrency.
The signed fiche is in services/rcp/fiche.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    Document,
    Patient,
    Professional,
    RcpCase,
    RcpCaseStatus,
    RcpSessionStatus,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs, terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import StaleVersion, ValidationFailed
from dcc_portal.services.common.names import professional_label
from dcc_portal.services.rcp.directory import membership
from dcc_portal.services.rcp.registration import (
    CaseRow,
    ChecklistItem,
    case_row,
    checklist,
    load_case,
)
from dcc_portal.services.rcp.rules import (
    INTENTIONS,
    TREATMENT_TYPES,
    QuorumStatus,
    is_physician,
    session_quorum,
)
from dcc_portal.services.record import documents


@dataclass(frozen=True)
class ProposalItem:
    type_code: str
    type_label: str
    intention: str  # first | alternative
    detail: str


@dataclass(frozen=True)
class CaseDecision:
    case: CaseRow
    rcp_public_id: str
    rcp_name: str
    session_date: str
    summary: str
    checklist: list[ChecklistItem]
    status: str
    proposal: list[ProposalItem]
    guideline: str
    trial_proposed: bool
    trial_detail: str
    additional_exams: str
    comment: str
    quorum: QuorumStatus
    quorum_reached: bool | None
    decision_version: int
    decided: bool
    document_public_id: str
    document_version: int
    signed_at: str
    signed_by: str
    can_decide: bool
    is_coordinator: bool


def treatment_types() -> list[tuple[str, str]]:
    return [(c.code, c.display[:1].upper() + c.display[1:]) for c in terminology.load(TREATMENT_TYPES).concepts]


def case_decision(db: Session, *, actor: Actor, case_public_id: str, now: datetime | None = None) -> CaseDecision:
    loaded = load_case(db, case_public_id)
    if loaded is None:
        raise access.deny(db, actor=actor, action=AuditAction.READ, detail="inscription RCP inconnue")
    case, session, rcp = loaded
    patient = db.get(Patient, case.patient_id)
    access.require_patient(db, actor=actor, patient_public_id=patient.public_id, action=AuditAction.READ,
                           detail=f"dossier présenté en RCP {rcp.national_id}", now=now)
    member = membership(db, rcp_id=rcp.id, professional_id=actor.professional_id)
    document = db.get(Document, case.document_id) if case.document_id else None
    signed_at, signed_by = "", ""
    if document is not None:
        version = documents.version_row(db, document=document)
        signed_at = formatting.datetime_fr(version.signed_at)
        author = db.get(Professional, version.author_professional_id) if version.author_professional_id else None
        signed_by = professional_label(author) if author else ""
    is_phys = actor.professional_id is not None and is_physician(db.get(Professional, actor.professional_id).specialty_code)
    return CaseDecision(
        case=case_row(db, case, session, rcp, patient), rcp_public_id=rcp.public_id, rcp_name=rcp.name,
        session_date=formatting.datetime_fr(session.starts_at), summary=case.summary,
        checklist=checklist(db, patient=patient, declared=json.loads(case.checklist_json or "{}")),
        status=case.status, proposal=proposal_items(case), guideline=case.guideline, trial_proposed=case.trial_proposed,
        trial_detail=case.trial_detail, additional_exams=case.additional_exams, comment=case.comment,
        quorum=session_quorum(db, session=session), quorum_reached=case.quorum_reached,
        decision_version=case.decision_version, decided=case.decided_at is not None,
        document_public_id=document.public_id if document else "", document_version=document.current_version if document else 0,
        signed_at=signed_at, signed_by=signed_by, can_decide=bool(member) and is_phys,
        is_coordinator=bool(member and member.is_coordinator) and is_phys,
    )


def proposal_items(case: RcpCase) -> list[ProposalItem]:
    labels = dict(treatment_types())
    return [ProposalItem(item["type"], labels.get(item["type"], item["type"]), item["intention"], item.get("detail", ""))
            for item in json.loads(case.proposal_json or "[]")]


def save_decision(
    db: Session, *, actor: Actor, case_public_id: str, expected_version: int, status: str, proposal: list[dict],
    guideline: str = "", trial_proposed: bool = False, trial_detail: str = "", additional_exams: str = "",
    comment: str = "", quorum: QuorumStatus | None = None, now: datetime | None = None,
) -> int:
    """Record what the board decided for one case (draft until the coordinator signs). Returns the new version.
    `quorum`: the one reached for this very case in the live sitting; by default the session's attendance sheet."""
    now = now or utcnow()
    loaded = load_case(db, case_public_id)
    if loaded is None:
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="inscription RCP inconnue")
    case, session, rcp = loaded
    patient = db.get(Patient, case.patient_id)
    _, grant = access.require_patient(db, actor=actor, patient_public_id=patient.public_id, action=AuditAction.UPDATE,
                                      detail=f"décision RCP {rcp.national_id}", now=now)
    member = membership(db, rcp_id=rcp.id, professional_id=actor.professional_id)
    if member is None or not is_physician(db.get(Professional, actor.professional_id).specialty_code):
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id,
                          detail="décision RCP : réservé aux médecins membres")
    errors: dict[str, str] = {}
    if case.status == RcpCaseStatus.WITHDRAWN:
        errors["status"] = "Cette inscription a été retirée."
    if session.status not in (RcpSessionStatus.OPEN, RcpSessionStatus.CLOSED, RcpSessionStatus.PUBLISHED):
        errors["status"] = "La séance n'est pas ouverte."
    if status not in (RcpCaseStatus.RECORDED, RcpCaseStatus.DISCUSSED):
        errors["status"] = "Indiquez si le cas a été discuté ou seulement enregistré."
    valid_types = terminology.load(TREATMENT_TYPES).index
    items = []
    for index, item in enumerate(proposal or []):
        if not isinstance(item, dict):
            continue
        type_code = str(item.get("type", ""))
        if not type_code:
            continue
        if type_code not in valid_types:
            errors["proposal"] = "Type de traitement inconnu du jeu de valeurs FRCP."
            continue
        intention = item.get("intention") if item.get("intention") in INTENTIONS else "first"
        items.append({"type": type_code, "intention": intention, "detail": inputs.text(item.get("detail"), 1000)})
        if index > 20:
            break
    if not items:
        errors["proposal"] = "Indiquez au moins une proposition (type de traitement)."
    elif not any(item["intention"] == "first" for item in items):
        errors["proposal"] = "Indiquez la proposition de première intention."
    guideline = inputs.line(guideline, 300)
    if status == RcpCaseStatus.RECORDED and not guideline:
        errors["guideline"] = "Un cas enregistré sans discussion doit citer le référentiel qu'il suit."
    trial_detail, additional_exams, comment = inputs.text(trial_detail), inputs.text(additional_exams), inputs.text(comment)
    for key, value, limit in (("trial_detail", trial_detail, 300), ("additional_exams", additional_exams, 4000), ("comment", comment, 4000)):
        if len(value) > limit:
            errors[key] = f"Texte trop long ({limit} caractères au plus)."
    if errors:
        raise ValidationFailed(errors)
    updated = db.execute(RcpCase.__table__.update().where(
        RcpCase.__table__.c.id == case.id, RcpCase.__table__.c.decision_version == expected_version
    ).values(decision_version=expected_version + 1))
    if updated.rowcount != 1:
        raise StaleVersion()
    quorum = quorum or session_quorum(db, session=session)
    case.decision_version = expected_version + 1
    case.status = status
    case.proposal_json = json.dumps(items, ensure_ascii=False)
    case.guideline = guideline
    case.trial_proposed = bool(trial_proposed)
    case.trial_detail = trial_detail if trial_proposed else ""
    case.additional_exams = additional_exams
    case.comment = comment
    if status == RcpCaseStatus.DISCUSSED:
        case.quorum_reached = quorum.reached
        case.needs_representation = not quorum.reached
    else:
        case.quorum_reached = None
        case.needs_representation = False
    case.decided_at = now
    case.updated_at = now
    db.add(case)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id, grant=grant,
                 detail=f"décision RCP {rcp.national_id} ({status})")
    return case.decision_version
