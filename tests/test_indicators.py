"""Network indicators on a small hand-built world whose expected figures are counted here, by hand: the pathway of
new patients, the RCPs' sessions and fiches, the filters, small cells, and who may see which RCP."""

from __future__ import annotations

import functools
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from dcc_portal import db as dbmod
from dcc_portal.models import (
    Account,
    AuditAction,
    AuditEvent,
    AuditOutcome,
    CancerDiagnosis,
    Document,
    DocumentRead,
    DocumentVersion,
    EmergencyAccess,
    Notification,
    PathwayEvent,
    Patient,
    PatientOpposition,
    PpsHandover,
    Rcp,
    RcpAttendance,
    RcpCase,
    RcpMember,
    RcpSecretariat,
    RcpSession,
    Role,
    SharingSubmission,
)
from dcc_portal.services.access import audit
from dcc_portal.services.common.errors import AccessDenied, ValidationFailed
from dcc_portal.services.indicators import board_figures, export, pathway_figures, report, scope, summary
from dcc_portal.services.identity import sessions
from dcc_portal.services.record import downloads, notifications
from dcc_portal.services.indicators.definitions import count_text, percentile
from dcc_portal.services.indicators.sql import Filters
from tests import factories as f

NOW = datetime(2026, 4, 15, 10, 0, tzinfo=UTC)
Q1 = dict(date_from="2026-01-01", date_to="2026-03-31", now=NOW)
SURGEON, ONCOLOGIST, RADIOTHERAPIST, RADIOLOGIST = "G15_10/SM11", "G15_10/SM36", "G15_10/SM37", "G15_10/SM44"


def _session(db, rcp, day: date, status: str = "closed") -> RcpSession:
    starts = datetime(day.year, day.month, day.day, 13, 0, tzinfo=UTC)
    row = RcpSession(rcp_id=rcp.id, starts_at=starts, registration_deadline=starts - timedelta(days=2), status=status)
    db.add(row)
    db.flush()
    return row


def _case(db, session, patient, requester, *, status="registered", quorum=None, declared=None,
          created=datetime(2026, 1, 10, 9, 0, tzinfo=UTC)) -> RcpCase:
    row = RcpCase(session_id=session.id, patient_id=patient.id, requester_professional_id=requester.id,
                  reason="treatment_proposal", status=status, quorum_reached=quorum, created_at=created,
                  checklist_json=json.dumps(declared or {}))
    db.add(row)
    db.flush()
    return row


def _event(db, patient, kind: str, day: date):
    db.add(PathwayEvent(patient_id=patient.id, kind=kind, occurred_on=day, title=kind))


def _diagnosis(db, patient, code: str, day: date, **extra):
    db.add(CancerDiagnosis(patient_id=patient.id, icd10_code=code, diagnosis_date=day, clinical_phase="initial", **extra))


def _document(db, patient, kind: str, validated: datetime | None = None) -> Document:
    row = Document(patient_id=patient.id, kind=kind, title=kind, status="validated" if validated else "draft",
                   validated_at=validated, current_version=1)
    db.add(row)
    db.flush()
    return row


def _new_patient(db, board, session, requester, code, diagnosed, *, recorder, rcp=None, treatment=None, announced=False, pps=None):
    patient = f.patient(db)
    _diagnosis(db, patient, code, diagnosed)
    if board is not None:
        _case(db, session, patient, requester)
    if rcp:
        _event(db, patient, "rcp_decision", rcp)
    if treatment:
        _event(db, patient, "treatment_start", treatment)
    if announced:
        _event(db, patient, "announcement_medical", diagnosed + timedelta(days=3))
    if pps:
        document = _document(db, patient, "pps", datetime(2026, 1, 2, tzinfo=UTC))
        db.add(PpsHandover(document_id=document.id, version=1, handed_over_on=pps, handed_over_by_professional_id=requester.id,
                           recorded_by_account_id=recorder))
    return patient


