"""The fiche RCP (FRCP): validated and signed by the coordinating physician, frozen as a document version whose
content holds everything shown (print view, PDF) and the CDA R2 document generated per the CI-SIS FRCP volet.

Signing is an authenticated act: the coordinator types a current TOTP code again (services/auth.confirm_signature).
A correction after signing is a new version: the CDA keeps its setId, versionNumber increments and relatedDocument
RPLC names the replaced version.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.conformance import cda as cda_validation
from dcc_portal.models import (
    AuditAction,
    CancerDiagnosis,
    CareStage,
    Document,
    DocumentKind,
    DocumentStatus,
    DocumentVersion,
    NotificationKind,
    Organisation,
    PathwayEventKind,
    Patient,
    Professional,
    Rcp,
    RcpAttendance,
    RcpCase,
    RcpCaseSitting,
    RcpCaseStatus,
    RcpKind,
    RcpMember,
    RcpSession,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs, render, terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import StaleVersion, ValidationFailed
from dcc_portal.services.common.names import patient_name, professional_label
from dcc_portal.services.common.storage import FilePayload
from dcc_portal.services.identity import auth
from dcc_portal.services.rcp import directory as rcp_directory
from dcc_portal.services.rcp import registration as rcp_registration
from dcc_portal.services.rcp import rules as rcp_rules
from dcc_portal.services.record import cda, documents, notifications, pathway
from dcc_portal.services.record import diagnosis as diagnosis_record
from dcc_portal.services.record.diagnosis import tnm_part

TEMPLATE_ID = ("1.2.250.1.213.1.1.1.8", "2022.01")
DOCUMENT_CODE = cda.Code("34794-8", cda.LOINC, "CR de réunion de concertation pluridisciplinaire", "LOINC")
FORMAT_CODE = "urn:asip:ci-sis:frcp:2011"
TA_ASIP = "1.2.250.1.213.1.1.4.322"
RCP_NETWORK_ROOT = "1.2.250.1.161.1.20.1.1"
RCP_MANAGER_ROOT = "1.2.250.1.161.1.20.2.1"
RCP_ROOT = "1.2.250.1.161.1.20.3.1"
RCP_SESSION_ROOT = "1.2.250.1.213.1.1.9"
MEMBER_FUNCTION = cda.Code("353", "1.2.250.1.213.1.6.1.107", "Membre de l'équipe de soins")
CORRESPONDENT_FUNCTION = cda.Code("CORRE", "1.2.250.1.213.1.1.4.2.280", "Correspondant")
GP_FUNCTION = cda.Code("PCP", "2.16.840.1.113883.5.88", "Médecin traitant")
LATERALITY = {"right": ("24028007", "droit"), "left": ("7771000", "gauche"), "bilateral": ("51440002", "bilatéral")}
LATERALITY_LABELS = {"right": "Droite", "left": "Gauche", "bilateral": "Bilatérale"}
PHASES = {"initial": "MED-268", "relapse": "MED-244"}
WHO_CODES = ["MED-240", "MED-264", "MED-265", "MED-266", "MED-267"]
WHO_INTERPRETATIONS = ["LA9622-7", "LA9623-5", "LA9624-3", "LA9625-0", "LA9626-8"]
APPROVED = "9571008"


def _concept(value_set: str, code: str) -> dict | None:
    concept = terminology.load(value_set).index.get(code)
    return {"code": concept.code, "system": concept.code_system, "display": concept.display} if concept else None


# --------------------------------------------------------------------------------------------------- content


def _diagnosis_content(diagnosis: CancerDiagnosis | None) -> dict:
    if diagnosis is None:
        return {"topography": None, "morphology": None, "topography_text": "Non renseignée", "morphology_text": "Non renseignée",
                "laterality": None, "laterality_label": "", "tnm": "", "tnm_parts": _tnm_parts(None), "other_staging": "",
                "date_cda": "", "screening": None, "discovery_label": "Non renseigné", "who": None, "who_label": "Non renseigné",
                "who_interpretation": None, "who_date_cda": "", "phase": None}
    topography = _concept("JDV_Tumeur_CISIS", diagnosis.icd10_code)
    morphology = _concept("JDV_Morphologie_CISIS", diagnosis.morphology_code)
    laterality = LATERALITY.get(diagnosis.laterality)
    who = diagnosis.who_performance_status
    screening = {"screening": True, "symptoms": False, "incidental": False}.get(diagnosis.discovery_mode)
    return {
        "topography": topography, "morphology": morphology,
        "topography_text": f"{diagnosis.icd10_code} {diagnosis.icd10_label or (topography or {}).get('display', '')}".strip(),
        "morphology_text": f"{diagnosis.morphology_code} {diagnosis.morphology_label or (morphology or {}).get('display', '')}".strip()
        or "Non renseignée",
        "laterality": {"code": laterality[0], "display": laterality[1]} if laterality else None,
        "laterality_label": LATERALITY_LABELS.get(diagnosis.laterality, ""),
        "tnm": rcp_registration.tnm_label(diagnosis), "tnm_parts": _tnm_parts(diagnosis), "other_staging": diagnosis.other_staging,
        "date_cda": cda.ts_date(diagnosis.diagnosis_date) if diagnosis.diagnosis_date else "",
        "screening": screening,
        "discovery_label": {True: "Oui", False: "Non", None: "Non renseigné"}[screening],
        "who": _concept("JDV_OMSEchPerf_CISIS", WHO_CODES[who]) if who is not None and 0 <= who <= 4 else None,
        "who_label": f"OMS {who}" if who is not None else "Non renseigné",
        "who_interpretation": _concept("JDV_OMSInterpret_CISIS", WHO_INTERPRETATIONS[who]) if who is not None and 0 <= who <= 4 else None,
        "who_date_cda": cda.ts_date(diagnosis.who_performance_date) if diagnosis.who_performance_date else "",
        "phase": _concept("JDV_PhaseCancer_CISIS", PHASES.get(diagnosis.clinical_phase, "")),
    }


def _tnm_parts(diagnosis: CancerDiagnosis | None) -> list[list[str]]:
    prefix = diagnosis.tnm_prefix if diagnosis else "c"
    values = (diagnosis.tnm_t, diagnosis.tnm_n, diagnosis.tnm_m) if diagnosis else ("", "", "")
    codes = (("21905-5", "TNM Clinique T"), ("21906-3", "TNM Clinique N"), ("21907-1", "TNM Clinique M"))
    letters = "TNM"
    return [[code, display, tnm_part(letters[index], value)] for index, ((code, display), value) in enumerate(zip(codes, values))] \
        if prefix else []


def _person(pro: Professional | None, db: Session) -> dict | None:
    if pro is None:
        return None
    return {"public_id": pro.public_id, "name": professional_label(pro), "specialty": rcp_rules.specialty_label(pro.specialty_code),
            "specialty_code": pro.specialty_code, "rpps": pro.rpps}


def _session_attendees(db: Session, session: RcpSession, board: Rcp) -> list[dict]:
    """A case decided outside the live sitting: the session's attendance sheet."""
    present = db.exec(select(RcpAttendance, Professional).join(Professional, Professional.id == RcpAttendance.professional_id)
                      .where(RcpAttendance.session_id == session.id).order_by(Professional.family_name)).all()
    relevant = set(rcp_rules.split_codes(board.quorum_specialties))
    return [dict(_person(pro, db), specialty_code=attendance.specialty_code, guest=False,
                 specialty=rcp_rules.specialty_label(attendance.specialty_code),
                 counted=rcp_rules.is_physician(attendance.specialty_code) and (not relevant or attendance.specialty_code in relevant))
            for attendance, pro in present]


