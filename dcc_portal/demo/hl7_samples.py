"""The demo's HL7 v2 sample messages (dcc_portal/demo/hl7/*.hl7), sent to the listener at `make run`: a CR-ACP for the
demo patient Sylvie LEROY (DEMO-000001, filed to her record, hidden from her until the announcement, in her médecin
traitant's news), the same laboratory's report for an identity that does not match (waiting for identity vigilance),
and a malformed message (refused). `python -m dcc_portal.demo.hl7_samples` writes them again (after a change of the
demo patients' identities)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dcc_portal.peers import hl7_sender
from dcc_portal.services.common import render

FOLDER = Path(__file__).resolve().parent / "hl7"
SENDERS = FOLDER / "senders.json"
FACILITY = "CHU-VSL-ACP"
LEROY = {"family": "LEROY", "given": "Sylvie", "birth": date(1972, 9, 21), "sex": "F", "ins": "272094488100134",
         "local_id": "CHU-880001"}
REPORT = """<html><body style="font-family: sans-serif">
<h1>Compte rendu d'anatomie et de cytologie pathologiques</h1>
<p>CHU de Villeneuve-sur-Loire (fictif). Document de démonstration : aucune donnée réelle.</p>
<p><b>Patiente :</b> LEROY Sylvie, née le 21/09/1972.</p>
<p><b>Prélèvement :</b> biopsies écho-guidées du sein gauche, quadrant supéro-externe.</p>
<p><b>Conclusion :</b> carcinome infiltrant de type non spécifique, grade histopronostique 2 (SBR). Récepteurs
hormonaux et HER2 en cours.</p>
<p>Dr Louis Chevalier, pathologiste.</p>
</body></html>"""


def write(folder: Path = FOLDER) -> list[Path]:
    pdf = render.pdf(REPORT)
    samples = {
        "1-cr-acp-leroy.hl7": hl7_sender.message(
            control_id="CHU-VSL-ACP-000001", facility=FACILITY, application="DIAMIC", document_ref="ACP-2026-004217",
            title="Biopsies du sein gauche", service_date="20261201", payload=pdf, **LEROY),
        "2-identite-discordante.hl7": hl7_sender.message(
            control_id="CHU-VSL-ACP-000002", facility=FACILITY, application="DIAMIC", document_ref="ACP-2026-004230",
            title="Biopsie bronchique", service_date="20261202", payload=pdf,
            **{**LEROY, "birth": date(1972, 9, 12), "local_id": ""}),
        # No PID segment: the patient is not identified.
        "3-message-mal-forme.hl7": "\r".join(
            line for line in hl7_sender.message(
                control_id="CHU-VSL-ACP-000003", facility=FACILITY, application="DIAMIC", document_ref="ACP-2026-004231",
                payload=pdf, **LEROY).split("\r") if not line.startswith("PID")),
    }
    written = []
    for name, text in samples.items():
        path = folder / name
        path.write_text(text.replace("\r", "\n") + "\n", encoding="utf-8")
        written.append(path)
    return written


def sample_files() -> list[Path]:
    return sorted(FOLDER.glob("*.hl7"))


if __name__ == "__main__":
    for path in write():
        print(path)
