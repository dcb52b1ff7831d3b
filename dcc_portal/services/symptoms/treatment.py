"""What the PPS tells the symptom follow-up: the treatments running today (their group decides the items and the
rules), their dates for the charts, and who the patient calls when an alert is immediate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from dcc_portal.models import Patient
from dcc_portal.services.access import rule as access
from dcc_portal.services.pps import content as pc
from dcc_portal.services.pps import programme
from dcc_portal.services.symptoms import questionnaire

# Side effects go on after the last session: the check-ins run this long after it.
AFTER_LAST_SESSION = timedelta(days=21)
EMERGENCY_NUMBER = "15"


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # last session, or the end date


@dataclass(frozen=True)
class Treatment:
    group: str
    label: str
    periods: tuple[Period, ...]
    call_who: str
    call_phone: str
    sessions: tuple[date, ...] = ()

    def active_on(self, day: date) -> list[Period]:
        return [period for period in self.periods if period.start <= day <= period.end + AFTER_LAST_SESSION]


def periods_of(content: dict) -> list[tuple[str, Period]]:
    """(treatment type code, its dates) for each treatment of a PPS version."""
    bounds: dict[str, list] = {}
    for event in pc.planned_events(content):
        if event.section != "treatments":
            continue
        uid = event.key.rsplit("-", 1)[0]
        last = event.last_day or event.day
        if uid in bounds:
            bounds[uid][2] = max(bounds[uid][2], last)
        else:
            bounds[uid] = [event.short_type, event.day, last]
    types = {str(item.get("uid")): str(item.get("type") or "") for item in content.get("treatments", [])}
    return [(types.get(uid, ""), Period(label, start, end)) for uid, (label, start, end) in bounds.items()]


def _who_to_call(content: dict) -> tuple[str, str]:
    contacts = [item for item in content.get("contacts", []) if str(item.get("phone") or "").strip()]
    contacts.sort(key=lambda item: not item.get("emergency"))
    if not contacts:
        return "", ""
    return str(contacts[0].get("who") or ""), str(contacts[0].get("phone") or "")


def of_patient(db: Session, patient: Patient, today: date) -> Treatment | None:
    """The treatments of the PPS handed over to the patient (the group of those running today leads), or None."""
    document = programme.current_document(db, patient_id=patient.id)
    if document is None or not access.patient_may_see(document, patient) or \
            programme.first_issued_version(db, document_id=document.id) is None:
        return None
    content = programme.content_of(db, document)
    typed = periods_of(content)
    who, phone = _who_to_call(content)
    running = [code for code, period in typed if period.start <= today <= period.end + AFTER_LAST_SESSION]
    group = questionnaire.group_of(running or [code for code, _period in typed])
    sessions = tuple(sorted({event.day for event in pc.planned_events(content) if event.section == "treatments"}))
    return Treatment(group=group, label=questionnaire.GROUP_LABELS[group], periods=tuple(period for _code, period in typed),
                     call_who=who, call_phone=phone, sessions=sessions)


def in_treatment(treatment: Treatment | None, day: date) -> bool:
    return treatment is not None and bool(treatment.active_on(day))


def instruction(treatment: Treatment | None) -> str:
    """What the patient reads at once after an immediate alert."""
    if treatment is not None and treatment.call_phone:
        who = f" ({treatment.call_who})" if treatment.call_who else ""
        return (f"Appelez maintenant votre équipe au {treatment.call_phone}{who}. Si personne ne répond, ou si vous "
                f"avez du mal à respirer ou vous sentez très mal : appelez le {EMERGENCY_NUMBER}.")
    return f"Appelez maintenant le {EMERGENCY_NUMBER} (SAMU) et dites que vous êtes traité(e) pour un cancer."
