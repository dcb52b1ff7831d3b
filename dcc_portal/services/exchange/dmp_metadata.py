"""DMP (XDS / MHD) metadata of a shared document, from the official ANS value sets.

The same `DocumentMetadata` feeds the ITI-65 FHIR Bundle (services/exchange/mhd.py), the XDM export (services/exchange/xdm.py) and the
CDA N1 header (services/exchange/cda_n1.py). Codes come from the vendored value sets (data/terminology, see SOURCE.md):
typeCode JDV_J07, classCode JDV_J57 (the DMP's J06), formatCode JDV_J10, healthcareFacilityTypeCode JDV_J02,
practiceSettingCode JDV_J04, confidentialityCode JDV_J08.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from dcc_portal.models import DocumentKind, OrganisationKind
from dcc_portal.services.common import terminology
from dcc_portal.services.record import cda
from dcc_portal.services.record.documents import KINDS

TYPE_CODES = "JDV_J07_XdsTypeCode_CISIS"
CLASS_CODES = "JDV_J57_ClassCode_DMP"
FORMAT_CODES = "JDV_J10_XdsFormatCode_CISIS"
FACILITY_TYPES = "JDV_J02_XdsHealthcareFacilityTypeCode_CISIS"
PRACTICE_SETTINGS = "JDV_J04_XdsPracticeSettingCode_CISIS"
CONFIDENTIALITY = "JDV_J08_XdsConfidentialityCode_CISIS"

# OIDs of the code systems (CDA, ebRIM) and their FHIR canonical URLs (MHD / PDSm).
LOINC_OID = "2.16.840.1.113883.6.1"
TYPE_COMPLEMENT_OID = "1.2.250.1.213.1.1.4.12"  # TRE_A05-TypeDocComplementaire
CLASS_OID = "1.2.250.1.213.1.1.4.1"  # TRE_A03-ClasseDocument
FORMAT_COMPLEMENT_OID = "1.2.250.1.213.1.1.4.2.282"  # TRE_A06-FormatCodeComplementaire
IHE_FORMAT_OID = "1.3.6.1.4.1.19376.1.2.3"  # TRE_A11-IheFormatCode
FACILITY_OID = "1.2.250.1.71.4.2.4"  # TRE_R02-SecteurActivite
PRACTICE_OID = "1.2.250.1.213.1.1.4.9"  # TRE_A01-CadreExercice
CONFIDENTIALITY_OID = "2.16.840.1.113883.5.25"
VISIBILITY_OID = "1.2.250.1.213.1.1.4.13"  # TRE_A07-StatusVisibiliteDocument
SPECIALTY_OID = cda.SPECIALTY_SYSTEM

FHIR_SYSTEMS = {
    LOINC_OID: "http://loinc.org",
    TYPE_COMPLEMENT_OID: "https://mos.esante.gouv.fr/NOS/TRE_A05-TypeDocComplementaire/FHIR/TRE-A05-TypeDocComplementaire",
    CLASS_OID: "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument",
    FORMAT_COMPLEMENT_OID: "https://mos.esante.gouv.fr/NOS/TRE_A06-FormatCodeComplementaire/FHIR/TRE-A06-FormatCodeComplementaire",
    IHE_FORMAT_OID: "https://mos.esante.gouv.fr/NOS/TRE_A11-IheFormatCode/FHIR/TRE-A11-IheFormatCode",
    FACILITY_OID: "https://mos.esante.gouv.fr/NOS/TRE_R02-SecteurActivite/FHIR/TRE-R02-SecteurActivite",
    PRACTICE_OID: "https://mos.esante.gouv.fr/NOS/TRE_A01-CadreExercice/FHIR/TRE-A01-CadreExercice",
    CONFIDENTIALITY_OID: "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
    VISIBILITY_OID: "https://mos.esante.gouv.fr/NOS/TRE_A07-StatusVisibiliteDocument/FHIR/TRE-A07-StatusVisibiliteDocument",
}
OID_BY_FHIR_SYSTEM = {url: oid for oid, url in FHIR_SYSTEMS.items()}


def fhir_system(oid: str) -> str:
    return FHIR_SYSTEMS.get(oid, f"urn:oid:{oid}")


# Document kinds without a LOINC code in documents.KINDS use a code of TRE_A05.
TYPE_BY_KIND_FALLBACK = {DocumentKind.ANNOUNCEMENT_SUMMARY: "SYNTH"}

# Type -> class (ASS_X04 is absent from the kit: see data/terminology/SOURCE.md).
CLASS_BY_TYPE = {
    "34794-8": "10",  # CR de RCP
    "18776-5": "44",  # PPS: plan de soins
    "60568-3": "10",
    "34874-8": "10",
    "18748-4": "10",
    "11502-2": "10",
    "51969-4": "10",
    "11488-4": "10",
    "11490-0": "10",
    "SYNTH": "11",
}

PDF_FORMAT = "urn:ihe:iti:xds-sd:pdf:2008"
FORMAT_BY_KIND = {DocumentKind.FRCP: "urn:asip:ci-sis:frcp:2011", DocumentKind.PPS: "urn:asip:ci-sis:pps-cancer:2017"}

FACILITY_BY_ORGANISATION = {
    OrganisationKind.UNIVERSITY_HOSPITAL: "SA01",  # Etablissement public de santé
    OrganisationKind.GENERAL_HOSPITAL: "SA01",
    OrganisationKind.CANCER_CENTRE: "SA36",  # Centre anti-cancer
    OrganisationKind.PRIVATE_CLINIC: "SA04",  # Etablissement privé non PSPH
    OrganisationKind.GP_PRACTICE: "SA08",  # Cabinet de groupe
    OrganisationKind.NETWORK: "SA57",  # Structure de coopération avec mission de coordination de soins
}
PRACTICE_BY_ORGANISATION = {OrganisationKind.GP_PRACTICE: "AMBULATOIRE"}
DEFAULT_PRACTICE = "ETABLISSEMENT"

# The DMP's visibility codes, from the Document flags and the release state.
MASQUE_PS = "MASQUE_PS"
INVISIBLE_PATIENT = "INVISIBLE_PATIENT"
INVISIBLE_LEGAL_REPS = "INVISIBLE_REPRESENTANTS_LEGAUX"


@dataclass(frozen=True)
class Coded:
    code: str
    system_oid: str
    display: str

    @property
    def system(self) -> str:
        return fhir_system(self.system_oid)

    def cda_code(self, system_name: str = "") -> cda.Code:
        return cda.Code(self.code, self.system_oid, self.display, system_name)


def _concept(value_set: str, code: str, *, fhir: bool = False) -> Coded:
    loaded = terminology.load_fhir(value_set) if fhir else terminology.load(value_set)
    concept = loaded.index.get(code)
    if concept is None:
        raise LookupError(f"{code} absent du jeu de valeurs {value_set}")
    system = OID_BY_FHIR_SYSTEM.get(concept.code_system, concept.code_system) if fhir else concept.code_system
    return Coded(concept.code, system, concept.display)


def type_code(kind: str) -> Coded | None:
    code = KINDS.get(kind, ("", ""))[0] or TYPE_BY_KIND_FALLBACK.get(kind, "")
    return _concept(TYPE_CODES, code) if code else None


def class_code(type_coded: Coded) -> Coded:
    return _concept(CLASS_CODES, CLASS_BY_TYPE.get(type_coded.code, "10"), fhir=True)


def format_code(code: str) -> Coded:
    return _concept(FORMAT_CODES, code, fhir=True)


def facility_type(organisation_kind: str) -> Coded:
    return _concept(FACILITY_TYPES, FACILITY_BY_ORGANISATION.get(organisation_kind, "SA01"))


def practice_setting(organisation_kind: str) -> Coded:
    return _concept(PRACTICE_SETTINGS, PRACTICE_BY_ORGANISATION.get(organisation_kind, DEFAULT_PRACTICE))


def confidentiality(codes: tuple[str, ...]) -> tuple[Coded, ...]:
    """`N` first, then the visibility codes, each from JDV_J08."""
    return tuple(_concept(CONFIDENTIALITY, code) for code in ("N", *codes))


# --------------------------------------------------------------------------------------------------- identifiers


def namespace() -> uuid.UUID:
    """Per deployment (its OID root), so two regions never derive the same identifiers."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:oid:{cda.oid_root()}")


