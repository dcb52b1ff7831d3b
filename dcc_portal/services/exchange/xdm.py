"""IHE XDM (ITI-32 "Distribute Document Set on Media") ZIP of one document version, for a manual upload to the DMP
when the automatic feed cannot be used.

Layout: INDEX.HTM and README.TXT at the root; IHE_XDM/SUBSET01/METADATA.XML (an ebRIM SubmitObjectsRequest with
the same metadata as the ITI-65 Bundle: DocumentEntry, SubmissionSet, HasMember association, and a RPLC association
when the version replaces one already registered) and IHE_XDM/SUBSET01/DOC0001.XML (the CDA R2 document).
XDS differs from FHIR in two details: the hash is hexadecimal, and times are UTC "YYYYMMDDhhmmss".
METADATA.XML is checked against the OASIS ebXML Registry 3.0 schemas (lcm.xsd, rs.xsd, rim.xsd) vendored in
data/xds (see SOURCE.md there): `schema_errors`.
"""

from __future__ import annotations

import html
import io
import zipfile
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from lxml import etree

from dcc_portal import formatting
from dcc_portal.services.exchange import dmp_metadata
from dcc_portal.services.exchange.dmp_metadata import (
    Coded,
    DocumentMetadata,
    PatientIdentity,
    Person,
)
from dcc_portal.services.record import cda

LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
SUBSET = "IHE_XDM/SUBSET01"
DOCUMENT_NAME = "DOC0001.XML"

STABLE_ENTRY = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
SUBMISSION_SET_NODE = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
ENTRY_AUTHOR = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"
ENTRY_CLASS = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
ENTRY_CONFIDENTIALITY = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
ENTRY_FORMAT = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d"
ENTRY_FACILITY = "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1"
ENTRY_PRACTICE = "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead"
ENTRY_TYPE = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
ENTRY_PATIENT_ID = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
ENTRY_UNIQUE_ID = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
SET_AUTHOR = "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d"
SET_CONTENT_TYPE = "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500"
SET_UNIQUE_ID = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"
SET_SOURCE_ID = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"
SET_PATIENT_ID = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
REPLACES = "urn:ihe:iti:2007:AssociationType:RPLC"
APPROVED = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"


SCHEMA = Path(__file__).resolve().parents[2] / "data" / "xds" / "ebRS" / "lcm.xsd"


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def schema_errors(metadata: bytes) -> list[str]:
    """What the ebRIM 3.0 / LCM schemas find wrong in a METADATA.XML ([] when it is valid)."""
    schema = _schema()
    if schema.validate(etree.fromstring(metadata)):
        return []
    return [f"ligne {error.line} : {error.message}" for error in schema.error_log]


def _r(tag: str) -> str:
    return f"{{{RIM}}}{tag}"


def xds_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def patient_cx(meta: DocumentMetadata) -> str:
    return f"{meta.patient.ins}^^^&{meta.patient.ins_oid}&ISO"


def person_xcn(person: Person) -> str:
    return f"{person.national_id}^{person.family.upper()}^{person.given}^^^^^^&{cda.RPPS_ROOT}&ISO^D^^^IDNPS"


def organisation_xon(name: str, finess: str) -> str:
    return f"{name}^^^^^&{cda.FINESS_ROOT}&ISO^IDNST^^^1{finess}" if finess else name


def source_patient_info(patient: PatientIdentity, cx: str) -> tuple[str, ...]:
    """PID-3 the INS; PID-5 the birth name (type L, the legal name of the INS identity) then the used name (type D)
    when there is one, as the CDA's recordTarget gives them; PID-7 birth date; PID-8 sex."""
    names = [f"PID-5|{patient.birth_family}^{patient.given}^^^^^L"]
    if patient.used_family or patient.used_given:
        names.append(f"PID-5|{patient.used_family or patient.birth_family}^{patient.used_given or patient.given}^^^^^D")
    return (f"PID-3|{cx}^INS", *names, f"PID-7|{patient.birth_date.strftime('%Y%m%d')}", f"PID-8|{patient.sex}")


def _slot(parent, name: str, *values: str) -> None:
    slot = etree.SubElement(parent, _r("Slot"), name=name)
    value_list = etree.SubElement(slot, _r("ValueList"))
    for value in values:
        etree.SubElement(value_list, _r("Value")).text = value