@pytest.fixture
def world(db):
    f.publish_charter(db)
    north, south = f.organisation(db, "CHU Nord"), f.organisation(db, "CH Sud")
    doctor = f.professional(db, specialty=ONCOLOGIST, org=north)
    digestive = Rcp(national_id="RCP-DIG", name="RCP digestive", organisation_id=north.id, kind="organ",
                    appareil_code="53619000")
    thorax = Rcp(national_id="RCP-THO", name="RCP thorax", organisation_id=south.id, kind="organ", appareil_code="20139000")
    db.add_all([digestive, thorax])
    db.flush()
    # Sessions to come hold the pathway patients' registrations: they attach them to an RCP without being counted
    # among the sessions held.
    later_a, later_b = _session(db, digestive, date(2026, 4, 20), "planned"), _session(db, thorax, date(2026, 4, 21), "planned")
    d = date
    admin, _ = f.account(db, role=Role.ADMIN)
    _pathway = functools.partial(_new_patient, recorder=admin.id)
    _pathway(db, digestive, later_a, doctor, "C18.9", d(2026, 1, 5), rcp=d(2026, 1, 20), treatment=d(2026, 2, 10),
             announced=True, pps=d(2026, 1, 25))
    _pathway(db, digestive, later_a, doctor, "C18.7", d(2026, 1, 10), rcp=d(2026, 2, 20), treatment=d(2026, 4, 10),
             announced=True, pps=d(2026, 3, 10))
    _pathway(db, digestive, later_a, doctor, "C50.4", d(2026, 2, 1), rcp=d(2026, 2, 15), treatment=d(2026, 2, 5))
    _pathway(db, digestive, later_a, doctor, "C50.9", d(2026, 2, 3), rcp=d(2026, 2, 24), announced=True, pps=d(2026, 3, 1))
    _pathway(db, digestive, later_a, doctor, "C34.1", d(2026, 3, 1), rcp=d(2026, 3, 10), treatment=d(2026, 3, 20),
             announced=True, pps=d(2026, 3, 12))
    _pathway(db, thorax, later_b, doctor, "C34.2", d(2026, 3, 2), rcp=d(2026, 3, 30), treatment=d(2026, 4, 1))
    _pathway(db, digestive, later_a, doctor, "C18.0", d(2025, 12, 15), rcp=d(2026, 1, 8))  # diagnosed before the period
    relapse = _pathway(db, digestive, later_a, doctor, "C20", d(2026, 1, 20), rcp=d(2026, 1, 28))
    _diagnosis(db, relapse, "C20", d(2025, 6, 1))  # a first cancer earlier: not a new patient in the period
    _pathway(db, None, None, doctor, "C61", d(2026, 1, 25), treatment=d(2026, 2, 1))  # treated without any RCP

    # Sessions held: three of the digestive RCP (one without cases), one of the thoracic RCP; one cancelled.
    s1, s2 = _session(db, digestive, d(2026, 1, 20)), _session(db, digestive, d(2026, 2, 20))
    _session(db, digestive, d(2026, 3, 10))
    _session(db, digestive, d(2026, 3, 25), "cancelled")
    _session(db, thorax, d(2026, 3, 30))
    for specialty in (SURGEON, ONCOLOGIST, RADIOTHERAPIST):  # s1: quorum by the RCP rule
        db.add(RcpAttendance(session_id=s1.id, professional_id=f.professional(db, specialty=specialty).id, specialty_code=specialty))
    for specialty in (ONCOLOGIST, RADIOLOGIST):  # s2: two specialties, no surgeon
        db.add(RcpAttendance(session_id=s2.id, professional_id=f.professional(db, specialty=specialty).id, specialty_code=specialty))
    gp = f.professional(db, specialty="G15_10/SM54")
    gp_account, _ = f.account(db, role=Role.GP, professional=gp)
    other_account, _ = f.account(db, role=Role.CLINICIAN, professional=doctor)
    full = {"patient_informed": True, "imaging_reviewed": True}
    cases = []
    for n in range(4):
        patient = f.patient(db, gp=gp if n < 3 else None)
        _diagnosis(db, patient, "C18.9", d(2025, 6, 1), morphology_code="8140/3", tnm_t="T2", who_performance_status=0)
        cases.append(_case(db, s1, patient, doctor, status="discussed", declared=full))
    c5 = _case(db, s1, f.patient(db), doctor, status="recorded")
    _case(db, s1, f.patient(db), doctor, status="withdrawn")
    _case(db, s2, f.patient(db), doctor, status="discussed")
    _case(db, s2, f.patient(db), doctor, status="discussed", quorum=True)  # the snapshot taken at discussion wins
    _document(db, db.get(Patient, cases[0].patient_id), "cr_acp", datetime(2026, 1, 5, tzinfo=UTC))
    _document(db, db.get(Patient, cases[1].patient_id), "cr_acp", datetime(2026, 1, 15, tzinfo=UTC))
    signatures = {0: s1.starts_at + timedelta(days=2), 1: s1.starts_at + timedelta(days=10), 2: s1.starts_at + timedelta(days=7)}
    for index, when in signatures.items():
        fiche = _document(db, db.get(Patient, cases[index].patient_id), "frcp", when)
        cases[index].document_id = fiche.id
        db.add(DocumentVersion(document_id=fiche.id, version=1, sha256="0" * 64, signed_at=when))
    fiche5 = _document(db, db.get(Patient, c5.patient_id), "frcp", s1.starts_at + timedelta(days=1))
    c5.document_id = fiche5.id
    db.add(DocumentVersion(document_id=fiche5.id, version=1, sha256="0" * 64, signed_at=s1.starts_at + timedelta(days=1)))
    c5_patient = db.get(Patient, c5.patient_id)
    c5_patient.dmp_opposed_at = NOW
    db.add_all([*cases, c5, c5_patient])
    db.flush()
    db.add(Notification(account_id=gp_account.id, kind="rcp_decision", title="fiche", document_id=cases[0].document_id))
    db.add(Notification(account_id=other_account.id, kind="rcp_decision", title="fiche", document_id=cases[1].document_id))
    db.add(PatientOpposition(patient_id=cases[2].patient_id, professional_id=gp.id))
    db.add(SharingSubmission(document_id=cases[0].document_id, document_version=1, patient_id=cases[0].patient_id,
                             status="acknowledged", unique_id="u1", entry_uuid="e1", submission_set_uuid="s1"))
    db.add(SharingSubmission(document_id=cases[1].document_id, document_version=1, patient_id=cases[1].patient_id,
                             status="pending", unique_id="u2", entry_uuid="e2", submission_set_uuid="s2"))
    secretary_pro = f.professional(db, specialty="SECRETARY")
    db.add(RcpSecretariat(rcp_id=thorax.id, professional_id=secretary_pro.id))
    secretary, _ = f.account(db, role=Role.RCP_SECRETARY, professional=secretary_pro)
    coordinator_pro = f.professional(db, specialty=ONCOLOGIST)
    db.add(RcpMember(rcp_id=digestive.id, professional_id=coordinator_pro.id, is_coordinator=True))
    coordinator, _ = f.account(db, role=Role.CLINICIAN, professional=coordinator_pro)
    nurse, _ = f.account(db, role=Role.NURSE, professional=f.professional(db, specialty="SM_NURSE"))
    db.flush()
    return {"db": db, "digestive": digestive, "thorax": thorax, "north": north, "south": south,
            "admin": f.actor_for(db, admin), "secretary": f.actor_for(db, secretary),
            "coordinator": f.actor_for(db, coordinator), "nurse": f.actor_for(db, nurse),
            "clinician": f.actor_for(db, other_account)}


