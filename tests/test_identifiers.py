"""National identifiers: a wrong INS, RPPS or FINESS must never be accepted into the record."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dcc_portal.services.common import identifiers

# Keys computed by hand as 97 - (n mod 97); the first one is the worked example published at
# mathweb.fr ("1 89 12 75 125 012" -> key 82).
KNOWN_INS = [
    ("1891275125012", "82"),
    ("1840575056001", "65"),
    ("2690149123456", "87"),
    ("1000101001001", "05"),  # a one-digit key is written on two digits
]


@pytest.mark.parametrize(("first13", "key"), KNOWN_INS)
def test_ins_with_the_right_key_is_valid(first13, key):
    assert identifiers.with_ins_key(first13) == first13 + key
    assert identifiers.is_valid_ins(first13 + key)


@pytest.mark.parametrize(
    ("first13", "key"),
    [
        ("185052A004123", "56"),  # 2A counts as 19: 97 - (1850519004123 mod 97)
        ("185052B004123", "83"),  # 2B counts as 18: 97 - (1850518004123 mod 97)
    ],
)
def test_corsican_ins_counts_2a_as_19_and_2b_as_18(first13, key):
    assert identifiers.is_valid_ins(first13 + key)
    assert identifiers.is_valid_ins(first13.lower() + key)  # typed in lower case


def test_corsican_departments_do_not_share_a_key():
    assert identifiers.ins_key("185052A004123") != identifiers.ins_key("185052B004123")


@pytest.mark.parametrize("first13", [ins for ins, _ in KNOWN_INS])
def test_ins_with_a_wrong_key_is_invalid(first13):
    right = int(identifiers.with_ins_key(first13)[13:])
    wrong = (right % 97) + 1
    assert not identifiers.is_valid_ins(f"{first13}{wrong:02d}")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "18912751250182",  # 14 characters
        "1891275125012820",  # 16 characters
        "189127512501",  # no key at all
        "5891275125012" + "82",  # first character is not a valid sex/kind digit
        "18912751250AB82",  # letters outside the department
        "1891275125012 8",  # key cut in half
        "1891275125012-1",  # negative-looking key
    ],
)
def test_ins_of_the_wrong_shape_is_invalid(value):
    assert not identifiers.is_valid_ins(value)


@pytest.mark.parametrize(
    "value",
    [
        "١٨٩١٢٧٥١٢٥٠١٢٨٢",  # Arabic-Indic digits of a valid INS
        "１８９１２７５１２５０１２８２",  # fullwidth digits of a valid INS
        "18912751250१२82",  # Devanagari digits mixed in
    ],
)
def test_ins_with_non_ascii_digits_is_invalid(value):
    assert not identifiers.is_valid_ins(value)


def test_ins_typed_with_spaces_dots_or_dashes_is_normalised():
    assert identifiers.is_valid_ins("1 89 12 75 125 012 82")
    assert identifiers.is_valid_ins("1.89.12.75.125.012-82")


@given(st.from_regex(r"\A[12][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}\Z"))
def test_any_generated_ins_is_valid(first13):
    assert identifiers.is_valid_ins(identifiers.with_ins_key(first13))


@given(st.from_regex(r"\A[12][0-9]{12}\Z"), st.integers(0, 14), st.integers(1, 9))
def test_changing_any_one_digit_of_an_ins_is_detected(first13, position, delta):
    ins = identifiers.with_ins_key(first13)
    changed = ins[:position] + str((int(ins[position]) + delta) % 10) + ins[position + 1 :]
    assert not identifiers.is_valid_ins(changed)  # 97 is prime: one changed digit always changes the remainder


# --- RPPS: 11 digits, Luhn check digit ---

def test_rpps_with_a_correct_luhn_digit_is_valid():
    assert identifiers.is_valid_rpps("79927398713")  # the textbook Luhn example has 11 digits


def test_rpps_builder_appends_the_luhn_digit():
    assert identifiers.with_rpps_check_digit("7992739871") == "79927398713"


@pytest.mark.parametrize("last", [digit for digit in "0123456789" if digit != "3"])
def test_rpps_with_a_wrong_check_digit_is_invalid(last):
    assert not identifiers.is_valid_rpps("7992739871" + last)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "7992739871",  # 10 digits
        "799273987130",  # 12 digits
        "7992739871a",
        "79927 398713",
        "-7992739871",
        "٧٩٩٢٧٣٩٨٧١٣",  # Arabic-Indic digits of a valid RPPS
        "７９９２７３９８７１３",  # fullwidth digits
    ],
)
def test_rpps_that_is_not_eleven_ascii_digits_is_invalid(value):
    assert not identifiers.is_valid_rpps(value)


@given(st.from_regex(r"\A[0-9]{10}\Z"), st.integers(0, 10), st.integers(1, 9))
def test_changing_any_one_digit_of_an_rpps_is_detected(first10, position, delta):
    rpps = identifiers.with_rpps_check_digit(first10)
    assert identifiers.is_valid_rpps(rpps)
    changed = rpps[:position] + str((int(rpps[position]) + delta) % 10) + rpps[position + 1 :]
    assert not identifiers.is_valid_rpps(changed)


# --- FINESS: 9 characters, Luhn check digit ---

def test_real_finess_is_valid():
    assert identifiers.is_valid_finess("750712184")  # AP-HP (entité juridique)


@pytest.mark.parametrize(
    "value",
    [
        "750712185",  # wrong check digit
        "75071218",  # 8 digits
        "7507121840",  # 10 digits
        "75O712184",  # letter O instead of zero
        "",
        "７５０７１２１８４",  # fullwidth digits
    ],
)
def test_invalid_finess_is_refused(value):
    assert not identifiers.is_valid_finess(value)


# --- Name search key ---

def test_search_key_folds_accents_case_and_punctuation():
    assert identifiers.search_key("  Lefèvre-Dupré  Éloïse ") == "LEFEVRE DUPRE ELOISE"
