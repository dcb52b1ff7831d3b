"""The CDA R2 document that carries a document version to the DMP.

- A volet producer that already built its CDA (FRCP, PPS...) stores it in the version's structured content:
  `content["cda"]` (the XML text), `content["cda_id"]` (ClinicalDocument/id root) and `content["format_code"]`.
  That document is sent as it is (level N3).
- An uploaded PDF (reports), or a structured document with a print view but no CDA of its own, is wrapped in a
  CDA R2 level N1 (IHE XDS-SD, CI-SIS "structuration minimale"): the shared header of services/record/cda.py and a
  nonXMLBody holding the PDF in base64. Its templateIds are exactly the three the CI-SIS admits for an N1
  document, and its ids are derived from the document and version, so a rebuild gives the same identifiers.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, time

from lxml import etree
from sqlmodel import Session

from dcc_portal import formatting
from dcc_portal.conformance import cda as cda_validation
from dcc_portal.models import (
    Document,
    DocumentKind,
    DocumentVersion,
    Organisation,
    Patient,
    Professional,
)
from dcc_portal.services.common import registry
from dcc_portal.services.exchange import dmp_metadata
from dcc_portal.services.record import cda, documents

XDS_SD_TEMPLATE = "1.3.6.1.4.1.19376.1.2.20"
PDF = "application/pdf"


class NotShareable(Exception):
    """This document version cannot be turned into a CDA document (French reason, shown on the board)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CdaPackage:
    xml: bytes
    unique_id: str  # ClinicalDocument/id root
    format_code: str
    level: str  # N1 | N3
    mime_type: str = "text/xml"


def cda_id(document: Document, version: int) -> str:
    return dmp_metadata.derived_uuid("cda", document.public_id, version).upper()


def set_id(document: Document) -> str:
    return dmp_metadata.derived_uuid("cda-set", document.public_id).upper()


def _professional(db: Session, professional_id: int | None) -> Professional | None:
    return db.get(Professional, professional_id) if professional_id else None


def _organisation(db: Session, document: Document, author: Professional | None) -> Organisation | None:
    if document.organisation_id:
        return db.get(Organisation, document.organisation_id)
    return cda.primary_organisation(db, author.id) if author else None


def _previous_cda_id(db: Session, document: Document, version: int) -> str:
    if version <= 1:
        return ""
    previous = documents.version_row(db, document=document, version=version - 1)
    content = documents.content_of(previous) if previous.content_json else {}
    return str(content.get("cda_id") or cda_id(document, version - 1))


def n1_header(db: Session, *, document: Document, version: DocumentVersion, patient: Patient,
              authenticator_professional_id: int | None = None) -> cda.CdaHeader:
    author = _professional(db, version.author_professional_id or document.author_professional_id)
    if author is None:
        raise NotShareable("Auteur du document inconnu : le DMP exige un auteur identifié (RPPS).")
    signer = _professional(db, authenticator_professional_id) or author
    organisation = _organisation(db, document, author)
    if organisation is None:
        raise NotShareable("Établissement du document inconnu.")
    type_coded = dmp_metadata.type_code(document.kind)
    if type_coded is None:
        raise NotShareable("Ce type de document n'a pas de code LOINC pour le DMP.")
    custodian = cda.organisation_part(organisation)
    created = version.created_at
    service_start = _service_start(document, created)
    author_part = cda.person_part(db, author)
    return cda.CdaHeader(
        template_ids=((XDS_SD_TEMPLATE, ""),),
        code=type_coded.cda_code("LOINC" if type_coded.system_oid == dmp_metadata.LOINC_OID else ""),
        title=document.title,
        effective_time=created,
        set_id=set_id(document),
        version_number=version.version,
        patient=cda.patient_part(patient),
        author=author_part,
        author_time=created,
        custodian=custodian,
        document_id=cda_id(document, version.version),
        legal_authenticator=cda.person_part(db, signer),
        legal_time=document.validated_at or created,
        replaces_document_id=_previous_cda_id(db, document, version.version),
        service_events=(cda.ServiceEvent(type_coded.cda_code(), document.title, service_start, author_part),),
        encounter=cda.Encounter(ids=(), start=service_start, facility=custodian, facility_type=custodian.facility_type),
    )


def _service_start(document: Document, fallback: datetime) -> datetime:
    if document.service_date is None:
        return fallback
    return datetime.combine(document.service_date, time(12, 0), tzinfo=formatting.PARIS)


def render_n1(header: cda.CdaHeader, pdf: bytes) -> str:
    return cda.render_document("cda/n1.xml.j2", header=header, media_type=PDF,
                               body_b64=base64.b64encode(pdf).decode("ascii"))


def pdf_of(db: Session, *, document: Document, version: DocumentVersion, patient: Patient) -> bytes:
    if version.file_name is not None:
        data = documents.file_of(version)
        if version.mime_type != PDF or not data.startswith(b"%PDF-"):
            raise NotShareable("Le fichier de ce document n'est pas un PDF : il ne peut pas être envoyé au DMP.")
        return data
    if document.kind in documents.RENDERERS:
        return documents.view_pdf(db, document=document, version=version, patient=patient)
    raise NotShareable("Ce document n'a ni CDA ni vue imprimable : il ne peut pas être envoyé au DMP.")


# Kinds whose structured CDA (level N3) is built from the stored version rather than frozen in it:
# kind -> "module:function" taking (db, *, document, version, patient) and returning the XML text.
VOLET_BUILDERS: dict[str, str] = {
    DocumentKind.PPS: "dcc_portal.services.pps.cda:build_xml",
}


def package(db: Session, *, document: Document, version: DocumentVersion, patient: Patient,
            authenticator_professional_id: int | None = None) -> CdaPackage:
    """The CDA document of one version: the volet's own CDA when it has one, an N1 wrapper otherwise."""
    content = documents.content_of(version) if version.content_json else {}
    if content.get("cda"):
        code = str(content.get("format_code") or dmp_metadata.FORMAT_BY_KIND.get(document.kind, ""))
        if not code:
            raise NotShareable("Format CDA de ce document inconnu (formatCode).")
        return CdaPackage(str(content["cda"]).encode(), str(content["cda_id"]), code, "N3")
    if document.kind in VOLET_BUILDERS:
        try:
            xml = registry.resolve(VOLET_BUILDERS[document.kind])(db, document=document, version=version, patient=patient)
        except ValueError as problem:
            raise NotShareable(f"Document CDA impossible à produire : {problem}") from problem
        root = etree.fromstring(xml.encode())
        return CdaPackage(xml.encode(), root.find("{urn:hl7-org:v3}id").get("root"),
                          dmp_metadata.FORMAT_BY_KIND[document.kind], "N3")
    pdf = pdf_of(db, document=document, version=version, patient=patient)
    header = n1_header(db, document=document, version=version, patient=patient,
                       authenticator_professional_id=authenticator_professional_id)
    return CdaPackage(render_n1(header, pdf).encode(), header.document_id, dmp_metadata.PDF_FORMAT, "N1")


def validate(xml: bytes | str) -> cda_validation.CdaValidation:
    """An N1 document against the CDA schema and the general CI-SIS schematrons (no volet schematron applies)."""
    return cda_validation.validate(xml, list(cda_validation.PROFILE_SCHEMATRONS.values()))
