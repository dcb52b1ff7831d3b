"""Delays of the cancer pathway against their usual targets, computed from the dates the portal holds.

The targets live here and only here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Usual targets of the INCa / Plan cancer quality indicators of the pathway: delay from the diagnosis (date of the
# CR-ACP) to the RCP, from the RCP decision to the first treatment, and from the RCP to the handover of the PPS
# (the project's domain reference, "Quality indicators"). In days.
DIAGNOSIS_TO_RCP_DAYS = 28  # 4 weeks
RCP_TO_TREATMENT_DAYS = 42  # 6 weeks
RCP_TO_PPS_DAYS = 14  # 2 weeks


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    days: int
    since: str  # « le diagnostic »
    reached: str  # « RCP tenue »
    planned: str  # « RCP prévue »
    missing: str  # « Pas encore de RCP »


TARGETS = (
    Target("diagnosis_to_rcp", "Du diagnostic à la RCP", DIAGNOSIS_TO_RCP_DAYS, "le diagnostic", "RCP tenue",
           "RCP prévue", "Pas encore de RCP"),
    Target("rcp_to_treatment", "De la décision de RCP au premier traitement", RCP_TO_TREATMENT_DAYS,
           "la décision de RCP", "Premier traitement", "Premier traitement prévu au PPS",
           "Pas encore de traitement enregistré"),
    Target("rcp_to_pps", "De la RCP à la remise du PPS", RCP_TO_PPS_DAYS, "la RCP", "PPS remis", "Remise du PPS prévue",
           "PPS pas encore remis"),
)
TARGET_BY_KEY = {target.key: target for target in TARGETS}


@dataclass(frozen=True)
class PathwayDates:
    """The dates a delay needs; None when the portal does not hold it."""

    diagnosis: date | None = None  # CR-ACP date (CancerDiagnosis.diagnosis_date)
    rcp: date | None = None  # first RCP decision on or after the diagnosis
    treatment: date | None = None  # first treatment recorded as started
    planned_treatment: date | None = None  # else the first treatment planned in the PPS (when the actor may see it)
    pps_handover: date | None = None  # first handover of the PPS
    pps_withheld: bool = False  # the actor may not see the PPS: nothing is said about it


@dataclass(frozen=True)
class Delay:
    key: str
    label: str
    status: str  # done (both dates held and past) | planned (the end is ahead, or only planned) | waiting (no end yet)
    days: int
    target_days: int
    text: str  # one plain sentence
    exceeded: bool  # over the target, or bound to be


def weeks(days: int) -> str:
    """« 3 jours », « 2 semaines », « 5 semaines et 2 jours »."""
    if days < 7:
        return f"{days} jour{'s' if days > 1 else ''}"
    whole, rest = divmod(days, 7)
    text = f"{whole} semaine{'s' if whole > 1 else ''}"
    return text + (f" et {rest} jour{'s' if rest > 1 else ''}" if rest else "")


def _delay(target: Target, start: date, end: date | None, today: date, *, planned: bool = False) -> Delay:
    objective = f"objectif : {weeks(target.days)} au plus"
    if end is None:
        days = (today - start).days
        status, text = "waiting", f"{target.missing} : {weeks(days)} depuis {target.since} ({objective})."
    elif planned or end > today:
        days = (end - start).days
        status, text = "planned", f"{target.planned} {weeks(days)} après {target.since} ({objective})."
    else:
        days = (end - start).days
        status, text = "done", f"{target.reached} {weeks(days)} après {target.since} ({objective})."
    return Delay(target.key, target.label, status, days, target.days, text, days > target.days)


def delays(dates: PathwayDates, *, today: date) -> list[Delay]:
    """Each delay that has started, in pathway order; `exceeded` when it is (or already will be) over its target."""
    result = []
    if dates.diagnosis is not None and dates.diagnosis <= today:
        result.append(_delay(TARGET_BY_KEY["diagnosis_to_rcp"], dates.diagnosis, dates.rcp, today))
    if dates.rcp is not None and dates.rcp <= today:
        target = TARGET_BY_KEY["rcp_to_treatment"]
        if dates.treatment is not None:
            result.append(_delay(target, dates.rcp, dates.treatment, today))
        else:
            result.append(_delay(target, dates.rcp, dates.planned_treatment, today, planned=dates.planned_treatment is not None))
        if not dates.pps_withheld:
            result.append(_delay(TARGET_BY_KEY["rcp_to_pps"], dates.rcp, dates.pps_handover, today))
    return result
