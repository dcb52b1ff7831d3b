"""HL7 v2.5 messages carrying a document (ORU^R01, MDM^T02, as in the ANS CI-SIS "transmission de documents CDA en
HL7 v2"): reading what the feed needs from them and writing the ACK. Parsing is the `hl7` package's; nothing here
touches the database.

- MSH: sending application (3) and facility (4), security (8: the sender's shared secret), type (9), control id (10),
  version (12).
- PID-3: identifiers; the INS has identifier type "INS" (assigning authority OID 1.2.250.1.213.1.4.8, or .10 for test
  INS), the establishment's own id type "PI". PID-32 "VALI" says the identity is qualified. PID-5 names (family^given),
  PID-7 birth date, PID-8 sex.
- The document: the OBX of type ED whose value is ^<type>^<subtype>^Base64^<data>, a CDA R2 (text/XML) or a PDF
  (application/pdf); its LOINC code in OBX-3 (else TXA-2 or OBR-4); its id in TXA-12 or OBR-3 (a CDA's setId
  wins); the date of the act in TXA-4, OBR-7 or OBX-14.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import date, datetime

import hl7

from dcc_portal.models import DocumentKind, utcnow

ACCEPTED_TYPES = {("ORU", "R01"), ("MDM", "T02")}
INS_OIDS = ("1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.10")
RECEIVER_APPLICATION = "DCC-PORTAL"
RECEIVER_FACILITY = "DCC"
# The kinds a LOINC code files as; any other code files as "autre".
FILED_KINDS = (DocumentKind.CR_ACP, DocumentKind.CR_GM, DocumentKind.CRO, DocumentKind.IMAGING, DocumentKind.BIOLOGY,
               DocumentKind.LETTER)
# Codes the sending systems use beside the DMP type codes of those kinds (documents.KINDS).
EXTRA_LOINC = {"11526-1": DocumentKind.CR_ACP, "18842-5": DocumentKind.LETTER}


class Refused(Exception):
    """The message is not accepted: `code` AE (an error the sender may retry after a fix) or AR (rejected)."""

    def __init__(self, code: str, text: str):
        super().__init__(text)
        self.code = code
        self.text = text


@dataclass(frozen=True)
class Identity:
    ins: str
    ins_oid: str
    qualified: bool  # PID-32 VALI: the INS may be used to file
    local_id: str
    local_authority: str
    family_name: str
    given_names: str
    birth_date: date | None
    sex: str


@dataclass(frozen=True)
class Inbound:
    facility: str
    application: str
    security: str
    control_id: str
    message_type: str
    identity: Identity
    loinc: str
    title: str
    document_ref: str
    service_date: date | None
    author: str
    media_type: str  # application/pdf | text/xml
    payload: bytes


def value(segment, field: int, repetition: int = 1, component: int = 1, sub: int = 1) -> str:
    """One value of a segment, "" when absent (the parser raises IndexError past the end of a short segment)."""
    try:
        return str(segment.extract_field(1, field, repetition, component, sub)).strip()
    except IndexError:
        return ""


def _segment(message, name: str):
    try:
        return message.segment(name)
    except KeyError:
        return None


def parse_message(text: str):
    """The parsed message, or Refused(AR) when it is not an HL7 v2 message."""
    text = text.replace("\r\n", "\r").replace("\n", "\r").strip("\r")
    if not text.startswith("MSH"):
        raise Refused("AR", "Message mal formé : il ne commence pas par un segment MSH.")
    try:
        message = hl7.parse(text)
        msh = message.segment("MSH")
        value(msh, 9)
    except Exception:
        raise Refused("AR", "Message mal formé : segments illisibles.") from None
    return message


def header(message) -> tuple[str, str, str, str]:
    """(sending facility, sending application, control id, security) of a parsed message."""
    msh = message.segment("MSH")
    return value(msh, 4), value(msh, 3), value(msh, 10), value(msh, 8)


def _date(text: str) -> date | None:
    digits = text[:8]
    if len(digits) < 8 or not digits.isdigit():
        return None
    try:
        return datetime.strptime(digits, "%Y%m%d").date()
    except ValueError:
        return None


def _identity(pid) -> Identity:
    ins = ins_oid = local_id = local_authority = ""
    repetitions = len(pid(3)) if len(pid) > 3 else 0
    for rep in range(1, repetitions + 1):
        kind = value(pid, 3, rep, 5).upper()
        if kind == "INS" and not ins:
            ins, ins_oid = value(pid, 3, rep, 1), value(pid, 3, rep, 4, 2)
        elif kind == "PI" and not local_id:
            local_id, local_authority = value(pid, 3, rep, 1), value(pid, 3, rep, 4)
    birth = value(pid, 7)
    return Identity(
        ins=ins if ins_oid in INS_OIDS else "", ins_oid=ins_oid, qualified=value(pid, 32).upper() == "VALI",
        local_id=local_id[:40], local_authority=local_authority[:60], family_name=value(pid, 5, 1, 1)[:100],
        given_names=value(pid, 5, 1, 2)[:200], birth_date=_date(birth), sex=value(pid, 8)[:1].upper(),
    )


def _document_obx(message):
    for obx in message.segments("OBX") if _segment(message, "OBX") is not None else []:
        if value(obx, 2).upper() == "ED":
            return obx
    return None


def kind_of(loinc: str, kinds: dict[str, tuple[str, str]]) -> str:
    """The document kind of a LOINC code (`kinds` is documents.KINDS), "other" for anything else."""
    for kind in FILED_KINDS:
        if kinds[kind][0] == loinc:
            return kind
    return EXTRA_LOINC.get(loinc, DocumentKind.OTHER)


def read(message) -> Inbound:
    """What the feed files from a parsed message; Refused when the message cannot carry a document."""
    msh = message.segment("MSH")
    facility, application, control_id, security = header(message)
    if not control_id:
        raise Refused("AR", "Identifiant de message (MSH-10) absent.")
    if not facility:
        raise Refused("AR", "Établissement émetteur (MSH-4) absent.")
    version = value(msh, 12)
    if not version.startswith("2.5"):
        raise Refused("AR", f"Version HL7 {version or 'absente'} non prise en charge : seule la version 2.5 l'est.")
    message_type = (value(msh, 9, 1, 1).upper(), value(msh, 9, 1, 2).upper())
    if message_type not in ACCEPTED_TYPES:
        raise Refused("AR", f"Type de message {'^'.join(message_type)} non pris en charge (ORU^R01 ou MDM^T02).")
    pid = _segment(message, "PID")
    if pid is None:
        raise Refused("AR", "Segment PID absent : le patient n'est pas identifié.")
    identity = _identity(pid)
    if not identity.family_name or identity.birth_date is None:
        raise Refused("AR", "Identité incomplète (PID-5 nom, PID-7 date de naissance).")
    obx = _document_obx(message)
    if obx is None:
        raise Refused("AR", "Aucun segment OBX de type ED : le message ne porte pas de document.")
    media_type = f"{value(obx, 5, 1, 2)}/{value(obx, 5, 1, 3)}".lower()
    if media_type not in ("application/pdf", "text/xml", "application/xml"):
        raise Refused("AR", f"Document de type {media_type} non pris en charge (CDA R2 ou PDF).")
    if value(obx, 5, 1, 4).lower() != "base64":
        raise Refused("AR", "Le document doit être encodé en Base64 (OBX-5.4).")
    try:
        payload = base64.b64decode(value(obx, 5, 1, 5), validate=True)
    except (binascii.Error, ValueError):
        raise Refused("AR", "Le contenu Base64 du document est illisible.") from None
    if not payload:
        raise Refused("AR", "Le document est vide.")
    txa, obr = _segment(message, "TXA"), _segment(message, "OBR")
    loinc = value(obx, 3) or (value(txa, 2) if txa is not None else "") or (value(obr, 4) if obr is not None else "")
    title = value(obx, 3, 1, 2) or (value(obr, 4, 1, 2) if obr is not None else "")
    reference = (value(txa, 12) if txa is not None else "") or (value(obr, 3) if obr is not None else "")
    acted = (value(txa, 4) if txa is not None else "") or (value(obr, 7) if obr is not None else "") or value(obx, 14)
    author = (" ".join(filter(None, (value(txa, 9, 1, 3), value(txa, 9, 1, 2)))) if txa is not None else "") or (
        " ".join(filter(None, (value(obr, 32, 1, 3), value(obr, 32, 1, 2)))) if obr is not None else "")
    return Inbound(
        facility=facility[:60], application=application[:60], security=security, control_id=control_id[:60],
        message_type="^".join(message_type), identity=identity, loinc=loinc, title=title[:200],
        document_ref=reference[:120], service_date=_date(acted), author=author[:200],
        media_type="application/pdf" if media_type == "application/pdf" else "text/xml", payload=payload,
    )


def _escaped(text: str) -> str:
    """Text for a field, its delimiters escaped (HL7 v2 escape sequences)."""
    for raw, sequence in (("\\", "\\E\\"), ("|", "\\F\\"), ("^", "\\S\\"), ("&", "\\T\\"), ("~", "\\R\\")):
        text = text.replace(raw, sequence)
    return " ".join(text.split())[:500]


def _raw(segment, field: int) -> str:
    try:
        return str(segment(field))
    except IndexError:
        return ""


def ack(message, code: str, text: str = "", *, now: datetime | None = None) -> str:
    """The ACK answering a parsed message (original mode), or, when it could not be parsed, an ACK naming no
    message. Built from the source MSH's fields as they are: a short MSH still gets its answer."""
    now = now or utcnow()
    stamp = f"{now:%Y%m%d%H%M%S}"
    control = f"ACK{stamp}{secrets.token_hex(4).upper()}"
    sender_application = sender_facility = trigger = answered = ""
    processing, version = "P", "2.5"
    if message is not None:
        msh = message.segment("MSH")
        sender_application, sender_facility, trigger = _raw(msh, 3), _raw(msh, 4), _escaped(value(msh, 9, 1, 2))
        processing, version = _escaped(value(msh, 11) or "P"), _escaped(value(msh, 12) or "2.5")
        answered = _escaped(value(msh, 10))
    return "\r".join([
        f"MSH|^~\\&|{RECEIVER_APPLICATION}|{RECEIVER_FACILITY}|{sender_application}|{sender_facility}|{stamp}||"
        f"ACK^{trigger}^ACK|{control}|{processing}|{version}",
        f"MSA|{code}|{answered}|{_escaped(text)}",
    ])


def ack_code(text: str) -> tuple[str, str]:
    """(MSA-1, MSA-3) of an ACK's text."""
    try:
        msa = hl7.parse(text.replace("\n", "\r")).segment("MSA")
    except Exception:
        return "", ""
    return value(msa, 1), value(msa, 3)
