"""Operator commands: `python -m dcc_portal <command>`. Features add their own subcommands here."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from dcc_portal import db, migrate


def _migrate(_args) -> int:
    migrate.upgrade()
    print("Base de données à jour.")
    return 0


def _makemigrations(args) -> int:
    migrate.make_migration(args.message)
    return 0


def _load_demo(_args) -> int:
    from dcc_portal.demo import seed

    with db.transaction() as session:
        created = seed.load_demo_region(session)
    print("Région de démonstration chargée." if created else "Région de démonstration déjà présente : rien n'a changé.")
    return 0


def _create_admin(args) -> int:
    from dcc_portal.services.common.errors import ValidationFailed
    from dcc_portal.services.identity import accounts

    password = args.password or getpass.getpass("Mot de passe (12 caractères au moins) : ")
    try:
        with db.transaction() as session:
            account = accounts.create_initial_admin(
                session, identifier=args.identifier, password=password,
                family_name=args.family_name, given_name=args.given_name, rpps=args.rpps,
            )
            print(f"Administrateur {account.identifier} créé ; il enrôlera son second facteur à la première connexion.")
    except ValidationFailed as error:
        print(error.message, file=sys.stderr)
        return 2
    return 0


def _audit_verify(_args) -> int:
    from dcc_portal.services.access import audit

    with db.transaction() as session:
        report = audit.verify(session)
    if report.ok:
        print(f"Chaîne d'audit intègre : {report.checked} événements vérifiés.")
        return 0
    print(
        f"Chaîne d'audit ROMPUE à l'événement n° {report.first_bad_seq} (id {report.first_bad_id}) : {report.reason}. "
        f"{report.checked} événements vérifiés avant la rupture.",
        file=sys.stderr,
    )
    return 1


def _backup(args) -> int:
    from pathlib import Path

    from dcc_portal import backup

    manifest = backup.backup(Path(args.out))
    print(f"Sauvegarde écrite dans {args.out} ({manifest['database']}, {len(manifest['files'])} fichiers).")
    return 0


def _restore(args) -> int:
    from pathlib import Path

    from dcc_portal import backup

    manifest = backup.restore(Path(args.archive))
    print(f"Restauration terminée depuis la sauvegarde du {manifest['created_at']} ({len(manifest['files'])} fichiers).")
    return 0


def _documents_export(args) -> int:
    from pathlib import Path

    from dcc_portal.services.exchange import exports

    try:
        with db.transaction() as session:
            result = exports.export_patient(session, reference=args.patient, fmt=args.format, out_dir=Path(args.out),
                                            operator=getpass.getuser())
    except (LookupError, ValueError) as error:
        print(error, file=sys.stderr)
        return 2
    for path in result.written:
        print(path)
    for line in result.failed:
        print(f"non exporté : {line}", file=sys.stderr)
    print(f"{len(result.written)} document(s) exporté(s) pour {result.patient_local_id}"
          + (f" ; {len(result.skipped)} sans export {args.format} disponible" if result.skipped else "")
          + (f" ; {len(result.failed)} non exporté(s)" if result.failed else "") + ".")
    return 1 if result.failed else 0


def _log_to_stderr() -> None:
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def _run_until_stopped(worker) -> int:
    """An outbox worker's loop, until SIGTERM or SIGINT."""
    import signal
    import threading

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    worker.run_forever(stop)
    return 0


def _sharing_worker(args) -> int:
    from dcc_portal.services.exchange.sharing_worker import Worker, WorkerConfig

    _log_to_stderr()
    config = WorkerConfig.from_env()
    if not config.url:
        print("DCC_SHARING_URL n'est pas défini : aucun destinataire.", file=sys.stderr)
        return 2
    worker = Worker(config)
    if args.once:
        results = worker.run_once()
        worker.close()
        for result in results:
            print(f"{result.submission_public_id} : {result.outcome} — {result.message}")
        print(f"{len(results)} envoi(s) traité(s).")
        return 0
    return _run_until_stopped(worker)


def _symptoms_escalate(args) -> int:
    from dcc_portal.services.symptoms.alerts import escalate_in_new_session

    print(f"{escalate_in_new_session()} alerte(s) transmise(s) aux médecins")
    return 0


