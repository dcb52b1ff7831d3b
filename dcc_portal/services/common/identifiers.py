"""National identifiers: INS (NIR-based), RPPS, FINESS."""

from __future__ import annotations

import re
import unicodedata

INS_OID_REAL = "1.2.250.1.213.1.4.8"
INS_OID_TEST = "1.2.250.1.213.1.4.10"

_INS_RE = re.compile(r"^[1-478][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}[0-9]{2}$")


def normalize_ins(value: str) -> str:
    return re.sub(r"[\s.-]", "", value or "").upper()


def ins_key(first13: str) -> int:
    digits = first13.upper().replace("2A", "19").replace("2B", "18")
    return 97 - (int(digits) % 97)


def is_valid_ins(value: str) -> bool:
    """A 15-character matricule INS (NIR or NIA) whose 2-digit key matches the first 13 characters."""
    ins = normalize_ins(value)
    if not _INS_RE.match(ins) or not ins.isascii():
        return False
    return ins_key(ins[:13]) == int(ins[13:])


def with_ins_key(first13: str) -> str:
    return f"{first13}{ins_key(first13):02d}"


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def is_valid_rpps(value: str) -> bool:
    """11 ASCII digits, the last one a Luhn check digit."""
    return bool(value) and value.isascii() and value.isdigit() and len(value) == 11 and luhn_ok(value)


def with_rpps_check_digit(first10: str) -> str:
    for digit in "0123456789":
        if luhn_ok(first10 + digit):
            return first10 + digit
    raise AssertionError("unreachable")


def is_valid_finess(value: str) -> bool:
    """9 characters: 2-character department (digits, 2A or 2B) then 7 digits, the last one a Luhn check digit."""
    if not value or len(value) != 9 or not value.isascii():
        return False
    head = value[:2].upper().replace("2A", "20").replace("2B", "20")
    digits = head + value[2:]
    return digits.isdigit() and luhn_ok(digits)


def search_key(text: str) -> str:
    """Upper-case ASCII without accents, punctuation folded to single spaces (for indexed name search)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_text = re.sub(r"[^A-Za-z0-9]+", " ", ascii_text)
    return ascii_text.strip().upper()
