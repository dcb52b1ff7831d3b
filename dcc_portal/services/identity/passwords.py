"""Password policy (NIST 800-63B style: length, no composition rules, no common passwords) and hashing."""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from passlib.context import CryptContext

MIN_LENGTH = 12
MAX_LENGTH = 128

# argon2id at t=3, m=64 MiB, p=4, the project's security standard (above OWASP's minimum of m=19 MiB, t=2, p=1):
# about 170 ms of CPU per check on this machine. Hashes made with other parameters are replaced at the next login.
_context = CryptContext(
    schemes=["argon2"],
    argon2__type="ID",
    argon2__time_cost=3,
    argon2__memory_cost=65536,
    argon2__parallelism=4,
)

_COMMON_FILE = Path(__file__).resolve().parents[2] / "data" / "common_passwords.txt"


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def policy_error(password: str, *, identifier: str = "") -> str | None:
    """French message explaining why this password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"Le mot de passe doit contenir au moins {MIN_LENGTH} caractères."
    if len(password) > MAX_LENGTH:
        return f"Le mot de passe ne peut pas dépasser {MAX_LENGTH} caractères."
    if password.lower() in _common():
        return "Ce mot de passe est trop courant : choisissez-en un autre (une phrase de plusieurs mots convient)."
    if identifier and identifier.lower() in password.lower():
        return "Le mot de passe ne doit pas contenir votre identifiant."
    return None


def hash_password(password: str) -> str:
    return _context.hash(password)


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """(matches, new hash when the stored one uses outdated parameters)."""
    if len(password) > MAX_LENGTH:
        burn_time(password)  # refused after the same work, or timing would tell which identifiers exist
        return False, None
    return _context.verify_and_update(password, password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _context.hash("dummy password used to equalise timing")


def burn_time(password: str) -> None:
    """Same work as a real check, so an unknown identifier answers as slowly as a wrong password."""
    _context.verify(password[:MAX_LENGTH], _dummy_hash())


def check(password: str, password_hash: str) -> tuple[bool, str | None]:
    """`verify_password`, or, without a stored hash (unknown identifier), the same work and a refusal."""
    if not password_hash:
        burn_time(password)
        return False, None
    return verify_password(password, password_hash)


def _yield_to_other_work() -> None:
    """Hash checks leave one core to the event loop that serves everyone else (Linux: the thread's affinity and
    priority, which argon2's own lane threads inherit), and run below its priority on the others: a burst of logins
    waits instead of slowing every page. argon2id is memory-hard, so sharing a core's caches with it costs more than
    its share of time."""
    try:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) > 1:
            os.sched_setaffinity(0, cores[1:])  # 0: this thread
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass


# Hash checks run here, never on the event loop, one at a time per core they may use: a burst of logins queues here.
_POOL = ThreadPoolExecutor(max_workers=max(1, len(os.sched_getaffinity(0)) - 1) if hasattr(os, "sched_getaffinity") else 1,
                           thread_name_prefix="password-check", initializer=_yield_to_other_work)


async def check_off_loop(password: str, password_hash: str) -> tuple[bool, str | None]:
    return await asyncio.get_running_loop().run_in_executor(_POOL, check, password, password_hash)


async def hash_off_loop(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_POOL, hash_password, password)