def _symptoms_invite(args) -> int:
    from dcc_portal.services.symptoms.invitations import invite_in_new_session

    print(f"{invite_in_new_session()} patient(s) invité(s) au questionnaire de la semaine")
    return 0


def _run_outbox_worker(args, worker, *, what: str) -> int:
    """`--once`: one pass, each message's outcome printed; otherwise until stopped."""
    if args.once:
        results = worker.run_once()
        for result in results:
            print(f"{result.message_public_id} : {result.outcome} — {result.detail}")
        print(f"{len(results)} {what} traité(s).")
        return 0
    return _run_until_stopped(worker)


def _mail_worker(args) -> int:
    from dcc_portal.services.exchange.mail_worker import MailConfig, MailWorker

    _log_to_stderr()
    config = MailConfig.from_env()
    if not config.host:
        print("DCC_SMTP_HOST n'est pas défini : aucun serveur SMTP.", file=sys.stderr)
        return 2
    return _run_outbox_worker(args, MailWorker(config), what="courriel(s)")


def _mssante_pki(args) -> int:
    from dcc_portal.peers import mssante_pki

    pki = mssante_pki.ensure(args.dir)
    print(f"Certificats de test MSSanté dans {pki.folder} (AC, opérateur, portail).")
    return 0


def _mssante_operator(args) -> int:
    from pathlib import Path

    from dcc_portal.peers import mssante_operator, mssante_pki
    from dcc_portal.services.exchange.mssante_config import MssConfig

    pki = mssante_pki.ensure(args.pki)
    portal_mailbox = MssConfig.from_env().mailbox  # where the notifications about the portal's sendings go
    if args.mailboxes:
        def known() -> set[str]:
            return mssante_operator.read_mailboxes(args.mailboxes) | {portal_mailbox}
    else:
        from dcc_portal.demo import mssante as demo_mssante

        def known() -> set[str]:
            with db.transaction() as session:
                return set(demo_mssante.mailboxes(session)) | {portal_mailbox}
    mailboxes = known()
    owners = {mssante_pki.common_name_of(pki.client[0]): {portal_mailbox}}
    print(f"Opérateur MSSanté de test sur {args.host}:{args.port} (SMTP) et {args.imap_port} (IMAP), STARTTLS et "
          f"certificat client exigés, {len(mailboxes)} boîte(s) connue(s) (relues toutes les 30 s), messages reçus "
          f"dans {args.store}.", flush=True)
    mssante_operator.serve(pki=pki, store=Path(args.store), mailboxes=mailboxes, host=args.host, port=args.port,
                           imap_port=args.imap_port, owners=owners, reload=known)
    return 0


def _mssante_worker(args) -> int:
    from dcc_portal.services.exchange.mssante_worker import MssConfig, MssWorker

    _log_to_stderr()
    config = MssConfig.from_env()
    if not config.host:
        print("DCC_MSS_HOST n'est pas défini : aucun opérateur MSSanté.", file=sys.stderr)
        return 2
    code = _run_outbox_worker(args, MssWorker(config), what="message(s) MSSanté")
    if args.once and config.imap_port:
        from dcc_portal.services.exchange.mssante_inbox import MssInbox

        print(f"{len(MssInbox(config).run_once())} accusé(s) de remise ou de lecture enregistré(s).")
    return code


def _outbox_status(model, empty: str) -> int:
    from sqlalchemy import func
    from sqlmodel import select

    with db.transaction() as session:
        rows = session.exec(select(model.status, func.count(model.id)).group_by(model.status)).all()
    labels = {"pending": "en attente", "sending": "en cours d'envoi", "retrying": "nouvel essai prévu",
              "sent": "envoyés", "failed": "refusés (adresse à corriger)"}
    for status, count in sorted(rows):
        print(f"{labels.get(status, status):<30} {count}")
    if not rows:
        print(empty)
    return 0


def _mail_status(_args) -> int:
    from dcc_portal.models import MailMessage

    return _outbox_status(MailMessage, "Aucun courriel.")


def _mssante_status(_args) -> int:
    from dcc_portal.models import MssMessage

    return _outbox_status(MssMessage, "Aucun envoi MSSanté.")