def _case_attendees(db: Session, sitting: RcpCaseSitting) -> list[dict]:
    """A case validated in the live sitting: the people present at the moment it was discussed."""
    attendees = []
    for entry in json.loads(sitting.present_json or "[]"):
        pro = db.get(Professional, entry["professional_id"])
        if pro is not None:
            attendees.append(dict(_person(pro, db), specialty_code=entry["specialty_code"], counted=bool(entry["counted"]),
                                  specialty=rcp_rules.specialty_label(entry["specialty_code"]), guest=bool(entry.get("guest"))))
    return attendees


def build_content(db: Session, *, case: RcpCase, session: RcpSession, board: Rcp, signer: Professional, now: datetime,
                  correction_reason: str = "") -> dict:
    """Everything the fiche shows, frozen at signature (names and codes as they were that day)."""
    patient = db.get(Patient, case.patient_id)
    diagnosis = diagnosis_record.latest(db, patient.id)
    sitting = db.get(RcpCaseSitting, case.id)
    attendees = _case_attendees(db, sitting) if sitting is not None and sitting.present_json not in ("", "[]") \
        else _session_attendees(db, session, board)
    quorum = rcp_rules.quorum_rule(rcp=board, present_specialties=[a["specialty_code"] for a in attendees])
    if case.status == RcpCaseStatus.DISCUSSED:
        quorum_code = _concept("JDV_StatutQuorum_CISIS", "ORG-126" if case.quorum_reached else "ORG-133")
    else:
        quorum_code = _concept("JDV_StatutQuorum_CISIS", "ORG-126" if quorum.reached else "ORG-133")
    declared = json.loads(case.checklist_json or "{}")
    items = rcp_registration.checklist(db, patient=patient, declared=declared)
    types = {c.code: c for c in terminology.load(rcp_rules.TREATMENT_TYPES).concepts}
    proposal = []
    for rank, item in enumerate(sorted(json.loads(case.proposal_json or "[]"), key=lambda i: i["intention"] != "first"), start=1):
        concept = types[item["type"]]
        proposal.append({"type_code": concept.code, "type_system": concept.code_system,
                         "type_label": concept.display[:1].upper() + concept.display[1:], "intention": item["intention"],
                         "intention_label": rcp_rules.INTENTIONS[item["intention"]], "detail": item.get("detail", ""), "rank": rank})
    organisation = db.get(Organisation, board.organisation_id)
    gp = db.get(Professional, patient.gp_professional_id) if patient.gp_professional_id else None
    return {
        "rcp": {
            "public_id": board.public_id, "name": board.name, "national_id": board.national_id, "network_id": board.network_id,
            "manager_id": board.manager_id, "manager_name": board.manager_name, "kind": board.kind,
            "kind_label": rcp_rules.KIND_LABELS.get(board.kind, board.kind),
            "nature": _concept("JDV_NatureDiscussion_CISIS", "ORG-117" if board.kind == RcpKind.ORGAN else "ORG-132"),
            "appareil": _concept(rcp_rules.APPAREIL, board.appareil_code),
            "organs": [c for c in (_concept(rcp_rules.ORGANE, code) for code in rcp_rules.split_codes(board.organ_codes)) if c],
            "transversal": _concept(rcp_rules.TRANSVERSAL_TYPES, board.transversal_code),
            "is_recours": board.is_recours, "is_pediatric": board.is_pediatric,
            "organisation": organisation.name if organisation else "", "scope": rcp_directory.scope_label(board),
        },
        "session": {"public_id": session.public_id, "starts": formatting.datetime_fr(session.starts_at),
                    "starts_iso": session.starts_at.isoformat(), "date_cda": cda.ts_date(formatting.to_paris(session.starts_at).date()),
                    "place": session.place or board.place},
        "patient": {"name": patient_name(patient), "birth_name": patient.birth_family_name, "first_names": patient.first_names,
                    "birth_date": formatting.date_fr(patient.birth_date), "sex": formatting.SEX_LABELS.get(patient.sex, ""),
                    "ins": formatting.ins_display(patient.ins), "local_id": patient.local_id},
        "case": {"public_id": case.public_id, "reason": case.reason, "reason_label": rcp_rules.REASON_LABELS.get(case.reason, case.reason),
                 "question": case.question, "summary": case.summary, "status": case.status,
                 "status_label": rcp_rules.CASE_STATUS_LABELS.get(case.status, case.status),
                 "status_code": _concept("JDV_StatutCasPresente_CISIS", "ORG-134" if case.status == RcpCaseStatus.DISCUSSED else "ORG-128"),
                 "patient_informed": bool(declared.get("patient_informed")),
                 "complete": all(item.ok for item in items), "missing": [item.label for item in items if not item.ok],
                 "needs_representation": case.needs_representation},
        "requester": _person(db.get(Professional, case.requester_professional_id), db),
        "presenter": _person(db.get(Professional, case.presenter_professional_id) if case.presenter_professional_id else None, db),
        "gp": _person(gp, db),
        "coordinator": _person(signer, db),
        "attendees": attendees,
        "sitting": {"validated_at": formatting.datetime_fr(sitting.validated_at), "validated_at_iso": sitting.validated_at.isoformat(),
                    "quorum_summary": sitting.quorum_summary, "override_reason": sitting.override_reason} if sitting else None,
        "quorum": {"reached": bool(quorum_code and quorum_code["code"] == "ORG-126"), "code": quorum_code,
                   "summary": quorum.summary if case.status == RcpCaseStatus.DISCUSSED else quorum.summary,
                   "surgeon_required": quorum.surgeon_required},
        "diagnosis": _diagnosis_content(diagnosis),
        "proposal": proposal,
        "guideline": case.guideline,
        "trial_proposed": case.trial_proposed,
        "trial_detail": case.trial_detail,
        "additional_exams": case.additional_exams,
        "comment": case.comment,
        "document_status": _concept("JDV_StatutDoc_CISIS", APPROVED),
        "signed_at": formatting.datetime_fr(now),
        "signed_date_cda": cda.ts_date(formatting.to_paris(now).date()),
        "correction_reason": correction_reason,
    }


