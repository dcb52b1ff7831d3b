"""The CDA R2 level N1 that carries an uploaded PDF report to the DMP: CDA schema and CI-SIS schematrons."""

from __future__ import annotations

import base64

import pytest
from lxml import etree

from dcc_portal.conformance import cda as cda_validation
from dcc_portal.services.exchange import cda_n1
from tests.sharing_fixtures import Team, pdf_bytes

NS = {"c": "urn:hl7-org:v3"}


@pytest.fixture(scope="module")
def n1(tmp_path_factory, template_db, postgres):
    """One N1 document built from a real report (module-scoped: the schematrons are slow to compile)."""
    import os

    from sqlmodel import Session

    from dcc_portal import db as dbmod
    from tests.conftest import cloned_database

    folder = tmp_path_factory.mktemp("n1")
    previous = os.environ.get("DCC_DATA_DIR")
    os.environ["DCC_DATA_DIR"] = str(folder / "data")
    try:
        with cloned_database(template_db, postgres, folder) as url, Session(dbmod.get_engine(url)) as db:
            team = Team(db)
            team.patient.address = "12 rue <script>alert(1)</script>"
            pdf = pdf_bytes("javascript:alert(1) <b>")
            document, version = team.report(db, title="CR d'imagerie <script>x</script>", validate=False, pdf=pdf)
            package = cda_n1.package(db, document=document, version=version, patient=team.patient)
            yield package, pdf, team.patient.ins
            db.rollback()
    finally:
        if previous is None:
            os.environ.pop("DCC_DATA_DIR", None)
        else:
            os.environ["DCC_DATA_DIR"] = previous


def test_n1_passes_the_cda_schema_and_the_ci_sis_schematrons(n1):
    package, _pdf, _ins = n1
    result = cda_n1.validate(package.xml)
    assert result.xsd_errors == ()
    for report in result.reports:
        assert report.asserts > 100, report.schema
        assert report.errors == [], (report.schema, [f"{f.location}: {f.message}" for f in report.errors][:5])
    assert result.ok


def test_n1_header_and_body(n1):
    package, pdf, ins = n1
    tree = etree.fromstring(package.xml)
    assert [t.get("root") for t in tree.findall("c:templateId", NS)] == [
        "2.16.840.1.113883.2.8.2.1", "1.2.250.1.213.1.1.1.1", "1.3.6.1.4.1.19376.1.2.20"]
    assert tree.find("c:id", NS).get("root") == package.unique_id
    assert tree.find("c:code", NS).get("code") == "18748-4"
    text = tree.find("c:component/c:nonXMLBody/c:text", NS)
    assert (text.get("mediaType"), text.get("representation")) == ("application/pdf", "B64")
    assert base64.b64decode(text.text) == pdf
    assert tree.find(".//c:patientRole/c:id", NS).get("extension") == ins
    assert tree.find("c:title", NS).text == "CR d'imagerie <script>x</script>"  # escaped text, not markup
    assert not tree.xpath("//*[local-name()='script']")
    assert package.format_code == "urn:ihe:iti:xds-sd:pdf:2008" and package.level == "N1"


@pytest.mark.parametrize(
    ("xpath", "expected"),
    [
        ("/c:ClinicalDocument/c:templateId[@root='1.3.6.1.4.1.19376.1.2.20']", "1.3.6.1.4.1.19376.1.2.20"),
        ("/c:ClinicalDocument/c:documentationOf", "documentationOf"),
    ],
)
def test_the_structure_rules_catch_a_broken_n1(n1, xpath, expected):
    package, _pdf, _ins = n1
    tree = etree.fromstring(package.xml)
    for node in tree.xpath(xpath, namespaces=NS):
        node.getparent().remove(node)
    report = cda_validation.run_schematron(etree.tostring(tree), cda_validation.PROFILE_SCHEMATRONS["ASIP-STRUCT-MIN-StrucMin"])
    assert any(expected in finding.message for finding in report.errors), [f.message for f in report.errors][:5]