def _filters(**extra) -> Filters:
    return Filters(date(2026, 1, 1), date(2026, 3, 31), **extra)


def _totals(rows) -> dict:
    keys = ("new", "treated", "rcp_before_treatment", "announced", "with_rcp", "pps")
    return {key: sum(getattr(row, key) for row in rows) for key in keys}


def _figure(result, key):
    return next(figure for figure in result.figures if figure.key == key)


def test_pathway_counts_new_patients_of_the_period_only(world):
    db = world["db"]
    # New: the five of the digestive RCP, the thoracic one and the one treated without RCP (7). Not new: diagnosed
    # in December, and the patient whose first cancer was in 2025. Treated: all but the one awaiting treatment (6);
    # presented before treatment: the two colon cancers, the C34.1 and the thoracic one (4; the C50.4 was treated
    # on 5 Feb, before its RCP of 15 Feb). Announced: 4. With an RCP decision: 6, of whom 4 received their PPS.
    assert _totals(pathway_figures.counts(db, _filters())) == {
        "new": 7, "treated": 6, "rcp_before_treatment": 4, "announced": 4, "with_rcp": 6, "pps": 4}
    by_month = {row.month: 0 for row in pathway_figures.counts(db, _filters())}
    assert sorted(by_month) == ["2026-01", "2026-02", "2026-03"]


def test_pathway_filters_by_rcp_establishment_and_site(world):
    db = world["db"]
    assert _totals(pathway_figures.counts(db, _filters(rcp_id=world["thorax"].id)))["new"] == 1
    assert _totals(pathway_figures.counts(db, _filters(organisation_id=world["north"].id)))["new"] == 5
    digestive_site = _totals(pathway_figures.counts(db, _filters(site="C15-C26")))
    assert digestive_site["new"] == 2 and digestive_site["announced"] == 2
    assert _totals(pathway_figures.counts(db, _filters(site="C30-C39"))) ["new"] == 2
    assert _totals(pathway_figures.counts(db, _filters(visible=frozenset({world["thorax"].id}))))["new"] == 1


