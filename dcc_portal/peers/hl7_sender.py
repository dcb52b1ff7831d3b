"""A hospital or laboratory system's side of the HL7 v2 feed, for the demo, the tests and the benchmark: HL7 v2.5
messages carrying a document (ORU^R01 or MDM^T02, the document as a PDF or a CDA R2 N1 in an OBX of type ED) and a
minimal PDF. The portal never imports this module."""

from __future__ import annotations

import base64
import io
from datetime import date
from xml.sax.saxutils import escape

from pypdf import PdfWriter

INS_OID_TEST = "1.2.250.1.213.1.4.10"


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def n1_cda(pdf: bytes, *, loinc: str = "60568-3", title: str = "Compte rendu d'anatomo-cytopathologie",
           set_id: str = "1.2.250.1.999.1.1", ins: str = "", family: str = "", given: str = "",
           birth: str = "19600101", sex: str = "F") -> bytes:
    """A CDA R2 level 1 document (the PDF in nonXMLBody), valid against the CDA schema."""
    pdf_b64 = base64.b64encode(pdf).decode("ascii")
    patient_id = f'<id root="{INS_OID_TEST}" extension="{ins}"/>' if ins else '<id nullFlavor="UNK"/>'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <id root="{set_id}.1"/>
  <code code="{loinc}" codeSystem="2.16.840.1.113883.6.1" displayName="{escape(title)}"/>
  <title>{escape(title)}</title>
  <effectiveTime value="20261201120000+0100"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>
  <languageCode code="fr-FR"/>
  <setId root="{set_id}"/>
  <versionNumber value="1"/>
  <recordTarget><patientRole>{patient_id}
    <patient><name><family>{escape(family)}</family><given>{escape(given)}</given></name>
      <administrativeGenderCode code="{sex}" codeSystem="2.16.840.1.113883.5.1"/><birthTime value="{birth}"/></patient>
  </patientRole></recordTarget>
  <author><time value="20261201120000+0100"/><assignedAuthor><id root="1.2.250.1.71.4.2.1" extension="810000000001"/>
  </assignedAuthor></author>
  <custodian><assignedCustodian><representedCustodianOrganization><id root="1.2.250.1.71.4.2.2" extension="1750000001"/>
  </representedCustodianOrganization></assignedCustodian></custodian>
  <component><nonXMLBody><text mediaType="application/pdf" representation="B64">{pdf_b64}</text></nonXMLBody></component>
</ClinicalDocument>
""".encode()


def message(*, control_id: str, family: str, given: str, birth: date | str, sex: str = "F", ins: str = "",
            qualified: bool = True, local_id: str = "", facility: str = "LABO-ACP-NORD", application: str = "SGL",
            message_type: str = "ORU^R01", version: str = "2.5", security: str = "", loinc: str = "60568-3",
            title: str = "Compte rendu d'anatomo-cytopathologie", document_ref: str = "", service_date: str = "20261201",
            payload: bytes | None = None, media: str = "pdf", with_obx: bool = True) -> str:
    """One message, segments separated by CR. `media` is "pdf" (the payload a PDF) or "cda" (a CDA R2 document)."""
    birth_text = birth.strftime("%Y%m%d") if isinstance(birth, date) else birth
    identifiers = []
    if local_id:
        identifiers.append(f"{local_id}^^^{facility}^PI")
    if ins:
        identifiers.append(f"{ins}^^^ASIP-SANTE-INS-NIR&{INS_OID_TEST}&ISO^INS")
    pid = ["PID", "1", "", "~".join(identifiers), "", f"{family}^{given}^^^^^L", "", birth_text, sex]
    pid += [""] * (32 - len(pid)) + ["VALI" if qualified else "PROV"]
    segments = [
        f"MSH|^~\\&|{application}|{facility}|DCC-PORTAL|DCC|20261201120000|{security}|{message_type}|{control_id}|P|"
        f"{version}|||||FRA|UNICODE UTF-8",
        "|".join(pid),
    ]
    code = f"{loinc}^{title}^LN"
    if message_type.startswith("MDM"):
        segments.insert(1, "EVN|T02|20261201120000")
        segments.append("PV1|1|O")
        segments.append(f"TXA|1|{code}|TX|{service_date}||||||||{document_ref}|||||AU")
    else:
        segments.append(f"OBR|1||{document_ref}|{code}|||{service_date}")
    if with_obx:
        data = base64.b64encode(payload if payload is not None else blank_pdf()).decode("ascii")
        kind = "^application^pdf^Base64^" if media == "pdf" else "^text^XML^Base64^"
        segments.append(f"OBX|1|ED|{code}||{kind}{data}||||||F")
    return "\r".join(segments)
