"""What happens to demo documents after the DMP registered them: one replacement, one withdrawal, one metadata update.

The demo seeds only first versions for the DMP; `make run` starts the test recipient, the portal's worker sends them,
and `sharing-demo --wait` (started by `make run` too) then does what the care teams do next, through the services,
once the recipient has registered the version concerned. The portal's worker sends the resulting submissions:

- replacement: the coordinator corrects the first demo fiche RCP (the additional exams made precise) and signs it
  again; the new version replaces the registered one (relatesTo replaces, CDA relatedDocument RPLC);
- withdrawal: the oncology consultation report of DMP_REPORTS was filed in the wrong patient's record; the author
  marks it entered in error and it is deprecated at the DMP;
- visibility update: the staging scanner of DMP_REPORTS is to be commented to the patient in consultation before they
  read it; their referent physician makes it invisible to the patient and the DMP gets a metadata update.

Each story is done once (a second run finds it done). Fictitious, like the rest of the demo region.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal.demo import acts
from dcc_portal.models import (
    Account,
    CareTeamMembership,
    Document,
    DocumentKind,
    DocumentStatus,
    Patient,
    Professional,
    RcpCase,
    Role,
    TeamRole,
    utcnow,
)
from dcc_portal.services.access import visibility
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.exchange import sharing_updates
from dcc_portal.services.identity import sessions
from dcc_portal.services.rcp import fiche, registration
from dcc_portal.services.record import documents

CORRECTED_EXAMS = "Bilan biologique avant traitement, dont la clairance de la créatinine."
CORRECTION_REASON = "Examens complémentaires précisés : clairance de la créatinine avant traitement."
WRONG_PATIENT = "Compte rendu d'un autre patient (homonyme), déposé dans ce dossier par erreur."
MISFILED_TITLE = "Consultation d'oncologie"
GATED_TITLE = "Scanner thoraco-abdomino-pelvien"
GATING_REASON = "Scanner à commenter au patient en consultation avant qu'il le lise."


@dataclass(frozen=True)
class Story:
    name: str  # French, as the command prints it
    find: Callable[[Session], Document | None]
    done: Callable[[Document], bool]
    act: Callable[[Session, Document, datetime], None]


def _actor(db: Session, professional_id: int) -> Actor:
    account = db.exec(select(Account).where(Account.professional_id == professional_id, Account.role == Role.CLINICIAN)).first()
    return sessions.account_actor(db, account)


def _demo_document(db: Session, kind: str, title: str = "") -> Document | None:
    query = (select(Document).join(Patient, Patient.id == Document.patient_id)
             .where(Patient.local_id.startswith("DEMO-"), Document.kind == kind, Document.share_with_dmp.is_(True)))
    if title:
        query = query.where(Document.title == title)
    return db.exec(query.order_by(Patient.local_id, Document.id)).first()


def _correct_fiche(db: Session, document: Document, now: datetime) -> None:
    case = db.exec(select(RcpCase).where(RcpCase.document_id == document.id)).one()
    _case, session, board = registration.load_case(db, case.public_id)
    signer = db.get(Professional, documents.version_row(db, document=document).author_professional_id
                    or document.author_professional_id)
    case.additional_exams = CORRECTED_EXAMS
    case.decision_version += 1
    case.updated_at = now
    db.add(case)
    # After the coordinator's second factor, as fiche.sign does once the TOTP code is checked.
    patient = db.get(Patient, document.patient_id)
    with acts.act(db, _actor(db, signer.id), patient, at=now,
                  detail=f"signature fiche RCP {board.national_id}") as (actor, grant):
        fiche.freeze(db, actor=actor, case=case, session=session, board=board, patient=patient, signer=signer,
                     document=document, grant=grant, correction_reason=CORRECTION_REASON, now=now)


def _withdraw(db: Session, document: Document, now: datetime) -> None:
    with acts.act(db, _actor(db, document.author_professional_id), db.get(Patient, document.patient_id), at=now,
                  detail="retrait du document") as (actor, _grant):
        documents.mark_entered_in_error(db, actor=actor, document=document, reason=WRONG_PATIENT, now=now)


def _hide_from_patient(db: Session, document: Document, now: datetime) -> None:
    referent = db.exec(select(CareTeamMembership.professional_id).where(
        CareTeamMembership.patient_id == document.patient_id,
        CareTeamMembership.team_role == TeamRole.REFERENT_PHYSICIAN)).first()
    patient = db.get(Patient, document.patient_id)
    # As visibility.set_flags does for a clinician of the care team once signed in.
    with acts.act(db, _actor(db, referent), patient, at=now, detail="visibilité du document") as (actor, grant):
        visibility.apply(db, actor=actor, document=document, patient=patient, grant=grant,
                         wanted={"invisible_to_patient": True}, reason=GATING_REASON)


STORIES = (
    Story("Fiche RCP corrigée (remplacement)", lambda db: _demo_document(db, DocumentKind.FRCP),
          lambda document: document.current_version > 1, _correct_fiche),
    Story("Compte rendu retiré, saisi dans le mauvais dossier (retrait)",
          lambda db: _demo_document(db, DocumentKind.CONSULTATION, MISFILED_TITLE),
          lambda document: document.status == DocumentStatus.ENTERED_IN_ERROR, _withdraw),
    Story("Scanner rendu invisible au patient (mise à jour de la visibilité)",
          lambda db: _demo_document(db, DocumentKind.IMAGING, GATED_TITLE),
          lambda document: document.invisible_to_patient, _hide_from_patient),
)


def advance(db: Session, *, now: datetime | None = None) -> tuple[list[str], list[str]]:
    """Do each story whose document the DMP has registered. Returns (done now, still waiting for the DMP)."""
    now = now or utcnow()
    done, waiting = [], []
    for story in STORIES:
        document = story.find(db)
        if document is None or story.done(document):
            continue
        if sharing_updates.registered(db, document.id) is None:
            waiting.append(story.name)
            continue
        story.act(db, document, now)
        db.flush()
        done.append(story.name)
    return done, waiting


def run(url: str | None, *, wait: float, poll: float = 2.0, say: Callable[[str], None] = print) -> int:
    """`sharing-demo`: advance the stories until none waits for the DMP, or `wait` seconds passed (exit 1)."""
    deadline = time.monotonic() + wait
    while True:
        with dbmod.transaction(url) as db:
            done, waiting = advance(db)
        for name in done:
            say(f"{name} : fait, envoi au DMP en file d'attente.")
        if not waiting:
            return 0
        if time.monotonic() >= deadline:
            say("Toujours en attente de l'enregistrement par le DMP : " + " ; ".join(waiting))
            return 1
        time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
