"""The alert rules, in one place: every threshold the check-in is judged on, per item and treatment group.

Sources (README "Suivi des symptômes"): PRO-CTCAE scales (0 none … 4 very severe); fever under chemotherapy is a
febrile neutropenia until proven otherwise (ESMO 2016 guideline; 38.5 °C is the threshold French oncology units
give their patients); severe diarrhoea is CTCAE grade ≥ 3; the weekly self-report with an alert on a severe or
worsening symptom follows Basch et al. (JCO 2016, JAMA 2017)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    ALERT = "alert"  # the nurse calls back within the working day
    IMMEDIATE = "immediate"  # the patient is told to call now; escalates when nobody acknowledges it


class TreatmentGroup(StrEnum):
    CHEMOTHERAPY = "chemotherapy"
    TARGETED = "targeted"
    IMMUNOTHERAPY = "immunotherapy"
    HORMONE = "hormone"
    RADIOTHERAPY = "radiotherapy"
    SURGERY = "surgery"
    OTHER = "other"


RANK = {None: 0, Level.ALERT: 1, Level.IMMEDIATE: 2}
ANY = frozenset(TreatmentGroup)
SYSTEMIC = frozenset({TreatmentGroup.CHEMOTHERAPY, TreatmentGroup.TARGETED, TreatmentGroup.IMMUNOTHERAPY})
SEVERE = 3  # PRO-CTCAE "sévère"
WORSENING_STEPS = 2  # levels gained on one item since the last report


@dataclass(frozen=True)
class Answer:
    item: str
    present: bool
    severity: int | None = None  # 0-4
    temperature: float | None = None  # °C, fever item


@dataclass(frozen=True)
class Rule:
    item: str
    groups: frozenset
    level: Level
    reason: str
    severity: int | None = None  # fires at this PRO-CTCAE level or above
    temperature: float | None = None  # fires at this temperature or above


# Strongest first: for each item, the first rule that fires is the one kept.
RULES: tuple[Rule, ...] = (
    Rule("fever", SYSTEMIC, Level.IMMEDIATE, "Fièvre ≥ 38,5 °C sous traitement médical du cancer", temperature=38.5),
    Rule("fever", ANY, Level.ALERT, "Fièvre ≥ 38,5 °C", temperature=38.5),
    Rule("fever", SYSTEMIC, Level.ALERT, "Fièvre ≥ 38 °C sous traitement médical du cancer", temperature=38.0),
    Rule("diarrhoea", ANY, Level.IMMEDIATE, "Diarrhée sévère", severity=SEVERE),
    Rule("diarrhoea", frozenset({TreatmentGroup.IMMUNOTHERAPY}), Level.ALERT, "Diarrhée sous immunothérapie", severity=2),
    Rule("vomiting", ANY, Level.IMMEDIATE, "Vomissements très sévères", severity=4),
    Rule("dyspnoea", ANY, Level.IMMEDIATE, "Essoufflement sévère", severity=SEVERE),
    Rule("dyspnoea", frozenset({TreatmentGroup.IMMUNOTHERAPY}), Level.ALERT, "Essoufflement sous immunothérapie", severity=2),
    Rule("*", ANY, Level.ALERT, "Symptôme sévère", severity=SEVERE),
)


@dataclass(frozen=True)
class Finding:
    item: str
    level: Level
    reason: str


@dataclass(frozen=True)
class Evaluation:
    level: Level | None
    findings: tuple[Finding, ...]

    @property
    def reasons(self) -> list[str]:
        return [finding.reason for finding in self.findings]


def _fires(rule: Rule, answer: Answer, group: str) -> bool:
    if rule.item not in ("*", answer.item) or group not in rule.groups or not answer.present:
        return False
    if rule.temperature is not None:
        return answer.temperature is not None and answer.temperature >= rule.temperature
    return rule.severity is not None and (answer.severity or 0) >= rule.severity


def evaluate(answers: list[Answer], *, group: str, previous: dict[str, int], labels: dict[str, str]) -> Evaluation:
    """What a submitted check-in raises: the strongest rule per item, and a worsening of WORSENING_STEPS levels or
    more since the last report (`previous`: item -> severity then, absent items not compared)."""
    findings: list[Finding] = []
    for answer in answers:
        rule = next((rule for rule in RULES if _fires(rule, answer, group)), None)
        if rule is not None:
            label = rule.reason if rule.item != "*" else f"{rule.reason} : {labels.get(answer.item, answer.item).lower()}"
            findings.append(Finding(answer.item, rule.level, label))
            continue
        now_severity = (answer.severity or 0) if answer.present else 0
        if answer.item in previous and now_severity - previous[answer.item] >= WORSENING_STEPS:
            findings.append(Finding(answer.item, Level.ALERT, f"Aggravation depuis le dernier questionnaire : "
                                                              f"{labels.get(answer.item, answer.item).lower()}"))
    level = max((finding.level for finding in findings), key=RANK.get, default=None)
    return Evaluation(level, tuple(findings))