# --------------------------------------------------------------------------------------------------- CDA


def _cda_header(db: Session, *, content: dict, case: RcpCase, session: RcpSession, board: Rcp, signer: Professional,
                patient: Patient, now: datetime, set_id: str, version_number: int, replaces: str) -> cda.CdaHeader:
    signer_part = cda.person_part(db, signer)
    organisation = cda.organisation_part(db.get(Organisation, board.organisation_id))
    participants = [cda.Participant("RESP", signer_part, None, "Médecin coordonnateur de la RCP")]
    requester = db.get(Professional, case.requester_professional_id)
    participants.append(cda.Participant("REFB", cda.person_part(db, requester), None, "Médecin demandeur"))
    presenter = db.get(Professional, case.presenter_professional_id) if case.presenter_professional_id else requester
    participants.append(cda.Participant("PRF", cda.person_part(db, presenter), None, "Médecin présentateur"))
    gp = db.get(Professional, patient.gp_professional_id) if patient.gp_professional_id else None
    participants.append(cda.Participant("INF", cda.person_part(db, gp) if gp else None, GP_FUNCTION,
                                        "Médecin traitant" if gp else "Médecin traitant non déclaré"))
    sitting = content.get("sitting")
    at = datetime.fromisoformat(sitting["validated_at_iso"]) if sitting else None
    for attendee in content["attendees"]:
        pro = db.exec(select(Professional).where(Professional.public_id == attendee["public_id"])).one()
        guest = " (invité pour ce dossier)" if attendee.get("guest") else ""
        if attendee["counted"]:
            participants.append(cda.Participant("PRF", cda.person_part(db, pro), MEMBER_FUNCTION, "Participant du quorum" + guest, at))
        else:
            participants.append(cda.Participant("PRF", cda.person_part(db, pro), CORRESPONDENT_FUNCTION, "Participant hors quorum" + guest,
                                                at))
    ids = [(RCP_NETWORK_ROOT, board.network_id or "NA"), (RCP_MANAGER_ROOT, board.manager_id or "NA"),
           (RCP_ROOT, board.national_id), (RCP_SESSION_ROOT, session.public_id)]
    title_parts = [part for part in (board.manager_name, board.name) if part]
    return cda.CdaHeader(
        template_ids=(TEMPLATE_ID,), code=DOCUMENT_CODE, title=f"Fiche RCP : {' / '.join(title_parts)}",
        effective_time=now, set_id=set_id, version_number=version_number, patient=cda.patient_part(patient),
        author=signer_part, author_time=now, custodian=organisation, legal_authenticator=signer_part, legal_time=now,
        author_function=MEMBER_FUNCTION, author_function_text="Médecin coordonnateur de la RCP",
        participants=tuple(participants), replaces_document_id=replaces,
        in_fulfillment_of=(str(uuid.UUID(case.public_id)).upper(), f"Inscription en RCP du {formatting.date_fr(case.created_at)}"),
        service_events=(
            cda.ServiceEvent(cda.Code("39", "1.2.250.1.213.3.3.13", "Réunion de Concertation Pluridisciplinaire (RCP)",
                                      "TRE_R213-ModePriseEnCharge"), " / ".join(title_parts), session.starts_at, signer_part),
        ),
        encounter=cda.Encounter(
            ids=tuple(ids), start=session.starts_at, facility=organisation,
            code=cda.Code("VR", "2.16.840.1.113883.5.4", "Virtuelle (exemple : RCP en l'absence du patient)"),
            facility_type=organisation.facility_type,
        ),
    )


