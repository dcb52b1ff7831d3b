"""The patient's programme as an iCalendar file (RFC 5545) for their own calendar app.

Times are Paris wall-clock times (TZID=Europe/Paris with its VTIMEZONE), so a 9:30 session stays at 9:30 across
the daylight-saving change. Each event keeps the same UID from one version of the PPS to the next (item uid +
session number), so importing a newer file updates the events instead of duplicating them. By default the events
say only "Rendez-vous médical": calendars are often synchronised to outside services, so the kind of treatment and
the place are written only when the patient asks for them. An all-day event (a treatment taken over weeks or
years, without sessions) takes its first day only: a calendar shows it as a reminder, not as a bar across years.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    Document,
    DocumentKind,
    DocumentVersion,
    Patient,
    utcnow,
)
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.storage import FilePayload
from dcc_portal.services.pps import content as pc
from dcc_portal.services.pps import programme as pps
from dcc_portal.services.record import documents

DETAILED = "detailed"
PRODID = "-//DCC Portal//Programme personnalise de soins//FR"
UID_DOMAIN = "pps.dcc-portal"
DEFAULT_DURATION = "PT1H"
FOOTNOTE = "Détails dans votre espace DCC, rubrique « Mon programme de soins »."

VTIMEZONE_PARIS = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Paris",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]


def escape_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and line breaks escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Content lines of at most 75 octets, continued with a leading space, never splitting a character."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current, limit = [], b"", 75
    for char in line:
        data = char.encode()
        if len(current) + len(data) > limit:
            parts.append(current.decode())
            current, limit = b"", 74  # continuation lines start with a space
        current += data
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _uid(document: Document, event: pc.PlannedEvent) -> str:
    return hashlib.sha256(f"{document.public_id}:{event.key}".encode()).hexdigest()[:32] + "@" + UID_DOMAIN


def _event_lines(document: Document, event: pc.PlannedEvent, *, detailed: bool, stamp: str) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{_uid(document, event)}", f"DTSTAMP:{stamp}", f"SEQUENCE:{document.current_version}"]
    if event.at is not None:
        lines += [f"DTSTART;TZID=Europe/Paris:{event.day:%Y%m%d}T{event.at:%H%M}00", f"DURATION:{DEFAULT_DURATION}"]
    else:  # an all-day event takes its day only: a treatment given over months starts that day
        lines += [f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}", f"DTEND;VALUE=DATE:{event.day + timedelta(days=1):%Y%m%d}",
                  "TRANSP:TRANSPARENT"]
    if detailed:
        lines.append("SUMMARY:" + escape_text(event.label + (" : début" if event.last_day else "")))
        place = "À domicile" if event.at_home else event.place
        if place:
            lines.append("LOCATION:" + escape_text(place))
        period = f"\nJusqu'au {formatting.date_fr(event.last_day)}" if event.last_day else ""
        lines.append("DESCRIPTION:" + escape_text(f"{event.type_label}{period}\n{FOOTNOTE}"))
    else:
        numbering = f" ({event.session}/{event.sessions})" if event.sessions > 1 else ""
        lines.append("SUMMARY:" + escape_text(f"Rendez-vous médical{numbering}"))
        lines.append("DESCRIPTION:" + escape_text(FOOTNOTE))
    lines += ["CLASS:PRIVATE", "END:VEVENT"]
    return lines


def calendar_text(document: Document, content: dict, *, detailed: bool, now: datetime | None = None) -> str:
    stamp = (now or utcnow()).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             "X-WR-CALNAME:" + escape_text("Mon programme de soins"), "X-WR-TIMEZONE:Europe/Paris", *VTIMEZONE_PARIS]
    for event in pc.planned_events(content):
        lines += _event_lines(document, event, detailed=detailed, stamp=stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _ics(db: Session, *, actor: Actor, document_public_id: str, detailed: bool, now: datetime | None = None) -> tuple[bytes, Document]:
    document, _patient, _grant = access.require_document(
        db, actor=actor, document_public_id=document_public_id, action=AuditAction.EXPORT,
        detail="agenda (.ics) du programme de soins" + (" avec le type de soin et le lieu" if detailed else ""), now=now,
    )
    if document.kind != DocumentKind.PPS:
        raise access.deny(db, actor=actor, action=AuditAction.EXPORT, patient_id=document.patient_id, detail="agenda : pas un PPS")
    content = documents.content_of(documents.version_row(db, document=document))
    return calendar_text(document, content, detailed=detailed, now=now).encode(), document


def produce_ics(db: Session, *, actor: Actor, target: str, variant: str = ""):
    """Download producer (downloads.PRODUCERS["pps_ics"]): target is the PPS document's public id."""
    data, _document = _ics(db, actor=actor, document_public_id=target, detailed=variant == DETAILED)
    return FilePayload(data, "text/calendar; charset=utf-8", "mon-programme-de-soins.ics")


def ics_bytes(db: Session, *, actor: Actor, patient_public_id: str, detailed: bool = False, now: datetime | None = None) -> bytes | None:
    """The calendar file of a patient's PPS for anyone who may see it, or None when there is none to see
    (for `documents export`)."""
    patient, _grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id,
                                             action=AuditAction.EXPORT, detail="agenda du programme de soins", now=now)
    document = pps.current_document(db, patient_id=patient.id)
    if document is None or not access.document_visible(actor=actor, grant=_grant, document=document, patient=patient):
        return None
    return _ics(db, actor=actor, document_public_id=document.public_id, detailed=detailed, now=now)[0]


def export_ics(db: Session, *, document: Document, version: DocumentVersion, patient: Patient) -> tuple[str, bytes]:
    """Operator export (services/exports.EXPORTERS): the planned events without clinical detail."""
    text = calendar_text(document, documents.content_of(version), detailed=False)
    return f"pps-calendrier-{document.public_id}-v{version.version}.ics", text.encode()
