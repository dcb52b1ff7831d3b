"""The clinical side of a generated region: each patient's cancer (sex-appropriate, from the profiles of
demo/profiles.py), its dates by care stage, the organ RCPs per tumour site, and the fiches RCP and programmes
issued through the services (signed by the RCP's coordinator, handed over by the referent), so that a generated
patient tells the same kind of story as a demo patient and its documents export like a demo patient's."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from dcc_portal import db as dbmod
from dcc_portal.demo import calendar_days
from dcc_portal.demo import pps as demo_pps
from dcc_portal.demo import profiles
from dcc_portal.demo import rcp as demo_rcp
from dcc_portal.models import (
    CareStage,
    Patient,
    Professional,
    Rcp,
    RcpCase,
    RcpSession,
)

REGION_CANCERS = [
    # profile, CIM-10, label, ICD-O-3, morphology label, sexes, weight
    ("breast", "C50.9", "Tumeur maligne du sein, sans précision", "8500/3", "Carcinome canalaire infiltrant", "F", 30),
    ("prostate", "C61", "Tumeur maligne de la prostate", "8140/3", "Adénocarcinome", "M", 20),
    ("lung", "C34.9", "Tumeur maligne des bronches ou du poumon, sans précision", "8140/3", "Adénocarcinome", "FM", 14),
    ("colon", "C18.9", "Tumeur maligne du côlon, sans précision", "8140/3", "Adénocarcinome", "FM", 14),
    ("pancreas", "C25.9", "Tumeur maligne du pancréas, sans précision", "8500/3", "Carcinome canalaire infiltrant", "FM", 5),
    ("melanoma", "C43.9", "Mélanome malin de la peau, sans précision", "8720/3", "Mélanome malin", "FM", 6),
    ("colon", "C20", "Tumeur maligne du rectum", "8140/3", "Adénocarcinome", "FM", 6),
    ("bladder", "C67.9", "Tumeur maligne de la vessie, sans précision", "8120/3", "Carcinome urothélial", "FM", 5),
    ("ovary", "C56", "Tumeur maligne de l'ovaire", "8441/3", "Cystadénocarcinome séreux", "F", 4),
    ("lymphoma", "C83.3", "Lymphome diffus à grandes cellules B", "9680/3", "Lymphome malin diffus à grandes cellules B, SAI", "FM", 4),
]


@dataclass(frozen=True)
class RcpGroup:
    """The organ RCPs of one kind (« digestive ») and the profiles they discuss."""
    name: str
    profiles: tuple[str, ...]
    appareil: str
    organs: tuple[str, ...]
    specialties: tuple[str, ...]  # surgeons and organ specialists who sit in it


def _groups() -> list[RcpGroup]:
    groups: dict[str, list[profiles.Profile]] = {}
    for profile in profiles.PROFILES.values():
        groups.setdefault(profile.rcp_name, []).append(profile)
    return [RcpGroup(name, tuple(p.key for p in members), members[0].appareil,
                     tuple(dict.fromkeys(code for p in members for code in p.organs)),
                     tuple(dict.fromkeys(code for p in members for code in (p.surgeon, p.organ_specialist) if code)))
            for name, members in groups.items()]


RCP_GROUPS = _groups()
GROUP_OF_PROFILE = {key: group for group in RCP_GROUPS for key in group.profiles}
STAGE_ORDER = profiles.STAGES


def diagnosis_age(stage: str, horizon: int) -> tuple[int, int]:
    """How long ago (days) the pathology report of a patient at this stage was, within the RCP sessions' horizon."""
    return {CareStage.DIAGNOSIS: (2, 20), CareStage.RCP: (21, 40), CareStage.ANNOUNCEMENT: (30, 60),
            CareStage.TREATMENT: (45, max(46, min(700, horizon))), CareStage.FOLLOW_UP: (180, max(181, horizon))}[stage]


@dataclass
class Clinical:
    """One generated patient's cancer and dates."""
    profile: str
    cancer: tuple
    stage: str
    diagnosis: date | None
    rcp_id: int | None = None
    rcp_day: date | None = None
    treatment: date | None = None
    follow_up: date | None = None
    first_case: int | None = None  # the case of its first RCP


@dataclass
class RcpSchedule:
    """The sessions of the region's RCPs, planned before the patients so that each patient's first RCP is known."""
    days: dict[int, list[date]] = field(default_factory=dict)  # rcp id -> session days
    by_group: dict[str, list[int]] = field(default_factory=dict)  # group name -> rcp ids

    def first_session(self, group: str, pick: int, after: date) -> tuple[int, date] | None:
        rcp_ids = self.by_group.get(group)
        if not rcp_ids:
            return None
        rcp_id = rcp_ids[pick % len(rcp_ids)]
        return next(((rcp_id, day) for day in self.days[rcp_id] if day >= after), None)


def plan_dates(clinical: Clinical, rng: random.Random, schedule: RcpSchedule, pick: int, today: date) -> None:
    """The first RCP, treatment and follow-up of a patient at its stage. A patient whose first RCP is still ahead
    is at the diagnosis stage (registered), as is one whose RCP's sessions do not reach back to its diagnosis."""
    if clinical.diagnosis is None:
        return
    first = schedule.first_session(GROUP_OF_PROFILE[clinical.profile].name, pick, clinical.diagnosis + timedelta(days=7))
    if first is None or first[1] >= today:
        clinical.stage = CareStage.DIAGNOSIS
    elif clinical.stage == CareStage.DIAGNOSIS:
        return  # not registered yet
    if first is None:
        return
    clinical.rcp_id, clinical.rcp_day = first
    if STAGE_ORDER.index(clinical.stage) >= 4:
        clinical.treatment = calendar_days.open_on_or_before(
            min(clinical.rcp_day + timedelta(days=rng.randint(14, 35)), today - timedelta(days=1)))
    if clinical.stage == CareStage.FOLLOW_UP:
        clinical.follow_up = calendar_days.open_on_or_before(
            min(clinical.treatment + timedelta(days=rng.randint(60, 120)), today))


@dataclass(frozen=True)
class Fiche:
    case_id: int
    coordinator: int  # professional id
    referent: int
    clinical: Clinical


def issue_documents(url: str, fiches: list[Fiche], *, batch: int = 200) -> tuple[int, int]:
    """Sign the fiche of each patient's first RCP (its coordinator) and, for a patient in treatment or follow-up,
    write and hand over its programme (its referent): the services' own path, CDA included. Returns the counts."""
    signed = programmes = 0
    for start in range(0, len(fiches), batch):
        with dbmod.transaction(url) as db:
            for fiche in fiches[start:start + batch]:
                case = db.get(RcpCase, fiche.case_id)
                session = db.get(RcpSession, case.session_id)
                board = db.get(Rcp, session.rcp_id)
                patient = db.get(Patient, case.patient_id)
                demo_rcp.sign_fiche(db, case=case, session=session, board=board, patient=patient,
                                    signer=db.get(Professional, fiche.coordinator))
                signed += 1
                clinical = fiche.clinical
                if clinical.treatment is None:
                    continue
                demo_pps.issue(db, author=db.get(Professional, fiche.referent), patient=patient,
                               profile=profiles.PROFILES[clinical.profile], rcp=clinical.rcp_day, treatment=clinical.treatment,
                               follow_up=clinical.follow_up)
                programmes += 1
    return signed, programmes