def _name(parent, text: str) -> None:
    name = etree.SubElement(parent, _r("Name"))
    etree.SubElement(name, _r("LocalizedString"), value=text, charset="UTF-8",
                     attrib={"{http://www.w3.org/XML/1998/namespace}lang": "fr-FR"})


class _Ids:
    def __init__(self, seed: str):
        self.seed, self.count = seed, 0

    def next(self) -> str:
        self.count += 1
        return f"urn:uuid:{dmp_metadata.derived_uuid('xdm', self.seed, self.count)}"


def _classification(parent, ids: _Ids, scheme: str, target: str, coded: Coded) -> None:
    node = etree.SubElement(parent, _r("Classification"), id=ids.next(), classificationScheme=scheme,
                            classifiedObject=target, nodeRepresentation=coded.code)
    _slot(node, "codingScheme", coded.system_oid)
    _name(node, coded.display)


def _author(parent, ids: _Ids, scheme: str, target: str, person: Person) -> None:
    node = etree.SubElement(parent, _r("Classification"), id=ids.next(), classificationScheme=scheme,
                            classifiedObject=target, nodeRepresentation="")
    _slot(node, "authorPerson", person_xcn(person))
    if person.organisation_name:
        _slot(node, "authorInstitution", organisation_xon(person.organisation_name, person.organisation_finess))
    if person.specialty:
        _slot(node, "authorSpecialty", f"{person.specialty.code}^{person.specialty.display}^{person.specialty.system_oid}")


def _external(parent, ids: _Ids, scheme: str, target: str, value: str, name: str) -> None:
    node = etree.SubElement(parent, _r("ExternalIdentifier"), id=ids.next(), identificationScheme=scheme,
                            registryObject=target, value=value)
    _name(node, name)


