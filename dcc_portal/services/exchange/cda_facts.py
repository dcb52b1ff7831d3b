"""What a CDA R2 document says about itself: the header facts that the DMP metadata repeats.

The DMP checks the submission metadata against the document it carries, so the metadata is read here from the
CDA bytes that are sent, never computed a second time from the database. Paths (CI-SIS "Volet Partage de Documents
de Santé", correspondence between the CDA header and the XDS metadata):

  title                                   ClinicalDocument/title
  typeCode                                ClinicalDocument/code
  creationTime                            ClinicalDocument/effectiveTime
  confidentialityCode (first)             ClinicalDocument/confidentialityCode
  languageCode                            ClinicalDocument/languageCode
  uniqueId                                ClinicalDocument/id (root, or root^extension)
  healthcareFacilityTypeCode              componentOf/encompassingEncounter/location/healthCareFacility/code
  practiceSettingCode                     documentationOf/serviceEvent/performer/assignedEntity/
                                            representedOrganization/standardIndustryClassCode
  serviceStartTime / serviceStopTime      documentationOf/serviceEvent/effectiveTime low (earliest) / high (latest)
  author                                  author/assignedAuthor
  legalAuthenticator                      legalAuthenticator/assignedEntity
  patientId, sourcePatientId              recordTarget/patientRole/id (INS, local id)
  sourcePatientInfo                       recordTarget/patientRole/patient (birth and used names, sex, birth date)
  custodian                               custodian/assignedCustodian/representedCustodianOrganization
  replaced document                       relatedDocument[@typeCode='RPLC']/parentDocument/id
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from dcc_portal.services.record import cda

NS = {"c": "urn:hl7-org:v3"}
INS_ROOTS = ("1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11")


class UnreadableCda(ValueError):
    """The CDA lacks a header element the DMP metadata needs (French reason)."""


@dataclass(frozen=True)
class PersonFact:
    national_id: str  # "8" + RPPS (root 1.2.250.1.71.4.2.1)
    family: str
    given: str
    specialty: cda.Code | None
    organisation_name: str
    organisation_id: str  # "1" + FINESS (root 1.2.250.1.71.4.2.2), or ""

    @property
    def rpps(self) -> str:
        return self.national_id.removeprefix("8")

    @property
    def finess(self) -> str:
        return self.organisation_id.removeprefix("1")


@dataclass(frozen=True)
class PatientFact:
    ins: str
    ins_root: str
    local_id: str
    local_id_root: str
    birth_family: str
    used_family: str  # "" when the CDA carries no used name
    given: str  # every first name, as the CDA lists them
    used_given: str
    sex: str
    birth_date: date


@dataclass(frozen=True)
class CdaFacts:
    id_root: str
    id_extension: str
    title: str
    code: cda.Code
    effective_time: datetime
    confidentiality: str
    language: str
    facility_type: cda.Code
    practice_setting: cda.Code
    service_start: datetime
    service_stop: datetime | None
    author: PersonFact
    author_time: datetime
    legal_authenticator: PersonFact
    legal_time: datetime | None
    patient: PatientFact
    custodian_name: str
    custodian_id: str
    replaces_id: str  # relatedDocument RPLC parent id root, or ""


def parse_ts(value: str) -> datetime:
    """A CDA TS with its offset (20260318143000+0100); the CI-SIS requires the offset on times."""
    for pattern in ("%Y%m%d%H%M%S%z", "%Y%m%d%H%M%z"):
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    raise UnreadableCda(f"horodatage CDA illisible ou sans fuseau horaire : {value!r}")


def _one(node, path: str, what: str):
    found = node.find(path, NS)
    if found is None:
        raise UnreadableCda(f"élément CDA absent : {what}")
    return found


def _text(node, path: str) -> str:
    found = node.find(path, NS)
    return " ".join((found.text or "").split()) if found is not None else ""


def _code(node, what: str) -> cda.Code:
    if node is None or not node.get("code"):
        raise UnreadableCda(f"code CDA absent : {what}")
    return cda.Code(node.get("code"), node.get("codeSystem", ""), node.get("displayName", ""))


def _person(assigned, what: str) -> PersonFact:
    ident = assigned.find("c:id", NS)
    if ident is None or ident.get("root") != cda.RPPS_ROOT or not ident.get("extension"):
        raise UnreadableCda(f"{what} sans identifiant national (RPPS)")
    person = _one(assigned, "c:assignedPerson", what)
    specialty = assigned.find("c:code", NS)
    organisation = assigned.find("c:representedOrganization", NS)
    org_id = organisation.find("c:id", NS) if organisation is not None else None
    return PersonFact(
        national_id=ident.get("extension"),
        family=_text(person, "c:name/c:family"),
        given=_text(person, "c:name/c:given"),
        specialty=_code(specialty, what) if specialty is not None and specialty.get("code") else None,
        organisation_name=_text(organisation, "c:name") if organisation is not None else "",
        organisation_id=org_id.get("extension", "") if org_id is not None and org_id.get("root") == cda.FINESS_ROOT else "",
    )


def _names(patient) -> tuple[str, str, str, str]:
    """(birth family, used family, first names, used first name) from the CI-SIS qualifiers BR / CL."""
    birth_family = used_family = used_given = ""
    given = []
    for name in patient.findall("c:name", NS):
        for part in name:
            text = " ".join((part.text or "").split())
            qualifier = part.get("qualifier", "")
            tag = etree.QName(part).localname
            if tag == "family" and qualifier in ("BR", "") and not birth_family:
                birth_family = text
            elif tag == "family" and qualifier in ("CL", "SP"):
                used_family = text
            elif tag == "given" and qualifier == "":
                given.append(text)
            elif tag == "given" and qualifier == "CL":
                used_given = text
    return birth_family, used_family, " ".join(given), used_given


def _patient(root) -> PatientFact:
    role = _one(root, "c:recordTarget/c:patientRole", "recordTarget/patientRole")
    ins = next((i for i in role.findall("c:id", NS) if i.get("root") in INS_ROOTS), None)
    if ins is None or not ins.get("extension"):
        raise UnreadableCda("INS du patient absente du document CDA")
    local = next((i for i in role.findall("c:id", NS) if i.get("root") not in INS_ROOTS), None)
    patient = _one(role, "c:patient", "recordTarget/patientRole/patient")
    birth_family, used_family, given, used_given = _names(patient)
    birth = _one(patient, "c:birthTime", "date de naissance").get("value", "")
    return PatientFact(
        ins=ins.get("extension"), ins_root=ins.get("root"),
        local_id=local.get("extension", "") if local is not None else "",
        local_id_root=local.get("root", "") if local is not None else "",
        birth_family=birth_family, used_family=used_family, given=given, used_given=used_given,
        sex=_one(patient, "c:administrativeGenderCode", "sexe").get("code", ""),
        birth_date=datetime.strptime(birth[:8], "%Y%m%d").date(),
    )


def _service_times(root) -> tuple[datetime, datetime | None]:
    lows = [parse_ts(n.get("value")) for n in root.findall("c:documentationOf/c:serviceEvent/c:effectiveTime/c:low", NS)
            if n.get("value")]
    highs = [parse_ts(n.get("value")) for n in root.findall("c:documentationOf/c:serviceEvent/c:effectiveTime/c:high", NS)
             if n.get("value")]
    if not lows:
        raise UnreadableCda("date de l'acte absente (documentationOf/serviceEvent/effectiveTime/low)")
    return min(lows), (max(highs) if highs else None)


def _practice_setting(root) -> cda.Code:
    for node in root.findall("c:documentationOf/c:serviceEvent/c:performer/c:assignedEntity/c:representedOrganization/"
                             "c:standardIndustryClassCode", NS):
        if node.get("code"):
            return _code(node, "cadre d'exercice")
    raise UnreadableCda("cadre d'exercice absent (serviceEvent/performer/.../standardIndustryClassCode)")


def read(xml: bytes | str) -> CdaFacts:
    """The header facts of a CDA document; raises UnreadableCda when one the DMP needs is missing."""
    try:
        root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    except etree.XMLSyntaxError as problem:
        raise UnreadableCda(f"document CDA mal formé : {problem}") from problem
    ident = _one(root, "c:id", "ClinicalDocument/id")
    legal = root.find("c:legalAuthenticator", NS)
    if legal is None:
        raise UnreadableCda("responsable du document absent (legalAuthenticator)")
    service_start, service_stop = _service_times(root)
    custodian = _one(root, "c:custodian/c:assignedCustodian/c:representedCustodianOrganization", "custodian")
    custodian_id = custodian.find("c:id", NS)
    replaced = root.find("c:relatedDocument[@typeCode='RPLC']/c:parentDocument/c:id", NS)
    return CdaFacts(
        id_root=ident.get("root", ""), id_extension=ident.get("extension", ""),
        title=_text(root, "c:title"),
        code=_code(root.find("c:code", NS), "ClinicalDocument/code"),
        effective_time=parse_ts(_one(root, "c:effectiveTime", "effectiveTime").get("value", "")),
        confidentiality=_one(root, "c:confidentialityCode", "confidentialityCode").get("code", ""),
        language=_one(root, "c:languageCode", "languageCode").get("code", ""),
        facility_type=_code(root.find("c:componentOf/c:encompassingEncounter/c:location/c:healthCareFacility/c:code", NS),
                            "secteur d'activité (healthCareFacility/code)"),
        practice_setting=_practice_setting(root),
        service_start=service_start, service_stop=service_stop,
        author=_person(_one(root, "c:author/c:assignedAuthor", "author"), "auteur"),
        author_time=parse_ts(_one(root, "c:author/c:time", "author/time").get("value", "")),
        legal_authenticator=_person(_one(legal, "c:assignedEntity", "legalAuthenticator"), "responsable du document"),
        legal_time=parse_ts(legal.find("c:time", NS).get("value")) if legal.find("c:time", NS) is not None else None,
        patient=_patient(root),
        custodian_name=_text(custodian, "c:name"),
        custodian_id=custodian_id.get("extension", "") if custodian_id is not None else "",
        replaces_id=replaced.get("root", "") if replaced is not None else "",
    )
