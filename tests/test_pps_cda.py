"""The PPS as CDA R2: valid against CDA_extended.xsd, the CANCER-PPS schematron and the general CI-SIS profiles;
stable identifiers across versions; free text inert; the same access rules as the document."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlmodel import select

from dcc_portal.conformance import cda as cda_validation
from dcc_portal.models import CancerDiagnosis, GpConsent
from dcc_portal.services.common.errors import AccessDenied
from dcc_portal.services.pps import cda as pps_cda
from dcc_portal.services.pps import content as pc
from dcc_portal.services.record import diagnosis, documents
from tests import free_text
from tests.pps_world import (  # noqa: F401
    NOW,
    XSS,
    announce,
    document_of,
    hand_over,
    programme,
    treatment,
    world,
    write,
)

NS = {"c": "urn:hl7-org:v3"}


def _complete_programme() -> dict:
    return programme(
        plan_summary="Chimiothérapie puis chirurgie. " + XSS, rcp_proposal=XSS, end_of_treatment="2026-09-30",
        treatments=[treatment(side_effects="Nausées " + XSS, management="Antiémétiques " + XSS, place=XSS),
                    treatment(uid="aaaaaaaaaaa2", type="C15313", title="Radiothérapie", start="2026-07-01", sessions="20",
                              every_days="", weekdays_only="true", time="", route="", side_effects="", management="",
                              place="", at_home="")],
        measures=[{"type": "MED-555", "detail": XSS}],
        supportive_care=[{"type": "ORG-036", "detail": "Diététique " + XSS, "contact": XSS}],
        social=[{"type": "PAT-024", "detail": XSS}],
        contacts=[{"who": XSS, "reason": XSS, "phone": "02 99 20 20 21", "hours": XSS, "emergency": "true"}],
    )


def _xml(world, version: int | None = None) -> str:
    document = document_of(world)
    return pps_cda.build_xml(world.db, document=document, version=documents.version_row(world.db, document=document, version=version),
                             patient=world.patient)


def test_the_generated_pps_cda_passes_the_schema_the_pps_schematron_and_the_ci_sis_profiles(world):
    write(world, _complete_programme())
    hand_over(world)
    write(world, _complete_programme() | {"plan_summary": "Ajusté"}, expected=1, reason_code=pc.OTHER_UPDATE_REASON,
          reason_detail="Précision " + XSS)
    xml = _xml(world)
    result = pps_cda.validate(xml)
    assert result.ok, result.summary()[:10]
    names = [report.schema for report in result.reports]
    assert names[0] == "CI-SIS_CANCER-PPS_2022.01.sch" and len(names) == 5
    assert all(report.asserts > 20 for report in result.reports)

    tree = etree.fromstring(xml.encode())
    assert tree.xpath("/c:ClinicalDocument/c:code/@code", namespaces=NS) == ["18776-5"]
    assert "1.2.250.1.213.1.1.1.26" in tree.xpath("/c:ClinicalDocument/c:templateId/@root", namespaces=NS)
    qualifiers = tree.xpath("//c:procedure[c:code/@code='MED-568']/c:code/c:qualifier/c:value/@code", namespaces=NS)
    assert qualifiers == ["C15632", "C15313"]
    assert tree.xpath("//c:observation[c:code/@code='GEN-037']/c:value/@code", namespaces=NS) == ["GEN-092.08.02"]
    assert tree.xpath("//c:observation[c:code/@code='ORG-189']/c:value/@value", namespaces=NS) == ["20260302"]
    assert tree.xpath("//c:observation[c:code/@code='GEN-178']/c:value/@value", namespaces=NS) == ["20260309"]
    assert tree.xpath("//c:observation[c:code/@code='GEN-177']/c:effectiveTime/c:low/@value", namespaces=NS)[:2] == ["20260320", "20260701"]
    assert tree.xpath("//c:participant[c:functionCode/@code='PCP']//c:family/text()", namespaces=NS) == ["DURAND"]
    assert tree.xpath("//c:targetSiteCode/@code", namespaces=NS) == ["C50.9"]
    # Free text is text: no element came from it, and it reads back unchanged.
    assert not tree.xpath("//*[local-name()='script']")
    assert "<script>" not in xml and "&lt;script&gt;" in xml
    assert "".join(tree.xpath("//c:content[@ID='proposition-rcp']//text()", namespaces=NS)) == XSS


def test_a_noncharacter_in_typed_text_does_not_break_the_pps_cda(world):
    """U+FFFF (and other characters XML cannot carry) typed in the diagnosis or the programme never reach the CDA."""
    diagnosis.save(world.db, actor=world.onco, patient_public_id=world.patient.public_id, expected_version=1,
                   values={"icd10_code": "C50.9", "morphology_code": "8500/3", "laterality": "left", "tnm_t": "2",
                           "tnm_n": "1", "tnm_m": "0", "diagnosis_date": "2026-02-12", "other_staging": "SBR\uffff 2"},
                   now=NOW)
    write(world, _complete_programme() | {"plan_summary": "Quatre cures\uffff\ufffe\x1b puis chirurgie."})
    hand_over(world)
    xml = _xml(world)
    assert cda_validation.xsd_errors(xml) == []
    text = "".join(etree.fromstring(xml.encode()).itertext())
    assert "Quatre cures puis chirurgie." in text and "SBR 2" in text


def test_broken_parts_are_caught(world):
    write(world, _complete_programme())
    hand_over(world)
    xml = _xml(world)
    wrong_type = xml.replace('<value code="C15632"', '<value code="C99999"', 1)
    report = pps_cda.validate(wrong_type, profiles=False)
    assert not report.ok and any("JDV_TypeTraitementPPS" in line for line in report.summary())
    wrong_document = xml.replace('<code code="18776-5" codeSystem="2.16.840.1.113883.6.1"', '<code code="11488-4" codeSystem="2.16.840.1.113883.6.1"', 1)
    assert any("Entete_Cancer-PPS" in line for line in pps_cda.validate(wrong_document, profiles=False).summary())


def test_identifiers_are_stable_and_a_new_version_replaces_the_previous_one(world):
    write(world)
    with pytest.raises(ValueError):  # a draft has no CDA
        _xml(world)
    hand_over(world)
    first = etree.fromstring(_xml(world).encode())
    again = etree.fromstring(_xml(world).encode())
    assert first.xpath("/c:ClinicalDocument/c:id/@root", namespaces=NS) == again.xpath("/c:ClinicalDocument/c:id/@root", namespaces=NS)
    write(world, programme(plan_summary="Nouveau"), expected=1, reason_code="MED-560")
    second = etree.fromstring(_xml(world).encode())
    set_id = "/c:ClinicalDocument/c:setId/@root"
    assert second.xpath(set_id, namespaces=NS) == first.xpath(set_id, namespaces=NS)
    assert second.xpath("/c:ClinicalDocument/c:versionNumber/@value", namespaces=NS) == ["2"]
    assert second.xpath("//c:relatedDocument[@typeCode='RPLC']/c:parentDocument/c:id/@root", namespaces=NS) == \
        first.xpath("/c:ClinicalDocument/c:id/@root", namespaces=NS)
    assert not first.xpath("//c:relatedDocument", namespaces=NS)


def test_the_cda_export_follows_the_document_access_rules(world):
    write(world)
    hand_over(world, consent=GpConsent.REFUSED)
    document = document_of(world)
    assert pps_cda.cda_bytes(world.db, actor=world.onco, document_public_id=document.public_id).startswith(b"<?xml")
    with pytest.raises(AccessDenied):
        pps_cda.cda_bytes(world.db, actor=world.gp, document_public_id=document.public_id)
    with pytest.raises(AccessDenied):  # released only after the announcement
        pps_cda.cda_bytes(world.db, actor=world.me, document_public_id=document.public_id)
    announce(world)
    assert pps_cda.cda_bytes(world.db, actor=world.me, document_public_id=document.public_id)


TYPED_IN = ("text", "long")
SCALAR_TEXTS = [spec.name for spec in pc.SCALAR_FIELDS if spec.kind in TYPED_IN]
SECTION_TEXTS = {section: [spec.name for spec in specs if spec.kind in TYPED_IN]
                 for section, specs in pc.SECTION_FIELDS.items()}
# One line per section: its fixed codes (or phone, for a contact) and every text field as typed.
LINE_BASES = {"treatments": treatment(), "follow_up": {"type": "11429006"}, "measures": {"type": "MED-555"},
              "supportive_care": {"type": "ORG-036"}, "social": {"type": "PAT-024"}, "contacts": {"phone": "02 99 20 20 21"}}
TYPED_KEYS = SCALAR_TEXTS + [f"{section}.{name}" for section, names in SECTION_TEXTS.items() for name in names]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(typed=st.fixed_dictionaries({key: free_text.typed() for key in TYPED_KEYS + ["reason_detail", "other_staging"]}))
def test_whatever_is_typed_in_the_programme_its_cda_is_well_formed_and_valid(world, typed):
    document = document_of(world)
    version = document.current_version if document else 0
    row = world.db.exec(select(CancerDiagnosis).where(CancerDiagnosis.patient_id == world.patient.id)).one()
    diagnosis.save(world.db, actor=world.onco, patient_public_id=world.patient.public_id, expected_version=row.version,
                   values={"icd10_code": "C50.9", "diagnosis_date": "2026-02-12", "other_staging": typed["other_staging"]},
                   now=NOW)
    form = programme(**{name: "Texte " + typed[name] for name in SCALAR_TEXTS})
    for section, names in SECTION_TEXTS.items():
        form[section] = [LINE_BASES[section] | {name: "Texte " + typed[f"{section}.{name}"] for name in names}]
    update = {"reason_code": pc.OTHER_UPDATE_REASON, "reason_detail": "Précision " + typed["reason_detail"]}
    write(world, form, expected=version, **(update if version else {}))
    if not version:
        hand_over(world)
    assert cda_validation.xsd_errors(_xml(world)) == []
    content = documents.content_of(documents.version_row(world.db, document=document_of(world)))
    stored = [content[name] for name in SCALAR_TEXTS] + [content["diagnosis"]["other_staging"]]
    stored += [line[name] for section, names in SECTION_TEXTS.items() for line in content[section] for name in names]
    stored += [content["update"]["detail"]] if version else []
    assert all(free_text.carried(text) for text in stored)
