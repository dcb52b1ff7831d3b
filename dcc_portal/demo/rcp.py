"""Demo RCP directory, sessions (past and upcoming), registered and decided cases with signed fiches.

Each demo patient is discussed by the organ RCP of its tumour site (demo/profiles.py), on the day its story says;
the fiche is signed by that RCP's coordinator. Idempotent: nothing happens when the directory already has the demo
RCPs. All fictitious.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from dcc_portal.demo import acts, profiles
from dcc_portal.formatting import paris_today
from dcc_portal.models import (
    Account,
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
    TeamRole,
)
from dcc_portal.services.identity import sessions
from dcc_portal.services.rcp import rules as rcp_rules
from dcc_portal.services.rcp import fiche as frcp
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
     "onco.girard", ["chir.fabre", "pneumo.fontaine", "radiotherapie.blanc", "anapath.chevalier", "radiologie.mercier", "sec.leclerc"],
     [], 2, 14),
    ("RCP hématologie", "99010004", "chu", RcpKind.ORGAN, "57171008", [], "",
     "hemato.perrin", ["anapath.chevalier", "radiotherapie.blanc", "onco.girard", "sec.leclerc"], [], 4, 11),
    ("RCP oncogériatrie", "99010005", "clcc", RcpKind.TRANSVERSAL, "", [], "ORG-130",
     "onco.moreau", ["onco.benali", "gastro.masson", "ide.petit", "sec.roux"], [], 4, 16),
    ("RCP urologie", "99010006", "chu", RcpKind.ORGAN, "90264002", ["41216001", "89837001", "64033007"], "",
     "onco.benali", ["chir.nguyen", "radiotherapie.blanc", "anapath.chevalier", "radiologie.mercier", "onco.moreau", "sec.leclerc"],
     [], 0, 12),
]


def patient_story(patient: Patient, today: date) -> profiles.Story:
    """The story of a demo patient (DEMO-... local id), discussed on the meeting day of its RCP."""
    index = profiles.demo_index(patient.local_id)
    profile, _cancer = profiles.demo_cancer(index, patient.sex)
    weekday = next((row[10] for row in DEMO_RCPS if row[1] == profile.rcp), 0)
    return profiles.story(index, patient.sex, patient.care_stage, today, rcp_weekday=weekday)


def _paris(day: date, hour: int) -> datetime:
    return rcp_rules.paris_to_utc(day, time(hour, 0))


def load_demo_rcp(db: Session, *, today: date | None = None) -> bool:
    if db.exec(select(Rcp.id).where(Rcp.national_id == DEMO_RCPS[0][1])).first() is not None:
        return False
    today = today or paris_today()
    pros = {account.identifier: pro for account, pro in db.exec(
        select(Account, Professional).join(Professional, Professional.id == Account.professional_id)).all()}
    if "onco.moreau" not in pros:
        return False
    secretaries = set(db.exec(select(Account.identifier).where(Account.role == Role.RCP_SECRETARY)).all())
    orgs = {org.finess: org for org in db.exec(select(Organisation)).all() if org.finess}
    org_by_key = {"chu": next(o for f, o in orgs.items() if f.startswith("99000010")),
                  "clcc": next(o for f, o in orgs.items() if f.startswith("99000020"))}
    boards: dict[str, _Board] = {}
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
        sitting = [pros[coordinator]] + [pros[m] for m in members if m not in secretaries]
        boards[national_id] = _Board(db, board, pros[coordinator], sitting, weekday, hour, today)
        base = today + timedelta(days=(weekday - today.weekday()) % 7)
        for day in (base - timedelta(days=28), base - timedelta(days=14), base + timedelta(days=7), base + timedelta(days=14)):
            boards[national_id].session_on(day)
    db.flush()

    patients = db.exec(select(Patient).where(Patient.local_id.startswith("DEMO-")).order_by(Patient.local_id)).all()
    for patient in patients:
        story = patient_story(patient, today)
        if story.diagnosis is None or not story.profile.rcp:
            continue
        board = boards[story.profile.rcp]
        requester = board.requester(patient)
        if requester is None:
            continue
        if story.rcp is not None:
            session = board.session_on(story.rcp)
        elif profiles.demo_index(patient.local_id) % 2 == 0:  # half the diagnosed patients are registered already
            session = board.session_on(board.meeting_after(story.diagnosis + timedelta(days=7)))
        else:
            continue
        registered = min(max(session.starts_at - timedelta(days=5), _paris(story.diagnosis + timedelta(days=1), 9)),
                         _paris(today - timedelta(days=1), 17))  # registered already, after the pathology report
        case = RcpCase(session_id=session.id, patient_id=patient.id, requester_professional_id=requester.id,
                       presenter_professional_id=requester.id, reason="treatment_proposal",
                       question="Quelle stratégie thérapeutique proposer en première intention ?",
                       summary=f"{story.cancer.conclusion} Dossier de démonstration (fictif).",
                       checklist_json=json.dumps({"patient_informed": True}),
                       created_at=registered, updated_at=registered)
        db.add(case)
        db.flush()
        pathway.add_event(db, patient_id=patient.id, kind="rcp_registered", occurred_on=case.created_at.date(),
                          title=f"Inscription en RCP : {board.board.name}", author_professional_id=requester.id)
        if story.rcp is not None:
            board.decide_and_sign(case=case, session=session, patient=patient, story=story,
                                  recorded=profiles.demo_index(patient.local_id) % 11 == 1)
    db.flush()
    return True


class _Board:
    """One demo RCP: its sessions by day, its members, and how it decides and signs."""

    def __init__(self, db: Session, board: Rcp, coordinator: Professional, members: list[Professional], weekday: int,
                 hour: int, today: date):
        self.db, self.board, self.coordinator, self.members = db, board, coordinator, members
        self.weekday, self.hour, self.today = weekday, hour, today
        self.sessions: dict[date, RcpSession] = {}

    def session_on(self, day: date) -> RcpSession:
        if day not in self.sessions:
            starts = _paris(day, self.hour)
            session = RcpSession(rcp_id=self.board.id, starts_at=starts, registration_deadline=_paris(day - timedelta(days=2), 12),
                                 place=self.board.place, published_at=starts - timedelta(days=10),
                                 status=RcpSessionStatus.CLOSED if day < self.today else RcpSessionStatus.PUBLISHED)
            self.db.add(session)
            self.db.flush()
            self.sessions[day] = session
        return self.sessions[day]

    def meeting_after(self, day: date) -> date:
        """Its first meeting day after today and on or after `day`."""
        day = max(day, self.today + timedelta(days=1))
        return day + timedelta(days=(self.weekday - day.weekday()) % 7)

    def requester(self, patient: Patient) -> Professional | None:
        """The physician of the patient's care team who sits in this RCP (the referent first)."""
        team = self.db.exec(select(CareTeamMembership.professional_id, CareTeamMembership.team_role)
                            .where(CareTeamMembership.patient_id == patient.id)).all()
        ranked = sorted(team, key=lambda row: row[1] != TeamRole.REFERENT_PHYSICIAN)
        physicians = {pro.id: pro for pro in self.members if rcp_rules.is_physician(pro.specialty_code)}
        return next((physicians[pro_id] for pro_id, _role in ranked if pro_id in physicians), None)

    def decide_and_sign(self, *, case: RcpCase, session: RcpSession, patient: Patient, story: profiles.Story,
                        recorded: bool) -> None:
        db, board = self.db, self.board
        if db.exec(select(RcpAttendance.id).where(RcpAttendance.session_id == session.id)).first() is None:
            for pro in self.members:
                if rcp_rules.is_physician(pro.specialty_code):
                    db.add(RcpAttendance(session_id=session.id, professional_id=pro.id, specialty_code=pro.specialty_code))
            db.flush()
        quorum = rcp_rules.session_quorum(db, session=session)
        case.status = RcpCaseStatus.RECORDED if recorded else RcpCaseStatus.DISCUSSED
        case.proposal_json = json.dumps([{"type": story.profile.first_treatment, "intention": "first", "detail": story.profile.proposal},
                                         {"type": "MED-227", "intention": "alternative", "detail": ""}], ensure_ascii=False)
        case.guideline = "Référentiel régional ONCO-DÉMO 2026 (fictif)"
        case.additional_exams = "Bilan biologique avant traitement."
        case.quorum_reached = None if recorded else quorum.reached
        case.needs_representation = not recorded and not quorum.reached
        case.decided_at = session.starts_at + timedelta(hours=1)
        case.decision_version = 1
        case.updated_at = case.decided_at
        db.add(case)
        sign_fiche(db, case=case, session=session, board=board, patient=patient, signer=self.coordinator)


def sign_fiche(db: Session, *, case: RcpCase, session: RcpSession, board: Rcp, patient: Patient, signer: Professional) -> None:
    """The coordinator signs the decided case's fiche two hours into the session, as fiche.sign does once the TOTP
    code is checked."""
    signed = session.starts_at + timedelta(hours=2)
    account = db.exec(select(Account).where(Account.professional_id == signer.id)).one()
    with acts.act(db, sessions.account_actor(db, account), patient, at=signed,
                  detail=f"signature fiche RCP {board.national_id}") as (actor, grant):
        frcp.freeze(db, actor=actor, case=case, session=session, board=board, patient=patient, signer=signer,
                    document=None, grant=grant, correction_reason="", now=signed)
