"""Consistent backups and restores: the database (SQLite online backup API, or pg_dump/pg_restore) and the
stored files, in one .tar archive with a manifest of SHA-256 sums. The TOTP key (DCC_SECRET_KEY) is not in
the archive: keep it in the secret store, it is needed to log in after a restore."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from dcc_portal import db, settings

FORMAT_VERSION = 1


def _sqlite_path(url: str) -> Path:
    return Path(make_url(url).database)


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    parsed = make_url(url)
    args = ["-h", parsed.host or "localhost", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres"]
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return args, env


def _dump_database(url: str, target: Path) -> str:
    if url.startswith("sqlite"):
        source = sqlite3.connect(_sqlite_path(url))
        destination = sqlite3.connect(target)
        with destination:
            source.backup(destination)  # a consistent snapshot even while the portal writes
        destination.close()
        source.close()
        return "sqlite"
    args, env = _pg_args(url)
    subprocess.run(["pg_dump", *args, "-Fc", "-f", str(target), make_url(url).database], check=True, env=env)
    return "postgresql"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(out: Path, *, url: str | None = None) -> dict:
    """Write the archive; returns its manifest."""
    url = url or settings.db_url()
    files_root = settings.data_dir() / "files"
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / "database.dump"
        kind = _dump_database(url, dump)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "database": kind,
            "database_sha256": _sha256(dump),
            "files": {},
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(out.suffix + ".part")
        with tarfile.open(partial, "w") as archive:
            archive.add(dump, arcname="database.dump")
            if files_root.exists():
                for path in sorted(files_root.rglob("*")):
                    if path.is_file() and not path.name.endswith(".part"):
                        name = f"files/{path.relative_to(files_root)}"
                        manifest["files"][name] = _sha256(path)
                        archive.add(path, arcname=name)
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        os.replace(partial, out)
    return manifest


def restore(archive_path: Path, *, url: str | None = None) -> dict:
    """Replace the database and stored files with the archive's (after checking every SHA-256)."""
    url = url or settings.db_url()
    files_root = settings.data_dir() / "files"
    with tempfile.TemporaryDirectory() as work, tarfile.open(archive_path) as archive:
        archive.extractall(work, filter="data")
        root = Path(work)
        manifest = json.loads((root / "manifest.json").read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise ValueError("unknown backup format")
        if _sha256(root / "database.dump") != manifest["database_sha256"]:
            raise ValueError("the database dump does not match its checksum")
        for name, digest in manifest["files"].items():
            if _sha256(root / name) != digest:
                raise ValueError(f"{name} does not match its checksum")
        db.dispose_engines()
        if manifest["database"] == "sqlite":
            if not url.startswith("sqlite"):
                raise ValueError("a SQLite backup restores into a SQLite database")
            target = _sqlite_path(url)
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(root / "database.dump", target)
        else:
            args, env = _pg_args(url)
            subprocess.run(
                ["pg_restore", *args, "--clean", "--if-exists", "--no-owner", "-d", make_url(url).database,
                 str(root / "database.dump")],
                check=True, env=env,
            )
        if (root / "files").exists():
            shutil.copytree(root / "files", files_root, dirs_exist_ok=True)
    return manifest
