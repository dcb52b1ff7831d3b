"""DMP (XDS / MHD) metadata of a shared document, from the official ANS value sets.

The same `DocumentMetadata` feeds the ITI-65 FHIR Bundle (services/exchange/mhd.py), the XDM export (services/exchange/xdm.py) and the
CDA N1 header (services/exchange/cda_n1.py). Every field the CDA also carries is read from the CDA that is sent
(`from_cda`, with services/exchange/cda_facts.py): the metadata can never disagree with its document. Codes are
checked against the vendored value sets (data/terminology, see SOURCE.md): typeCode JDV_J07, classCode JDV_J57 (the
DMP's J06), formatCode JDV_J10, healthcareFacilityTypeCode JDV_J61 (the DMP's restriction of J02), practiceSettingCode
JDV_J04, confidentialityCode JDV_J08, submission-set contentTypeCode JDV_J59.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from lxml import etree

from dcc_portal.models import DocumentKind
from dcc_portal.services.common import terminology
from dcc_portal.services.exchange.cda_facts import CdaFacts, PersonFact
from dcc_portal.services.record import cda
from dcc_portal.services.record.documents import KINDS

TYPE_CODES = "JDV_J07_XdsTypeCode_CISIS"
CLASS_CODES = "JDV_J57_ClassCode_DMP"
FORMAT_CODES = "JDV_J10_XdsFormatCode_CISIS"
FACILITY_TYPES = "JDV_J61_HealthcareFacilityTypeCode_DMP"
CONTENT_TYPES = "JDV_J59_ContentTypeCode_DMP"
PRACTICE_SETTINGS = terminology.PRACTICE_SETTINGS
CONFIDENTIALITY = "JDV_J08_XdsConfidentialityCode_CISIS"

# OIDs of the code systems (CDA, ebRIM) and their FHIR canonical URLs (MHD / PDSm).
LOINC_OID = "2.16.840.1.113883.6.1"
TYPE_COMPLEMENT_OID = "1.2.250.1.213.1.1.4.12"  # TRE_A05-TypeDocComplementaire
CLASS_OID = "1.2.250.1.213.1.1.4.1"  # TRE_A03-ClasseDocument
FORMAT_COMPLEMENT_OID = "1.2.250.1.213.1.1.4.2.282"  # TRE_A06-FormatCodeComplementaire
IHE_FORMAT_OID = "1.3.6.1.4.1.19376.1.2.3"  # TRE_A11-IheFormatCode
FACILITY_OID = "1.2.250.1.71.4.2.4"  # TRE_R02-SecteurActivite
NON_PROFESSIONAL_OID = "1.2.250.1.213.1.1.4.6"  # TRE_A00-ProducteurDocNonPS
ACTIVITY_TYPE_OID = "1.2.250.1.213.2.2"  # TRE_R209-TypeActivite (OID as the PDSm IG states it)
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
    NON_PROFESSIONAL_OID: "https://mos.esante.gouv.fr/NOS/TRE_A00-ProducteurDocNonPS/FHIR/TRE-A00-ProducteurDocNonPS",
    ACTIVITY_TYPE_OID: "https://mos.esante.gouv.fr/NOS/TRE_R209-TypeActivite/FHIR/TRE-R209-TypeActivite",
    PRACTICE_OID: "https://mos.esante.gouv.fr/NOS/TRE_A01-CadreExercice/FHIR/TRE-A01-CadreExercice",
    CONFIDENTIALITY_OID: "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
    VISIBILITY_OID: "https://mos.esante.gouv.fr/NOS/TRE_A07-StatusVisibiliteDocument/FHIR/TRE-A07-StatusVisibiliteDocument",
}
OID_BY_FHIR_SYSTEM = {url: oid for oid, url in FHIR_SYSTEMS.items()}


def fhir_system(oid: str) -> str:
    return FHIR_SYSTEMS.get(oid, f"urn:oid:{oid}")


# Document kinds without a LOINC code in documents.KINDS use a code of TRE_A05.
TYPE_BY_KIND_FALLBACK = {DocumentKind.ANNOUNCEMENT_SUMMARY: "SYNTH"}

# Type -> class: the ANS correspondence table ASS_X04 (data/terminology, see SOURCE.md).
TYPE_CLASS_TABLE = "ASS_X04-CorrespondanceType-Classe-CISIS"
_SVS = "{urn:ihe:iti:svs:2008}"

PDF_FORMAT = "urn:ihe:iti:xds-sd:pdf:2008"
FORMAT_BY_KIND = {DocumentKind.FRCP: "urn:asip:ci-sis:frcp:2011", DocumentKind.PPS: "urn:asip:ci-sis:pps-cancer:2017"}

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


_FSH_CONCEPT = re.compile(r'^\* \$(?P<system>[A-Za-z0-9_-]+)#(?P<code>\S+) "(?P<display>[^"]*)"\s*$')
_FSH_OID = re.compile(r'^\* \^identifier\.value = "urn:oid:(?P<oid>[0-9.]+)"')


def _nos_oid(alias: str) -> str:
    """The OID of a NOS code system named by its FSH alias ($TRE-R02-SecteurActivite): its FHIR URL is mapped back."""
    url = f"https://mos.esante.gouv.fr/NOS/{alias.replace('-', '_', 1)}/FHIR/{alias}"
    return OID_BY_FHIR_SYSTEM.get(url, url)


@lru_cache(maxsize=8)
def load_fsh(file_stem: str) -> terminology.ValueSet:
    """A value set as the ANS terminology repository writes it in FSH (`* $TRE-...#CODE "Display"` lines)."""
    oid, concepts = "", []
    for line in (terminology.TERMINOLOGY_DIR / f"{file_stem}.fsh").read_text(encoding="utf-8").splitlines():
        if match := _FSH_OID.match(line):
            oid = match["oid"]
        elif match := _FSH_CONCEPT.match(line):
            concepts.append(terminology.Concept(match["code"], _nos_oid(match["system"]), match["display"]))
    return terminology.ValueSet(oid, file_stem, tuple(concepts))


def _load(value_set: str) -> terminology.ValueSet:
    if (terminology.TERMINOLOGY_DIR / f"{value_set}.fsh").exists():
        return load_fsh(value_set)
    if (terminology.TERMINOLOGY_DIR / f"{value_set}.json").exists():
        return terminology.load_fhir(value_set)
    return terminology.load(value_set)


def _concept(value_set: str, code: str, *, system: str = "") -> Coded:
    """The concept `code` of a vendored value set (and of `system`, an OID, when given); LookupError otherwise."""
    concept = _load(value_set).index.get(code)
    concept_system = OID_BY_FHIR_SYSTEM.get(concept.code_system, concept.code_system) if concept else ""
    if concept is None or (system and system != concept_system):
        raise LookupError(f"{code} ({system or 'système non précisé'}) absent du jeu de valeurs {value_set}")
    return Coded(concept.code, concept_system, concept.display)


def in_value_set(value_set: str, code: str, system: str = "") -> bool:
    try:
        _concept(value_set, code, system=system)
    except LookupError:
        return False
    return True


def type_code(kind: str) -> Coded | None:
    code = KINDS.get(kind, ("", ""))[0] or TYPE_BY_KIND_FALLBACK.get(kind, "")
    return _concept(TYPE_CODES, code) if code else None


@lru_cache(maxsize=1)
def type_class_table() -> dict[tuple[str, str], tuple[str, str]]:
    """ASS_X04: (type code, its system OID) -> (class code, TRE_A03 OID)."""
    tree = etree.parse(str(terminology.TERMINOLOGY_DIR / f"{TYPE_CLASS_TABLE}.xml"))
    table = {}
    for mapped in tree.iter(f"{_SVS}MappedConcept"):
        source, target = mapped.findall(f"{_SVS}Concept")[:2]
        table[(source.get("code"), source.get("codeSystem"))] = (target.get("code"), target.get("codeSystem"))
    return table


def class_code(type_coded: Coded) -> Coded:
    """The class ASS_X04 gives for this type, from the DMP's JDV_J57; LookupError when the table has no such type."""
    target = type_class_table().get((type_coded.code, type_coded.system_oid))
    if target is None:
        raise LookupError(f"type {type_coded.code} absent de la table de correspondance type/classe ASS_X04")
    return _concept(CLASS_CODES, target[0], system=target[1])


