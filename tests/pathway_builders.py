"""Builders for the cancer-pathway tests: a patient with a care team (physician, nurse, secretary) and a GP."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from dcc_portal.models import Patient, Role
from dcc_portal.services.common import render
from dcc_portal.services.common.actor import Actor
from tests import factories as f


@dataclass
class Team:
    patient: Patient
    clinician: Actor
    nurse: Actor
    secretary: Actor
    gp: Actor
    gp_account_id: int
    outsider: Actor
    patient_actor: Actor


def team(db: Session) -> Team:
    from dcc_portal.services.access import charter

    if charter.current(db) is None:
        f.publish_charter(db)
    org = f.organisation(db, "Institut Test")
    gp_pro = f.professional(db, specialty="G15_10/SM54")
    patient = f.patient(db, gp=gp_pro)

    def pro_actor(role: Role, specialty: str, *, in_team: bool = True) -> Actor:
        pro = f.professional(db, specialty=specialty, org=org)
        account, _ = f.account(db, role=role, professional=pro)
        if in_team:
            f.member(db, patient=patient, pro=pro, team_role="nurse" if role == Role.NURSE else "oncologist")
        return f.actor_for(db, account)

    clinician = pro_actor(Role.CLINICIAN, "G15_10/SM36")
    nurse = pro_actor(Role.NURSE, "G15_60")
    secretary = pro_actor(Role.RCP_SECRETARY, "SECRETARIAT_MEDICAL")
    outsider = pro_actor(Role.CLINICIAN, "G15_10/SM36", in_team=False)
    gp_account, _ = f.account(db, role=Role.GP, professional=gp_pro)
    gp = f.actor_for(db, gp_account)
    patient_account, _ = f.account(db, role=Role.PATIENT, patient=patient)
    patient_actor = f.actor_for(db, patient_account)
    db.flush()
    return Team(patient, clinician, nurse, secretary, gp, gp_account.id, outsider, patient_actor)


_PDF: dict[str, bytes] = {}


def small_pdf(text: str = "Compte rendu de test") -> bytes:
    if text not in _PDF:
        _PDF[text] = render.pdf(f"<html><body><h1>{text}</h1><p>Contenu.</p></body></html>")
    return _PDF[text]
