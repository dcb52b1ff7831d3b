"""The PPS as a CDA R2 document (CI-SIS volet CANCER-PPS 2022.01: LOINC 18776-5, templateId 1.2.250.1.213.1.1.1.26).

Built from one stored version of the PPS (its content, the handover recorded for it) on the shared CDA header
(services/record/cda.py). Identifiers are derived from the PPS and the version, so generating the CDA of a version twice
gives the same document: setId from the PPS, id from (PPS, version), relatedDocument RPLC pointing at the previous
handed-over version. Body: diagnosis, programme of treatments and follow-up, supportive care and social support,
document status with the update reason, the RCP date and the handover date.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

from sqlmodel import Session, select

from dcc_portal.conformance import cda as cda_validation
from dcc_portal.formatting import PARIS, to_paris
from dcc_portal.models import (
    AuditAction,
    CareTeamMembership,
    Document,
    DocumentKind,
    DocumentStatus,
    DocumentVersion,
    Organisation,
    Patient,
    PpsHandover,
    Professional,
)
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.pps import content as pc
from dcc_portal.services.pps import programme as pps
from dcc_portal.services.pps import reading as pps_reading
from dcc_portal.services.record import cda, documents

TEMPLATE_ID = ("1.2.250.1.213.1.1.1.26", "2022.01")
DOCUMENT_CODE = cda.Code("18776-5", cda.LOINC, "Plan personnalisé de soins", "LOINC")
FORMAT_CODE = "urn:asip:ci-sis:pps-cancer:2017"
SCHEMATRON = cda_validation.SCHEMATRON_DIR / "CI-SIS_CANCER-PPS_2022.01.sch"
TA_ASIP = "1.2.250.1.213.1.1.4.322"
GP_FUNCTION = cda.Code("PCP", "2.16.840.1.113883.5.88", "Médecin traitant")
MEMBER_FUNCTION = cda.Code("353", "1.2.250.1.213.1.6.1.107", "Membre de l'équipe de soins")
APPROVED = cda.Code("9571008", "2.16.840.1.113883.6.96", "approuvé")
LATERALITY = {"right": ("24028007", "droit"), "left": ("7771000", "gauche"), "bilateral": ("51440002", "bilatéral")}
# Stable identifiers: UUIDs derived (RFC 4122 version 5) from the PPS and the version.
_NAMESPACE = uuid.UUID("6f1c2a4e-3b7d-5e8f-9a0b-1c2d3e4f5a6b")


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, ":".join(str(part) for part in parts))).upper()


def _concept(value_set: str, code: str) -> cda.Code | None:
    concept = terminology.load(value_set).index.get(code or "")
    return cda.Code(concept.code, concept.code_system, concept.display) if concept else None


def _cda_date(value: str) -> str:
    try:
        return cda.ts_date(date.fromisoformat(value)) if value else ""
    except ValueError:
        return ""


def _at_noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), PARIS).astimezone(UTC)


def _item(section: str, item: dict, index: int) -> dict:
    """What the template needs for one line of a programme section: codes, dates, texts, its narrative ids."""
    type_spec = pc.SECTION_FIELDS[section][0]
    concept = _concept(type_spec.value_set, item.get("type", ""))
    row = {
        "ref": f"{section}-{index + 1}", "type": concept, "label": pc.value_set_label(type_spec.value_set, item.get("type", "")),
        "title": str(item.get("title") or ""), "detail": str(item.get("detail") or ""), "contact": str(item.get("contact") or ""),
        "low": "", "high": "", "rhythm": "", "at_home": False, "route": None, "route_label": "", "place": "",
        "side_effects": "", "management": "",
    }
    if section == "treatments":
        events = pc.planned_events({"treatments": [item]})
        last = max(((event.last_day or event.day) for event in events), default=None)
        row.update(
            low=_cda_date(str(item.get("start") or "")),
            high=_cda_date(str(item.get("end") or "")) or (cda.ts_date(last) if last and events and last != events[0].day else ""),
            rhythm=" ; ".join(part for part in (pc.treatment_when(item), str(item.get("rhythm") or "")) if part),
            at_home=bool(item.get("at_home")), route=_concept(pc.ADMINISTRATION_ROUTES, item.get("route", "")),
            route_label=pc.value_set_label(pc.ADMINISTRATION_ROUTES, item.get("route", "")),
            place="À domicile" if item.get("at_home") else str(item.get("place") or ""),
            side_effects=str(item.get("side_effects") or ""), management=str(item.get("management") or ""),
        )
    elif section == "follow_up":
        row.update(low=_cda_date(str(item.get("date") or "")), rhythm=str(item.get("rhythm") or ""),
                   place=str(item.get("place") or ""))
    return row


def _body(content: dict, *, version: DocumentVersion, handover: PpsHandover | None, handover_by: cda.PersonPart | None) -> dict:
    diagnosis = content.get("diagnosis") or {}
    topography = _concept("JDV_Tumeur_CISIS", diagnosis.get("icd10_code", ""))
    morphology = _concept("JDV_Morphologie_CISIS", diagnosis.get("morphology_code", ""))
    laterality = LATERALITY.get(diagnosis.get("laterality", ""))
    update = content.get("update") or {}
    end = content.get("end_of_treatment") or ""
    return {
        "diagnosis": {
            "present": bool(diagnosis),
            "topography": topography, "morphology": morphology,
            "topography_text": f"{diagnosis.get('icd10_code', '')} {diagnosis.get('icd10_label', '')}".strip() or "Non renseignée",
            "morphology_text": f"{diagnosis.get('morphology_code', '')} {diagnosis.get('morphology_label', '')}".strip() or "Non renseignée",
            "laterality": cda.Code(laterality[0], "2.16.840.1.113883.6.96", laterality[1]) if laterality else None,
            "tnm": " ".join(part for part in (diagnosis.get("tnm", ""), diagnosis.get("other_staging", "")) if part),
            "date": _cda_date(diagnosis.get("diagnosis_date", "")),
        },
        "plan_summary": str(content.get("plan_summary") or ""),
        "rcp_proposal": str(content.get("rcp_proposal") or ""),
        "treatments": [_item("treatments", item, index) for index, item in enumerate(content.get("treatments", []))],
        "follow_up": [_item("follow_up", item, index) for index, item in enumerate(content.get("follow_up", []))],
        "measures": [_item("measures", item, index) for index, item in enumerate(content.get("measures", []))],
        "supportive_care": [_item("supportive_care", item, index) for index, item in enumerate(content.get("supportive_care", []))],
        "social": [_item("social", item, index) for index, item in enumerate(content.get("social", []))],
        "contacts": [{"ref": f"contact-{index + 1}", **item} for index, item in enumerate(content.get("contacts", []))],
        "end_of_treatment": _cda_date(end),
        "end_of_treatment_text": pps_reading.day_long(date.fromisoformat(end)) if end else "",
        "status": APPROVED,
        "version_date": cda.ts_date(to_paris(version.created_at).date()),
        "update_reason": _concept(pc.UPDATE_REASONS, update.get("code", "")),
        "update_detail": str(update.get("detail") or ""),
        "rcp_date": _cda_date(str(content.get("rcp_date") or "")),
        "rcp_date_text": pps_reading.day_long(date.fromisoformat(content["rcp_date"])) if content.get("rcp_date") else "",
        "handover_date": cda.ts_date(handover.handed_over_on) if handover else "",
        "handover_date_text": pps_reading.day_long(handover.handed_over_on) if handover else "",
        "handover_by": handover_by,
    }


def _custodian(db: Session, document: Document, author: Professional) -> Organisation:
    """The establishment that keeps the document: the PPS's, else its author's; it must have a FINESS."""
    candidates = [db.get(Organisation, document.organisation_id) if document.organisation_id else None,
                  cda.primary_organisation(db, author.id)]
    for organisation in candidates:
        if organisation is not None and organisation.finess:
            return organisation
    raise ValueError("l'établissement du PPS n'a pas de numéro FINESS : pas de CDA possible")


def build_xml(db: Session, *, document: Document, version: DocumentVersion, patient: Patient) -> str:
    """The CDA R2 XML of one handed-over version of a PPS; no access check here (callers do it)."""
    if document.kind != DocumentKind.PPS or document.status != DocumentStatus.VALIDATED:
        raise ValueError("seul un PPS remis au patient a un CDA")
    content = documents.content_of(version)
    handovers = [row for row in db.exec(select(PpsHandover).where(PpsHandover.document_id == document.id)
                                        .order_by(PpsHandover.id)).all() if row.version <= version.version]
    handover = handovers[-1] if handovers else None
    if handover is None:
        raise ValueError("cette version précède la remise du PPS : elle n'a pas de CDA")
    author = db.get(Professional, version.author_professional_id or document.author_professional_id)
    author_part = cda.person_part(db, author)
    by = db.get(Professional, handover.handed_over_by_professional_id)
    by_part = cda.person_part(db, by)
    organisation = _custodian(db, document, author)
    custodian = cda.organisation_part(organisation)
    first_issued = pps.first_issued_version(db, document_id=document.id) or version.version
    participants = []
    gp = db.get(Professional, patient.gp_professional_id) if patient.gp_professional_id else None
    participants.append(cda.Participant("INF", cda.person_part(db, gp) if gp else None, GP_FUNCTION,
                                        "Médecin traitant" if gp else "Médecin traitant non déclaré"))
    team_ids = {member.professional_id for member in db.exec(
        select(CareTeamMembership).where(CareTeamMembership.patient_id == patient.id,
                                             access.active_membership_clause(handover.handed_over_on))).all()}
    for pro in db.exec(select(Professional).where(Professional.id.in_(team_ids)).order_by(Professional.family_name)).all() if team_ids else []:
        participants.append(cda.Participant("PRF", cda.person_part(db, pro), MEMBER_FUNCTION, "Équipe de soins"))
    handed_at = _at_noon(handover.handed_over_on)
    header = cda.CdaHeader(
        template_ids=(TEMPLATE_ID,), code=DOCUMENT_CODE, title="Programme personnalisé de soins",
        effective_time=version.created_at, set_id=_uuid(document.public_id), version_number=version.version,
        document_id=_uuid(document.public_id, version.version), patient=cda.patient_part(patient),
        author=author_part, author_time=version.created_at, custodian=custodian,
        legal_authenticator=by_part, legal_time=handover.recorded_at,
        participants=tuple(participants),
        replaces_document_id=_uuid(document.public_id, version.version - 1) if version.version > first_issued else "",
        service_events=(cda.ServiceEvent(cda.Code("GEN-178", TA_ASIP, "Date de remise du document au patient", "TA_ASIP"),
                                         "Remise du programme personnalisé de soins", handed_at, by_part),),
        encounter=cda.Encounter(ids=(), start=handed_at, facility=custodian, facility_type=custodian.facility_type),
    )
    return cda.render_document("cda/pps.xml.j2", header=header,
                               b=_body(content, version=version, handover=handover, handover_by=by_part))


def validate(xml: bytes | str, *, profiles: bool = True) -> cda_validation.CdaValidation:
    """CDA_extended.xsd, the CANCER-PPS schematron and (by default) the general CI-SIS profiles."""
    return cda_validation.validate(xml, [SCHEMATRON] + (list(cda_validation.PROFILE_SCHEMATRONS.values()) if profiles else []))


def cda_bytes(db: Session, *, actor: Actor, document_public_id: str) -> bytes:
    """The CDA of the current version for anyone who may see the PPS (audited export); for `documents export`."""
    document, patient, _grant = access.require_document(db, actor=actor, document_public_id=document_public_id,
                                                        action=AuditAction.EXPORT, detail="export CDA du PPS")
    return build_xml(db, document=document, version=documents.version_row(db, document=document), patient=patient).encode()


def export_cda(db: Session, *, document: Document, version: DocumentVersion, patient: Patient) -> tuple[str, bytes]:
    """Operator export (services/exports.EXPORTERS)."""
    return f"pps-{document.public_id}-v{version.version}.xml", build_xml(db, document=document, version=version, patient=patient).encode()
