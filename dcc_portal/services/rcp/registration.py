"""Registering a patient's case for a session: the completeness checklist, the presenter, the question asked, and
withdrawal before the session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    CancerDiagnosis,
    CareStage,
    CareTeamMembership,
    Document,
    DocumentKind,
    DocumentStatus,
    Grant,
    PathwayEventKind,
    Patient,
    Professional,
    Rcp,
    RcpCase,
    RcpCaseReason,
    RcpCaseStatus,
    RcpSession,
    RcpSessionStatus,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs, terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.names import (
    PROFESSIONAL_LABELS,
    patient_name,
    professional_label,
)
from dcc_portal.services.rcp import correspondents as rcp_correspondents
from dcc_portal.services.rcp import live_clock
from dcc_portal.services.rcp.rules import (
    CASE_STATUS_LABELS,
    REASON_LABELS,
    REGISTRAR_ROLES,
    is_physician,
)
from dcc_portal.services.rcp.sessions import (
    SessionRow,
    aware,
    load_session,
    open_sessions_for_registration,
)
from dcc_portal.services.record import diagnosis as diagnosis_text
from dcc_portal.services.record import pathway


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    ok: bool
    detail: str
    computed: bool  # established from the record (True) or declared by the requester (False)


DECLARED_ITEMS = {
    "imaging_reviewed": "Imagerie disponible pour la séance",
    "patient_informed": "Patient informé de la présentation de son dossier en RCP",
}


@dataclass(frozen=True)
class _RecordFacts:
    """What the checklist reads from a patient's record."""

    kinds: set[str]
    diagnosis: CancerDiagnosis | None  # or a row of _DIAGNOSES
    gp: Professional | None  # or a row of names.PROFESSIONAL_LABELS


# Read for a whole agenda at once (`ids`: expanding), as the columns the agenda shows.
_IDS = bindparam("ids", expanding=True)


_KINDS_IN_RECORDS = select(Document.patient_id, Document.kind).where(
    Document.patient_id.in_(_IDS), Document.status == DocumentStatus.VALIDATED).distinct()


_DIAGNOSES = select(
    CancerDiagnosis.patient_id, CancerDiagnosis.icd10_code, CancerDiagnosis.morphology_code, CancerDiagnosis.tnm_prefix,
    CancerDiagnosis.tnm_t, CancerDiagnosis.tnm_n, CancerDiagnosis.tnm_m, CancerDiagnosis.other_staging,
    CancerDiagnosis.who_performance_status,
).where(CancerDiagnosis.patient_id.in_(_IDS)).order_by(CancerDiagnosis.id)


_CASE_DOCUMENTS = select(Document.id, Document.public_id, Document.status, Document.updated_at).where(Document.id.in_(_IDS))


def _record_facts(db: Session, patients: list[Patient]) -> dict[int, _RecordFacts]:
    """The checklist's facts for many patients in three queries (an agenda lists 20 or more cases)."""
    ids = [patient.id for patient in patients]
    if not ids:
        return {}
    kinds: dict[int, set[str]] = {}
    for patient_id, kind in db.exec(_KINDS_IN_RECORDS, params={"ids": ids}).all():
        kinds.setdefault(patient_id, set()).add(kind)
    diagnoses: dict[int, CancerDiagnosis] = {}
    for diagnosis in db.exec(_DIAGNOSES, params={"ids": ids}).all():
        diagnoses[diagnosis.patient_id] = diagnosis  # the latest wins
    gp_ids = sorted({patient.gp_professional_id for patient in patients if patient.gp_professional_id})
    gps = {pro.id: pro for pro in db.exec(PROFESSIONAL_LABELS, params={"ids": gp_ids}).all()} if gp_ids else {}
    return {patient.id: _RecordFacts(kinds.get(patient.id, set()), diagnoses.get(patient.id),
                                     gps.get(patient.gp_professional_id)) for patient in patients}


