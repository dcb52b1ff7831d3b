"""The free-text rule every form field follows: what XML cannot carry is removed, line breaks are kept as "\n"."""

from __future__ import annotations

from hypothesis import given
from lxml import etree

from dcc_portal.services.common import inputs
from tests import free_text


def test_what_xml_cannot_carry_is_removed_and_line_breaks_are_kept():
    assert inputs.text(" Ligne 1\r\nLigne 2\rLigne 3\x0cPage 2\x0bfin\t! ", 100) == "Ligne 1\nLigne 2\nLigne 3\nPage 2\nfin\t!"
    assert inputs.text("a\x00b\x1bc\x7fd\ud800e\udfffé\ufffe\uffff😀\x85x\u2028y") == "abcdeé😀\x85x\u2028y"
    assert inputs.line("  Dr\x0cJean\r\n  MARTIN\x00 ", 10) == "Dr Jean MA"
    assert inputs.text(None) == inputs.line(None) == ""


@given(free_text.typed(60))
def test_whatever_is_typed_the_result_is_text_an_xml_document_carries(typed):
    cleaned = inputs.clean(typed)
    assert free_text.carried(cleaned) and inputs.clean(cleaned) == cleaned
    element = etree.Element("text")
    element.text = cleaned  # lxml refuses any character XML cannot carry
    assert (etree.fromstring(etree.tostring(element, encoding="utf-8")).text or "") == cleaned
    kept = [ch for ch in typed if free_text.carried(ch) and ch not in "\r\x0b\x0c"]
    assert [ch for ch in cleaned if ch != "\n"] == [ch for ch in kept if ch != "\n"]
    assert free_text.carried(inputs.line(typed)) and "\n" not in inputs.line(typed)