def derived_uuid(*parts: object) -> str:
    return str(uuid.uuid5(namespace(), ":".join(str(part) for part in parts)))


def uuid_oid(value: str) -> str:
    """The 2.25 OID of a UUID (ISO/IEC 9834-8): XDS wants OIDs for submission-set unique ids."""
    return f"2.25.{uuid.UUID(value).int}"


@dataclass(frozen=True)
class Person:
    rpps: str
    family: str
    given: str
    specialty: Coded | None
    organisation_name: str
    organisation_finess: str

    @property
    def national_id(self) -> str:
        return f"8{self.rpps}"


@dataclass(frozen=True)
class PatientIdentity:
    ins: str
    ins_oid: str
    local_id: str
    local_id_root: str
    family: str
    given: str
    sex: str  # F / M / U
    birth_date: date


@dataclass(frozen=True)
class DocumentMetadata:
    """Everything a document-sharing recipient needs to register one document version."""

    unique_id: str  # the CDA ClinicalDocument/id (upper-case UUID)
    entry_uuid: str
    submission_set_uuid: str
    title: str
    type: Coded
    class_: Coded
    format: Coded
    confidentiality: tuple[Coded, ...]  # N, then visibility codes
    facility_type: Coded
    practice_setting: Coded
    creation_time: datetime
    service_start: datetime
    service_stop: datetime | None
    submission_time: datetime
    author: Person
    legal_authenticator: Person
    patient: PatientIdentity
    custodian_name: str
    custodian_finess: str
    mime_type: str
    size: int
    sha1_hex: str
    version: int
    replaces_entry_uuid: str = ""  # the entryUUID of the version this one replaces at the recipient
    replaces_recipient_id: str = ""
    comment: str = ""

    @property
    def submission_set_unique_id(self) -> str:
        return uuid_oid(self.submission_set_uuid)

    @property
    def visibility_codes(self) -> tuple[str, ...]:
        return tuple(code.code for code in self.confidentiality[1:])
