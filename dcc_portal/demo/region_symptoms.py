"""The generated region's symptom follow-up: every patient in treatment answers the weekly check-in from the start
of their treatment (a year at most) until this week, judged by the portal's own alert rules.

Each patient reports on the items of their treatment group (mostly chemotherapy), a week missed now and then. A
symptom drifts from week to week (mostly none or mild, sometimes moderate, rarely severe and then soon treated); a
fever is rare. About one check-in in thirteen raises an alert, one in fifty an immediate one. The team's nurse acknowledged every alert older than two
days within the day, with the action taken; the alerts of the last two days are still open (the immediate ones
escalated after the delay), which is what the nurses' worklist shows. A patient in treatment without a portal
account gets one (`region.suivi<patient id>`, the check-in is theirs to write)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from dcc_portal.demo.region_clinical import Clinical
from dcc_portal.formatting import PARIS
from dcc_portal.models import CareStage, PathwayEventKind, Role, TeamRole
from dcc_portal.services.identity import totp
from dcc_portal.services.symptoms import alerts, questionnaire, rules
from dcc_portal.services.symptoms.rules import TreatmentGroup

WEEKS = 52
OPEN_FOR = timedelta(days=2)  # the alerts younger than this are still waiting for a nurse
GROUPS = ((TreatmentGroup.CHEMOTHERAPY, 70), (TreatmentGroup.TARGETED, 10), (TreatmentGroup.IMMUNOTHERAPY, 10),
          (TreatmentGroup.RADIOTHERAPY, 10))
MISSED_WEEK = 0.1
FEVER = 0.015
ACTIONS = tuple(alerts.ACTIONS)

REPORT_COLUMNS = ["id", "public_id", "patient_id", "account_id", "treatment", "started_at", "submitted_at"]
ANSWER_COLUMNS = ["id", "report_id", "item", "present", "severity", "interference", "temperature_tenths", "note",
                  "answered_at"]
ALERT_COLUMNS = ["id", "public_id", "patient_id", "report_id", "level", "reasons", "created_at", "escalated_at",
                 "acknowledged_at", "acknowledged_by_account_id", "action", "action_note"]
EVENT_COLUMNS = ["id", "public_id", "patient_id", "kind", "occurred_on", "title", "document_id", "author_professional_id",
                 "created_at"]


def _drift(rng, severity: int) -> int:
    """Next week's severity: mostly the same, one level up or down; a sudden severe week now and then."""
    if rng.random() < 0.002:
        return 3 + (rng.random() < 0.2)
    if severity >= 3:  # treated (or the dose reduced) once the team knows
        return severity - 1 - (rng.random() < 0.5)
    step = rng.choices((-1, 0, 1), weights=(3 if severity else 0, 6, 1 if severity < 2 else 0.3))[0]
    return max(0, min(4, severity + step))