def test_delays_as_distributions_with_the_quality_targets(world):
    db = world["db"]
    histograms = pathway_figures.delay_histograms(db, _filters())
    diagnosis_to_rcp = sorted(days for _m, _r, days, n in histograms["diagnosis_to_rcp"] for _ in range(n))
    assert diagnosis_to_rcp == [9, 14, 15, 21, 28, 41]
    # Only the patients presented before their treatment: 21, 49, 10 and 2 days.
    assert sorted(days for _m, _r, days, _n in histograms["rcp_to_treatment"]) == [2, 10, 21, 49]
    assert sorted(days for _m, _r, days, _n in histograms["rcp_to_pps"]) == [2, 5, 5, 18]
    result = report.indicators(db, actor=world["admin"], **Q1)
    delay = _figure(result, "diagnosis_to_rcp")
    # Nearest rank: the 3rd of 6 values is the median, the 6th the 90th percentile; 5 of 6 within 28 days.
    assert (delay.value, delay.text) == (15.0, "médiane 15 j")
    assert delay.detail == "90e percentile 41 j · 83,3 % dans l'objectif · 6 patients"
    assert delay.target == "4 semaines au plus" and delay.met == "oui"
    # Four patients: too few to show a distribution.
    assert _figure(result, "rcp_to_treatment").text == "effectif < 5"
    assert _figure(result, "rcp_to_treatment").detail == "< 5 patients"


def test_pathway_rates_shown_to_the_administrator(world):
    result = report.indicators(world["db"], actor=world["admin"], **Q1)
    first = _figure(result, "rcp_before_treatment")
    assert (first.value, first.text, first.detail, first.met) == (66.7, "66,7 %", "< 5 sur 6", "non")
    announced = _figure(result, "announcement")
    assert (announced.value, announced.detail) == (57.1, "< 5 sur 7")
    assert _figure(result, "pps_handover").value == 66.7
    # Breakdown by RCP: the thoracic RCP and the patient without RCP each hold too few patients to show a rate.
    shares = {share.name: share.value for share in announced.breakdown}
    assert shares == {"RCP digestive": "80,0 %", "RCP thorax": "effectif < 5", "Sans inscription en RCP": "effectif < 5"}
    # The patient without RCP has no RCP decision: no line for him in the breakdown of the PPS handovers.
    assert [share.name for share in _figure(result, "pps_handover").breakdown] == ["RCP digestive", "RCP thorax"]
    assert [point.month for point in announced.trend] == ["01/2026", "02/2026", "03/2026"]
    # Every month of the period has its point, those without any case too.
    result = report.indicators(world["db"], actor=world["admin"], date_from="2025-11-01", date_to="2026-01-31", now=NOW)
    assert [(p.month, p.text) for p in _figure(result, "sessions_held").trend] == [
        ("11/2025", "0"), ("12/2025", "0"), ("01/2026", "1")]
    # November: nobody; December: the patient diagnosed on 15 December is new in this period.
    assert [p.text for p in _figure(result, "announcement").trend] == ["aucun cas", "effectif < 5", "effectif < 5"]


def test_rcp_sessions_quorum_signatures_and_sending(world):
    db = world["db"]
    sessions = board_figures.session_counts(db, _filters())
    assert len(sessions) == 4  # the cancelled and the planned sessions are not held
    totals = {key: sum(getattr(s, key) for s in sessions) for key in (
        "registered", "complete", "decided", "discussed", "quorum", "signed", "signed_in_time", "with_gp",
        "sent_to_gp", "gp_refused", "sent_to_dmp", "dmp_refused")}
    assert totals == {
        "registered": 7,  # the withdrawn case is not counted
        "complete": 1,  # the second full checklist had its CR-ACP validated after the registration
        "decided": 7, "discussed": 6,
        "quorum": 5,  # four in the session whose attendance meets the rule, one snapshot in the other
        "signed": 4, "signed_in_time": 3,  # 2 days, 7 days and 1 day in time; 10 days late
        "with_gp": 3, "sent_to_gp": 1, "gp_refused": 1,
        "sent_to_dmp": 1, "dmp_refused": 1,
    }
    result = report.indicators(db, actor=world["admin"], **Q1)
    quorum = _figure(result, "quorum")
    assert (quorum.text, quorum.detail, quorum.target, quorum.met) == ("83,3 %", "5 sur 6", "100 %", "non")
    assert _figure(result, "signed_within_7_days").text == "42,9 %"
    assert _figure(result, "sessions_held").text == "4"  # sessions are not patients: no small-cell rule
    assert _figure(result, "cases_per_session").text == "1,8"  # 7 cases in 4 sessions
    assert len(board_figures.session_counts(db, _filters(rcp_id=world["thorax"].id))) == 1
    # Only the first session handled colon cancers (the cases of the second have no diagnosis recorded).
    assert [s.registered for s in board_figures.session_counts(db, _filters(site="C15-C26"))] == [4]


