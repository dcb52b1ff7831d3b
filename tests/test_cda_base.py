"""The CDA base: shared header rendering and the validation tooling (XSD + ISO Schematron compiled for Saxon)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from dcc_portal.conformance import cda as cda_validation
from dcc_portal.services.common import render
from dcc_portal.services.record import cda

EXAMPLE = Path(__file__).parent / "data" / "CANCER-FRCP_2022.01_Appareil.xml"
NS = {"c": "urn:hl7-org:v3"}
# The official example itself names a specialty code absent from the kit's JDV_J01 value set (upstream data).
KNOWN_UPSTREAM_EXAMPLE_ERROR = "G15_10/SCH10"


def _remove(xml: bytes, xpath: str) -> bytes:
    tree = etree.fromstring(xml)
    nodes = tree.xpath(xpath, namespaces=NS)
    assert nodes, xpath
    for node in nodes:
        node.getparent().remove(node)
    return etree.tostring(tree)


@pytest.fixture(scope="module")
def example() -> bytes:
    return EXAMPLE.read_bytes()


def test_official_example_is_valid_against_the_schema(example):
    assert cda_validation.xsd_errors(example) == []


def test_official_example_passes_the_frcp_schematron(example):
    report = cda_validation.run_schematron(example, cda_validation.FRCP_SCHEMATRON)
    assert report.rules > 10 and report.asserts > 50
    assert report.errors == [] and report.skipped == ()


def test_official_example_against_the_general_profiles(example):
    for name, path in cda_validation.PROFILE_SCHEMATRONS.items():
        report = cda_validation.run_schematron(example, path)
        assert report.asserts > 100, name
        unexpected = [f for f in report.errors if KNOWN_UPSTREAM_EXAMPLE_ERROR not in f.message]
        assert unexpected == [], (name, unexpected[:3])
    contents = cda_validation.run_schematron(example, cda_validation.PROFILE_SCHEMATRONS["CI-SIS_ModelesDeContenusCDA"])
    assert [f.pattern for f in contents.errors] == ["JDV_assignedAuthorCode"]


def test_parts_absent_from_the_kit_are_reported_not_hidden(example):
    ihe = cda_validation.run_schematron(example, cda_validation.PROFILE_SCHEMATRONS["IHE"])
    assert any("E_directiveAnticipee_int.sch" in line for line in ihe.skipped)
    structure = cda_validation.run_schematron(example, cda_validation.PROFILE_SCHEMATRONS["ASIP-STRUCT-MIN-StrucMin"])
    assert any("voc-1.2.250.1.213.1.1.5.471-DYNAMIC.xml" in line for line in structure.skipped)
    assert len(structure.skipped) == 1  # only the typeCode value-set test


@pytest.mark.parametrize(
    ("xpath", "expected"),
    [
        # the RCP identifiers of componentOf (network, 3C, RCP): the FRCP header rule wants at least three
        ("/c:ClinicalDocument/c:componentOf/c:encompassingEncounter/c:id[position() > 1]", "RRC, du gestionnaire et de la RCP"),
        # the mandatory care-plan section
        ("//c:section[c:templateId/@root='1.3.6.1.4.1.19376.1.5.3.1.3.36']/..", "FR-Plan-de-soins"),
        # the facility name of the encounter
        ("/c:ClinicalDocument/c:componentOf//c:healthCareFacility/c:location/c:name", "Le nom de l'établissement"),
    ],
)
def test_breaking_a_required_element_is_caught(example, xpath, expected):
    broken = _remove(example, xpath)
    report = cda_validation.run_schematron(broken, cda_validation.FRCP_SCHEMATRON)
    assert any(expected in finding.message for finding in report.errors), [f.message for f in report.errors]


def test_a_wrong_document_code_and_a_code_outside_its_value_set_are_caught(example):
    wrong_type = example.replace(b'<code code="34794-8"', b'<code code="11488-4"', 1)
    report = cda_validation.run_schematron(wrong_type, cda_validation.FRCP_SCHEMATRON)
    assert any("34794-8" in finding.message for finding in report.errors)
    # the quorum status of the "statut du dossier" section must come from JDV_StatutQuorum_CISIS
    wrong_quorum = example.replace(b'code="ORG-126"', b'code="ORG-999"', 1)
    report = cda_validation.run_schematron(wrong_quorum, cda_validation.FRCP_SCHEMATRON)
    assert [f.pattern for f in report.errors] == ["JDV_StatutQuorum-CISIS"]


def test_schema_errors_are_reported(example):
    assert cda_validation.xsd_errors(example.replace(b"<realmCode", b"<realmKode", 1))
    assert cda_validation.xsd_errors(b"<ClinicalDocument") != []


def test_compiler_keeps_first_matching_rule_per_pattern(tmp_path):
    schema = tmp_path / "first.sch"
    schema.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
        '<pattern id="p"><rule context="b[@x]"><assert test="false()">first</assert></rule>'
        '<rule context="b"><assert test="false()">second</assert></rule></pattern>'
        '<pattern abstract="true" id="abs"><rule context="$ctx"><report test="@x = $v">abstract <value-of select="@x"/></report></rule></pattern>'
        '<pattern id="inst" is-a="abs"><param name="ctx" value="b"/><param name="v" value="\'2\'"/></pattern>'
        "</schema>"
    )
    report = cda_validation.run_schematron(b'<a><b x="1"/><b/><b x="2"/></a>', schema)
    messages = sorted(f.message for f in report.findings)
    assert messages == ["abstract 2", "first", "first", "second"]


def _header(**overrides) -> cda.CdaHeader:
    organisation = cda.OrganisationPart(name="CHU <Test> & fils", finess="990000101", phone="02 99 10 10 10",
                                        address=cda.Address(city="Villeneuve"), kind="chu")
    author = cda.PersonPart(family="Moreau", given="Paul", rpps="10000000007", specialty_code="G15_10/SM36",
                            specialty_display="Médecin - Oncologie, opt médicale (SM)", organisation=organisation)
    patient = cda.PatientPart(local_id="DEMO-1", birth_family_name="<script>alert(1)</script>", first_names="JEANNE MARIE",
                              sex="F", birth_date=date(1960, 2, 29), ins="260022B01500186", ins_oid="1.2.250.1.213.1.4.10",
                              address=cda.Address(street="javascript:alert(1)", postal_code="99000", city="Villeneuve"))
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # the night of the spring DST change
    values = dict(
        template_ids=(("1.2.250.1.213.1.1.1.8", "2022.01"),), code=cda.Code("34794-8", cda.LOINC, "CR de RCP"),
        title="Titre <b>", effective_time=moment, set_id=cda.new_uuid(), version_number=2, patient=patient,
        author=author, author_time=moment, custodian=organisation, legal_authenticator=author, legal_time=moment,
        participants=(cda.Participant("INF", None, cda.Code("PCP", "2.16.840.1.113883.5.88", "Médecin traitant")),),
        replaces_document_id=cda.new_uuid(),
        service_events=(cda.ServiceEvent(cda.Code("39", "1.2.250.1.213.3.3.13", "RCP"), "Réseau / 3C / RCP", moment, author),),
        encounter=cda.Encounter(ids=(("1.2.250.1.213.1.1.9", "S-1"),), start=moment, facility=organisation,
                                facility_type=cda.Code("SA01", "1.2.250.1.71.4.2.4", "Etablissement public de santé")),
    )
    values.update(overrides)
    return cda.CdaHeader(**values)


BODY = (
    '{% extends "cda/document.xml.j2" %}{% block body %}<component><section><code code="55112-7" '
    'codeSystem="2.16.840.1.113883.6.1"/><title>Commentaire</title><text>{{ note }}</text></section></component>'
    "{% endblock %}"
)


def _render_minimal(note: str, **overrides) -> str:
    template = render.environment().from_string(BODY)
    return template.render(header=_header(**overrides), note=note, ts=cda.ts, ts_date=cda.ts_date,
                           phone_uri=cda.phone_uri, gender_label={"F": "Féminin"}, new_uuid=cda.new_uuid)


def test_header_renders_valid_cda_with_inert_free_text():
    xml = _render_minimal('<script>alert("x")</script> javascript:alert(1)')
    assert cda_validation.xsd_errors(xml) == []
    tree = etree.fromstring(xml.encode())
    assert tree.find(".//c:family", NS).text == "<SCRIPT>ALERT(1)</SCRIPT>"
    assert tree.find(".//c:section/c:text", NS).text.startswith("<script>")
    assert not tree.xpath("//*[local-name()='script']")
    assert "&lt;script&gt;" in xml
    # Paris time with its offset, right at the DST change (01:30 UTC = 03:30 CEST).
    assert tree.find("c:effectiveTime", NS).get("value") == "20260329033000+0200"
    assert tree.find("c:versionNumber", NS).get("value") == "2"
    assert tree.find("c:relatedDocument", NS).get("typeCode") == "RPLC"


def test_header_follows_the_general_ci_sis_profiles():
    xml = _render_minimal("texte")
    for name, path in cda_validation.PROFILE_SCHEMATRONS.items():
        report = cda_validation.run_schematron(xml, path)
        assert report.errors == [], (name, [f"{f.location}: {f.message}" for f in report.errors])


def test_ins_traits_are_required_by_the_structure_rules():
    """The INS traits rule (birth place COG code among them) fires when a trait is missing."""
    xml = _render_minimal("texte").replace('<county nullFlavor="UNK"/>', "")
    report = cda_validation.run_schematron(xml, cda_validation.PROFILE_SCHEMATRONS["ASIP-STRUCT-MIN-StrucMin"])
    assert any("traits de l'INS" in finding.message for finding in report.errors)