def render_cda(db: Session, *, content: dict, header: cda.CdaHeader) -> str:
    return cda.render_document("cda/frcp.xml.j2", header=header, f=content)


def check_cda(xml: str) -> None:
    """Every generated FRCP must pass the schema and the FRCP schematron; anything else is a bug, never saved."""
    result = cda_validation.validate_frcp(xml, profiles=False)
    if not result.ok:
        raise RuntimeError("FRCP CDA non conforme : " + " | ".join(result.summary()[:5]))


# --------------------------------------------------------------------------------------------------- signing


def sign(db: Session, *, actor: Actor, case_public_id: str, expected_version: int, code: str,
         correction_reason: str = "", now: datetime | None = None) -> str:
    """Validate and sign the fiche of one case (new document, or a new version for a correction).

    Returns the document's public id. The TOTP code is checked first; nothing else is changed on failure.
    """
    now = now or utcnow()
    loaded = rcp_registration.load_case(db, case_public_id)
    if loaded is None:
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="inscription RCP inconnue")
    case, session, board = loaded
    patient = db.get(Patient, case.patient_id)
    _, grant = access.require_patient(db, actor=actor, patient_public_id=patient.public_id, action=AuditAction.UPDATE,
                                      detail=f"signature fiche RCP {board.national_id}", now=now)
    member = db.get(RcpMember, (board.id, actor.professional_id)) if actor.professional_id else None
    signer = db.get(Professional, actor.professional_id) if actor.professional_id else None
    if member is None or not member.is_coordinator or signer is None or not rcp_rules.is_physician(signer.specialty_code):
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id,
                          detail="signature FRCP : réservée au médecin coordonnateur")
    if case.decision_version != expected_version:
        raise StaleVersion()
    errors: dict[str, str] = {}
    if case.decided_at is None or case.status not in (RcpCaseStatus.RECORDED, RcpCaseStatus.DISCUSSED):
        errors["decision"] = "Enregistrez d'abord la proposition de la RCP pour ce dossier."
    document = db.get(Document, case.document_id) if case.document_id else None
    if document is not None and document.updated_at >= case.updated_at:
        errors["decision"] = "Cette fiche est déjà signée ; modifiez la proposition pour en faire une correction."
    correction_reason = inputs.line(correction_reason, 300)
    if document is not None and not correction_reason:
        errors["correction_reason"] = "Indiquez le motif de la correction (nouvelle version de la fiche)."
    if errors:
        raise ValidationFailed(errors)
    message = auth.confirm_signature(db, actor=actor, code=code, what=AuditAction.UPDATE, now=now)
    if message:
        raise ValidationFailed({"code": message})
    document_public_id = freeze(db, actor=actor, case=case, session=session, board=board, patient=patient, signer=signer,
                                document=document, grant=grant, correction_reason=correction_reason, now=now)
    pathway.move_stage(db, patient=patient, stage=CareStage.RCP, on=formatting.to_paris(session.starts_at).date())
    return document_public_id


