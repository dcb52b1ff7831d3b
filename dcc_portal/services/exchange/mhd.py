"""IHE MHD "Provide Document Bundle" (ITI-65) in ANS's PDSm profile: the FHIR R4 transaction Bundle that carries one
document version (SubmissionSet List + DocumentReference + Binary with the CDA R2 document), and the reading of
the recipient's answer.

Identifiers follow MHD: the DocumentReference's masterIdentifier is the document's uniqueId (the CDA id), its
`official` identifier the entryUUID; the List's `usual` identifier is the submission set's uniqueId (an OID) and its
`official` one the entryUUID. All are derived from the document version, so a resend carries the same ids and the
recipient can recognise it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from dcc_portal import formatting
from dcc_portal.services.exchange import dmp_metadata
from dcc_portal.services.exchange.dmp_metadata import (
    Coded,
    DocumentMetadata,
    PatientIdentity,
    Person,
)
from dcc_portal.services.record import cda

PDSM = "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/"
MHD = "https://profiles.ihe.net/ITI/MHD/StructureDefinition/"
PROFILE_BUNDLE = (PDSM + "pdsm-comprehensive-provide-document-bundle", MHD + "IHE.MHD.Comprehensive.ProvideBundle")
PROFILE_DOCUMENT_REFERENCE = (PDSM + "pdsm-comprehensive-document-reference", MHD + "IHE.MHD.Comprehensive.DocumentReference")
PROFILE_SUBMISSION_SET = (PDSM + "PDSmSubmissionSetComprehensive", MHD + "IHE.MHD.Comprehensive.SubmissionSet")
EXT_SOURCE_ID = MHD + "ihe-sourceId"
EXT_DESIGNATION_TYPE = MHD + "ihe-designationType"
LIST_TYPES = "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes"
URI = "urn:ietf:rfc:3986"
RPPS_SYSTEM = f"urn:oid:{cda.RPPS_ROOT}"
FINESS_SYSTEM = f"urn:oid:{cda.FINESS_ROOT}"
FHIR_JSON = "application/fhir+json"
FR_CORE = "https://hl7.fr/ig/fhir/core/StructureDefinition/"
FR_IDENTIFIER_TYPES = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
RPPS_URL = "https://rpps.esante.gouv.fr"
# FR Core Patient: the slice (identifier type) of each INS assigning authority.
INS_TYPES = {"1.2.250.1.213.1.4.8": "INS-NIR", "1.2.250.1.213.1.4.9": "INS-NIA", "1.2.250.1.213.1.4.10": "INS-NIR-TEST",
             "1.2.250.1.213.1.4.11": "INS-NIR-DEMO"}
CDA_MIME = "text/xml"


def unique_id_uri(cda_id_root: str) -> str:
    """The masterIdentifier value the recipient registers for a CDA id root."""
    return master_identifier(dmp_metadata.xds_unique_id(cda_id_root))["value"]


def master_identifier(unique_id: str) -> dict:
    """MHD: an OID uniqueId is the URI urn:oid:<oid>; root^extension is the extension under the root's system."""
    root, _, extension = unique_id.partition("^")
    if extension:
        return {"system": f"urn:oid:{root}", "value": extension}
    return {"system": URI, "value": f"urn:oid:{root}"}


def sha1_base64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha1(data).digest()).decode("ascii")  # noqa: S324 - the hash MHD/XDS define


def _iso(moment) -> str:
    return formatting.to_paris(moment).isoformat(timespec="seconds")


def _coding(coded: Coded) -> dict:
    return {"system": coded.system, "code": coded.code, "display": coded.display}


def _concept(coded: Coded) -> dict:
    return {"coding": [_coding(coded)]}


def _typed(code: str) -> dict:
    return {"coding": [{"system": FR_IDENTIFIER_TYPES, "code": code}]}


def patient_identifier(meta: DocumentMetadata) -> dict:
    """The INS, as FR Core Patient slices it (INS-NIR, INS-NIR-TEST...)."""
    return {"use": "official", "type": _typed(INS_TYPES.get(meta.patient.ins_oid, "INS-NIR")),
            "system": f"urn:oid:{meta.patient.ins_oid}", "value": meta.patient.ins}


def _person_resources(person: Person, prefix: str) -> list[dict]:
    """FR Core Practitioner (IDNPS "8" + RPPS, and the RPPS), its Organization (IDNST "1" + FINESS) and the
    PractitionerRole that ties them, as contained resources."""
    practitioner = {
        "resourceType": "Practitioner",
        "id": f"{prefix}-practitioner",
        "meta": {"profile": [FR_CORE + "fr-core-practitioner"]},
        "identifier": [{"use": "official", "type": _typed("IDNPS"), "system": RPPS_SYSTEM, "value": person.national_id},
                       {"use": "official", "type": _typed("RPPS"), "system": RPPS_URL, "value": person.rpps}],
        "name": [{"family": person.family.upper(), "given": [person.given]}],
    }
    organisation = {"resourceType": "Organization", "id": f"{prefix}-organization",
                    "meta": {"profile": [FR_CORE + "fr-core-organization"]}, "name": person.organisation_name}
    if person.organisation_finess:
        organisation["identifier"] = [{"use": "official", "type": _typed("IDNST"), "system": FINESS_SYSTEM,
                                       "value": f"1{person.organisation_finess}"}]
    role = {
        "resourceType": "PractitionerRole",
        "id": f"{prefix}-role",
        "meta": {"profile": [FR_CORE + "fr-core-practitioner-role"]},
        "practitioner": {"reference": f"#{prefix}-practitioner"},
        "organization": {"reference": f"#{prefix}-organization"},
    }
    if person.specialty:
        role["specialty"] = [_concept(person.specialty)]
    return [practitioner, organisation, role]


