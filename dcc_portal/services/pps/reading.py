"""Reading a PPS: the patient on their phone (next steps first, treatments in plain words, who to call, what changed
since the version they last confirmed, the confirmation of reading), and the print view and PDF."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    Document,
    DocumentStatus,
    DocumentVersion,
    Patient,
    PpsAcknowledgement,
    Professional,
    Role,
    utcnow,
)
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import render
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.names import patient_name, professional_label
from dcc_portal.services.pps import content as pc
from dcc_portal.services.pps.programme import (
    MONTHS,
    TITLE,
    WEEKDAYS,
    NewerVersion,
    VersionRow,
    content_of,
    current_document,
    diagnosis_lines,
    first_issued_version,
    handovers_of,
    last_acknowledged,
    update_reason,
    version_rows,
)
from dcc_portal.services.record import documents


@dataclass(frozen=True)
class EventRow:
    key: str
    day: str  # « jeudi 2 avril 2026 »
    time: str  # « 9 h 30 » or ""
    until: str  # « jusqu'au 5 juin 2026 » for a period
    title: str
    type_label: str
    place: str
    month: str  # set on the first event of each month
    past: bool


@dataclass(frozen=True)
class TreatmentCard:
    title: str
    type_label: str
    when: str
    rhythm: str
    place: str
    route: str
    side_effects: str
    management: str


@dataclass(frozen=True)
class Card:
    title: str
    detail: str
    extra: str


@dataclass(frozen=True)
class ContactRow:
    who: str
    reason: str
    phone: str
    tel_href: str
    hours: str
    emergency: bool


@dataclass(frozen=True)
class ChangeRow:
    title: str
    lines: list[str]


@dataclass(frozen=True)
class PatientView:
    available: bool
    document_public_id: str = ""
    version: int = 0
    version_date: str = ""
    handed_over: str = ""
    plan_summary: str = ""
    end_of_treatment: str = ""
    rcp_date: str = ""
    unread: bool = False
    first_read: bool = False
    reasons: list[str] = field(default_factory=list)
    changes: list[ChangeRow] = field(default_factory=list)
    next_steps: list[EventRow] = field(default_factory=list)
    upcoming: list[EventRow] = field(default_factory=list)
    past: list[EventRow] = field(default_factory=list)
    treatments: list[TreatmentCard] = field(default_factory=list)
    follow_up: list[Card] = field(default_factory=list)
    measures: list[Card] = field(default_factory=list)
    supportive_care: list[Card] = field(default_factory=list)
    social: list[Card] = field(default_factory=list)
    contacts: list[ContactRow] = field(default_factory=list)
    team: list[ContactRow] = field(default_factory=list)
    diagnosis: list[tuple[str, str]] = field(default_factory=list)
    history: list[VersionRow] = field(default_factory=list)


def day_long(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def tel_href(phone: str) -> str:
    """A tel: link made of the digits of a number (never of the text itself)."""
    digits = re.sub(r"[^0-9]", "", phone or "")
    if len(digits) < 3:
        return ""
    return "tel:" + ("+" if (phone or "").strip().startswith("+") else "") + digits


def event_rows(events: list[pc.PlannedEvent], *, today: date) -> tuple[list[EventRow], list[EventRow]]:
    """(upcoming, past), each with a month heading on its first event of a month."""

    def rows(selected: list[pc.PlannedEvent]) -> list[EventRow]:
        result, month = [], ""
        for event in selected:
            label = f"{MONTHS[event.day.month - 1]} {event.day.year}"
            result.append(EventRow(
                key=event.key, day=_capitalised(day_long(event.day)),
                time=f"{event.at.hour} h {event.at.minute:02d}" if event.at else "",
                until=f"jusqu'au {day_long(event.last_day)}" if event.last_day else "",
                title=event.label, type_label=event.short_type,
                place="À domicile" if event.at_home else event.place,
                month=_capitalised(label) if label != month else "", past=(event.last_day or event.day) < today,
            ))
            month = label
        return result

    upcoming = [event for event in events if (event.last_day or event.day) >= today]
    past = [event for event in events if (event.last_day or event.day) < today]
    return rows(upcoming), rows(list(reversed(past)))


def _cards(section: str, content: dict) -> list[Card]:
    spec = pc.SECTION_FIELDS[section][0]
    cards = []
    for item in content.get(section, []):
        if section == "follow_up":
            when = " ".join(part for part in (
                f"le {day_long(date.fromisoformat(item['date']))}" if item.get("date") else "",
                f"à {pc.display_value(pc.Spec('time', 'time', ''), item.get('time'))}" if item.get("time") else "",
            ) if part)
            extra = " · ".join(part for part in (item.get("rhythm", ""), item.get("place", "")) if part)
            cards.append(Card(str(item.get("title") or ""), pc.plain_label(spec.value_set, item.get("type", "")) + (f", {when}" if when else ""), extra))
        else:
            cards.append(Card(pc.plain_label(spec.value_set, item.get("type", "")), str(item.get("detail") or ""),
                              str(item.get("contact") or "")))
    return cards


def _treatment_cards(content: dict) -> list[TreatmentCard]:
    return [
        TreatmentCard(
            title=str(item.get("title") or ""),
            type_label=pc.plain_label(pc.TREATMENT_TYPES, item.get("type", "")),
            when=pc.treatment_when(item),
            rhythm=str(item.get("rhythm") or ""),
            place="À domicile" + (f" ({item['place']})" if item.get("place") else "") if item.get("at_home") else str(item.get("place") or ""),
            route=pc.plain_label(pc.ADMINISTRATION_ROUTES, item["route"]) if item.get("route") else "",
            side_effects=str(item.get("side_effects") or ""),
            management=str(item.get("management") or ""),
        )
        for item in content.get("treatments", [])
    ]


def contact_rows(content: dict) -> list[ContactRow]:
    rows = [
        ContactRow(str(item.get("who") or ""), str(item.get("reason") or ""), str(item.get("phone") or ""),
                   tel_href(str(item.get("phone") or "")), str(item.get("hours") or ""), bool(item.get("emergency")))
        for item in content.get("contacts", [])
    ]
    return sorted(rows, key=lambda row: not row.emergency)


def team_rows(content: dict) -> list[ContactRow]:
    team = content.get("team") or {}
    people = list(team.get("members", []))
    if team.get("medecin_traitant"):
        people.append({**team["medecin_traitant"], "role": "Médecin traitant"})
    return [ContactRow(person.get("name", ""), " · ".join(part for part in (person.get("role"), person.get("organisation")) if part),
                       person.get("phone", ""), tel_href(person.get("phone", "")), "", False) for person in people]


def handover_text(db: Session, document: Document, *, up_to_version: int | None = None) -> str:
    rows = [row for row in handovers_of(db, document.id) if up_to_version is None or row.version <= up_to_version]
    if not rows:
        return ""
    latest = rows[-1]
    by = db.get(Professional, latest.handed_over_by_professional_id)
    return f"le {formatting.date_fr(latest.handed_over_on)} par {professional_label(by)}"


def _own_patient(db: Session, actor: Actor, action: str, detail: str) -> Patient:
    if actor.role != Role.PATIENT or actor.patient_id is None:
        raise access.deny(db, actor=actor, action=action, detail=detail)
    return db.get(Patient, actor.patient_id)


def visible_document_for_patient(db: Session, *, actor: Actor, action: str = AuditAction.READ,
                                 detail: str = "programme de soins", now: datetime | None = None) -> tuple[Patient, Document | None]:
    """The patient's own PPS when it has reached them (audited); otherwise None, with the same answer whether a
    PPS exists or not."""
    patient = _own_patient(db, actor, action, detail)
    document = current_document(db, patient_id=patient.id)
    if document is None or not access.patient_may_see(document, patient):
        access.require_patient(db, actor=actor, patient_public_id=patient.public_id, action=action, detail=detail, now=now)
        return patient, None
    document, patient, _grant = access.require_document(db, actor=actor, document_public_id=document.public_id,
                                                        action=action, detail=detail, now=now)
    return patient, document


def patient_view(db: Session, *, actor: Actor, now: datetime | None = None) -> PatientView:
    """The patient's own programme, in plain words, with what changed since the version they last confirmed."""
    patient, document = visible_document_for_patient(db, actor=actor, now=now)
    if document is None:
        return PatientView(available=False)
    today = formatting.paris_today(now)
    version = documents.version_row(db, document=document)
    content = documents.content_of(version)
    issued_from = first_issued_version(db, document_id=document.id) or document.current_version
    read = last_acknowledged(db, document_id=document.id, account_id=actor.account_id)
    changes, reasons = [], []
    if read is not None and issued_from <= read < document.current_version:
        changes = [ChangeRow(change.title, change.lines) for change in pc.differences(content_of(db, document, read), content)]
        reasons = [row.reason for row in version_rows(db, document, from_version=read + 1, plain=True)]
    upcoming, past = event_rows(pc.planned_events(content), today=today)
    return PatientView(
        available=True,
        document_public_id=document.public_id,
        version=document.current_version,
        version_date=formatting.date_fr(version.created_at),
        handed_over=handover_text(db, document),
        unread=read is None or read < document.current_version,
        first_read=read is None,
        reasons=reasons,
        changes=changes,
        next_steps=upcoming[:3],
        upcoming=upcoming,
        past=past,
        **sections_of(content),
        history=version_rows(db, document, from_version=issued_from, plain=True),
    )