def checklist(db: Session, *, patient: Patient, declared: dict[str, bool] | None = None,
              facts: _RecordFacts | None = None) -> list[ChecklistItem]:
    """What the board needs, computed from the record where it can be, declared by the requester otherwise."""
    declared = declared or {}
    facts = facts or _record_facts(db, [patient])[patient.id]
    kinds, diagnosis, gp = facts.kinds, facts.diagnosis, facts.gp
    items = [
        ChecklistItem("pathology", "Compte rendu d'anatomopathologie (CR-ACP)", DocumentKind.CR_ACP in kinds,
                      "présent dans le dossier" if DocumentKind.CR_ACP in kinds else "absent du dossier", True),
        ChecklistItem("imaging", "Compte rendu d'imagerie", DocumentKind.IMAGING in kinds or bool(declared.get("imaging_reviewed")),
                      "présent dans le dossier" if DocumentKind.IMAGING in kinds else
                      ("déclaré disponible" if declared.get("imaging_reviewed") else "absent du dossier"),
                      DocumentKind.IMAGING in kinds),
        ChecklistItem("diagnosis", "Diagnostic codé (CIM-10, morphologie)",
                      bool(diagnosis and diagnosis.icd10_code and diagnosis.morphology_code),
                      f"{diagnosis.icd10_code} {diagnosis.morphology_code}".strip() if diagnosis else "non renseigné", True),
        ChecklistItem("tnm", "Stade TNM", bool(diagnosis and (diagnosis.tnm_t or diagnosis.other_staging)),
                      tnm_label(diagnosis) or "non renseigné", True),
        ChecklistItem("who", "État général (OMS 0 à 4)", bool(diagnosis and diagnosis.who_performance_status is not None),
                      f"OMS {diagnosis.who_performance_status}" if diagnosis and diagnosis.who_performance_status is not None
                      else "non renseigné", True),
        ChecklistItem("gp", "Médecin traitant nommé", gp is not None, professional_label(gp) if gp else "non déclaré", True),
        ChecklistItem("patient_informed", DECLARED_ITEMS["patient_informed"], bool(declared.get("patient_informed")),
                      informed_label(declared), False),
    ]
    return items


def informed_label(declared: dict) -> str:
    """The requester's answer to "the patient is informed that the case is presented", as every screen shows it."""
    return "oui" if declared.get("patient_informed") else "non confirmé"


def tnm_label(diagnosis: CancerDiagnosis | None) -> str:
    """The diagnosis's own TNM text, then any other staging (Ann Arbor, FIGO...)."""
    if diagnosis is None:
        return ""
    return " ".join(part for part in (diagnosis_text.tnm_text(diagnosis), diagnosis.other_staging) if part)


@dataclass(frozen=True)
class RegistrationContext:
    patient_name: str
    sessions: list[SessionRow]
    checklist: list[ChecklistItem]
    cases: list[CaseRow]
    presenters: list[tuple[str, str]]  # (public id, label): the physicians of the patient's care team


@dataclass(frozen=True)
class CaseRow:
    public_id: str
    patient_public_id: str
    patient_name: str
    rcp_name: str
    session_public_id: str
    session_starts: str
    reason: str
    reason_label: str
    question: str
    requester: str
    presenter: str
    correspondents: str  # « Dr A, Dr B »: the correspondents to inform
    status: str
    status_label: str
    patient_informed: str  # "oui" / "non confirmé", as declared at registration
    complete: bool
    missing: str
    needs_representation: bool
    document_public_id: str
    signed: bool


def case_rows(db: Session, agenda: list[tuple[RcpCase, Patient]], session: RcpSession, rcp: Rcp) -> list[CaseRow]:
    """The rows of a whole agenda with a fixed number of queries, whatever the number of cases."""
    facts = _record_facts(db, [patient for _, patient in agenda])
    pro_ids = sorted({pid for case, _ in agenda for pid in (case.requester_professional_id, case.presenter_professional_id) if pid})
    # The professionals and fiches the rows name, as the columns shown (`case_row` loads whatever is not here).
    held = {(Professional, pro.id): pro for pro in db.exec(PROFESSIONAL_LABELS, params={"ids": pro_ids})} if pro_ids else {}
    document_ids = sorted({case.document_id for case, _ in agenda if case.document_id})
    if document_ids:
        held.update({(Document, doc.id): doc for doc in db.exec(_CASE_DOCUMENTS, params={"ids": document_ids})})
    named = rcp_correspondents.names_by_case(db, [case.id for case, _ in agenda])
    return [case_row(db, case, session, rcp, patient, facts=facts[patient.id], loaded=held, correspondents=named.get(case.id, ""))
            for case, patient in agenda]


def case_row(db: Session, case: RcpCase, session: RcpSession, rcp: Rcp, patient: Patient,
              facts: _RecordFacts | None = None, loaded: dict | None = None, correspondents: str | None = None) -> CaseRow:
    def get(model, row_id):
        if row_id is None:
            return None
        return (loaded or {}).get((model, row_id)) or db.get(model, row_id)

    requester = get(Professional, case.requester_professional_id)
    presenter = get(Professional, case.presenter_professional_id)
    declared = json.loads(case.checklist_json or "{}")
    items = checklist(db, patient=patient, declared=declared, facts=facts)
    document = get(Document, case.document_id)
    return CaseRow(
        public_id=case.public_id, patient_public_id=patient.public_id, patient_name=patient_name(patient),
        rcp_name=rcp.name, session_public_id=session.public_id, session_starts=formatting.datetime_fr(session.starts_at),
        reason=case.reason, reason_label=REASON_LABELS.get(case.reason, case.reason), question=case.question,
        requester=professional_label(requester) if requester else "", presenter=professional_label(presenter) if presenter else "",
        correspondents=(rcp_correspondents.names_by_case(db, [case.id]).get(case.id, "") if correspondents is None
                        else correspondents),
        status=case.status, status_label=CASE_STATUS_LABELS.get(case.status, case.status),
        patient_informed=informed_label(declared), complete=all(item.ok for item in items), missing=", ".join(item.label for item in items if not item.ok),
        needs_representation=case.needs_representation,
        document_public_id=document.public_id if document else "",
        signed=bool(document and document.status == DocumentStatus.VALIDATED and case.decided_at
                    and document.updated_at >= case.updated_at),
    )


