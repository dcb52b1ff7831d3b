"""Stored files (uploaded PDFs, generated documents): outside every served folder, server-generated names,
written atomically and durably. Served back only through access-checked handlers."""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from dcc_portal import settings


@dataclass(frozen=True)
class FilePayload:
    """A file on its way out of the portal (download, export)."""

    data: bytes
    mime_type: str
    filename: str


def _root() -> Path:
    root = settings.data_dir() / "files"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _is_name(name) -> bool:
    """Names here are 64 lowercase hex digits, made by the server: nothing else can reach the disk."""
    return isinstance(name, str) and len(name) == 64 and all(ch in "0123456789abcdef" for ch in name)


def _fanned_out(root: Path, name: str, what: str) -> Path:
    if not _is_name(name):
        raise ValueError(f"invalid {what}")
    return root / name[:2] / name


def _path(name: str) -> Path:
    return _fanned_out(_root(), name, "stored file name")


def _write_durably(path: Path, data: bytes) -> None:
    """Written to a temporary file of its own, synced, then renamed into place: readers see all of it or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{secrets.token_hex(8)}.part")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def put(data: bytes) -> tuple[str, str]:
    """Store bytes; returns (file name, sha256). The name is random, never derived from user input."""
    name = secrets.token_hex(32)
    _write_durably(_path(name), data)
    return name, hashlib.sha256(data).hexdigest()


def get(name: str) -> bytes:
    return _path(name).read_bytes()


# Renditions: files derived from a document (the PDF of a print view), kept to be served again rather than made
# again. Named by the digest of what they were made from, so a changed source never finds a stale rendition. They
# can all be deleted at any time (they are not in backups) and are made again on demand; one unused for
# RENDITION_LIFETIME_SECONDS is deleted when another is kept next to it (a view that shows upcoming dates changes
# every day).
RENDITION_LIFETIME_SECONDS = 30 * 24 * 3600


def _rendition_path(key: str) -> Path:
    return _fanned_out(settings.data_dir() / "renditions", key, "rendition key")


def rendition(key: str) -> bytes | None:
    path = _rendition_path(key)
    try:
        data = path.read_bytes()
        os.utime(path)  # used today
    except FileNotFoundError:
        return None
    return data


def keep_rendition(key: str, data: bytes) -> None:
    path = _rendition_path(key)
    _write_durably(path, data)
    oldest = time.time() - RENDITION_LIFETIME_SECONDS
    for other in path.parent.iterdir():  # one folder of 256: the sweep costs little at each rendition kept
        try:
            if other.stat().st_mtime < oldest:
                other.unlink()
        except FileNotFoundError:
            pass


# Uploads wait here between their checks and the form that files them: same rules (random names, never served),
# and taken (read then deleted) when filed. Abandoned ones are swept after a day.
STAGING_LIFETIME_SECONDS = 24 * 3600


def _staging() -> Path:
    root = settings.data_dir() / "staging"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _staged_path(token: str) -> Path:
    if not _is_name(token):
        raise ValueError("invalid staged file token")
    return _staging() / token


def stage(data: bytes) -> str:
    now = time.time()
    for old in _staging().iterdir():
        try:
            if now - old.stat().st_mtime > STAGING_LIFETIME_SECONDS:
                old.unlink()
        except FileNotFoundError:
            pass
    token = secrets.token_hex(32)
    path = _staged_path(token)
    temporary = path.with_suffix(".part")
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)
    return token


def staged(token: str) -> bytes | None:
    try:
        return _staged_path(token).read_bytes()
    except (ValueError, FileNotFoundError):
        return None


def discard_staged(token: str) -> None:
    try:
        _staged_path(token).unlink()
    except (ValueError, FileNotFoundError):
        pass