def sections_of(content: dict) -> dict:
    """The programme's sections as the patient's page and the printable PPS both show them."""
    end = content.get("end_of_treatment")
    return {
        "plan_summary": str(content.get("plan_summary") or ""),
        "end_of_treatment": day_long(date.fromisoformat(end)) if end else "",
        "rcp_date": formatting.date_fr(date.fromisoformat(content["rcp_date"])) if content.get("rcp_date") else "",
        "treatments": _treatment_cards(content),
        "follow_up": _cards("follow_up", content),
        "measures": _cards("measures", content),
        "supportive_care": _cards("supportive_care", content),
        "social": _cards("social", content),
        "contacts": contact_rows(content),
        "team": team_rows(content),
        "diagnosis": diagnosis_lines(content.get("diagnosis") or {}),
    }


def acknowledge(db: Session, *, actor: Actor, version: int, now: datetime | None = None) -> None:
    """The patient confirms they read this version (audited). Confirming an outdated version is refused."""
    _patient, document = visible_document_for_patient(db, actor=actor, action=AuditAction.ACKNOWLEDGE,
                                                      detail="prise de connaissance du programme de soins", now=now)
    if document is None:
        raise ValidationFailed({"version": "Aucun programme de soins à confirmer."})
    if not isinstance(version, int) or version != document.current_version:
        raise NewerVersion()
    if last_acknowledged(db, document_id=document.id, account_id=actor.account_id) != version:
        db.add(PpsAcknowledgement(document_id=document.id, version=version, account_id=actor.account_id,
                                  acknowledged_at=now or utcnow()))