def _sharing_peer(args) -> int:
    from dcc_portal.peers import dmp_recipient as sharing_peer

    state = sharing_peer.PeerState(mode=args.mode, delay=args.delay, reject_status=args.reject_status,
                                   reject_message=args.reject_message, token=args.token or "",
                                   username=args.username or "", password=args.password or "")
    print(f"Destinataire de test (IHE MHD ITI-65) sur http://{args.host}:{args.port}/fhir, mode {args.mode}.", flush=True)
    sharing_peer.serve(host=args.host, port=args.port, state=state)
    return 0


def _psc_peer(args) -> int:
    from pathlib import Path

    from dcc_portal import settings
    from dcc_portal.demo import psc as demo_psc
    from dcc_portal.peers import psc

    if not args.client_secret:
        print("psc-peer: --client-secret or DCC_PSC_CLIENT_SECRET is needed", file=sys.stderr)
        return 2
    public = settings.public_url()
    config = settings.data_dir() / "psc-peer.json"
    keys_path = Path(args.keys) if args.keys else settings.data_dir() / "psc-keys.json"
    keys = psc.rotate_keys(keys_path) if args.rotate_keys else psc.load_keys(keys_path)
    psc.write_config(config, host=args.host, port=args.port, client_id=args.client_id, client_secret=args.client_secret,
                     redirect_uris=[f"{public}/api/psc/callback"], post_logout_redirect_uris=[f"{public}/login"],
                     professionals=demo_psc.professionals(), keys=keys)
    print(f"Pro Santé Connect local sur {psc.issuer_url(args.host, args.port)}.", flush=True)
    command = psc.command(config)
    os.execv(command[0], command)
    return 0


def _sharing_status(_args) -> int:
    from sqlalchemy import func
    from sqlmodel import select

    from dcc_portal.models import SharingSubmission
    from dcc_portal.services.exchange.sharing import STATUS_LABELS

    with db.transaction() as session:
        rows = session.exec(select(SharingSubmission.status, func.count(SharingSubmission.id)).group_by(SharingSubmission.status)).all()
    for status, count in sorted(rows):
        print(f"{STATUS_LABELS.get(status, status):<28} {count}")
    if not rows:
        print("Aucun envoi au DMP.")
    return 0


def _sharing_drift(args) -> int:
    """Registered documents whose metadata at the DMP no longer matches the document; --queue sends what is due."""
    from sqlmodel import select

    from dcc_portal.models import Document, DocumentStatus
    from dcc_portal.services.exchange import sharing_updates

    after, total = 0, 0
    while True:
        with db.transaction() as session:
            drifts, after = sharing_updates.drifted(session, after_id=after)
            for drift in drifts:
                total += 1
                print(f"{drift.submission_public_id}  document {drift.document_public_id} v{drift.version}  {drift.problem}")
                if args.queue:
                    document = session.exec(select(Document).where(Document.public_id == drift.document_public_id)).one()
                    queued = (sharing_updates.withdraw(session, document=document) if document.status == DocumentStatus.ENTERED_IN_ERROR
                              else sharing_updates.on_visibility_changed(session, document=document))
                    print("    -> " + ("mise à jour mise en file d'attente" if queued else "rien à envoyer (déjà en file ou nouvelle version)"))
        if not after:
            break
    print(f"{total} document(s) dont les métadonnées du DMP ne correspondent plus." if total else "Aucun écart avec le DMP.")
    return 0


def _sharing_demo(args) -> int:
    from dcc_portal.demo import dmp_stories

    return dmp_stories.run(None, wait=args.wait)