def freeze(db: Session, *, actor: Actor, case: RcpCase, session: RcpSession, board: Rcp, patient: Patient,
           signer: Professional, document: Document | None, grant: str, correction_reason: str, now: datetime) -> str:
    """After the signer's second factor was checked: build, validate and store the fiche, then share it."""
    content = build_content(db, case=case, session=session, board=board, signer=signer, now=now,
                            correction_reason=correction_reason)
    if document is None:
        set_id, version_number, replaces = cda.new_uuid(), 1, ""
    else:
        previous = documents.content_of(documents.version_row(db, document=document))
        set_id, version_number, replaces = previous["cda_set_id"], document.current_version + 1, previous["cda_id"]
    header = _cda_header(db, content=content, case=case, session=session, board=board, signer=signer, patient=patient,
                         now=now, set_id=set_id, version_number=version_number, replaces=replaces)
    xml = render_cda(db, content=content, header=header)
    check_cda(xml)
    content.update({"cda_id": header.document_id, "cda_set_id": set_id, "cda_version": version_number, "cda": xml,
                    "format_code": FORMAT_CODE})
    board_name = board.name if board.name.upper().startswith("RCP") else f"RCP {board.name}"
    title = f"Fiche {board_name} du {formatting.date_fr(session.starts_at)}"
    if document is None:
        document, version = documents.create(
            db, actor=actor, patient=patient, kind=DocumentKind.FRCP, title=title, content=content,
            service_date=formatting.to_paris(session.starts_at).date(), organisation_id=board.organisation_id,
            share_with_dmp=True, reason="fiche RCP signée", now=now,
        )
        case.document_id = document.id
    else:
        version = documents.add_version(db, actor=actor, document=document, expected_version=document.current_version,
                                        content=content, reason=f"correction : {correction_reason}", now=now)
    version.signed_at = now
    version.signed_by_account_id = actor.account_id
    db.add(version)
    documents.validate(db, actor=actor, document=document, now=now)
    case.updated_at = now
    db.add(case)
    audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id, grant=grant, document_id=document.public_id,
                 document_version=version.version, detail="fiche RCP signée (code TOTP ressaisi)")
    kind = "corrigée" if version.version > 1 else "disponible"
    notifications.notify_medecin_traitant(db, patient=patient, kind=NotificationKind.RCP_DECISION,
                                          title=f"fiche RCP {kind}", document_id=document.id)
    for professional_id in {case.requester_professional_id, case.presenter_professional_id} - {None, actor.professional_id,
                                                                                                 patient.gp_professional_id}:
        notifications.notify_professional(db, professional_id=professional_id, kind=NotificationKind.RCP_DECISION,
                                          title=f"{patient_name(patient)} : fiche RCP {kind}", patient_id=patient.id,
                                          document_id=document.id)
    pathway.add_event(db, patient_id=patient.id, kind=PathwayEventKind.RCP_DECISION,
                      occurred_on=formatting.to_paris(session.starts_at).date(),
                      title=f"Décision de RCP : {board.name}" + (f" (version {version.version})" if version.version > 1 else ""),
                      document_id=document.id, author_professional_id=signer.id)
    return document.public_id