def print_html(db: Session, *, document: Document, version: DocumentVersion, patient: Patient, show_print_button: bool = True) -> str:
    """The printable PPS (documents.RENDERERS), written for the patient: large type, plain words."""
    content = documents.content_of(version)
    upcoming, past = event_rows(pc.planned_events(content), today=date.min)
    return render.render(
        "print/pps.html.j2",
        title=f"{TITLE} de {patient_name(patient)}",
        footer=f"{TITLE} — {patient_name(patient)} — version {version.version}",
        show_print_button=show_print_button,
        patient_name=patient_name(patient),
        birth_date=formatting.date_fr(patient.birth_date),
        ins=formatting.ins_display(patient.ins),
        version=version.version,
        version_date=formatting.date_fr(version.created_at),
        draft=document.status == DocumentStatus.DRAFT,
        reason=update_reason(content, plain=True),
        handed_over=handover_text(db, document, up_to_version=version.version),
        rcp_proposal=str(content.get("rcp_proposal") or ""),
        events=upcoming,
        **sections_of(content),
    )


def pdf_bytes(db: Session, *, actor: Actor, document_public_id: str) -> bytes:
    """The PDF of the current version for anyone who may see it (audited export); for `documents export`."""
    return documents.produce_pdf(db, actor=actor, target=document_public_id).data


def export_pdf(db: Session, *, document: Document, version: DocumentVersion, patient: Patient) -> tuple[str, bytes]:
    """Operator export (services/exports.EXPORTERS)."""
    html = print_html(db, document=document, version=version, patient=patient, show_print_button=False)
    return f"pps-{document.public_id}-v{version.version}.pdf", render.print_pdf(html)