def test_secretary_sees_only_the_rcps_she_runs(world):
    db = world["db"]
    result = report.indicators(db, actor=world["secretary"], **Q1)
    assert [option.label for option in result.rcps] == ["RCP thorax"]
    assert [option.label for option in result.establishments] == ["CH Sud"]
    assert _figure(result, "announcement").detail == "0 sur < 5"
    assert [share.name for share in _figure(result, "announcement").breakdown] == ["RCP thorax"]
    coordinator = report.indicators(db, actor=world["coordinator"], **Q1)
    assert [option.label for option in coordinator.rcps] == ["RCP digestive"]
    assert _figure(coordinator, "announcement").text == "80,0 %"


def test_another_rcps_figures_are_refused_and_audited(world):
    db = world["db"]
    with pytest.raises(AccessDenied):
        report.indicators(db, actor=world["secretary"], rcp_public_id=world["digestive"].public_id, **Q1)
    denied = db.exec(select(AuditEvent).where(AuditEvent.account_id == world["secretary"].account_id,
                                              AuditEvent.outcome == AuditOutcome.DENIED)).all()
    assert any(world["digestive"].public_id in event.detail for event in denied)
    with pytest.raises(AccessDenied):
        report.indicators(db, actor=world["nurse"], **Q1)
    assert db.exec(select(AuditEvent).where(AuditEvent.account_id == world["nurse"].account_id,
                                            AuditEvent.outcome == AuditOutcome.DENIED)).first() is not None


def test_the_area_is_offered_to_whom_the_service_shows_figures(world):
    db = world["db"]
    # The menu shows Indicateurs when `may_read` says so: a clinician sitting in no RCP as coordinator is not offered
    # the link, and the figures are refused to him (audited) as they are to a nurse.
    offered = {name: scope.may_read(db, actor=world[name]) for name in ("admin", "secretary", "coordinator", "clinician", "nurse")}
    assert offered == {"admin": True, "secretary": True, "coordinator": True, "clinician": False, "nurse": False}
    # Page loads read the same answer, and the badge's count, with the session check (one statement).
    header = (notifications.unread_column(Account.id), *scope.offered_columns(Account.professional_id))
    db.add(Notification(account_id=world["secretary"].account_id, kind="document", title="Nouveau document"))
    db.flush()
    for name, expected in offered.items():
        token = sessions.open_session(db, account_id=world[name].account_id, client_ip="127.0.0.1")
        actor, (unread, *runs_rcps) = sessions.resolve_with(db, header, token=token)
        assert scope.offered(actor.role, runs_rcps) == expected, name
        assert unread == notifications.unread_count(db, actor=actor) >= (name == "secretary"), name
    with pytest.raises(AccessDenied):
        report.indicators(db, actor=world["clinician"], **Q1)
    denied = db.exec(select(AuditEvent).where(AuditEvent.account_id == world["clinician"].account_id,
                                              AuditEvent.outcome == AuditOutcome.DENIED)).all()
    assert [event.detail for event in denied] == ["indicateurs du réseau : ni secrétariat ni coordination de RCP"]
    assert report.indicators(db, actor=world["coordinator"], **Q1).perimeter == "1 RCP dont vous avez la charge"


def test_reading_is_audited_and_bad_filters_refused(world):
    db = world["db"]
    report.indicators(db, actor=world["admin"], rcp_public_id=world["thorax"].public_id, site="C30-C39", **Q1)
    db.commit()
    read = db.exec(select(AuditEvent).where(AuditEvent.account_id == world["admin"].account_id,
                                            AuditEvent.action == AuditAction.READ)).all()
    assert any("site=C30-C39" in event.detail and event.patient_id is None for event in read)
    with pytest.raises(ValidationFailed) as refused:
        report.indicators(db, actor=world["admin"], date_from="2026-03-31", date_to="2026-01-01", now=NOW)
    assert refused.value.errors == {"date_to": "La fin de la période précède son début."}
    with pytest.raises(ValidationFailed) as refused:
        report.indicators(db, actor=world["admin"], site="Z99", **Q1)
    assert "site" in refused.value.errors