class SymptomWriter:
    """Writes the check-ins of the region's patients in treatment with a _Region's writer, ids and random source."""

    def __init__(self, region, totp_seed):
        self.region, self.w, self.rng, self.ids, self.totp_seed = region, region.w, region.rng, region.ids, totp_seed
        self.ids_of = {table: self.w.max_id(table) for table in ("symptom_report", "symptom_answer", "symptom_alert",
                                                                    "pathway_event", "account")}
        self.rows: dict[str, list] = {"symptom_report": [], "symptom_answer": [], "symptom_alert": [], "pathway_event": []}
        self.accounts: list[tuple] = []
        self.counts = {"reports": 0, "alerts": 0, "immediate": 0, "open": 0}
        self.nurse_of = {pro for pro, _specialty, team_role, _role in region.hospital if team_role == TeamRole.NURSE}
        self.pro_of_account = {account: pro for pro, account in region.account_of_pro.items()}

    def _next(self, table: str) -> int:
        self.ids_of[table] += 1
        return self.ids_of[table]

    def _at(self, day: date) -> datetime:
        return datetime.combine(day, time(self.rng.randint(8, 21), self.rng.randrange(60)), PARIS).astimezone(UTC)

    def write(self) -> dict[str, int]:
        region = self.region
        accounts = dict(region.w.connection.execute(
            "SELECT patient_id, id FROM account WHERE patient_id IS NOT NULL").fetchall())
        for patient_id in region.patient_ids:
            clinical: Clinical = region.clinical[patient_id]
            if clinical.stage != CareStage.TREATMENT or clinical.treatment is None:
                continue
            account_id = accounts.get(patient_id) or self._account(patient_id)
            self._patient(patient_id, account_id, clinical.treatment)
            if len(self.rows["symptom_answer"]) >= 200_000:
                self._flush()
        self._flush()
        return self.counts

    def _account(self, patient_id: int) -> int:
        account_id = self._next("account")
        identifier = f"region.suivi{patient_id:07d}"
        enrolled = self.region.now - timedelta(days=200)
        self.accounts.append((account_id, self.ids.public(), identifier, str(Role.PATIENT), "active", "", None, patient_id,
                              self.region.password_hash, enrolled, totp.encrypt(self.totp_seed(identifier), account_id=account_id),
                              enrolled, 0, enrolled, False))
        return account_id

    def _patient(self, patient_id: int, account_id: int, started: date) -> None:
        rng, region = self.rng, self.region
        group = rng.choices([g for g, _w in GROUPS], weights=[w for _g, w in GROUPS])[0]
        items = questionnaire.GROUP_ITEMS[group]
        severity = {item: rng.choice((0, 0, 0, 1)) for item in items if item != "fever"}
        previous: dict[str, int] = {}
        nurses = [pro for pro in region.team_of_patient.get(patient_id, []) if pro in self.nurse_of]
        day = max(started, region.today - timedelta(weeks=WEEKS)) + timedelta(days=rng.randint(0, 6))
        while day <= region.today:
            if rng.random() >= MISSED_WEEK:
                severity = {item: _drift(rng, value) for item, value in severity.items()}
                fever = round(rng.uniform(38.0, 39.6), 1) if "fever" in items and rng.random() < FEVER else None
                previous = self._report(patient_id, account_id, group, items, severity, fever, previous, day, nurses)
            day += timedelta(days=7)

    def _report(self, patient_id, account_id, group, items, severity, fever, previous, day, nurses) -> dict[str, int]:
        rng, region = self.rng, self.region
        submitted = min(self._at(day), region.now - timedelta(minutes=rng.randint(5, 600)))
        report_id = self._next("symptom_report")
        self.rows["symptom_report"].append((report_id, self.ids.public(), patient_id, account_id, str(group),
                                            submitted - timedelta(minutes=2), submitted))
        answers = []
        for item in items:
            value = severity.get(item, 0)
            present = fever is not None if item == "fever" else value > 0
            interference = min(value, rng.randint(0, 3)) if present and questionnaire.ITEMS[item].interference else None
            self.rows["symptom_answer"].append((
                self._next("symptom_answer"), report_id, item, present, value if present and item != "fever" else None,
                interference, round(fever * 10) if item == "fever" and present else None, "", submitted))
            answers.append(rules.Answer(item, present, value if item != "fever" else None, fever if item == "fever" else None))
        self.counts["reports"] += 1
        result = rules.evaluate(answers, group=group, previous=previous, labels=questionnaire.LABELS)
        if result.level is not None:
            self._alert(patient_id, report_id, result, submitted, nurses)
        return {item: value for item, value in severity.items()}

    def _alert(self, patient_id: int, report_id: int, result: rules.Evaluation, raised: datetime, nurses: list[int]) -> None:
        rng, region = self.rng, self.region
        immediate = result.level == rules.Level.IMMEDIATE
        escalated = raised + alerts.escalation_delay() if immediate and raised + alerts.escalation_delay() <= region.now \
            else None
        acknowledged = by = None
        action = ""
        if raised < region.now - OPEN_FOR and nurses:
            acknowledged = raised + timedelta(minutes=rng.randint(20, 20 * 60 if not immediate else 180))
            escalated = escalated if escalated is not None and escalated < acknowledged else None
            by, action = region.account_of_pro[rng.choice(nurses)], rng.choice(ACTIONS)
        self.rows["symptom_alert"].append((self._next("symptom_alert"), self.ids.public(), patient_id, report_id,
                                           str(result.level), "\n".join(result.reasons)[:1000], raised, escalated,
                                           acknowledged, by, action, ""))
        self._event(patient_id, raised, f"Alerte {'immédiate ' if immediate else ''}signalée par le patient", None)
        if acknowledged is not None:
            self._event(patient_id, acknowledged, f"Alerte prise en compte par l'équipe : {alerts.ACTIONS[action].lower()}",
                        self.pro_of_account[by])
        self.counts["alerts"] += 1
        self.counts["immediate"] += immediate
        self.counts["open"] += acknowledged is None

    def _event(self, patient_id: int, moment: datetime, title: str, author: int | None) -> None:
        self.rows["pathway_event"].append((self._next("pathway_event"), self.ids.public(), patient_id,
                                           str(PathwayEventKind.SYMPTOM_ALERT), moment.astimezone(PARIS).date(), title,
                                           None, author, moment))

    def _flush(self) -> None:
        self.w.insert("account", ["id", "public_id", "identifier", "role", "status", "email", "professional_id",
                                  "patient_id", "password_hash", "password_changed_at", "totp_secret_enc",
                                  "totp_enrolled_at", "failed_count", "created_at", "email_notifications"], self.accounts)
        self.accounts = []
        columns = {"symptom_report": REPORT_COLUMNS, "symptom_answer": ANSWER_COLUMNS, "symptom_alert": ALERT_COLUMNS,
                   "pathway_event": EVENT_COLUMNS}
        for table in ("symptom_report", "symptom_answer", "symptom_alert", "pathway_event"):
            self.w.insert(table, columns[table], self.rows[table])
            self.rows[table] = []


def generate(region, *, totp_seed) -> dict[str, int]:
    """Add the check-ins, alerts and their pathway events of the region's patients in treatment; the accounts it
    adds are enrolled with `totp_seed(identifier)` like the region's others."""
    return SymptomWriter(region, totp_seed).write()