def _custodian(meta: DocumentMetadata) -> dict:
    organisation = {"resourceType": "Organization", "id": "custodian", "name": meta.custodian_name}
    if meta.custodian_finess:
        organisation["identifier"] = [{"system": FINESS_SYSTEM, "value": f"1{meta.custodian_finess}"}]
    return organisation


def patient_names(patient: PatientIdentity) -> list[dict]:
    """FR Core: the birth name (use official) and the used name (use usual) when there is one."""
    names = [{"use": "official", "family": patient.birth_family, "given": patient.given.split()}]
    if patient.used_family or patient.used_given:
        names.append({"use": "usual", "family": patient.used_family or patient.birth_family,
                      "given": [patient.used_given or (patient.given.split() or [""])[0]]})
    return names


def contained_patient(meta: DocumentMetadata, resource_id: str) -> dict:
    """FR Core Patient with the INS, contained in the resource that refers to it (List.subject, DocumentReference
    subject and sourcePatientInfo): the recipient reads the identity there, never from a search URL."""
    patient = meta.patient
    return {
        "resourceType": "Patient",
        "id": resource_id,
        "meta": {"profile": [FR_CORE + "fr-core-patient"]},
        "identifier": [
            patient_identifier(meta),
            {"use": "usual", "type": _typed("PI"), "system": f"urn:oid:{patient.local_id_root}", "value": patient.local_id},
        ],
        "name": patient_names(patient),
        "gender": {"F": "female", "M": "male"}.get(patient.sex, "unknown"),
        "birthDate": patient.birth_date.isoformat(),
    }


def binary_uuid(meta: DocumentMetadata) -> str:
    return dmp_metadata.derived_uuid("binary", meta.entry_uuid)


def document_reference(meta: DocumentMetadata) -> dict:
    same_signer = meta.legal_authenticator == meta.author
    contained = [*_person_resources(meta.author, "author"), _custodian(meta), contained_patient(meta, "source-patient")]
    if not same_signer:
        contained += _person_resources(meta.legal_authenticator, "authenticator")
    resource = {
        "resourceType": "DocumentReference",
        "meta": {"profile": list(PROFILE_DOCUMENT_REFERENCE)},
        "contained": contained,
        "masterIdentifier": master_identifier(meta.unique_id),
        "identifier": [{"use": "official", "system": URI, "value": f"urn:uuid:{meta.entry_uuid}"}],
        "status": meta.status,
        "type": _concept(meta.type),
        "category": [_concept(meta.class_)],
        "subject": {"reference": "#source-patient"},
        "date": _iso(meta.submission_time),
        "author": [{"reference": "#author-role"}],
        "authenticator": {"reference": "#author-role" if same_signer else "#authenticator-role"},
        "custodian": {"reference": "#custodian"},
        "securityLabel": [_concept(code) for code in meta.confidentiality],
        "content": [{
            "attachment": {
                "contentType": meta.mime_type,
                "language": meta.language,
                "url": f"urn:uuid:{binary_uuid(meta)}",
                "size": meta.size,
                "hash": base64.b64encode(bytes.fromhex(meta.sha1_hex)).decode("ascii"),
                "title": meta.title,
                "creation": _iso(meta.creation_time),
            },
            "format": _coding(meta.format),
        }],
        "context": {
            "period": {"start": _iso(meta.service_start), **({"end": _iso(meta.service_stop)} if meta.service_stop else {})},
            "facilityType": _concept(meta.facility_type),
            "practiceSetting": _concept(meta.practice_setting),
            "sourcePatientInfo": {"reference": "#source-patient"},
        },
    }
    if meta.update_of:  # a metadata update: the registered DocumentReference, its next version, no new document
        resource["id"] = meta.update_of
        resource["meta"]["versionId"] = str(meta.metadata_version)
        del resource["content"][0]["attachment"]["url"]
    if meta.comment:
        resource["description"] = meta.comment
    if meta.replaces_entry_uuid:
        target = {"identifier": {"system": URI, "value": f"urn:uuid:{meta.replaces_entry_uuid}"}}
        if meta.replaces_recipient_id:
            target["reference"] = f"DocumentReference/{meta.replaces_recipient_id}"
        resource["relatesTo"] = [{"code": "replaces", "target": target}]
    return resource


