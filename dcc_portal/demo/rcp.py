"""Demo RCP directory, sessions (past and upcoming), registered and decided cases with signed fiches.

Idempotent: nothing happens when the directory already has the demo RCPs. All fictitious.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from dcc_portal.models import (
    Account,
    CancerDiagnosis,
    CareTeamMembership,
    Organisation,
    Patient,
    Professional,
    Rcp,
    RcpAttendance,
    RcpCase,
    RcpCaseStatus,
    RcpKind,
    RcpMember,
    RcpSecretariat,
    RcpSession,
    RcpSessionStatus,
    Role,
    utcnow,
)
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.rcp import fiche as frcp
from dcc_portal.services.rcp import rules as rcp_rules
from dcc_portal.services.record import pathway

NETWORK_ID = "9901"

# name, national id, organisation key, kind, appareil, organs, transversal, coordinator, members, quorum, weekday, hour
DEMO_RCPS = [
    ("RCP digestive", "99010001", "chu", RcpKind.ORGAN, "86762007", ["MED-251", "69695003", "15776009"], "",
     "onco.moreau", ["chir.lambert", "radiotherapie.blanc", "anapath.chevalier", "gastro.masson", "radiologie.mercier",
                     "onco.girard", "sec.roux", "sec.leclerc"],
     ["G15_10/SM36", "G15_10/SM14", "G15_10/SM37", "G15_10/SM24", "G15_10/SM01", "G15_10/SM44"], 1, 13),
    ("RCP sein et gynécologie", "99010002", "clcc", RcpKind.ORGAN, "76752008", ["76752008", "15497006", "71252005"], "",
     "onco.benali", ["chir.rousseau", "radiotherapie.blanc", "anapath.chevalier", "radiologie.mercier", "onco.moreau", "sec.roux"],
     [], 3, 12),
    ("RCP thoracique", "99010003", "chu", RcpKind.ORGAN, "312419003", ["MED-255", "3120008"], "",
     "onco.girard", ["chir.nguyen", "pneumo.fontaine", "radiotherapie.blanc", "anapath.chevalier", "radiologie.mercier", "sec.leclerc"],
     [], 2, 14),
    ("RCP hématologie", "99010004", "chu", RcpKind.ORGAN, "57171008", [], "",
     "hemato.perrin", ["anapath.chevalier", "radiotherapie.blanc", "onco.girard", "sec.leclerc"], [], 4, 11),
    ("RCP oncogériatrie", "99010005", "clcc", RcpKind.TRANSVERSAL, "", [], "ORG-130",
     "onco.moreau", ["onco.benali", "gastro.masson", "ide.petit", "sec.roux"], [], 4, 16),
]

DIAGNOSES = [
    ("C18.9", "Tumeur maligne du côlon, sans précision", "8140/3", "Adénocarcinome SAI", "3", "1", "0", "screening"),
    ("C50.9", "Tumeur maligne du sein, sans précision", "8500/3", "Carcinome canalaire infiltrant SAI", "2", "0", "0", "screening"),
    ("C34.9", "Tumeur maligne des bronches ou du poumon, sans précision", "8140/3", "Adénocarcinome SAI", "2", "2", "0", "symptoms"),
    ("C83.3", "Lymphome diffus à grandes cellules B", "9680/3", "Lymphome malin diffus à grandes cellules B, SAI", "", "", "", "symptoms"),
    ("C25.9", "Tumeur maligne du pancréas, sans précision", "8140/3", "Adénocarcinome SAI", "2", "0", "0", "incidental"),
]
# which demo diagnosis (index above) each RCP discusses
RCP_DIAGNOSIS = {"99010001": 0, "99010002": 1, "99010003": 2, "99010004": 3, "99010005": 4}


def _paris(day: date, hour: int) -> datetime:
    return rcp_rules.paris_to_utc(day, time(hour, 0))


def load_demo_rcp(db: Session, *, today: date | None = None) -> bool:
    if db.exec(select(Rcp.id).where(Rcp.national_id == DEMO_RCPS[0][1])).first() is not None:
        return False
    today = today or date.today()
    pros = {account.identifier: pro for account, pro in db.exec(
        select(Account, Professional).join(Professional, Professional.id == Account.professional_id)).all()}
    if "onco.moreau" not in pros:
        return False
    secretaries = set(db.exec(select(Account.identifier).where(Account.role == Role.RCP_SECRETARY)).all())
    orgs = {org.finess: org for org in db.exec(select(Organisation)).all() if org.finess}
    org_by_key = {"chu": next(o for f, o in orgs.items() if f.startswith("99000010")),
                  "clcc": next(o for f, o in orgs.items() if f.startswith("99000020"))}
    boards: list[tuple[Rcp, str, int]] = []
    for name, national_id, org_key, kind, appareil, organs, transversal, coordinator, members, quorum, weekday, hour in DEMO_RCPS:
        board = Rcp(
            national_id=national_id, network_id=NETWORK_ID, manager_id=f"{NETWORK_ID}{org_key.upper()[:2]}",
            manager_name=f"3C {org_by_key[org_key].name.split(' (')[0]}", name=name, organisation_id=org_by_key[org_key].id,
            kind=kind, appareil_code=appareil, organ_codes=" ".join(organs), transversal_code=transversal,
            quorum_specialties=" ".join(quorum),
            usual_schedule=f"{['Lundi', 'Mardi', 'Mercredi', 'Jeudi', 'Vendredi'][weekday]} à {hour} h, chaque semaine",
            place=f"{org_by_key[org_key].name.split(' (')[0]}, salle de staff",
            visio_url=f"https://visio.onco-demo.invalid/{national_id}",
        )
        db.add(board)
        db.flush()
        db.add(RcpMember(rcp_id=board.id, professional_id=pros[coordinator].id, is_coordinator=True))
        for identifier in members:
            if identifier in secretaries:  # the 3C secretariat runs the board, it does not sit in it
                db.add(RcpSecretariat(rcp_id=board.id, professional_id=pros[identifier].id))
            else:
                db.add(RcpMember(rcp_id=board.id, professional_id=pros[identifier].id))
        boards.append((board, coordinator, weekday))
    db.flush()

    patients = db.exec(select(Patient).order_by(Patient.id)).all()
    now = utcnow()
    used: set[int] = set()
    for board_index, (board, coordinator_id, weekday) in enumerate(boards):
        coordinator = pros[coordinator_id]
        hour = DEMO_RCPS[board_index][11]
        base = today + timedelta(days=(weekday - today.weekday()) % 7)
        days = [base - timedelta(days=28), base - timedelta(days=14), base + timedelta(days=7), base + timedelta(days=14)]
        sessions = []
        for day in days:
            starts = _paris(day, hour)
            session = RcpSession(rcp_id=board.id, starts_at=starts, registration_deadline=_paris(day - timedelta(days=2), 12),
                                 place=board.place, status=RcpSessionStatus.CLOSED if starts < now else RcpSessionStatus.PUBLISHED,
                                 published_at=starts - timedelta(days=10))
            db.add(session)
            sessions.append(session)
        db.flush()
        members = db.exec(select(RcpMember, Professional).join(Professional, Professional.id == RcpMember.professional_id)
                          .where(RcpMember.rcp_id == board.id)).all()
        # candidate patients: in the care team of a physician member of this RCP
        member_ids = {pro.id for _, pro in members if rcp_rules.is_physician(pro.specialty_code)}
        candidates = [p for p in patients if p.id not in used and db.exec(select(CareTeamMembership.id).where(
            CareTeamMembership.patient_id == p.id, CareTeamMembership.professional_id.in_(member_ids))).first()]
        picks = candidates[:5]
        used.update(p.id for p in picks)
        for index, patient in enumerate(picks):
            _ensure_diagnosis(db, patient, RCP_DIAGNOSIS[board.national_id], today)
            session = sessions[0] if index < 2 else sessions[1] if index < 3 else sessions[2]
            requester = next(pro for _, pro in members if pro.id in member_ids and db.exec(select(CareTeamMembership.id).where(
                CareTeamMembership.patient_id == patient.id, CareTeamMembership.professional_id == pro.id)).first())
            case = RcpCase(session_id=session.id, patient_id=patient.id, requester_professional_id=requester.id,
                           presenter_professional_id=requester.id, reason="treatment_proposal",
                           question="Quelle stratégie thérapeutique proposer en première intention ?",
                           summary="Dossier de démonstration (fictif).", checklist_json=json.dumps({"patient_informed": True}),
                           created_at=session.starts_at - timedelta(days=5), updated_at=session.starts_at - timedelta(days=5))
            db.add(case)
            db.flush()
            pathway.add_event(db, patient_id=patient.id, kind="rcp_registered", occurred_on=session.starts_at.date(),
                              title=f"Inscription en RCP : {board.name}", author_professional_id=requester.id)
            if session.status == RcpSessionStatus.CLOSED:
                _decide_and_sign(db, board=board, session=session, case=case, patient=patient, coordinator=coordinator,
                                 members=[pro for _, pro in members], recorded=index == 1)
    db.flush()
    return True


def _ensure_diagnosis(db: Session, patient: Patient, which: int, today: date) -> None:
    if db.exec(select(CancerDiagnosis.id).where(CancerDiagnosis.patient_id == patient.id)).first():
        return
    icd, icd_label, morpho, morpho_label, t, n, m, discovery = DIAGNOSES[which]
    db.add(CancerDiagnosis(patient_id=patient.id, icd10_code=icd, icd10_label=icd_label, morphology_code=morpho,
                           morphology_label=morpho_label, tnm_t=t, tnm_n=n, tnm_m=m,
                           other_staging="Ann Arbor II" if which == 3 else "", who_performance_status=patient.id % 3,
                           who_performance_date=today - timedelta(days=40), diagnosis_date=today - timedelta(days=45),
                           discovery_mode=discovery, laterality="left" if which == 1 else ""))
    db.flush()


def _decide_and_sign(db: Session, *, board: Rcp, session: RcpSession, case: RcpCase, patient: Patient,
                     coordinator: Professional, members: list[Professional], recorded: bool) -> None:
    physicians = [pro for pro in members if rcp_rules.is_physician(pro.specialty_code)]
    if db.exec(select(RcpAttendance.id).where(RcpAttendance.session_id == session.id)).first() is None:
        for pro in physicians:
            db.add(RcpAttendance(session_id=session.id, professional_id=pro.id, specialty_code=pro.specialty_code))
        db.flush()
    quorum = rcp_rules.session_quorum(db, session=session)
    first = "387713003" if board.kind == RcpKind.ORGAN and board.appareil_code != rcp_rules.HAEMATOPOIETIC else "C15632"
    case.status = RcpCaseStatus.RECORDED if recorded else RcpCaseStatus.DISCUSSED
    case.proposal_json = json.dumps([{"type": first, "intention": "first", "detail": "Selon le bilan d'extension."},
                                     {"type": "MED-227", "intention": "alternative", "detail": ""}], ensure_ascii=False)
    case.guideline = "Référentiel régional ONCO-DÉMO 2026 (fictif)"
    case.additional_exams = "Bilan biologique avant traitement."
    case.quorum_reached = None if recorded else quorum.reached
    case.needs_representation = not recorded and not quorum.reached
    case.decided_at = session.starts_at + timedelta(hours=1)
    case.decision_version = 1
    case.updated_at = case.decided_at
    db.add(case)
    account = db.exec(select(Account).where(Account.professional_id == coordinator.id)).first()
    actor = Actor(account_id=account.id, role=Role.CLINICIAN, display_name=coordinator.family_name,
                  professional_id=coordinator.id)
    frcp.freeze(db, actor=actor, case=case, session=session, board=board, patient=patient, signer=coordinator,
                document=None, grant="care_team", correction_reason="", now=session.starts_at + timedelta(hours=2))
