"""A CDA R2 document received in an HL7 v2 message: checked against the CDA schema (conformance/cda.py), then read
for what filing needs: its type code, title and setId, and its content (the PDF of an N1 document, or the text of a
structured body's sections)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from lxml import etree

from dcc_portal.conformance import cda as conformance
from dcc_portal.services.exchange.hl7_messages import Refused

NS = {"cda": "urn:hl7-org:v3"}
MAX_TEXT = 20000


@dataclass(frozen=True)
class ReceivedCda:
    loinc: str
    title: str
    set_id: str
    pdf: bytes | None
    text: str


def _text(element, path: str) -> str:
    found = element.find(path, NS)
    return "" if found is None else " ".join("".join(found.itertext()).split())


def read(xml: bytes) -> ReceivedCda:
    errors = conformance.xsd_errors(xml)
    if errors:
        raise Refused("AR", f"Document CDA non conforme au schéma CDA R2 : {errors[0]}"[:300])
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    code = root.find("cda:code", NS)
    set_id = root.find("cda:setId", NS)
    reference = "" if set_id is None else "^".join(filter(None, (set_id.get("root"), set_id.get("extension"))))
    title = _text(root, "cda:title")
    pdf = None
    body = root.find("cda:component/cda:nonXMLBody/cda:text", NS)
    if body is not None:
        if body.get("mediaType") != "application/pdf" or body.get("representation") != "B64":
            raise Refused("AR", "Document CDA N1 dont le corps n'est pas un PDF en base 64.")
        try:
            pdf = base64.b64decode("".join((body.text or "").split()), validate=True)
        except (binascii.Error, ValueError):
            raise Refused("AR", "Le PDF du document CDA est illisible (base 64).") from None
    sections = root.findall(".//cda:structuredBody//cda:section", NS)
    text = "\n\n".join("\n".join(filter(None, (_text(section, "cda:title"), _text(section, "cda:text"))))
                         for section in sections)
    if pdf is None and not text.strip():
        raise Refused("AR", "Document CDA sans contenu (ni PDF ni section).")
    return ReceivedCda(loinc="" if code is None else code.get("code", ""), title=title[:200], set_id=reference[:120],
                       pdf=pdf, text=text[:MAX_TEXT])