def _download(db, url: str) -> list[list[str]]:
    payload, inline = downloads.redeem(db, ticket=url.removeprefix(downloads.URL_PREFIX), now=NOW)
    assert not inline and payload.mime_type.startswith("text/csv")
    text = payload.data.decode("utf-8-sig")
    return [line.split(";") for line in text.split("\r\n")]


def test_csv_export_is_what_the_page_shows_and_is_audited(world):
    db = world["db"]
    filters = dict(rcp_public_id=world["digestive"].public_id, organisation_public_id=world["north"].public_id,
                   site="C15-C26", **Q1)
    shown = report.indicators(db, actor=world["coordinator"], **filters)
    lines = _download(db, export.issue(db, actor=world["coordinator"], **filters))
    assert lines[:6] == [["Indicateurs du réseau"], ["Période", "du 01/01/2026 au 31/03/2026"],
                         ["Périmètre", "1 RCP dont vous avez la charge"], ["RCP", "RCP digestive"],
                         ["Établissement", "CHU Nord"], ["Localisation tumorale (CIM-10)", "C15-C26 · " + shown.shown_filters[4][1][10:]]]
    # One line per figure as on its card, then each figure's trend and breakdown tables.
    header = lines.index(["Indicateur", "Valeur", "Détail", "Objectif", "Objectif atteint"])
    assert [line[:3] for line in lines[header + 1:header + 1 + len(shown.figures)]] == [
        [figure.label, figure.text, figure.detail] for figure in shown.figures]
    announcement = _figure(shown, "announcement")
    assert announcement.detail == "< 5 sur < 5"  # two colon cancers: small cells, as on screen
    trend = lines.index([f"Tendance mensuelle : {announcement.label}"])
    assert lines[trend + 1:trend + 5] == [["Mois", "Valeur"], *[[p.month, p.text] for p in announcement.trend]]
    breakdown = lines.index([f"Répartition par RCP : {announcement.label}"])
    assert lines[breakdown + 2] == ["RCP digestive", "effectif < 5", "< 5"]
    db.commit()
    exported = db.exec(select(AuditEvent).where(AuditEvent.account_id == world["coordinator"].account_id,
                                                AuditEvent.action == AuditAction.EXPORT)).all()
    assert [(event.patient_id, event.outcome) for event in exported] == [(None, AuditOutcome.SUCCESS)]
    assert exported[0].detail == (f"export CSV des indicateurs du réseau 2026-01-01..2026-03-31 "
                                  f"rcp={world['digestive'].public_id} établissement={world['north'].public_id} site=C15-C26")


def test_csv_export_keeps_the_readers_perimeter(world):
    db = world["db"]
    # No ticket for another RCP's figures; a ticket whose reader lost the RCP meanwhile gives nothing either.
    with pytest.raises(AccessDenied):
        export.issue(db, actor=world["secretary"], rcp_public_id=world["digestive"].public_id, **Q1)
    url = export.issue(db, actor=world["coordinator"], **Q1)
    member = db.exec(select(RcpMember).where(RcpMember.professional_id == world["coordinator"].professional_id)).one()
    db.delete(member)
    db.flush()
    with pytest.raises(AccessDenied):
        _download(db, url)
    db.commit()
    assert not db.exec(select(AuditEvent).where(AuditEvent.account_id == world["coordinator"].account_id,
                                                AuditEvent.action == AuditAction.EXPORT,
                                                AuditEvent.outcome == AuditOutcome.SUCCESS)).all()


SUMMARY_FILTERS = [
    {}, {"site": "C15-C26"}, {"site": "C30-C39"}, {"site": "C61"}, {"rcp_id": "digestive"}, {"organisation_id": "south"},
    {"visible": "thorax"}, {"rcp_id": "digestive", "site": "C15-C26"}, {"date_from": date(2026, 2, 3)},
    {"date_from": date(2025, 12, 1), "date_to": date(2026, 1, 20)},
]


def _resolved(world, extra: dict) -> Filters:
    values = dict(extra)
    for name in ("rcp_id", "organisation_id"):
        if name in values:
            values[name] = world[values[name]].id
    if "visible" in values:
        values["visible"] = frozenset({world[values["visible"]].id})
    if values.get("site") == "C61":
        values["site"] = "C60-C63"
    return Filters(values.pop("date_from", date(2026, 1, 1)), values.pop("date_to", date(2026, 3, 31)), **values)


