"""Text as people type or paste it into free-text fields, for property-based tests: ordinary letters mixed with
what XML cannot carry, every kind of line break, markup and entities, and characters beyond the BMP."""

from __future__ import annotations

import re

from hypothesis import strategies as st

AWKWARD = (
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1b", "\x1f", "\x7f", "\ud800", "\udfff", "\ufffe", "\uffff",
    "\r", "\r\n", "\n", "\t", "\x85", "\u2028", "\u200b", "<", "&", "]]>", "&amp;", "\"'", "é", "\U0001f600", " ",
)
# XML 1.0 characters (https://www.w3.org/TR/xml/#charsets) but DEL, which the rule removes as well.
_CARRIED = re.compile(r"[\t\n\r\x20-\x7e\x80-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")


def typed(max_pieces: int = 12) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.sampled_from(AWKWARD), st.characters()), max_size=max_pieces).map("".join)


def carried(text: str) -> bool:
    """True when every character of `text` follows the free-text rule (XML can carry it)."""
    return _CARRIED.fullmatch(text) is not None
