"""CDA R2 documents of the CI-SIS (FRCP, PPS...): the header shared by every volet, built from the database.

A volet renders its own template (templates/cda/<volet>.xml.j2) which extends templates/cda/document.xml.j2:
that base writes the header (realm, ids, code, patient, author, custodian, legal authenticator, participants,
relatedDocument for a replacing version, documentationOf, componentOf) from a `CdaHeader`; the volet fills the
body block. jinja2 autoescape is on for .xml.j2 templates: free text is escaped, `<script>` stays inert text.

Identifiers (CI-SIS "Identifiants"):
- professional: root 1.2.250.1.71.4.2.1, extension "8" + RPPS;
- organisation: root 1.2.250.1.71.4.2.2, extension "1" + FINESS;
- patient: INS with its OID (1.2.250.1.213.1.4.10 for test INS), plus the regional local id under the portal OID;
- document id, setId and entry ids: UUIDs in upper case (II root).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import (
    Organisation,
    Patient,
    Professional,
    ProfessionalOrganisation,
)
from dcc_portal.services.common import render, terminology

RPPS_ROOT = "1.2.250.1.71.4.2.1"
FINESS_ROOT = "1.2.250.1.71.4.2.2"
LOINC = "2.16.840.1.113883.6.1"
SPECIALTY_SYSTEM = "1.2.250.1.213.1.1.4.5"  # JDV_J01_XdsAuthorSpecialty_CISIS codes (G15_10/SMxx)
CONFIDENTIALITY_SYSTEM = "2.16.840.1.113883.5.25"
GENDER_SYSTEM = "2.16.840.1.113883.5.1"
# Example OID of the regional record (2.25 = UUID-derived OIDs, ISO/IEC 9834-8). A deployment sets its own.
DEFAULT_OID_ROOT = "2.25.266373962542018216425066095917416617801"


def oid_root() -> str:
    return os.environ.get("DCC_OID_ROOT", DEFAULT_OID_ROOT)


def local_patient_id_root() -> str:
    return f"{oid_root()}.1"


def new_uuid() -> str:
    return str(uuid.uuid4()).upper()


def ts(moment: datetime) -> str:
    """CDA timestamp in Paris local time with its offset: 20260318143000+0100."""
    return formatting.to_paris(moment).strftime("%Y%m%d%H%M%S%z")


def ts_date(day: date) -> str:
    return day.strftime("%Y%m%d")


@dataclass(frozen=True)
class Address:
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""

    @property
    def empty(self) -> bool:
        return not (self.street or self.postal_code or self.city)


@dataclass(frozen=True)
class OrganisationPart:
    name: str
    finess: str = ""
    phone: str = ""
    address: Address = field(default_factory=Address)
    kind: str = ""  # models.OrganisationKind: its sector of activity and practice setting (required to render it)

    @property
    def national_id(self) -> str:
        return f"1{self.finess}" if self.finess else ""

    @property
    def facility_type(self) -> Code:
        concept = terminology.facility_type(self.kind)
        return Code(concept.code, concept.code_system, concept.display)

    @property
    def practice_setting(self) -> Code:
        concept = terminology.practice_setting(self.kind)
        return Code(concept.code, concept.code_system, concept.display)


@dataclass(frozen=True)
class PersonPart:
    family: str
    given: str
    rpps: str = ""
    specialty_code: str = ""
    specialty_display: str = ""
    phone: str = ""
    doctor: bool = True
    organisation: OrganisationPart | None = None

    @property
    def national_id(self) -> str:
        return f"8{self.rpps}" if self.rpps else ""


@dataclass(frozen=True)
class PatientPart:
    local_id: str
    birth_family_name: str
    first_names: str
    sex: str
    birth_date: date
    ins: str = ""
    ins_oid: str = ""
    used_family_name: str = ""
    used_first_name: str = ""
    address: Address = field(default_factory=Address)
    phone: str = ""
    birth_place_code: str = ""  # COG (INSEE) code of the birth place, a trait of the INS
    local_id_root: str = field(default_factory=local_patient_id_root)

    @property
    def first_name(self) -> str:
        return (self.first_names.split() or [""])[0]


@dataclass(frozen=True)
class Code:
    code: str
    system: str
    display: str = ""
    system_name: str = ""


@dataclass(frozen=True)
class Participant:
    """typeCode RESP (coordinator), REFB (requester), PRF (presenter / board member), INF + PCP (médecin traitant),
    CON (correspondent)."""

    type_code: str
    person: PersonPart | None  # None: unknown (nullFlavor)
    function: Code | None = None  # None: functionCode nullFlavor NA
    function_text: str = ""
    time: datetime | None = None  # None: unknown (nullFlavor)


@dataclass(frozen=True)
class Encounter:
    ids: tuple[tuple[str, str], ...]  # (root, extension)
    start: datetime
    facility: OrganisationPart
    code: Code | None = None
    facility_type: Code | None = None


@dataclass(frozen=True)
class ServiceEvent:
    code: Code
    code_text: str = ""
    start: datetime | None = None
    performer: PersonPart | None = None


@dataclass(frozen=True)
class CdaHeader:
    template_ids: tuple[tuple[str, str], ...]  # (root, extension) of the volet, after the CI-SIS generic ones
    code: Code
    title: str
    effective_time: datetime
    set_id: str
    version_number: int
    patient: PatientPart
    author: PersonPart
    author_time: datetime
    custodian: OrganisationPart
    document_id: str = field(default_factory=new_uuid)
    legal_authenticator: PersonPart | None = None
    legal_time: datetime | None = None
    author_function: Code | None = None
    author_function_text: str = ""
    participants: tuple[Participant, ...] = ()
    replaces_document_id: str = ""  # relatedDocument RPLC: the id of the version this one replaces
    in_fulfillment_of: tuple[str, str] | None = None  # (order id root, free text)
    service_events: tuple[ServiceEvent, ...] = ()
    encounter: Encounter | None = None
    confidentiality: str = "N"


# --------------------------------------------------------------------------------------------------- from the DB


def organisation_part(organisation: Organisation | None) -> OrganisationPart | None:
    if organisation is None:
        return None
    return OrganisationPart(
        name=organisation.name, finess=organisation.finess or "", phone=organisation.phone,
        address=Address(city=organisation.city), kind=organisation.kind,
    )


def primary_organisation(db: Session, professional_id: int) -> Organisation | None:
    return db.exec(
        select(Organisation)
        .join(ProfessionalOrganisation, ProfessionalOrganisation.organisation_id == Organisation.id)
        .where(ProfessionalOrganisation.professional_id == professional_id)
        .order_by(ProfessionalOrganisation.is_primary.desc(), Organisation.id)
    ).first()


def person_part(db: Session, professional: Professional) -> PersonPart:
    display = terminology.load(terminology.SPECIALTIES).label(professional.specialty_code, "")
    return PersonPart(
        family=professional.family_name, given=professional.given_name, rpps=professional.rpps,
        specialty_code=professional.specialty_code if display else "", specialty_display=display,
        phone=professional.phone, doctor=professional.specialty_code.startswith("G15_"),
        organisation=organisation_part(primary_organisation(db, professional.id)),
    )


def patient_part(patient: Patient) -> PatientPart:
    return PatientPart(
        local_id=patient.local_id, birth_family_name=patient.birth_family_name, first_names=patient.first_names,
        sex=patient.sex, birth_date=patient.birth_date, ins=patient.ins or "", ins_oid=patient.ins_oid,
        used_family_name=patient.used_family_name, used_first_name=patient.used_first_name,
        address=Address(street=patient.address, postal_code=patient.postal_code, city=patient.city),
        phone=patient.phone, birth_place_code=patient.birth_place_code,
    )


def phone_uri(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return f"tel:{digits}" if digits else ""


def render_document(template: str, *, header: CdaHeader, **context) -> str:
    """The CDA XML text of a volet template (which extends cda/document.xml.j2)."""
    return render.render(template, header=header, ts=ts, ts_date=ts_date, phone_uri=phone_uri,
                         gender_label=formatting.SEX_LABELS, new_uuid=new_uuid, **context)