def test_summary_tables_give_the_figures_counted_from_the_record(world):
    db = world["db"]
    names = {world["digestive"].id: "RCP digestive", world["thorax"].id: "RCP thorax"}
    summary.refresh(db, today=date(2026, 4, 15), now=NOW)
    for extra in SUMMARY_FILTERS:
        filters = _resolved(world, extra)
        assert report.compute(db, filters, names, summarised=True) == report.compute(db, filters, names), extra
    # The page reads the summaries once they exist and says how fresh they are.
    result = report.indicators(db, actor=world["admin"], **{**Q1, "now": NOW + timedelta(minutes=7)})
    assert result.freshness == "à jour il y a 7 min"
    assert _figure(result, "quorum").detail == "5 sur 6" and _figure(result, "announcement").detail == "< 5 sur 7"


def test_a_window_refresh_recounts_what_changed_in_the_window(world):
    db = world["db"]
    summary.refresh(db, today=date(2026, 4, 15), now=NOW)
    # A patient of the thoracic RCP gets his announcement consultation, and a session is cancelled afterwards.
    thoracic = db.exec(select(RcpCase.patient_id).join(RcpSession, RcpSession.id == RcpCase.session_id)
                       .where(RcpSession.rcp_id == world["thorax"].id, RcpSession.status == "planned")).first()
    db.add(PathwayEvent(patient_id=thoracic, kind="announcement_medical", occurred_on=date(2026, 3, 5), title="annonce"))
    held = db.exec(select(RcpSession).where(RcpSession.rcp_id == world["thorax"].id, RcpSession.status == "closed")).one()
    held.status = "cancelled"
    db.add(held)
    db.flush()
    names = {world["digestive"].id: "RCP digestive", world["thorax"].id: "RCP thorax"}
    stale = report.compute(db, _filters(), names, summarised=True)
    assert _figure_of(stale, "sessions_held").text == "4"
    state = summary.refresh(db, today=date(2026, 4, 15), now=NOW + timedelta(minutes=5))
    assert state.window_from == date(2026, 4, 15) - timedelta(days=summary.WINDOW_DAYS)
    fresh = report.compute(db, _filters(), names, summarised=True)
    assert fresh == report.compute(db, _filters(), names)
    assert _figure_of(fresh, "sessions_held").text == "3"
    assert _figure_of(fresh, "announcement").detail == "5 sur 7"


def test_the_periodic_job_fills_the_summaries_site_by_site(world, db_url, monkeypatch):
    db = world["db"]
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    names = {world["digestive"].id: "RCP digestive", world["thorax"].id: "RCP thorax"}
    assert summary.state(db) is None  # until the job has run, the page counts from the record
    db.commit()  # the job's own transactions write (SQLite: one writer at a time)
    summary.refresh_in_new_session()
    db.expire_all()
    first = summary.state(db)
    assert first is not None and first.window_from == summary.EARLIEST
    for extra in ({}, {"site": "C15-C26"}, {"rcp_id": "thorax"}):
        filters = _resolved(world, extra)
        assert report.compute(db, filters, names, summarised=True) == report.compute(db, filters, names), extra
    db.commit()
    summary.refresh_in_new_session()  # another process just refreshed: nothing to do
    db.expire_all()
    assert summary.state(db).refreshed_at == first.refreshed_at


