"""Each patient of the demo, and of a small generated region around it, tells one clinical story: the organ RCP
matches the tumour's CIM-10 chapter, the programme treats that tumour, the surgeon and organ specialist of the
care team fit it, the fiche is signed by a member of that RCP, and the pathway's dates and delays fit the care
stage. Their calendars stay within their programmes, and every document of the generated region exports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, timedelta
from pathlib import Path

import icalendar
import pytest
from sqlmodel import Session, and_, or_, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.conformance import cda as cda_validation
from dcc_portal.demo import region
from dcc_portal.models import (
    Account,
    CancerDiagnosis,
    CareTeamMembership,
    Document,
    DocumentVersion,
    Notification,
    PathwayEvent,
    Patient,
    PpsHandover,
    Professional,
    Rcp,
    RcpCase,
    RcpMember,
    RcpSession,
    utcnow,
)
from dcc_portal.services.exchange import exports
from dcc_portal.services.pps import calendar as pps_calendar
from dcc_portal.services.pps import content as pc
from dcc_portal.services.record import documents, quality
from tests.conftest import cloned_database

SIZES = region.Sizes(patients=40, gps=8, hospital=40, rcps=8, years=1, documents=400, audit_events=500, big_gps=1,
                     big_gp_patients=20, patient_accounts=10)

# What a clinician knows, written here independently of the generator: which CIM-10 categories an RCP's appareil or
# organ code covers, which surgeons and organ specialists treat a category, and words that belong to one site only.
RCP_CODES = {
    "86762007": ("C15", "C26"), "MED-251": ("C18", "C21"), "69695003": ("C16", "C16"), "15776009": ("C25", "C25"),
    "76752008": ("C50", "C50"), "15497006": ("C56", "C56"), "71252005": ("C53", "C53"), "53065001": ("C51", "C58"),
    "312419003": ("C30", "C39"), "MED-255": ("C33", "C34"), "3120008": ("C38", "C38"),
    "57171008": ("C81", "C96"), "C3211": ("C82", "C86"), "90264002": ("C60", "C63"), "41216001": ("C61", "C61"),
    "122489005": ("C64", "C68"), "89837001": ("C67", "C67"), "64033007": ("C64", "C64"), "39937001": ("C43", "C44"),
}
SURGEONS = {"C50": "SM20", "C56": "SM20", "C18": "SM14", "C20": "SM14", "C25": "SM14", "C34": "SM11", "C61": "SM12",
            "C67": "SM12", "C43": "SM10"}
SPECIALISTS = {"C18": "SM24", "C20": "SM24", "C25": "SM24", "C34": "SM41", "C83": "SM21", "C43": "SM15"}
SITE_WORDS = {
    "breast": ({"C50"}, r"\bsein|mammaire|létrozole"), "ovary": ({"C56"}, r"ovaire|ca 125"),
    "colorectal": ({"C18", "C20"}, r"côlon|colectomie|folfox\b|rectum"), "pancreas": ({"C25"}, r"pancréa|folfirinox"),
    "lung": ({"C34"}, r"poumon|pulmonaire|bronch|pémétrexed"), "prostate": ({"C61"}, r"prostate|psa\b"),
    "bladder": ({"C67"}, r"vessie|cystectomie"), "lymphoma": ({"C83"}, r"lymphome|r-chop"),
    "skin": ({"C43"}, r"cutanée|mélanome"),
}


@pytest.fixture(scope="module")
def world(template_db, postgres, tmp_path_factory):
    """The demo region and a 40-patient generated region around it."""
    with cloned_database(template_db, postgres, tmp_path_factory.mktemp("story")) as url:
        region.generate(url, sizes=SIZES, seed=11, progress=lambda _message: None)
        dbmod.dispose_engines()
        with Session(dbmod.get_engine(url), expire_on_commit=False) as db:
            yield url, db
            db.rollback()


def _category(code: str) -> str:
    return code.split(".")[0]


def _diagnoses(db: Session) -> dict[int, CancerDiagnosis]:
    return {row.patient_id: row for row in db.exec(select(CancerDiagnosis).order_by(CancerDiagnosis.id)).all()}


def _label(patient: Patient) -> str:
    return f"{patient.local_id} {patient.birth_family_name} {patient.used_first_name}"


def test_both_parts_of_the_region_are_checked(world):
    _url, db = world
    ids = db.exec(select(Patient.local_id)).all()
    assert sum(i.startswith("DEMO-") for i in ids) == 60 and sum(i.startswith("REG-") for i in ids) == SIZES.patients
    fiches = db.exec(select(Document.patient_id).where(Document.kind == "frcp")).all()
    programmes = db.exec(select(Document.patient_id).where(Document.kind == "pps")).all()
    region_ids = set(db.exec(select(Patient.id).where(Patient.local_id.startswith("REG-"))).all())
    assert {p for p in fiches if p in region_ids} and {p for p in programmes if p in region_ids}


def test_the_organ_rcp_matches_the_cim10_chapter(world):
    _url, db = world
    diagnoses = _diagnoses(db)
    wrong = []
    rows = db.exec(select(RcpCase, Rcp, Patient).join(RcpSession, RcpSession.id == RcpCase.session_id)
                   .join(Rcp, Rcp.id == RcpSession.rcp_id).join(Patient, Patient.id == RcpCase.patient_id)
                   .where(Rcp.kind == "organ")).all()
    assert rows
    for _case, board, patient in rows:
        diagnosis = diagnoses.get(patient.id)
        category = _category(diagnosis.icd10_code) if diagnosis else "aucun diagnostic"
        ranges = [RCP_CODES[code] for code in [board.appareil_code, *board.organ_codes.split()] if code in RCP_CODES]
        if not any(low <= category <= high for low, high in ranges):
            wrong.append(f"{_label(patient)} {category} discuté en {board.name}")
    assert sorted(set(wrong)) == []


def test_each_demo_rcp_meets_on_its_usual_day_and_registers_after_the_diagnosis(world):
    _url, db = world
    days = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi"]
    for board in db.exec(select(Rcp).where(Rcp.national_id.startswith("9901"))).all():
        starts = db.exec(select(RcpSession.starts_at).where(RcpSession.rcp_id == board.id)).all()
        assert {days[formatting.to_paris(start).weekday()] for start in starts} == {board.usual_schedule.split()[0]}, board.name
    diagnoses = _diagnoses(db)
    for case in db.exec(select(RcpCase).join(Patient, Patient.id == RcpCase.patient_id)
                        .where(Patient.local_id.startswith("DEMO-"))).all():
        assert diagnoses[case.patient_id].diagnosis_date < formatting.to_paris(case.created_at).date() < formatting.paris_today()


def test_the_programme_and_the_pathology_report_treat_that_tumour(world):
    _url, db = world
    diagnoses = _diagnoses(db)
    wrong = []
    for document, patient in db.exec(select(Document, Patient).join(Patient, Patient.id == Document.patient_id)
                                     .where(Document.kind.in_(["pps", "cr_acp"]))).all():
        category = _category(diagnoses[patient.id].icd10_code) if patient.id in diagnoses else ""
        content = documents.content_of(documents.version_row(db, document=document))
        if document.kind == "pps":
            text = " ".join([content.get("plan_summary", ""), *(item.get("title", "") for section in ("treatments", "follow_up")
                                                                  for item in content.get(section, []))])
        else:
            text = f"{document.title} {content.get('conclusion', '')}"
        for site, (categories, words) in SITE_WORDS.items():
            if category not in categories and re.search(words, text.lower()):
                wrong.append(f"{_label(patient)} {category} : {document.kind} parle de {site} ({text[:80]})")
    assert wrong == []


def test_care_team_specialties_fit_the_tumour(world):
    _url, db = world
    diagnoses = _diagnoses(db)
    wrong = []
    for membership, pro, patient in db.exec(
            select(CareTeamMembership, Professional, Patient).join(Professional, Professional.id == CareTeamMembership.professional_id)
            .join(Patient, Patient.id == CareTeamMembership.patient_id)
            .where(CareTeamMembership.team_role.in_(["surgeon", "organ_specialist"]))).all():
        category = _category(diagnoses[patient.id].icd10_code) if patient.id in diagnoses else ""
        expected = (SURGEONS if membership.team_role == "surgeon" else SPECIALISTS).get(category)
        if pro.specialty_code.removeprefix("G15_10/") != expected:
            wrong.append(f"{_label(patient)} {category} : {membership.team_role} {pro.specialty_code}")
    assert wrong == []


def test_demo_stories_named_by_their_first_readers(world):
    _url, db = world

    def stories(family: str, first: str) -> list[tuple[Patient, str, set[str], list[str]]]:
        shown = or_(Patient.used_family_name == family, and_(Patient.birth_family_name == family, Patient.used_family_name == ""))
        patients = db.exec(select(Patient).where(Patient.local_id.startswith("DEMO-"), shown, Patient.used_first_name == first)).all()
        assert patients, (family, first)
        found = []
        for patient in patients:
            fiches = db.exec(select(Document.title).where(Document.patient_id == patient.id, Document.kind == "frcp")).all()
            team = set(db.exec(select(Professional.specialty_code).join(CareTeamMembership, CareTeamMembership.professional_id == Professional.id)
                               .where(CareTeamMembership.patient_id == patient.id)).all())
            found.append((patient, _category(_diagnoses(db)[patient.id].icd10_code), team, fiches))
        return found

    [(simon, category, _team, fiches)] = stories("SIMON", "Catherine")
    assert category == "C34" and fiches and all("RCP thoracique" in title for title in fiches)
    pps = db.exec(select(Document).where(Document.patient_id == simon.id, Document.kind == "pps")).one()
    assert "FOLFOX" not in documents.content_of(documents.version_row(db, document=pps))["plan_summary"]
    for _denis, category, _team, fiches in stories("DENIS", "Martine"):
        assert category == "C18" and fiches and all("RCP digestive" in title for title in fiches)
    [(_dubois, category, team, _fiches)] = stories("DUBOIS", "Serge")
    assert category == "C34" and "G15_10/SM20" not in team


def test_each_fiche_is_signed_by_a_member_of_its_rcp_and_carries_its_cda(world):
    _url, db = world
    rows = db.exec(select(Document, RcpCase, RcpSession).join(RcpCase, RcpCase.document_id == Document.id)
                   .join(RcpSession, RcpSession.id == RcpCase.session_id).where(Document.kind == "frcp")).all()
    assert len(rows) == len(db.exec(select(Document.id).where(Document.kind == "frcp")).all()) > 0
    for document, _case, session in rows:
        version = documents.version_row(db, document=document)
        signer = db.get(Account, version.signed_by_account_id).professional_id
        assert db.get(RcpMember, (session.rcp_id, signer)) is not None, document.title
        assert "<ClinicalDocument" in documents.content_of(version)["cda"]


def test_dates_and_delays_fit_the_care_stage(world):
    _url, db = world
    today = formatting.paris_today()
    diagnoses = _diagnoses(db)
    wrong = []
    for patient in db.exec(select(Patient).where(or_(Patient.local_id.startswith("DEMO-"), Patient.local_id.startswith("REG-")))).all():
        diagnosis = diagnoses.get(patient.id)
        events = db.exec(select(PathwayEvent.kind, PathwayEvent.occurred_on).where(PathwayEvent.patient_id == patient.id)).all()
        first = {}
        for kind, day in sorted(events, key=lambda row: row[1]):
            first.setdefault(kind, day)
        diagnosed = diagnosis.diagnosis_date if diagnosis else None
        rcp = next((day for kind, day in sorted(events, key=lambda row: row[1])
                    if kind == "rcp_decision" and diagnosed and day >= diagnosed), None)
        handed = db.exec(select(PpsHandover.handed_over_on).join(Document, Document.id == PpsHandover.document_id)
                         .where(Document.patient_id == patient.id).order_by(PpsHandover.handed_over_on)).first()
        dates = quality.PathwayDates(diagnosis=diagnosed, rcp=rcp, treatment=first.get("treatment_start"), pps_handover=handed)
        delays = {delay.key: delay.status for delay in quality.delays(dates, today=today)}
        stage = patient.care_stage
        expected = {"suspicion": {}, "diagnosis": {"diagnosis_to_rcp": "waiting"},
                    "rcp": {"diagnosis_to_rcp": "done"}, "announcement": {"diagnosis_to_rcp": "done"},
                    "treatment": {"diagnosis_to_rcp": "done", "rcp_to_treatment": "done", "rcp_to_pps": "done"},
                    "follow_up": {"diagnosis_to_rcp": "done", "rcp_to_treatment": "done", "rcp_to_pps": "done"}}[stage]
        if stage in ("rcp", "announcement"):
            delays = {key: value for key, value in delays.items() if key == "diagnosis_to_rcp"}
        if delays != expected:
            wrong.append(f"{_label(patient)} ({stage}) : {delays}")
        if stage == "suspicion" and diagnosed is not None or stage != "suspicion" and diagnosed is None:
            wrong.append(f"{_label(patient)} ({stage}) : diagnostic du {diagnosed}")
        if (stage == "follow_up") != ("follow_up" in first) or (stage == "follow_up" and first["follow_up"] < first["treatment_start"]):
            wrong.append(f"{_label(patient)} ({stage}) : surveillance {first.get('follow_up')}")
    assert wrong == []


def test_the_gps_news_are_recent(world):
    """A notification about a document carries the document's date; what is months old was read long ago."""
    _url, db = world
    rows = db.exec(select(Notification.created_at, Notification.read_at, Document.updated_at)
                   .join(Document, Document.id == Notification.document_id)
                   .join(Patient, Patient.id == Document.patient_id).where(Patient.local_id.startswith("DEMO-"))).all()
    assert rows
    now = utcnow()
    for created, read, written in rows:
        assert created == written
        assert read is not None or now - written.replace(tzinfo=UTC) <= timedelta(days=21)


