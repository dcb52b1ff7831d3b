"""Operator commands: `python -m dcc_portal <command>`. Features add their own subcommands here."""

from __future__ import annotations

import argparse
import getpass
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
    from dcc_portal.services import seed

    with db.transaction() as session:
        created = seed.load_demo_region(session)
    print("Région de démonstration chargée." if created else "Région de démonstration déjà présente : rien n'a changé.")
    return 0


def _create_admin(args) -> int:
    from dcc_portal.services import accounts
    from dcc_portal.services.errors import ValidationFailed

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
    from dcc_portal.services import audit

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

    from dcc_portal.services import exports

    try:
        with db.transaction() as session:
            result = exports.export_patient(session, reference=args.patient, fmt=args.format, out_dir=Path(args.out),
                                            operator=getpass.getuser())
    except (LookupError, ValueError) as error:
        print(error, file=sys.stderr)
        return 2
    for path in result.written:
        print(path)
    print(f"{len(result.written)} document(s) exporté(s) pour {result.patient_local_id}"
          + (f" ; {len(result.skipped)} sans export {args.format} disponible" if result.skipped else "") + ".")
    return 0


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
