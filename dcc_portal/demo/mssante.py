"""Demo MSSanté directory: every demo professional has a personal mailbox (GPs on the national medecin.mssante.fr
domain, hospital professionals on their establishment's domain), each establishment a secretariat mailbox; the
demo's signed fiches RCP are addressed to the médecin traitant by the patient's referent physician (one per
patient, at most DEMO_SENDINGS), so `make run` sends them to the local operator."""

from __future__ import annotations

import unicodedata

from sqlmodel import Session, select

from dcc_portal.demo import acts
from dcc_portal.models import (
    Account,
    AuditAction,
    CareTeamMembership,
    Document,
    DocumentKind,
    DocumentStatus,
    MssAddress,
    Organisation,
    OrganisationKind,
    Patient,
    Professional,
    ProfessionalOrganisation,
    TeamRole,
    utcnow,
)
from dcc_portal.services.identity import sessions

DEMO_SENDINGS = 6
DOMAINS = {
    OrganisationKind.UNIVERSITY_HOSPITAL: "chu-villeneuve.mssante.fr",
    OrganisationKind.CANCER_CENTRE: "icloire-ocean.mssante.fr",
    OrganisationKind.PRIVATE_CLINIC: "clinique-du-parc.mssante.fr",
    OrganisationKind.GP_PRACTICE: "medecin.mssante.fr",
    OrganisationKind.NETWORK: "onco-demo.mssante.fr",
}


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch if ch.isalnum() else "-" for ch in plain).strip("-")


def addresses(db: Session) -> list[MssAddress]:
    """The demo directory (not yet stored)."""
    found: list[MssAddress] = []
    now = utcnow()
    for pro, org in db.exec(select(Professional, Organisation)
                            .join(ProfessionalOrganisation, ProfessionalOrganisation.professional_id == Professional.id)
                            .join(Organisation, Organisation.id == ProfessionalOrganisation.organisation_id)
                            .where(ProfessionalOrganisation.is_primary).order_by(Professional.id)).all():
        domain = DOMAINS.get(org.kind, "onco-demo.mssante.fr")
        found.append(MssAddress(address=f"{_slug(pro.given_name)}.{_slug(pro.family_name)}@{domain}",
                                professional_id=pro.id, created_at=now, updated_at=now))
    for org in db.exec(select(Organisation).order_by(Organisation.id)).all():
        if org.kind in DOMAINS and org.kind != OrganisationKind.GP_PRACTICE:
            found.append(MssAddress(address=f"secretariat@{DOMAINS[org.kind]}", organisation_id=org.id,
                                    label=f"Secrétariat médical, {org.name}", created_at=now, updated_at=now))
    return found


def load(db: Session) -> bool:
    from dcc_portal.services.exchange import mssante

    if db.exec(select(MssAddress.id)).first() is not None:
        return False
    seen: set[str] = set()
    for entry in addresses(db):
        if entry.address not in seen:
            seen.add(entry.address)
            db.add(entry)
    db.flush()
    fiches = db.exec(select(Document, Patient).join(Patient, Patient.id == Document.patient_id)
                     .where(Document.kind == DocumentKind.FRCP, Document.status == DocumentStatus.VALIDATED)
                     .order_by(Document.validated_at.desc(), Document.id)).all()
    sent_to: set[int] = set()
    for document, patient in fiches:
        if len(sent_to) >= DEMO_SENDINGS or patient.id in sent_to or document.withheld_from_medecin_traitant:
            continue
        referent = db.exec(select(Professional, Account)
                           .join(CareTeamMembership, CareTeamMembership.professional_id == Professional.id)
                           .join(Account, Account.professional_id == Professional.id)
                           .where(CareTeamMembership.patient_id == patient.id,
                                  CareTeamMembership.team_role == TeamRole.REFERENT_PHYSICIAN,
                                  CareTeamMembership.removed_at.is_(None))).first()
        gp_entry = db.exec(select(MssAddress).where(MssAddress.professional_id == patient.gp_professional_id,
                                                    MssAddress.active)).first()
        if referent is None or gp_entry is None:
            continue
        _pro, account = referent
        with acts.act(db, sessions.account_actor(db, account), patient, at=utcnow(), action=AuditAction.READ,
                      detail="messagerie sécurisée : envoi") as (actor, _grant):
            mssante.queue(db, actor=actor, document=document, patient=patient, entries=[gp_entry])
        sent_to.add(patient.id)
    return True


def mailboxes(db: Session) -> list[str]:
    """What the local operator knows: the directory's active mailboxes (written for it by `make run`)."""
    return list(db.exec(select(MssAddress.address).where(MssAddress.active).order_by(MssAddress.address)).all())