def format_code_of(code: str) -> Coded:
    return _concept(FORMAT_CODES, code)


# contentTypeCode (JDV_J59) when the facility type is not in it (public and private establishments SA01-SA04).
CONTENT_TYPE_FALLBACK = ("07", ACTIVITY_TYPE_OID)  # TRE_R209 Consultations soins externes


def content_type(facility: Coded) -> Coded:
    """The submission set's contentTypeCode: the facility type when JDV_J59 has it, else the activity type."""
    if in_value_set(CONTENT_TYPES, facility.code, facility.system_oid):
        return _concept(CONTENT_TYPES, facility.code, system=facility.system_oid)
    return _concept(CONTENT_TYPES, CONTENT_TYPE_FALLBACK[0], system=CONTENT_TYPE_FALLBACK[1])


# --------------------------------------------------------------------------------------------------- identifiers


def namespace() -> uuid.UUID:
    """Per deployment (its OID root), so two regions never derive the same identifiers."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:oid:{cda.oid_root()}")


def derived_uuid(*parts: object) -> str:
    return str(uuid.uuid5(namespace(), ":".join(str(part) for part in parts)))


def uuid_oid(value: str) -> str:
    """The 2.25 OID of a UUID (ISO/IEC 9834-8): XDS wants OIDs for submission-set unique ids."""
    return f"2.25.{uuid.UUID(value).int}"


_OID = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")


def is_oid(value: str) -> bool:
    return bool(_OID.match(value or ""))


def xds_unique_id(root: str, extension: str = "") -> str:
    """The XDS uniqueId of a CDA ClinicalDocument/id: the root, or root^extension; a UUID root becomes its 2.25 OID
    (ITI TF-3 4.2.3.2.26: an OID, at most 64 characters, or OID^extension)."""
    try:
        root = uuid_oid(root) if not is_oid(root) else root
    except ValueError as problem:
        raise ValueError(f"identifiant de document ni OID ni UUID : {root!r}") from problem
    return f"{root}^{extension}" if extension else root


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
    birth_family: str  # the birth name (nom de naissance), the identity of the INS
    given: str  # the first names of the civil status
    sex: str  # F / M / U
    birth_date: date
    used_family: str = ""  # the used name (nom d'usage), when the patient has one
    used_given: str = ""


@dataclass(frozen=True)
class DocumentMetadata:
    """Everything a document-sharing recipient needs to register one document version."""

    unique_id: str  # XDS uniqueId: an OID, or root^extension (see xds_unique_id)
    entry_uuid: str
    submission_set_uuid: str
    title: str
    type: Coded
    class_: Coded
    format: Coded
    confidentiality: tuple[Coded, ...]  # N, then visibility codes
    facility_type: Coded
    practice_setting: Coded
    content_type: Coded  # submission set contentTypeCode (JDV_J59)
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
    language: str = "fr-FR"
    metadata_version: int = 1  # PDSm meta.versionId of the DocumentReference
    update_of: str = ""  # a metadata update of the DocumentReference the recipient registered under this id
    status: str = "current"  # "superseded" withdraws the registered version (XDS Deprecated)

    @property
    def submission_set_unique_id(self) -> str:
        return uuid_oid(self.submission_set_uuid)

    @property
    def visibility_codes(self) -> tuple[str, ...]:
        return tuple(code.code for code in self.confidentiality[1:])


# --------------------------------------------------------------------------------------------------- from the CDA


def _coded(value_set: str, fact: cda.Code) -> Coded:
    return _concept(value_set, fact.code, system=fact.system)


def _person(fact: PersonFact) -> Person:
    specialty = Coded(fact.specialty.code, fact.specialty.system, fact.specialty.display) if fact.specialty else None
    return Person(rpps=fact.rpps, family=fact.family, given=fact.given, specialty=specialty,
                  organisation_name=fact.organisation_name, organisation_finess=fact.finess)


def from_cda(facts: CdaFacts, *, entry_uuid: str, submission_set_uuid: str, format_code: str,
             visibility: tuple[str, ...], submission_time: datetime, size: int, sha1_hex: str, version: int,
             mime_type: str = "text/xml", replaces_entry_uuid: str = "", replaces_recipient_id: str = "",
             metadata_version: int = 1, update_of: str = "", status: str = "current") -> DocumentMetadata:
    """The metadata of a document version: every field the CDA carries is the CDA's, checked against its value set
    (LookupError names the code that is not); the rest (ids, format, visibility, size, hash) is the submission's."""
    type_coded = _coded(TYPE_CODES, facts.code)
    facility = _coded(FACILITY_TYPES, facts.facility_type)
    patient = facts.patient
    return DocumentMetadata(
        unique_id=xds_unique_id(facts.id_root, facts.id_extension), entry_uuid=entry_uuid,
        submission_set_uuid=submission_set_uuid, title=facts.title, type=type_coded, class_=class_code(type_coded),
        format=format_code_of(format_code),
        confidentiality=(_concept(CONFIDENTIALITY, facts.confidentiality, system=CONFIDENTIALITY_OID),
                         *(_concept(CONFIDENTIALITY, code) for code in visibility)),
        facility_type=facility, practice_setting=_coded(PRACTICE_SETTINGS, facts.practice_setting),
        content_type=content_type(facility),
        creation_time=facts.effective_time, service_start=facts.service_start, service_stop=facts.service_stop,
        submission_time=submission_time, author=_person(facts.author), legal_authenticator=_person(facts.legal_authenticator),
        patient=PatientIdentity(
            ins=patient.ins, ins_oid=patient.ins_root, local_id=patient.local_id, local_id_root=patient.local_id_root,
            birth_family=patient.birth_family, given=patient.given, sex=patient.sex, birth_date=patient.birth_date,
            used_family=patient.used_family, used_given=patient.used_given,
        ),
        custodian_name=facts.custodian_name,
        custodian_finess=facts.custodian_id.removeprefix("1"),
        mime_type=mime_type, size=size, sha1_hex=sha1_hex, version=version, replaces_entry_uuid=replaces_entry_uuid,
        replaces_recipient_id=replaces_recipient_id, language=facts.language, metadata_version=metadata_version,
        update_of=update_of, status=status,
    )
