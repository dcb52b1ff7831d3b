"""RCP rules shared by the directory, the sessions and the fiche: who may edit and register, labels, value sets,
specialties, and the quorum.

Quorum (INCa): at least three physicians of different specialties relevant to the options discussed; since the 2023
reference a surgeon is mandatory in a standard organ-based RCP outside haematology. A case discussed without quorum
is flagged to be presented again; a case recorded without discussion must cite the guideline it follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.models import (
    Rcp,
    RcpAttendance,
    RcpCaseReason,
    RcpCaseStatus,
    RcpKind,
    RcpSession,
    RcpSessionStatus,
    Role,
)
from dcc_portal.services.common import terminology

PARIS = formatting.PARIS


EDITOR_ROLES = frozenset({Role.RCP_SECRETARY, Role.ADMIN})


REGISTRAR_ROLES = frozenset({Role.CLINICIAN, Role.RCP_SECRETARY})


DIRECTORY_READERS = frozenset({Role.CLINICIAN, Role.NURSE, Role.RCP_SECRETARY, Role.ADMIN, Role.GP})


APPAREIL = "JDV_RCP_Appareil_CISIS"


ORGANE = "JDV_RCP_Organe_CISIS"


TREATMENT_TYPES = "JDV_TypeTraitement_FRCP_CISIS"


TRANSVERSAL_TYPES = "JDV_TraitementSoins_FRCP_CISIS"


HAEMATOPOIETIC = "57171008"  # appareil "structure du système hématopoïétique"


KIND_LABELS = {RcpKind.ORGAN: "Appareil / organe", RcpKind.TRANSVERSAL: "Transversale"}


SESSION_STATUS_LABELS = {
    RcpSessionStatus.PLANNED: "En préparation",
    RcpSessionStatus.PUBLISHED: "Ordre du jour publié",
    RcpSessionStatus.OPEN: "En séance",
    RcpSessionStatus.CLOSED: "Close",
    RcpSessionStatus.CANCELLED: "Annulée",
}


REASON_LABELS = {
    RcpCaseReason.DIAGNOSTIC_OPINION: "Avis diagnostique",
    RcpCaseReason.TREATMENT_PROPOSAL: "Proposition de traitement (dont surveillance, ajustement)",
    RcpCaseReason.RECOURS: "Recours",
}


CASE_STATUS_LABELS = {
    RcpCaseStatus.REGISTERED: "Inscrit",
    RcpCaseStatus.RECORDED: "Cas enregistré (sans discussion)",
    RcpCaseStatus.DISCUSSED: "Cas discuté",
    RcpCaseStatus.WITHDRAWN: "Retiré",
}


INTENTIONS = {"first": "Première intention", "alternative": "Alternative"}


RECURRENCES = {"none": 0, "weekly": 7, "biweekly": 14, "monthly": -1}


# Surgical specialties of JDV_J01 (RPPS "SM" codes): chirurgie générale, maxillo-faciale, orthopédique, infantile,
# plastique, thoracique et cardio-vasculaire, urologique, vasculaire, viscérale et digestive, gynéco-obstétrique,
# neurochirurgie, ORL et chirurgie cervico-faciale, chirurgie orale, pédiatrique, endoscopie chirurgicale.
SURGICAL_SPECIALTIES = frozenset({
    "G15_10/SM05", "G15_10/SM06", "G15_10/SM07", "G15_10/SM08", "G15_10/SM09", "G15_10/SM10", "G15_10/SM11",
    "G15_10/SM12", "G15_10/SM13", "G15_10/SM14", "G15_10/SM20", "G15_10/SM31", "G15_10/SM34", "G15_10/SM51",
    "G15_10/SM56", "G15_10/SM68", "G15_10/SM69", "G15_10/SM70", "G15_10/SM78",
})


HTTPS_URL = re.compile(r"^https://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%\-]*)?$")


NATIONAL_ID = re.compile(r"^[A-Za-z0-9\-]{1,20}$")


HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def is_physician(specialty_code: str) -> bool:
    return specialty_code.startswith("G15_10/")


def is_surgeon(specialty_code: str) -> bool:
    return specialty_code in SURGICAL_SPECIALTIES


def specialty_label(code: str) -> str:
    return terminology.specialty_label(code) if code else ""


def paris_to_utc(day: date, clock: time) -> datetime:
    """A Paris wall-clock time as UTC. A time that does not exist (spring DST gap) moves forward by the gap."""
    local = datetime.combine(day, clock, tzinfo=PARIS)
    return local.astimezone(UTC)


def split_codes(codes: str) -> list[str]:
    return [code for code in (codes or "").split() if code]


@dataclass(frozen=True)
class QuorumStatus:
    reached: bool
    physicians: int
    specialties: tuple[str, ...]  # distinct relevant specialties present (labels)
    surgeon_required: bool
    surgeon_present: bool
    problems: tuple[str, ...]  # French sentences: what is missing

    @property
    def summary(self) -> str:
        if self.reached:
            return f"Quorum atteint : {len(self.specialties)} spécialités médicales présentes."
        return "Quorum non atteint : " + " ".join(self.problems)


def quorum_rule(*, rcp: Rcp, present_specialties: list[str]) -> QuorumStatus:
    """The INCa rule on the specialties of the people present (one code per person)."""
    relevant = set(split_codes(rcp.quorum_specialties))
    physicians = [code for code in present_specialties if is_physician(code)]
    counted = {code for code in physicians if not relevant or code in relevant}
    surgeon_required = (
        rcp.kind == RcpKind.ORGAN and not rcp.is_pediatric and rcp.appareil_code != HAEMATOPOIETIC
    )
    surgeon_present = any(is_surgeon(code) for code in physicians)
    problems = []
    if len(counted) < 3:
        problems.append(
            f"il faut au moins trois médecins de spécialités différentes"
            f"{' parmi celles du quorum de la RCP' if relevant else ''} ({len(counted)} présente(s))."
        )
    if surgeon_required and not surgeon_present:
        problems.append("un chirurgien doit être présent (RCP d'organe hors hématologie).")
    return QuorumStatus(
        reached=not problems,
        physicians=len(physicians),
        specialties=tuple(sorted(specialty_label(code) for code in counted)),
        surgeon_required=surgeon_required,
        surgeon_present=surgeon_present,
        problems=tuple(problems),
    )


def session_quorum(db: Session, *, session: RcpSession) -> QuorumStatus:
    """The quorum of the people present now: a physician who left the sitting no longer counts."""
    rcp = db.get(Rcp, session.rcp_id)
    codes = db.exec(select(RcpAttendance.specialty_code).where(RcpAttendance.session_id == session.id,
                                                               RcpAttendance.left_at.is_(None))).all()
    return quorum_rule(rcp=rcp, present_specialties=list(codes))