def submission_set(meta: DocumentMetadata) -> dict:
    return {
        "resourceType": "List",
        "meta": {"profile": list(PROFILE_SUBMISSION_SET)},
        "contained": [*_person_resources(meta.author, "author"), contained_patient(meta, "patient")],
        "extension": [
            {"url": EXT_SOURCE_ID, "valueIdentifier": {"system": URI, "value": f"urn:oid:{cda.oid_root()}"}},
            {"url": EXT_DESIGNATION_TYPE, "valueCodeableConcept": _concept(meta.content_type)},
        ],
        "identifier": [
            {"use": "usual", "system": URI, "value": f"urn:oid:{meta.submission_set_unique_id}"},
            {"use": "official", "system": URI, "value": f"urn:uuid:{meta.submission_set_uuid}"},
        ],
        "status": "current",
        "mode": "working",
        "title": f"DCC : {meta.title}",
        "code": {"coding": [{"system": LIST_TYPES, "code": "submissionset"}]},
        "subject": {"reference": "#patient"},
        "date": _iso(meta.submission_time),
        "source": {"reference": "#author-role"},
        "entry": [{"item": {"reference": f"urn:uuid:{meta.entry_uuid}"}}],
    }


def provide_bundle(meta: DocumentMetadata, document: bytes) -> dict:
    """The ITI-65 transaction Bundle for one document version, or for a metadata update of the registered one (PUT
    of its DocumentReference with the next meta.versionId, no Binary)."""
    return {
        "resourceType": "Bundle",
        "meta": {"profile": list(PROFILE_BUNDLE)},
        "type": "transaction",
        "timestamp": _iso(meta.submission_time),
        "entry": [
            {"fullUrl": f"urn:uuid:{meta.submission_set_uuid}", "resource": submission_set(meta),
             "request": {"method": "POST", "url": "List"}},
            {"fullUrl": f"urn:uuid:{meta.entry_uuid}", "resource": document_reference(meta),
             "request": {"method": "PUT", "url": f"DocumentReference/{meta.update_of}"} if meta.update_of
             else {"method": "POST", "url": "DocumentReference"}},
            *([] if meta.update_of else [
                {"fullUrl": f"urn:uuid:{binary_uuid(meta)}",
                 "resource": {"resourceType": "Binary", "contentType": meta.mime_type,
                              "data": base64.b64encode(document).decode("ascii")},
                 "request": {"method": "POST", "url": "Binary"}}]),
        ],
    }


def dumps(bundle: dict) -> bytes:
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()


# --------------------------------------------------------------------------------------------------- the answer

# Codes of XDS errors (carried in OperationOutcome.issue.details) that mean "already registered, identical".
DUPLICATE_CODES = frozenset({"XDSDuplicateUniqueIdInRegistry"})
TRANSIENT_4XX = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Answer:
    outcome: str  # acknowledged | duplicate | retry | rejected
    message: str  # French, for the board
    recipient_id: str = ""


def _issues(body: dict) -> list[dict]:
    return [issue for issue in body.get("issue", []) if isinstance(issue, dict)] if body.get("resourceType") == "OperationOutcome" else []


def _issue_text(issue: dict) -> str:
    details = issue.get("details") or {}
    return str(issue.get("diagnostics") or details.get("text") or issue.get("code") or "").strip()


def _issue_codes(issue: dict) -> set[str]:
    codes = {str(issue.get("code", ""))}
    codes |= {str(coding.get("code", "")) for coding in (issue.get("details") or {}).get("coding", []) if isinstance(coding, dict)}
    return codes


def read_answer(status: int, body: bytes) -> Answer:
    """What the recipient's HTTP answer means for the submission."""
    try:
        parsed = json.loads(body.decode("utf-8")) if body else {}
    except (UnicodeDecodeError, ValueError):
        parsed = {}
    if not isinstance(parsed, dict):
        parsed = {}
    issues = _issues(parsed)
    summary = " ; ".join(text for text in (_issue_text(issue) for issue in issues) if text)[:400]
    if 200 <= status < 300:
        if parsed.get("resourceType") == "Bundle" and parsed.get("type") == "transaction-response":
            for entry in parsed.get("entry", []):
                location = str((entry.get("response") or {}).get("location", "")) if isinstance(entry, dict) else ""
                if location.startswith("DocumentReference/"):
                    return Answer("acknowledged", "Reçu et enregistré par le destinataire.", location.split("/")[1][:120])
        return Answer("retry", f"Réponse inattendue du destinataire (HTTP {status}) : elle sera renvoyée.")
    if 400 <= status < 500:
        if any(_issue_codes(issue) & (DUPLICATE_CODES | {"duplicate"}) for issue in issues):
            return Answer("duplicate", "Déjà enregistré par le destinataire (envoi précédent reconnu).")
        if status in TRANSIENT_4XX:
            return Answer("retry", f"Destinataire momentanément indisponible (HTTP {status}).")
        return Answer("rejected", f"Refusé par le destinataire (HTTP {status})" + (f" : {summary}" if summary else "."))
    return Answer("retry", f"Erreur du destinataire (HTTP {status})" + (f" : {summary}" if summary else "."))