def test_every_calendar_stays_within_its_programme(world):
    _url, db = world
    programmes = db.exec(select(Document).where(Document.kind == "pps")).all()
    assert programmes
    for document in programmes:
        content = documents.content_of(documents.version_row(db, document=document))
        planned = pc.planned_events(content)
        for detailed in (False, True):
            calendar = icalendar.Calendar.from_ical(pps_calendar.calendar_text(document, content, detailed=detailed))
            events = calendar.walk("VEVENT")
            assert len(events) == len(planned)
            for event, step in zip(sorted(events, key=lambda e: str(e.decoded("DTSTART"))),
                                   sorted(planned, key=lambda e: str(e.day if e.at is None else f"{e.day} {e.at}")), strict=True):
                start = event.decoded("DTSTART")
                if isinstance(start, date) and not hasattr(start, "hour"):
                    end = event.decoded("DTEND")
                    assert end - start == timedelta(days=1), (document.public_id, str(event["SUMMARY"]))
                    assert start == step.day and end <= (step.last_day or step.day) + timedelta(days=1)
                else:
                    assert event.decoded("DURATION") <= timedelta(hours=1) and start.date() == step.day
                    assert start.weekday() < 5, (document.public_id, str(event["SUMMARY"]), start)  # no care on Sundays


def test_every_document_of_the_generated_region_exports(world, tmp_path):
    url, db = world
    patients = db.exec(select(Patient).join(Document, Document.patient_id == Patient.id)
                       .where(Patient.local_id.startswith("REG-"), Document.kind.in_(["frcp", "pps"])).distinct()).all()
    assert patients
    exported = 0
    for patient in patients:
        for fmt in ("cda", "ics"):
            result = exports.export_patient(db, reference=patient.local_id, fmt=fmt, out_dir=tmp_path / fmt, operator="test")
            assert result.failed == [], result.failed
            exported += len(result.written)
    xml = sorted((tmp_path / "cda").glob("frcp-*.xml"))
    assert xml and exported >= len(xml)
    assert cda_validation.validate_frcp(xml[0].read_text(), profiles=False).ok
    assert sorted((tmp_path / "cda").glob("pps-*.xml")) and sorted((tmp_path / "ics").glob("*.ics"))
    reference = patients[0].local_id
    db.rollback()
    db.close()  # the command writes its audit events

    env = {**os.environ, "REFLEX_DB_URL": url}
    done = subprocess.run([sys.executable, "-m", "dcc_portal", "documents", "export", "--patient", reference,
                           "--format", "cda", "--out", str(tmp_path / "cli")], capture_output=True, text=True, env=env,
                          cwd=Path(__file__).resolve().parents[1], timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "document(s) exporté(s)" in done.stdout and list((tmp_path / "cli").glob("*.xml"))


def test_an_export_reports_a_document_it_cannot_produce_and_writes_the_others(world, tmp_path):
    _url, db = world
    fiche = db.exec(select(Document).join(Patient, Patient.id == Document.patient_id)
                    .where(Document.kind == "frcp", Patient.local_id.startswith("REG-"))).first()
    version = db.get(DocumentVersion, documents.version_row(db, document=fiche).id)  # damaged below, then rolled back
    stored = version.content_json
    content = json.loads(stored)
    del content["cda"]
    version.content_json = json.dumps(content)
    db.add(version)
    db.flush()
    try:
        patient = db.get(Patient, fiche.patient_id)
        result = exports.export_patient(db, reference=patient.local_id, fmt="cda", out_dir=tmp_path, operator="test")
        assert [line.split(" : ")[0] for line in result.failed] == [f"frcp:{fiche.public_id}"]
        assert "sans CDA" in result.failed[0]
    finally:
        db.rollback()
    assert db.get(DocumentVersion, version.id).content_json == stored
