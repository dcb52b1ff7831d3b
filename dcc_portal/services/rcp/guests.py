"""Guests of the live sitting: a professional the coordinator invites for one case only (the radiologist who reads the
images, the requesting physician from another hospital). A guest sees that case alone in the live view (services/rcp/live)
and counts in its quorum while present."""

from __future__ import annotations

from sqlmodel import Session, select

from dcc_portal.models import AuditAction, Professional, RcpCaseGuest, RcpCaseStatus, RcpMember
from dcc_portal.services.access import audit
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.rcp import live, live_clock
from dcc_portal.services.rcp.registration import load_case


def _case_and_guest(db: Session, *, actor: Actor, session_public_id: str, case_public_id: str, professional_public_id: str):
    session, rcp = live.load_sitting(db, actor, session_public_id, AuditAction.UPDATE)
    live.require_lead(db, actor, rcp, AuditAction.UPDATE)
    loaded = load_case(db, case_public_id)
    if loaded is None or loaded[1].id != session.id or loaded[0].status == RcpCaseStatus.WITHDRAWN:
        raise ValidationFailed({"guest": "Ce dossier n'est pas à l'ordre du jour de la séance."})
    pro = db.exec(select(Professional).where(Professional.public_id == str(professional_public_id)[:32])).first()
    if pro is None:
        raise ValidationFailed({"guest": "Choisissez un professionnel dans la liste."})
    return session, rcp, loaded[0], pro


def invite(db: Session, *, actor: Actor, session_public_id: str, case_public_id: str, professional_public_id: str) -> int:
    """The coordinator (or the secretariat) invites a professional for one case of the sitting."""
    session, rcp, case, pro = _case_and_guest(db, actor=actor, session_public_id=session_public_id,
                                              case_public_id=case_public_id, professional_public_id=professional_public_id)
    if db.get(RcpMember, (rcp.id, pro.id)) is not None:
        raise ValidationFailed({"guest": "Ce professionnel est membre de la RCP : il voit déjà toute la séance."})
    if db.get(RcpCaseGuest, (case.id, pro.id)) is None:
        db.add(RcpCaseGuest(case_id=case.id, professional_id=pro.id, specialty_code=pro.specialty_code,
                            invited_by_account_id=actor.account_id))
        audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=case.patient_id,
                     detail=f"séance en direct RCP {rcp.national_id} : {pro.rpps} invité pour un dossier")
    row = live.live_row(db, session)
    live_clock.bump(db, row)
    return row.version


def withdraw(db: Session, *, actor: Actor, session_public_id: str, case_public_id: str, professional_public_id: str) -> int:
    """The invitation ends: the guest loses the view at their next event and no longer counts."""
    session, rcp, case, pro = _case_and_guest(db, actor=actor, session_public_id=session_public_id,
                                              case_public_id=case_public_id, professional_public_id=professional_public_id)
    row = db.get(RcpCaseGuest, (case.id, pro.id))
    if row is not None:
        db.delete(row)
        audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=case.patient_id,
                     detail=f"séance en direct RCP {rcp.national_id} : invitation de {pro.rpps} retirée")
    sitting = live.live_row(db, session)
    live_clock.bump(db, sitting)
    return sitting.version


