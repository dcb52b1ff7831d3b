"""Stored files (uploaded PDFs, generated documents): outside every served folder, server-generated names,
written atomically and durably. Served back only through access-checked handlers."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from dcc_portal import settings


def _root() -> Path:
    root = settings.data_dir() / "files"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _path(name: str) -> Path:
    if len(name) != 64 or any(ch not in "0123456789abcdef" for ch in name):
        raise ValueError("invalid stored file name")
    return _root() / name[:2] / name


def put(data: bytes) -> tuple[str, str]:
    """Store bytes; returns (file name, sha256). The name is random, never derived from user input."""
    name = secrets.token_hex(32)
    path = _path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
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
    return name, hashlib.sha256(data).hexdigest()


def get(name: str) -> bytes:
    return _path(name).read_bytes()
