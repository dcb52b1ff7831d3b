"""What the HL7 v2 feed sustains: messages sent over several MLLP connections to the listener, each sender waiting
for its ACK before the next message (as HL7 v2 original mode does), time-to-ACK per message and throughput.

    python -m bench.hl7_feed [--messages 1000] [--connections 4] [--db-url URL] [--workers N] [--pdf-kb 0]

The listener is the operator command (`python -m dcc_portal hl7-listener`) on a free port, on a temporary SQLite
database unless --db-url names an empty one. Every message is a CR-ACP (a PDF, padded to --pdf-kb) for one of 200
patients found by qualified INS, each with a care team of two and a médecin traitant: each ACK covers the checks,
the filing, the notifications and the commit. One message in ten is a new version of a document received before.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.common import percentile, percentiles, print_table
from dcc_portal import db as dbmod
from dcc_portal import migrate
from dcc_portal.models import Account, CareTeamMembership, Patient, Professional, Role
from dcc_portal.peers import hl7_sender
from dcc_portal.services.common import identifiers
from dcc_portal.services.exchange import hl7_listener
from dcc_portal.services.exchange.hl7_messages import ack_code

ROOT = Path(__file__).resolve().parents[1]
FACILITY = "BANC-LABO"
PATIENTS = 200


def _world(url: str) -> list[dict]:
    people = []
    with dbmod.transaction(url) as db:
        staff = []
        for index, (family, role) in enumerate((("ONCO", Role.CLINICIAN), ("IDE", Role.NURSE), ("MG", Role.GP))):
            pro = Professional(rpps=identifiers.with_rpps_check_digit(f"77770000{index:02d}"), family_name=family,
                               given_name="Banc", specialty_code="G15_10/SM36")
            db.add(pro)
            db.flush()
            db.add(Account(identifier=f"banc.{family.lower()}", role=role, professional_id=pro.id, password_hash="x"))
            staff.append(pro)
        for index in range(PATIENTS):
            patient = Patient(ins=identifiers.with_ins_key(f"2600144{index:06d}"), ins_oid=hl7_sender.INS_OID_TEST,
                              local_id=f"BENCH-{index:05d}", birth_family_name=f"ESSAI{index}", first_names="Marie",
                              sex="F", birth_date=date(1960, 1, 1 + index % 28), gp_professional_id=staff[2].id,
                              search_name=f"ESSAI{index} MARIE")
            db.add(patient)
            db.flush()
            for pro in staff[:2]:
                db.add(CareTeamMembership(patient_id=patient.id, professional_id=pro.id, team_role="oncologist",
                                          start_date=date(2020, 1, 1)))
            people.append({"family": patient.birth_family_name, "given": "Marie", "birth": patient.birth_date,
                           "ins": patient.ins})
    return people


def _messages(people: list[dict], count: int, pdf_kb: int) -> list[bytes]:
    pdf = hl7_sender.blank_pdf()
    if pdf_kb:
        pdf = pdf.replace(b"%%EOF", b"%" + b"0" * (pdf_kb * 1024) + b"\n%%EOF")
    out = []
    for index in range(count):
        reference = f"DOC-{index - 1 if index % 10 == 9 else index}"  # one in ten: a new version of the previous one
        person = people[(index - 1 if index % 10 == 9 else index) % len(people)]
        out.append(hl7_sender.message(control_id=f"BENCH-{index:06d}", facility=FACILITY, document_ref=reference,
                                      payload=pdf, **person).encode())
    return out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _connection(port: int, payloads: list[bytes], durations: list[float], codes: list[str]) -> None:
    reader, writer = await hl7_listener.open_hl7_connection("127.0.0.1", port, limit=hl7_listener.READ_LIMIT)
    try:
        for payload in payloads:
            start = time.perf_counter()
            writer.writeblock(payload)
            await writer.drain()
            ack = (await reader.readblock()).decode()
            durations.append(time.perf_counter() - start)
            codes.append(ack_code(ack)[0])
    finally:
        writer.close()


async def _send_all(port: int, messages: list[bytes], connections: int) -> tuple[list[float], list[str], float]:
    durations: list[float] = []
    codes: list[str] = []
    shares = [messages[index::connections] for index in range(connections)]
    start = time.perf_counter()
    await asyncio.gather(*(_connection(port, share, durations, codes) for share in shares))
    return durations, codes, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hl7_feed")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=0, help="the listener's --workers (default: its own)")
    parser.add_argument("--db-url", help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--pdf-kb", type=int, default=0, help="pad each PDF to about this many kilobytes")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench-hl7-"))
    url = args.db_url or f"sqlite:///{folder / 'bench.db'}"
    migrate.upgrade(url)
    people = _world(url)
    messages = _messages(people, args.messages, args.pdf_kb)
    senders = folder / "senders.json"
    senders.write_text(json.dumps([{"facility": FACILITY, "max_bytes": 30_000_000}]))
    port = _free_port()
    env = {**os.environ, "REFLEX_DB_URL": url, "DCC_DATA_DIR": str(folder / "data")}
    workers = ["--workers", str(args.workers)] if args.workers else []
    listener = subprocess.Popen([sys.executable, "-m", "dcc_portal", "hl7-listener", "--port", str(port), "--senders",
                                 str(senders), *workers],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        while "Écoute HL7" not in (listener.stdout.readline() or "Écoute HL7"):
            pass
        durations, codes, elapsed = asyncio.run(_send_all(port, messages, args.connections))
    finally:
        listener.terminate()
        listener.wait(30)
    p50, p95 = percentiles(durations)
    accepted = codes.count("AA")
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"HL7 v2 feed on {backend}: {len(messages)} messages over {args.connections} connections, "
          f"{len(messages[0]) // 1024} kB each, listener with {args.workers or 'its default'} worker(s)")
    print_table(["messages", "AA", "seconds", "messages/s", "p50 ACK ms", "p95 ACK ms", "p99 ACK ms"],
                [[str(len(messages)), str(accepted), f"{elapsed:.1f}", f"{len(messages) / elapsed:.0f}", f"{p50:.0f}",
                  f"{p95:.0f}", f"{percentile(durations, 99):.0f}"]])
    if accepted != len(messages):
        raise SystemExit(f"{len(messages) - accepted} message(s) not accepted")


if __name__ == "__main__":
    main()