def registration_context(db: Session, *, actor: Actor, patient_public_id: str, now: datetime | None = None) -> RegistrationContext:
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id,
                                            action=AuditAction.READ, detail="inscription RCP", now=now)
    cases = db.exec(
        select(RcpCase, RcpSession, Rcp).join(RcpSession, RcpSession.id == RcpCase.session_id).join(Rcp, Rcp.id == RcpSession.rcp_id)
        .where(RcpCase.patient_id == patient.id).order_by(RcpSession.starts_at.desc()).limit(50)
    ).all()
    named = rcp_correspondents.names_by_case(db, [case.id for case, _, _ in cases])
    return RegistrationContext(
        patient_name=patient_name(patient),
        sessions=open_sessions_for_registration(db, now=now) if grant == Grant.CARE_TEAM else [],
        # what the record holds; whether the patient is informed is asked in the form, then shown with each registration
        checklist=[item for item in checklist(db, patient=patient) if item.key != "patient_informed"],
        cases=[case_row(db, c, s, r, patient, correspondents=named.get(c.id, "")) for c, s, r in cases],
        presenters=_team_physicians(db, actor=actor, patient=patient, now=now),
    )


def _team_physicians(db: Session, *, actor: Actor, patient: Patient, now: datetime | None) -> list[tuple[str, str]]:
    """The physicians of the care team, one entry each; the registering physician first, as "Moi-même"."""
    rows = db.exec(
        select(Professional).distinct()
        .join(CareTeamMembership, CareTeamMembership.professional_id == Professional.id)
        .where(CareTeamMembership.patient_id == patient.id, access.active_membership_clause(formatting.paris_today(now)))
        .order_by(Professional.family_name, Professional.given_name, Professional.id)
    ).all()
    physicians = [pro for pro in rows if is_physician(pro.specialty_code)]
    physicians.sort(key=lambda pro: pro.id != actor.professional_id)
    return [(pro.public_id, f"Moi-même ({professional_label(pro)})" if pro.id == actor.professional_id
             else f"{professional_label(pro)} — {terminology.specialty_label(pro.specialty_code)}") for pro in physicians]


def _already_registered(db: Session, *, session: RcpSession, rcp: Rcp, patient: Patient) -> str:
    """The message for a patient already registered for this session, or ""."""
    earlier = db.exec(select(RcpCase).where(RcpCase.session_id == session.id, RcpCase.patient_id == patient.id,
                                            RcpCase.status != RcpCaseStatus.WITHDRAWN)).first()
    if earlier is None:
        return ""
    return (f"Ce patient est déjà inscrit à la séance {rcp.name} du {formatting.datetime_fr(session.starts_at)} "
            f"(inscription du {formatting.datetime_fr(earlier.created_at)}) : il n'est pas inscrit une seconde fois. "
            "Choisissez une autre séance, ou retrouvez l'inscription dans la liste ci-dessous.")


