"""One source of truth: the DMP metadata of every document kind says exactly what its CDA says.

The DMP checks each submission's metadata against the CDA document it carries. Here the CDA is read with plain
XPath (independently of the portal's reader) and compared field by field with what is actually sent: the ITI-65
DocumentReference and the XDM METADATA.XML. The documents are the demo region's (signed fiches RCP with their
session times, handed-over PPS, shared reports) plus one uploaded report of every other kind, in several kinds of
establishments, for a patient with a used name.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import UTC, datetime

import pytest
from lxml import etree
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal.demo import seed
from dcc_portal.models import (
    Document,
    DocumentKind,
    Organisation,
    OrganisationKind,
    SharingSubmission,
)
from dcc_portal.peers.dmp_recipient import check_bundle
from dcc_portal.services.common import storage, terminology
from dcc_portal.services.exchange import cda_n1, mhd, sharing, xdm
from dcc_portal.services.record import documents
from tests.conftest import cloned_database
from tests.sharing_fixtures import Team

C = {"c": "urn:hl7-org:v3"}
RIM = {"rim": "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"}
NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
SCHEME = {"class": xdm.ENTRY_CLASS, "type": xdm.ENTRY_TYPE, "facility": xdm.ENTRY_FACILITY, "practice": xdm.ENTRY_PRACTICE,
          "confidentiality": xdm.ENTRY_CONFIDENTIALITY, "author": xdm.ENTRY_AUTHOR}
REPORT_KINDS = [kind for kind in documents.KINDS if kind not in (DocumentKind.FRCP, DocumentKind.PPS, DocumentKind.OTHER)]


class Sent(list):
    """(document kind, CDA, ITI-65 Bundle, METADATA.XML) of every submission, and the kind of every organisation
    by its CDA identifier (1 + FINESS)."""

    organisation_kinds: dict[str, str]


@pytest.fixture(scope="module")
def world(template_db, postgres, tmp_path_factory):
    """The demo region, plus reports of every kind from a cancer centre and a GP practice, for a patient who has a
    used name; every submission sent at NOW."""
    folder = tmp_path_factory.mktemp("conformance")
    previous = os.environ.get("DCC_DATA_DIR")
    os.environ["DCC_DATA_DIR"] = str(folder / "data")
    try:
        with cloned_database(template_db, postgres, folder) as url:
            with dbmod.transaction(url) as db:
                seed.load_demo_region(db)
                for org_kind in (OrganisationKind.CANCER_CENTRE, OrganisationKind.GP_PRACTICE):
                    team = Team(db, org_kind=org_kind)
                    team.patient.used_family_name, team.patient.used_first_name = "Martin-Leroy", "Claire"
                    db.add(team.patient)
                    for kind in REPORT_KINDS:
                        team.report(db, kind=kind, title=f"Compte rendu {kind} <b>&</b>")
            with Session(dbmod.get_engine(url), expire_on_commit=False) as db:
                sent = Sent()
                sent.organisation_kinds = {f"1{o.finess}": o.kind for o in db.exec(select(Organisation)).all() if o.finess}
                for submission in db.exec(select(SharingSubmission).where(SharingSubmission.cda_file.is_not(None))
                                          .order_by(SharingSubmission.id)).all():
                    meta, cda = sharing.metadata_for(db, submission=submission, now=NOW)
                    kind = db.get(Document, submission.document_id).kind
                    sent.append((kind, cda, mhd.provide_bundle(meta, cda), etree.fromstring(xdm.metadata_xml(meta))))
                yield sent
    finally:
        if previous is None:
            os.environ.pop("DCC_DATA_DIR", None)
        else:
            os.environ["DCC_DATA_DIR"] = previous


def test_every_document_kind_is_covered(world):
    kinds = {kind for kind, *_ in world}
    assert kinds == {DocumentKind.FRCP, DocumentKind.PPS, *REPORT_KINDS}
    assert sum(kind == DocumentKind.FRCP for kind, *_ in world) >= 10  # every demo fiche RCP


# --------------------------------------------------------------------------------------------------- the CDA


def one(tree, path: str):
    nodes = tree.xpath(path, namespaces=C)
    assert len(nodes) >= 1, path
    return nodes[0]


def ts(value: str) -> datetime:
    return datetime.strptime(value, "%Y%m%d%H%M%S%z")


def xds_ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def fhir_instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def coding(concept: dict) -> tuple[str, str]:
    return concept["coding"][0]["code"], concept["coding"][0]["system"]


def cda_person(node) -> dict:
    return {"id": one(node, "c:id").get("extension"), "family": one(node, "c:assignedPerson/c:name/c:family").text,
            "given": one(node, "c:assignedPerson/c:name/c:given").text}


def documents_sent(world):
    for kind, cda, bundle, rim in world:
        tree = etree.fromstring(cda)
        entries = {entry["resource"]["resourceType"]: entry["resource"] for entry in bundle["entry"]}
        yield kind, tree, entries["DocumentReference"], entries["List"], rim


def slot(rim, name: str) -> list[str]:
    return rim.xpath(f"//rim:ExtrinsicObject/rim:Slot[@name='{name}']/rim:ValueList/rim:Value/text()", namespaces=RIM)


def classification(rim, scheme: str) -> list[tuple[str, str]]:
    return [(node.get("nodeRepresentation"), node.xpath("rim:Slot[@name='codingScheme']/rim:ValueList/rim:Value/text()",
                                                           namespaces=RIM)[0])
            for node in rim.xpath(f"//rim:ExtrinsicObject/rim:Classification[@classificationScheme='{scheme}']", namespaces=RIM)]


# --------------------------------------------------------------------------------------------------- field by field


def test_title_is_the_cda_title(world):
    for kind, tree, reference, _list, rim in documents_sent(world):
        title = one(tree, "/c:ClinicalDocument/c:title").text
        assert reference["content"][0]["attachment"]["title"] == title, kind
        assert rim.xpath("//rim:ExtrinsicObject/rim:Name/rim:LocalizedString/@value", namespaces=RIM) == [title], kind


def test_type_code_is_the_cda_code(world):
    for kind, tree, reference, _list, rim in documents_sent(world):
        code = one(tree, "/c:ClinicalDocument/c:code")
        assert reference["type"]["coding"][0]["code"] == code.get("code"), kind
        assert classification(rim, SCHEME["type"]) == [(code.get("code"), code.get("codeSystem"))], kind


def test_creation_time_is_the_cda_effective_time(world):
    for kind, tree, reference, _list, rim in documents_sent(world):
        effective = ts(one(tree, "/c:ClinicalDocument/c:effectiveTime").get("value"))
        assert fhir_instant(reference["content"][0]["attachment"]["creation"]) == effective, kind
        assert slot(rim, "creationTime") == [xds_ts(effective)], kind


def test_confidentiality_starts_with_the_cda_confidentiality_code(world):
    for kind, tree, reference, _list, rim in documents_sent(world):
        code = one(tree, "/c:ClinicalDocument/c:confidentialityCode")
        assert coding(reference["securityLabel"][0]) == (code.get("code"), "http://terminology.hl7.org/CodeSystem/v3-Confidentiality")
        assert classification(rim, SCHEME["confidentiality"])[0] == (code.get("code"), code.get("codeSystem")), kind


def test_facility_type_is_the_cda_health_care_facility_code(world):
    for kind, tree, reference, _list, rim in documents_sent(world):
        code = one(tree, "/c:ClinicalDocument/c:componentOf/c:encompassingEncounter/c:location/c:healthCareFacility/c:code")
        assert reference["context"]["facilityType"]["coding"][0]["code"] == code.get("code"), kind
        assert classification(rim, SCHEME["facility"]) == [(code.get("code"), code.get("codeSystem"))], kind


def test_practice_setting_is_the_cda_service_performer_sector(world):
    for kind, tree, reference, _list, rim in documents_sent(world):
        code = one(tree, "/c:ClinicalDocument/c:documentationOf/c:serviceEvent/c:performer/c:assignedEntity/"
                         "c:representedOrganization/c:standardIndustryClassCode")
        assert reference["context"]["practiceSetting"]["coding"][0]["code"] == code.get("code"), kind
        assert classification(rim, SCHEME["practice"]) == [(code.get("code"), code.get("codeSystem"))], kind


def test_facility_type_and_practice_setting_are_the_establishments_real_type(world):
    """A cancer centre's fiche RCP says SA36, a GP practice's report SA08 and AMBULATOIRE: the codes come from the
    kind of the organisation, in the CDA and therefore in the metadata."""
    seen = set()
    for kind, tree, reference, _list, _rim in documents_sent(world):
        custodian = one(tree, "/c:ClinicalDocument/c:custodian/c:assignedCustodian/c:representedCustodianOrganization/c:id")
        org_kind = world.organisation_kinds[custodian.get("extension")]
        expected = terminology.facility_type(org_kind)
        assert reference["context"]["facilityType"]["coding"][0]["code"] == expected.code, (kind, org_kind)
        for organisation in tree.xpath("//c:representedOrganization[c:standardIndustryClassCode]", namespaces=C):
            code = organisation.find("c:standardIndustryClassCode", C).get("code")
            assert code == terminology.practice_setting(world.organisation_kinds[organisation.find("c:id", C).get("extension")]).code
        seen.add((kind, org_kind, expected.code))
    assert (DocumentKind.FRCP, OrganisationKind.CANCER_CENTRE, "SA36") in seen
    assert (DocumentKind.FRCP, OrganisationKind.UNIVERSITY_HOSPITAL, "SA01") in seen
    assert any(org_kind == OrganisationKind.GP_PRACTICE and code == "SA08" for _kind, org_kind, code in seen)
    practices = {reference["context"]["practiceSetting"]["coding"][0]["code"]
                 for _kind, _tree, reference, _list, _rim in documents_sent(world)}
    assert {"ETABLISSEMENT", "AMBULATOIRE"} <= practices


def test_service_times_are_the_cda_service_event_times(world):
    for kind, tree, reference, _list, rim in documents_sent(world):
        start = min(ts(value) for value in tree.xpath("//c:documentationOf/c:serviceEvent/c:effectiveTime/c:low/@value",
                                                       namespaces=C))
        stops = [ts(value) for value in tree.xpath("//c:documentationOf/c:serviceEvent/c:effectiveTime/c:high/@value",
                                                   namespaces=C)]
        period = reference["context"]["period"]
        assert fhir_instant(period["start"]) == start, kind
        assert slot(rim, "serviceStartTime") == [xds_ts(start)], kind
        assert ("end" in period) == bool(stops) and slot(rim, "serviceStopTime") == ([xds_ts(max(stops))] if stops else [])


def test_frcp_service_start_is_the_session_time_not_noon(world):
    starts = {fhir_instant(reference["context"]["period"]["start"]).astimezone(UTC).strftime("%H:%M")
              for kind, _tree, reference, _list, _rim in documents_sent(world) if kind == DocumentKind.FRCP}
    assert starts and starts != {"11:00"}  # 12:00 Paris in winter was the old, computed value


def test_author_and_legal_authenticator_are_the_cda_ones(world):
    for kind, tree, reference, _list, rim in documents_sent(world):
        author = cda_person(one(tree, "/c:ClinicalDocument/c:author/c:assignedAuthor"))
        legal = cda_person(one(tree, "/c:ClinicalDocument/c:legalAuthenticator/c:assignedEntity"))
        contained = {resource["id"]: resource for resource in reference["contained"]}
        practitioner = contained["author-practitioner"]
        assert practitioner["identifier"][0]["value"] == author["id"], kind
        assert (practitioner["name"][0]["family"], practitioner["name"][0]["given"]) == (author["family"], [author["given"]])
        signer_role = reference["authenticator"]["reference"].removeprefix("#").replace("-role", "-practitioner")
        assert contained[signer_role]["identifier"][0]["value"] == legal["id"], kind
        author_slot = rim.xpath(f"//rim:ExtrinsicObject/rim:Classification[@classificationScheme='{SCHEME['author']}']"
                                "/rim:Slot[@name='authorPerson']/rim:ValueList/rim:Value/text()", namespaces=RIM)
        assert author_slot == [f"{author['id']}^{author['family']}^{author['given']}^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS"]
        assert slot(rim, "legalAuthenticator")[0].split("^")[:3] == [legal["id"], legal["family"], legal["given"]], kind


def test_patient_ids_are_the_cda_record_target_ids(world):
    for kind, tree, reference, submission_set, rim in documents_sent(world):
        ids = {node.get("root"): node.get("extension") for node in tree.xpath("//c:recordTarget/c:patientRole/c:id", namespaces=C)}
        ins_root = next(root for root in ids if root.startswith("1.2.250.1.213.1.4."))
        ins = ids.pop(ins_root)
        ((local_root, local_id),) = ids.items()
        source = next(r for r in reference["contained"] if r["id"] == "source-patient")
        assert {(i["system"], i["value"]) for i in source["identifier"]} == {(f"urn:oid:{ins_root}", ins),
                                                                             (f"urn:oid:{local_root}", local_id)}, kind
        cx = f"{ins}^^^&{ins_root}&ISO"
        assert rim.xpath(f"//rim:ExternalIdentifier[@identificationScheme='{xdm.ENTRY_PATIENT_ID}']/@value", namespaces=RIM) == [cx]
        assert slot(rim, "sourcePatientId") == [f"{local_id}^^^&{local_root}&ISO"], kind


def test_source_patient_names_are_the_birth_name_then_the_used_name(world):
    seen_used = False
    for kind, tree, reference, _list, rim in documents_sent(world):
        name = one(tree, "//c:recordTarget/c:patientRole/c:patient/c:name")
        birth = one(name, "c:family[@qualifier='BR']").text
        first_names = one(name, "c:given[not(@qualifier)]").text
        used = name.xpath("c:family[@qualifier='CL']/text()", namespaces=C)
        pid5 = [value for value in slot(rim, "sourcePatientInfo") if value.startswith("PID-5|")]
        assert pid5[0] == f"PID-5|{birth}^{first_names}^^^^^L", kind
        source = next(r for r in reference["contained"] if r["id"] == "source-patient")
        assert (source["name"][0]["use"], source["name"][0]["family"]) == ("official", birth)
        if used:
            seen_used = True
            used_given = one(name, "c:given[@qualifier='CL']").text
            assert pid5[1:] == [f"PID-5|{used[0]}^{used_given}^^^^^D"], kind
            assert (source["name"][1]["use"], source["name"][1]["family"]) == ("usual", used[0])
        else:
            assert pid5[1:] == [], kind
    assert seen_used


def test_language_is_the_cda_language_code(world):
    for kind, tree, reference, _list, rim in documents_sent(world):
        language = one(tree, "/c:ClinicalDocument/c:languageCode").get("code")
        assert reference["content"][0]["attachment"]["language"] == language, kind
        assert slot(rim, "languageCode") == [language], kind


def test_unique_id_is_the_cda_id_as_an_oid(world):
    for kind, tree, reference, _list, rim in documents_sent(world):
        root = one(tree, "/c:ClinicalDocument/c:id").get("root")
        expected = f"2.25.{uuid.UUID(root).int}"
        assert reference["masterIdentifier"]["value"] == f"urn:oid:{expected}", kind
        assert rim.xpath(f"//rim:ExternalIdentifier[@identificationScheme='{xdm.ENTRY_UNIQUE_ID}']/@value",
                         namespaces=RIM) == [expected], kind


def test_a_cda_without_the_facts_the_dmp_needs_is_not_shareable(db, monkeypatch, tmp_path):
    """The metadata is never made up: a CDA that lacks its facility type is refused with the reason."""
    monkeypatch.setenv("DCC_DATA_DIR", str(tmp_path / "data"))
    team = Team(db)
    document, _ = team.report(db)
    submission = db.exec(select(SharingSubmission).where(SharingSubmission.document_id == document.id)).one()
    cda = storage.get(submission.cda_file)
    tree = etree.fromstring(cda)
    node = one(tree, "//c:healthCareFacility/c:code")
    node.getparent().remove(node)
    broken = etree.tostring(tree)
    submission.cda_file, _ = storage.put(broken)
    submission.cda_sha1 = hashlib.sha1(broken).hexdigest()  # noqa: S324
    with pytest.raises(cda_n1.NotShareable, match="secteur d'activité"):
        sharing.metadata_for(db, submission=submission, now=NOW)


# --------------------------------------------------------------------------------------------------- XDM schemas


def test_every_xdm_metadata_validates_against_the_ebrim_schemas(world):
    for kind, _tree, _reference, _list, rim in documents_sent(world):
        assert xdm.schema_errors(etree.tostring(rim)) == [], kind


def test_the_schemas_catch_a_broken_metadata_file(world):
    _kind, _tree, _reference, _list, rim = next(documents_sent(world))
    broken = etree.fromstring(etree.tostring(rim))
    external = broken.xpath("//rim:ExternalIdentifier", namespaces=RIM)[0]
    del external.attrib["identificationScheme"]
    slot_node = broken.xpath("//rim:ExtrinsicObject/rim:Slot", namespaces=RIM)[0]
    slot_node.append(etree.Element(f"{{{xdm.RIM}}}Unexpected"))
    errors = xdm.schema_errors(etree.tostring(broken))
    assert any("identificationScheme" in error for error in errors), errors
    assert any("Unexpected" in error for error in errors), errors


def test_class_code_is_the_ans_type_class_correspondence(world):
    """classCode follows ASS_X04 (read here straight from the vendored ANS file): an imaging report is 31."""
    svs = {"s": "urn:ihe:iti:svs:2008"}
    table = etree.parse(str(terminology.TERMINOLOGY_DIR / "ASS_X04-CorrespondanceType-Classe-CISIS.xml"))
    expected = {m.xpath("s:Concept[1]/@code", namespaces=svs)[0]: m.xpath("s:Concept[2]/@code", namespaces=svs)[0]
                for m in table.xpath("//s:MappedConcept", namespaces=svs)}
    classes = {}
    for kind, tree, reference, _list, rim in documents_sent(world):
        type_code = one(tree, "/c:ClinicalDocument/c:code").get("code")
        assert reference["category"][0]["coding"][0]["code"] == expected[type_code], kind
        assert classification(rim, SCHEME["class"])[0][0] == expected[type_code], kind
        classes[kind] = expected[type_code]
    assert classes[DocumentKind.IMAGING] == "31" and classes[DocumentKind.PPS] == "44" and classes[DocumentKind.FRCP] == "10"


def test_every_bundle_passes_the_recipients_checks_and_profile_rules(world):
    """What the DMP test recipient would answer for each demo and generated document: nothing to refuse."""
    for kind, _cda, bundle, _rim in world:
        assert check_bundle(bundle)[0] == [], kind
