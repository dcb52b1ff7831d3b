"""How people and organisations are named on screens and in documents."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    Organisation,
    Patient,
    Professional,
    ProfessionalOrganisation,
)


def patient_name(patient: Patient) -> str:
    family = patient.used_family_name or patient.birth_family_name
    first = patient.used_first_name or patient.first_names.split(" ")[0]
    return formatting.person_name(family, first)


def professional_label(pro: Professional) -> str:
    """`pro`: a professional, or a row with its name and specialty columns."""
    return formatting.professional_name(pro.family_name, pro.given_name, doctor=pro.specialty_code.startswith("G15_10"))


# What `professional_label` reads of a professional, as columns of a larger statement.
LABEL_COLUMNS = (Professional.family_name, Professional.given_name, Professional.specialty_code)
# The same for professionals known by id (`ids`: a list).
PROFESSIONAL_LABELS = select(Professional.id, *LABEL_COLUMNS).where(Professional.id.in_(bindparam("ids", expanding=True)))
_PROFESSIONAL_LABEL = dbmod.Read(select(*LABEL_COLUMNS).where(Professional.id == bindparam("id")))


def professional_label_of(db: Session, professional_id: int | None) -> str:
    """`professional_label` of a professional known by id; "" for none."""
    found = _PROFESSIONAL_LABEL.first(db, {"id": professional_id}) if professional_id else None
    return professional_label(found) if found is not None else ""


def organisation_name(professional_id):
    """The name of the professional's organisation (the primary one first), as a column of a larger statement."""
    return (select(Organisation.name)
            .join(ProfessionalOrganisation, ProfessionalOrganisation.organisation_id == Organisation.id)
            .where(ProfessionalOrganisation.professional_id == professional_id)
            .order_by(ProfessionalOrganisation.is_primary.desc(), Organisation.id).limit(1).scalar_subquery())


def organisation_names(db: Session, professional_ids: set[int]) -> dict[int, str]:
    if not professional_ids:
        return {}
    rows = db.exec(
        select(ProfessionalOrganisation.professional_id, Organisation.name)
        .join(Organisation, Organisation.id == ProfessionalOrganisation.organisation_id)
        .where(ProfessionalOrganisation.professional_id.in_(professional_ids))
        .order_by(ProfessionalOrganisation.is_primary.desc())
    ).all()
    names: dict[int, str] = {}
    for pro_id, name in rows:
        names.setdefault(pro_id, name)
    return names