def register_case(
    db: Session, *, actor: Actor, patient_public_id: str, session_public_id: str, reason: str, question: str,
    summary: str = "", presenter_public_id: str = "", declared: dict[str, bool] | None = None,
    correspondent_public_ids: list[str] | None = None, now: datetime | None = None,
) -> str:
    """Inscription of a patient of the actor's care team; refused from the registration deadline on."""
    now = now or utcnow()
    if actor.role not in REGISTRAR_ROLES:
        raise access.deny(db, actor=actor, action=AuditAction.CREATE, detail="inscription RCP : rôle non autorisé")
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id, action=AuditAction.CREATE,
                                            detail="inscription RCP", now=now)
    if grant != Grant.CARE_TEAM:
        raise access.deny(db, actor=actor, action=AuditAction.CREATE, patient_id=patient.id,
                          detail="inscription RCP hors équipe de soins")
    errors: dict[str, str] = {}
    loaded = load_session(db, session_public_id)
    if loaded is None:
        errors["session"] = "Choisissez une séance."
    else:
        session, rcp = loaded
        if session.status not in (RcpSessionStatus.PLANNED, RcpSessionStatus.PUBLISHED) or not rcp.active:
            errors["session"] = "Cette séance n'accepte pas d'inscription."
        elif now >= aware(session.registration_deadline):
            errors["session"] = (
                f"Les inscriptions à la séance du {formatting.datetime_fr(session.starts_at)} sont closes depuis le "
                f"{formatting.datetime_fr(session.registration_deadline)} (heure de Paris). Inscrivez le patient à une "
                "séance suivante ou contactez le secrétariat de la RCP."
            )
        elif already := _already_registered(db, session=session, rcp=rcp, patient=patient):
            errors["session"] = already
    if reason not in set(RcpCaseReason):
        errors["reason"] = "Choisissez le motif de présentation."
    question, summary = inputs.text(question), inputs.text(summary)
    if len(question) < 5:
        errors["question"] = "Formulez la question posée à la RCP."
    elif len(question) > 4000:
        errors["question"] = "La question est trop longue (4 000 caractères au plus)."
    if len(summary) > 8000:
        errors["summary"] = "La synthèse est trop longue (8 000 caractères au plus)."
    presenter = None
    if presenter_public_id:
        presenter = db.exec(select(Professional).where(Professional.public_id == str(presenter_public_id)[:32])).first()
        if presenter is None or not is_physician(presenter.specialty_code):
            errors["presenter"] = "Le présentateur doit être un médecin de l'annuaire."
    correspondents, problem = rcp_correspondents.resolve(db, correspondent_public_ids or [])
    if problem:
        errors[rcp_correspondents.FIELD] = problem
    if errors:
        raise ValidationFailed(errors)
    requester_id = actor.professional_id
    if not is_physician(db.get(Professional, requester_id).specialty_code):
        # a secretary registers on behalf of the patient's referent physician (the presenter)
        if presenter is None:
            raise ValidationFailed({"presenter": "Indiquez le médecin demandeur qui présentera le dossier."})
        requester_id = presenter.id
    clean_declared = {key: bool(value) for key, value in (declared or {}).items() if key in DECLARED_ITEMS}
    case = RcpCase(
        session_id=session.id, patient_id=patient.id, requester_professional_id=requester_id,
        presenter_professional_id=(presenter.id if presenter else requester_id), reason=reason, question=question,
        summary=summary, checklist_json=json.dumps(clean_declared), created_by_account_id=actor.account_id,
        created_at=now, updated_at=now,
    )
    try:
        with db.begin_nested():
            db.add(case)
            db.flush()
    except IntegrityError:  # a concurrent registration of the same patient won the race (uq_rcp_case_active)
        raise ValidationFailed({"session": _already_registered(db, session=session, rcp=rcp, patient=patient)}) from None
    rcp_correspondents.attach(db, case=case, professionals=correspondents)
    pathway.add_event(db, patient_id=patient.id, kind=PathwayEventKind.RCP_REGISTERED,
                      occurred_on=formatting.to_paris(session.starts_at).date(),
                      title=f"Inscription en RCP : {rcp.name}", author_professional_id=requester_id)
    pathway.move_stage(db, patient=patient, stage=CareStage.RCP, on=formatting.paris_today(now))
    audit.record(db, actor=actor, action=AuditAction.CREATE, patient_id=patient.id, grant=grant,
                 detail=f"inscription RCP {rcp.national_id} séance {session.public_id}")
    return case.public_id


def withdraw_case(db: Session, *, actor: Actor, case_public_id: str, now: datetime | None = None) -> None:
    loaded = load_case(db, case_public_id)
    if loaded is None:
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="inscription RCP inconnue")
    case, session, rcp = loaded
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=db.get(Patient, case.patient_id).public_id,
                                            action=AuditAction.UPDATE, detail="retrait d'inscription RCP", now=now)
    if grant != Grant.CARE_TEAM or case.status != RcpCaseStatus.REGISTERED:
        raise ValidationFailed({"case": "Seule une inscription non encore traitée peut être retirée, par l'équipe de soins."})
    case.status = RcpCaseStatus.WITHDRAWN
    case.withdrawn_at = now or utcnow()
    db.add(case)
    live_clock.touch(db, session_id=session.id)


def load_case(db: Session, public_id: str) -> tuple[RcpCase, RcpSession, Rcp] | None:
    if not isinstance(public_id, str) or not 0 < len(public_id) <= 32:
        return None
    row = db.exec(
        select(RcpCase, RcpSession, Rcp).join(RcpSession, RcpSession.id == RcpCase.session_id)
        .join(Rcp, Rcp.id == RcpSession.rcp_id).where(RcpCase.public_id == public_id)
    ).first()
    return (row[0], row[1], row[2]) if row else None