def _sharing_xdm(args) -> int:
    from pathlib import Path

    from dcc_portal.services.exchange import sharing

    try:
        with db.transaction() as session:
            name, data = sharing.export_xdm(session, document_public_id=args.document, version=args.version,
                                            operator=getpass.getuser())
    except LookupError as error:
        print(error, file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else Path(name)
    out.write_bytes(data)
    print(f"Archive XDM écrite dans {out} ({len(data)} octets).")
    return 0


def _generate_region(args) -> int:
    from dcc_portal.demo import region

    sizes = region.Sizes(patients=args.patients, gps=args.gps, hospital=args.hospital, rcps=args.rcps, years=args.years,
                         documents=args.documents, audit_events=args.audit_events,
                         big_gps=min(5, max(1, args.gps // 400)), big_gp_patients=min(2000, max(1, args.patients // 50)),
                         patient_accounts=min(2000, args.patients))
    try:
        counts = region.generate(args.db_url, sizes=sizes, seed=args.seed)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 2
    for table, count in sorted(counts.items()):
        print(f"{table:<28} {count:>12,}")
    return 0


def _hl7_listener(args) -> int:
    import asyncio
    import signal

    from dcc_portal.services.exchange import hl7_inbound
    from dcc_portal.services.exchange.hl7_listener import Listener, tls_context

    _log_to_stderr()
    senders = hl7_inbound.load_senders(args.senders)
    if not senders:
        print("Aucun émetteur autorisé : indiquez --senders ou DCC_HL7_SENDERS (liste JSON).", file=sys.stderr)
        return 2

    async def serve() -> None:
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        # SQLite takes one writer at a time: one worker keeps the messages in their order of arrival.
        workers = args.workers or (1 if db.get_engine().dialect.name == "sqlite" else 4)
        tls = tls_context(cert=args.tls_cert, key=args.tls_key, client_ca=args.tls_ca) if args.tls_ca else None
        listener = Listener(senders=senders, workers=workers, tls=tls)
        await listener.start(args.host, args.port)
        mode = "MLLP sur TLS, certificat client exigé" if tls else "MLLP"
        print(f"Écoute HL7 v2 ({mode}) sur {args.host}:{args.port}, {len(senders)} émetteur(s) autorisé(s).", flush=True)
        async with listener.server:
            await stop.wait()

    asyncio.run(serve())
    return 0


def _send_hl7(args) -> int:
    import asyncio
    import errno
    import time
    from pathlib import Path

    from dcc_portal.services.exchange import hl7_listener
    from dcc_portal.services.exchange.hl7_messages import ack_code

    payloads = [hl7_listener.framed(Path(name).read_text(encoding="utf-8")) for name in args.files]
    tls = (hl7_listener.client_tls_context(ca=args.tls_ca, cert=args.tls_cert, key=args.tls_key)
           if args.tls_ca else None)
    deadline = time.monotonic() + args.wait
    while True:
        try:
            acks = asyncio.run(hl7_listener.send(args.host, args.port, payloads, timeout=args.timeout, tls=tls))
            break
        except (OSError, TimeoutError) as error:
            if getattr(error, "errno", None) == errno.ECONNREFUSED and time.monotonic() < deadline:
                time.sleep(0.5)  # the listener is starting
                continue
            print(f"Envoi impossible : {error}", file=sys.stderr)
            return 2
    for name, ack in zip(args.files, acks, strict=True):
        code, text = ack_code(ack)
        print(f"{name} : {code} — {text}")
    return 0 if all(ack_code(ack)[0] == "AA" for ack in acks) else 1

def _tls_arguments(command, own: str, ca: str) -> None:
    """MLLP over TLS: with --tls-ca (or DCC_HL7_TLS_CA) the connection is TLS."""
    command.add_argument("--tls-cert", default=os.environ.get("DCC_HL7_TLS_CERT", ""), help=own)
    command.add_argument("--tls-key", default=os.environ.get("DCC_HL7_TLS_KEY", ""))
    command.add_argument("--tls-ca", default=os.environ.get("DCC_HL7_TLS_CA", ""), help=ca)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dcc_portal", description="Commandes d'exploitation du DCC Portal")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=_migrate)
    make = commands.add_parser("makemigrations", help="generate a migration from model changes")
    make.add_argument("message")
    make.set_defaults(func=_makemigrations)
    commands.add_parser("load-demo", help="load the demo region (idempotent)").set_defaults(func=_load_demo)

    admin = commands.add_parser("create-admin", help="create an administrator account")
    admin.add_argument("identifier")
    admin.add_argument("--family-name", required=True)
    admin.add_argument("--given-name", required=True)
    admin.add_argument("--rpps", required=True)
    admin.add_argument("--password", help="prompted when omitted")
    admin.set_defaults(func=_create_admin)

    backup_cmd = commands.add_parser("backup", help="write a consistent backup (database + stored files)")
    backup_cmd.add_argument("--out", required=True, help="archive to write (.tar)")
    backup_cmd.set_defaults(func=_backup)
    restore_cmd = commands.add_parser("restore", help="restore a backup written by the backup command")
    restore_cmd.add_argument("archive")
    restore_cmd.set_defaults(func=_restore)

    worker = commands.add_parser("sharing-worker", help="send the DMP outbox (ITI-65) until stopped")
    worker.add_argument("--once", action="store_true", help="send what is due, then exit")
    worker.set_defaults(func=_sharing_worker)
    peer = commands.add_parser("sharing-peer", help="run the test document recipient (IHE MHD ITI-65)")
    peer.add_argument("--host", default="127.0.0.1")
    peer.add_argument("--port", type=int, default=8765)
    peer.add_argument("--mode", choices=["normal", "error500", "slow", "reject"], default="normal")
    peer.add_argument("--delay", type=float, default=60.0, help="seconds the slow mode waits before answering")
    peer.add_argument("--reject-status", type=int, default=422)
    peer.add_argument("--reject-message", default="Document refusé par le destinataire.")
    peer.add_argument("--token", help="require this bearer token")
    peer.add_argument("--username", help="require basic authentication")
    peer.add_argument("--password")
    peer.set_defaults(func=_sharing_peer)
    psc_cmd = commands.add_parser("psc-peer", help="run the local Pro Santé Connect (OpenID Connect provider)")
    psc_cmd.add_argument("--host", default="127.0.0.1")
    psc_cmd.add_argument("--port", type=int, default=8766)
    psc_cmd.add_argument("--client-id", default="dcc-portal-demo")
    psc_cmd.add_argument("--client-secret", default=os.environ.get("DCC_PSC_CLIENT_SECRET", ""),
                         help="the client's secret (default: DCC_PSC_CLIENT_SECRET)")
    psc_cmd.add_argument("--keys", help="private JWKS file (default: the data folder's psc-keys.json, made at first run)")
    psc_cmd.add_argument("--rotate-keys", action="store_true",
                         help="sign with the published next key from now on and publish a new next key")
    psc_cmd.set_defaults(func=_psc_peer)
    commands.add_parser("sharing-status", help="count DMP submissions by status").set_defaults(func=_sharing_status)
    drift = commands.add_parser("sharing-drift", help="list documents whose DMP metadata no longer matches the document")
    drift.add_argument("--queue", action="store_true", help="queue the metadata update or withdrawal of each one")
    drift.set_defaults(func=_sharing_drift)
    demo_cmd = commands.add_parser("sharing-demo", help="demo: correct, withdraw and hide demo documents once the DMP registered them")
    demo_cmd.add_argument("--wait", type=float, default=300, help="seconds to wait for the DMP's registrations")
    demo_cmd.set_defaults(func=_sharing_demo)
    xdm_cmd = commands.add_parser("sharing-xdm", help="write the XDM ZIP of a document version for a manual DMP upload")
    xdm_cmd.add_argument("--document", required=True, help="document public id")
    xdm_cmd.add_argument("--version", type=int)
    xdm_cmd.add_argument("--out", help="file to write (default: dmp-xdm-<local id>-v<n>.zip)")
    xdm_cmd.set_defaults(func=_sharing_xdm)

    mail_cmd = commands.add_parser("mail-worker", help="send the e-mail notifications outbox (SMTP) until stopped")
    mail_cmd.add_argument("--once", action="store_true", help="send what is due, then exit")
    mail_cmd.set_defaults(func=_mail_worker)
    commands.add_parser("symptoms-escalate", help="send the overdue immediate symptom alerts to the team's physicians, then exit"
                        ).set_defaults(func=_symptoms_escalate)
    commands.add_parser("symptoms-invite", help="invite the opted-in patients whose weekly symptom check-in is due, then exit"
                        ).set_defaults(func=_symptoms_invite)
    commands.add_parser("mail-status", help="count e-mail notifications by status").set_defaults(func=_mail_status)
    pki_cmd = commands.add_parser("mssante-pki", help="write the test CA and certificates of the local MSSanté operator")
    pki_cmd.add_argument("--dir", default="var/mssante/pki")
    pki_cmd.set_defaults(func=_mssante_pki)
    mss_peer = commands.add_parser("mssante-operator", help="run the local MSSanté operator (SMTP, STARTTLS, client certificates)")
    mss_peer.add_argument("--host", default="127.0.0.1")
    mss_peer.add_argument("--port", type=int, default=2587)
    mss_peer.add_argument("--imap-port", type=int, default=2143)
    mss_peer.add_argument("--pki", default="var/mssante/pki")
    mss_peer.add_argument("--store", default="var/mssante/received", help="folder where received messages are stored")
    mss_peer.add_argument("--mailboxes", help="file of known addresses, one a line (default: the portal's directory)")
    mss_peer.set_defaults(func=_mssante_operator)
    mss_worker = commands.add_parser("mssante-worker", help="send the MSSanté outbox until stopped")
    mss_worker.add_argument("--once", action="store_true", help="send what is due, then exit")
    mss_worker.set_defaults(func=_mssante_worker)
    commands.add_parser("mssante-status", help="count MSSanté sendings by status").set_defaults(func=_mssante_status)
    hl7_cmd = commands.add_parser("hl7-listener", help="receive HL7 v2 reports over MLLP until stopped")
    hl7_cmd.add_argument("--host", default="127.0.0.1")
    hl7_cmd.add_argument("--port", type=int, default=2575)
    hl7_cmd.add_argument("--senders", help="JSON allow-list of sending facilities (default: DCC_HL7_SENDERS)")
    hl7_cmd.add_argument("--workers", type=int, help="messages handled at once (default: 1 on SQLite, 4 otherwise)")
    _tls_arguments(hl7_cmd, "the listener's certificate and key (PEM)", "the CA of the senders' client certificates")
    hl7_cmd.set_defaults(func=_hl7_listener)
    send_cmd = commands.add_parser("send-hl7", help="send HL7 v2 message files to a listener and print the ACKs")
    send_cmd.add_argument("files", nargs="+")
    send_cmd.add_argument("--host", default="127.0.0.1")
    send_cmd.add_argument("--port", type=int, default=2575)
    send_cmd.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each ACK")
    send_cmd.add_argument("--wait", type=float, default=0.0, help="seconds to wait for the listener to start")
    _tls_arguments(send_cmd, "the sender's client certificate and key (PEM)", "the CA of the listener's certificate")
    send_cmd.set_defaults(func=_send_hl7)
    region_cmd = commands.add_parser("generate-region", help="generate a fictitious region at production scale")
    region_cmd.add_argument("--db-url", help="database to fill (default: REFLEX_DB_URL); migrated and demo-loaded first")
    region_cmd.add_argument("--patients", type=int, default=100_000)
    region_cmd.add_argument("--gps", type=int, default=2_000)
    region_cmd.add_argument("--hospital", type=int, default=1_000, help="hospital professionals")
    region_cmd.add_argument("--rcps", type=int, default=50)
    region_cmd.add_argument("--years", type=int, default=5, help="years of RCP sessions, documents and audit events")
    region_cmd.add_argument("--documents", type=int, default=1_000_000)
    region_cmd.add_argument("--audit-events", type=int, default=5_000_000)
    region_cmd.add_argument("--seed", type=int, default=2026, help="same seed, same region")
    region_cmd.set_defaults(func=_generate_region)

    audit_cmd = commands.add_parser("audit", help="audit trail tools").add_subparsers(dest="audit_command", required=True)
    audit_cmd.add_parser("verify", help="check the hash chain and report the first broken link").set_defaults(func=_audit_verify)

    documents_cmd = commands.add_parser("documents", help="document tools").add_subparsers(dest="documents_command", required=True)
    export = documents_cmd.add_parser("export", help="write a patient's validated documents to a folder (audited)")
    export.add_argument("--patient", required=True, help="local id (DEMO-000001) or INS")
    export.add_argument("--format", required=True, choices=["cda", "pdf", "ics"])
    export.add_argument("--out", required=True, help="destination folder")
    export.set_defaults(func=_documents_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