# --------------------------------------------------------------------------------------------------- print, exports


def print_view(db: Session, *, document: Document, version, patient: Patient, show_print_button: bool = True) -> str:
    """documents.RENDERERS entry for FRCP: the print view (same content as the PDF)."""
    content = documents.content_of(version)
    return render.render("print/frcp.html.j2", f=content, title=document.title, version=version.version,
                         footer=f"Fiche RCP — {content['patient']['name']} — version {version.version}",
                         show_print_button=show_print_button)


def export_cda(db: Session, *, document: Document, version, patient: Patient) -> tuple[str, bytes]:
    content = documents.content_of(version)
    if not content.get("cda"):
        raise ValueError("fiche RCP sans CDA (version non signée dans le portail)")
    return f"frcp-{document.public_id}-v{version.version}.xml", content["cda"].encode()


def export_pdf(db: Session, *, document: Document, version, patient: Patient) -> tuple[str, bytes]:
    html = print_view(db, document=document, version=version, patient=patient, show_print_button=False)
    return f"frcp-{document.public_id}-v{version.version}.pdf", render.print_pdf(html)


def produce_cda(db: Session, *, actor: Actor, target: str, variant: str = ""):
    """Download producer: the CDA R2 XML of a signed fiche (audited export)."""
    document, patient, _grant = access.require_document(db, actor=actor, document_public_id=target, action=AuditAction.EXPORT,
                                                        detail="téléchargement CDA")
    if document.kind != DocumentKind.FRCP or document.status != DocumentStatus.VALIDATED:
        raise access.deny(db, actor=actor, action=AuditAction.EXPORT, patient_id=patient.id, detail="CDA indisponible")
    name, data = export_cda(db, document=document, version=documents.version_row(db, document=document), patient=patient)
    return FilePayload(data, "application/xml", name)


def history(db: Session, *, actor: Actor, document_public_id: str) -> list[dict]:
    """Versions of a fiche: number, date, reason (audited read)."""
    document, _patient, _grant = access.require_document(db, actor=actor, document_public_id=document_public_id,
                                                         action=AuditAction.READ, detail="versions de la fiche RCP")
    rows = db.exec(select(DocumentVersion).where(DocumentVersion.document_id == document.id).order_by(DocumentVersion.version)).all()
    return [{"version": str(v.version), "signed": formatting.datetime_fr(v.signed_at or v.created_at), "reason": v.reason} for v in rows]