def test_the_periodic_job_is_not_run_twice_at_once(world, db_url, monkeypatch):
    """Every worker of every instance starts the job when the portal starts: one recounts, the others leave it."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a portal on SQLite is one process")
    db = world["db"]
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    db.commit()
    with dbmod.get_engine(db_url).connect() as other_process:
        other_process.execute(text("SELECT pg_advisory_lock(:key)"), {"key": summary.JOB_KEY})
        summary.refresh_in_new_session()
        db.expire_all()
        assert summary.state(db) is None
        other_process.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": summary.JOB_KEY})
        other_process.commit()
    summary.refresh_in_new_session()
    db.expire_all()
    assert summary.state(db) is not None


def _figure_of(figures, key):
    return next(figure for figure in figures if figure.key == key)


def test_small_cells_and_percentiles():
    assert [count_text(n) for n in (0, 1, 4, 5, 12345)] == ["0", "< 5", "< 5", "5", "12\u202f345"]
    assert percentile({3: 2, 10: 2}, 0.5) is None  # four cases
    assert percentile({1: 1, 2: 1, 3: 1, 4: 1, 100: 1}, 0.5) == 3
    assert percentile({1: 1, 2: 1, 3: 1, 4: 1, 100: 1}, 0.9) == 100


def test_use_of_the_portal_for_the_administrator_only_with_small_cells(world):
    """Hand-counted: in Q1, 6 GP logins by 2 GPs, 1 clinician login (and one in April, outside), a failed login and a
    patient's login that do not count; 5 documents opened by one GP in Q1 (one more in April); 1 emergency access."""
    db = world["db"]
    gps = [f.account(db, role=Role.GP, professional=f.professional(db, specialty="G15_10/SM54"))[0] for _ in range(2)]
    clinician = world["clinician"]
    logins = [(gps[0], "2026-01-05"), (gps[0], "2026-01-20"), (gps[0], "2026-02-03"), (gps[0], "2026-02-17"),
              (gps[1], "2026-02-10"), (gps[1], "2026-03-30")]
    for account, day in logins:
        audit.record(db, action=AuditAction.LOGIN, account_id=account.id, actor_role=Role.GP,
                     at=datetime.fromisoformat(f"{day}T08:30:00+00:00"))
    audit.record(db, action=AuditAction.LOGIN, account_id=clinician.account_id, actor_role=Role.CLINICIAN,
                 at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    audit.record(db, action=AuditAction.LOGIN, account_id=clinician.account_id, actor_role=Role.CLINICIAN,
                 at=datetime(2026, 4, 2, 8, 0, tzinfo=UTC))
    audit.record(db, action=AuditAction.LOGIN_FAILED, outcome=AuditOutcome.DENIED, account_id=gps[1].id,
                 actor_role=Role.GP, at=datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    patient_account, _ = f.account(db, role=Role.PATIENT, patient=f.patient(db))
    audit.record(db, action=AuditAction.LOGIN, account_id=patient_account.id, actor_role=Role.PATIENT,
                 at=datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    patient = f.patient(db)
    documents = [_document(db, patient, "imaging", validated=datetime(2026, 1, 20, tzinfo=UTC)) for _ in range(6)]
    for number, document in enumerate(documents):
        read = datetime(2026, 4, 1, 9, 0, tzinfo=UTC) if number == 5 else datetime(2026, 2, 1 + number, 9, 0, tzinfo=UTC)
        db.add(DocumentRead(account_id=gps[0].id, document_id=document.id, version=1, read_at=read))
    db.add(EmergencyAccess(patient_id=patient.id, professional_id=f.professional(db).id, account_id=clinician.account_id,
                           reason="Urgence : patient inconscient aux urgences", started_at=datetime(2026, 3, 8, tzinfo=UTC),
                           expires_at=datetime(2026, 3, 8, 12, tzinfo=UTC)))
    db.commit()  # the audit events are written with the transaction

    result = report.indicators(db, actor=world["admin"], **Q1)
    active = _figure(result, "active_professionals")
    assert (active.text, active.breakdown_by) == ("< 5", "Profil")  # 3 accounts: two GPs and one clinician
    assert [(share.name, share.value) for share in active.breakdown] == [
        ("Médecins généralistes", "< 5"), ("Médecins hospitaliers", "< 5")]
    gp_logins = _figure(result, "gp_logins")
    assert (gp_logins.text, gp_logins.detail) == ("6", "< 5 médecins généralistes")
    assert [(p.month, p.text) for p in gp_logins.trend] == [("01/2026", "< 5"), ("02/2026", "< 5"), ("03/2026", "< 5")]
    reads = _figure(result, "gp_document_reads")
    assert (reads.value, reads.text) == (5.0, "5")
    assert [p.text for p in reads.trend] == ["0", "5", "0"]
    emergency = _figure(result, "emergency_accesses")
    assert (emergency.text, [s.name for s in emergency.breakdown]) == ("< 5", ["Médecins hospitaliers"])
    # Neither a secretariat nor a coordinator sees the use of the portal; the CSV carries what the page shows.
    assert not any(figure.family == "use" for figure in report.indicators(db, actor=world["secretary"], **Q1).figures)
    assert not any(figure.family == "use" for figure in report.indicators(db, actor=world["coordinator"], **Q1).figures)
    lines = export.rows(result)
    assert ["Connexions des médecins généralistes", "6", "< 5 médecins généralistes", "", ""] in lines
    assert ["Répartition par profil : Professionnels actifs"] in lines
    # The same figures from the summary the periodic job keeps (logins by month and account).
    summary.refresh(db, today=NOW.date(), now=NOW, rebuild=True)
    assert report.indicators(db, actor=world["admin"], **Q1).figures[-4:] == result.figures[-4:]