def metadata_xml(meta: DocumentMetadata) -> bytes:
    ids = _Ids(meta.entry_uuid)
    entry = f"urn:uuid:{meta.entry_uuid}"
    package = f"urn:uuid:{meta.submission_set_uuid}"
    root = etree.Element(f"{{{LCM}}}SubmitObjectsRequest", nsmap={"lcm": LCM, "rim": RIM})
    objects = etree.SubElement(root, _r("RegistryObjectList"))

    document = etree.SubElement(objects, _r("ExtrinsicObject"), id=entry, mimeType=meta.mime_type,
                                objectType=STABLE_ENTRY, status=APPROVED)
    _slot(document, "creationTime", xds_time(meta.creation_time))
    _slot(document, "hash", meta.sha1_hex)
    _slot(document, "languageCode", meta.language)
    _slot(document, "legalAuthenticator", person_xcn(meta.legal_authenticator))
    _slot(document, "serviceStartTime", xds_time(meta.service_start))
    if meta.service_stop:
        _slot(document, "serviceStopTime", xds_time(meta.service_stop))
    _slot(document, "size", str(meta.size))
    _slot(document, "sourcePatientId", f"{meta.patient.local_id}^^^&{meta.patient.local_id_root}&ISO")
    _slot(document, "sourcePatientInfo", *source_patient_info(meta.patient, patient_cx(meta)))
    _slot(document, "URI", DOCUMENT_NAME)
    _name(document, meta.title)
    _author(document, ids, ENTRY_AUTHOR, entry, meta.author)
    _classification(document, ids, ENTRY_CLASS, entry, meta.class_)
    for code in meta.confidentiality:
        _classification(document, ids, ENTRY_CONFIDENTIALITY, entry, code)
    _classification(document, ids, ENTRY_FORMAT, entry, meta.format)
    _classification(document, ids, ENTRY_FACILITY, entry, meta.facility_type)
    _classification(document, ids, ENTRY_PRACTICE, entry, meta.practice_setting)
    _classification(document, ids, ENTRY_TYPE, entry, meta.type)
    _external(document, ids, ENTRY_PATIENT_ID, entry, patient_cx(meta), "XDSDocumentEntry.patientId")
    _external(document, ids, ENTRY_UNIQUE_ID, entry, meta.unique_id, "XDSDocumentEntry.uniqueId")

    submission = etree.SubElement(objects, _r("RegistryPackage"), id=package)
    _slot(submission, "submissionTime", xds_time(meta.submission_time))
    _name(submission, f"DCC : {meta.title}")
    _author(submission, ids, SET_AUTHOR, package, meta.author)
    _classification(submission, ids, SET_CONTENT_TYPE, package, meta.content_type)
    _external(submission, ids, SET_UNIQUE_ID, package, meta.submission_set_unique_id, "XDSSubmissionSet.uniqueId")
    _external(submission, ids, SET_SOURCE_ID, package, cda.oid_root(), "XDSSubmissionSet.sourceId")
    _external(submission, ids, SET_PATIENT_ID, package, patient_cx(meta), "XDSSubmissionSet.patientId")
    etree.SubElement(objects, _r("Classification"), id=ids.next(), classifiedObject=package,
                     classificationNode=SUBMISSION_SET_NODE)
    member = etree.SubElement(objects, _r("Association"), id=ids.next(), associationType=HAS_MEMBER,
                              sourceObject=package, targetObject=entry)
    _slot(member, "SubmissionSetStatus", "Original")
    if meta.replaces_entry_uuid:
        etree.SubElement(objects, _r("Association"), id=ids.next(), associationType=REPLACES, sourceObject=entry,
                         targetObject=f"urn:uuid:{meta.replaces_entry_uuid}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


HEADINGS = {
    "dmp": ("Document pour le DMP", "document destiné au DMP (Mon espace santé)"),
    "mssante": ("Document adressé par messagerie sécurisée de santé", "document adressé par MSSanté"),
}


def _index(meta: DocumentMetadata, sender: str, purpose: str = "dmp") -> str:
    e = html.escape
    heading = HEADINGS[purpose][0]
    return (
        f"<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{heading}</title></head><body>\n"
        f"<h1>{heading}</h1>\n<p>Patient : {e(meta.patient.birth_family)} {e(meta.patient.given)}, "
        f"né(e) le {meta.patient.birth_date.strftime('%d/%m/%Y')}, INS {e(meta.patient.ins)}</p>\n"
        f"<p>Préparé par {e(sender)} le {e(formatting.datetime_fr(meta.submission_time))}.</p>\n"
        f"<ul><li><a href=\"{SUBSET}/{DOCUMENT_NAME}\">{e(meta.title)}</a> ({e(meta.type.display)}, version {meta.version})</li></ul>\n"
        f"<p>Métadonnées XDS : <a href=\"{SUBSET}/METADATA.XML\">{SUBSET}/METADATA.XML</a></p>\n</body></html>\n"
    )


def _readme(meta: DocumentMetadata, sender: str, purpose: str = "dmp") -> str:
    return (
        f"Dossier communicant de cancérologie (DCC) - {HEADINGS[purpose][1]}\r\n"
        "\r\n"
        f"Préparé par : {sender}\r\n"
        f"Date : {formatting.datetime_fr(meta.submission_time)} (heure de Paris)\r\n"
        "Format : IHE XDM (ITI-32), un lot de soumission, un document CDA R2.\r\n"
        f"Contenu : {SUBSET}/METADATA.XML (métadonnées XDS), {SUBSET}/{DOCUMENT_NAME} (document), INDEX.HTM.\r\n"
        "\r\n"
        "Ce support contient des données de santé à caractère personnel : conservez-le en sécurité\r\n"
        "et détruisez-le une fois le document déposé.\r\n"
    )


def archive(meta: DocumentMetadata, document: bytes, *, sender: str, purpose: str = "dmp") -> bytes:
    """The XDM ZIP (deterministic entry times: the submission time). A METADATA.XML the ebRIM schemas refuse is
    never written."""
    metadata = metadata_xml(meta)
    if problems := schema_errors(metadata):
        raise RuntimeError(f"METADATA.XML invalid against the ebRIM 3.0 schemas: {problems[:3]}")
    stamp = formatting.to_paris(meta.submission_time).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive_file:
        for name, data in (
            ("README.TXT", _readme(meta, sender, purpose).encode("utf-8")),
            ("INDEX.HTM", _index(meta, sender, purpose).encode("utf-8")),
            (f"{SUBSET}/METADATA.XML", metadata),
            (f"{SUBSET}/{DOCUMENT_NAME}", document),
        ):
            archive_file.writestr(zipfile.ZipInfo(name, date_time=stamp), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def file_name(local_id: str, version: int) -> str:
    safe = "".join(ch for ch in local_id if ch.isalnum() or ch in "-_")[:40]
    return f"dmp-xdm-{safe}-v{version}.zip"
