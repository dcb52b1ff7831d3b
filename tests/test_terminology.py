"""The pickers search the vendored ANS value sets: accents, case, codes, and characters that are not wildcards."""

import pytest

from dcc_portal.services.common import terminology as t


def codes(file_stem, query):
    return [c.code for c in t.search(file_stem, query)]


def test_value_sets_are_vendored_with_their_french_labels():
    assert t.concept(t.TUMOURS, "C50.9").display == "Tumeur maligne du sein, sans précision"
    assert t.concept(t.MORPHOLOGIES, "8500/3").display.startswith("Adénocarcinome canalaire infiltrant")
    assert t.load(t.PHASES).label("MED-244") == "Rechute du cancer"
    assert len(t.load(t.TUMOURS).concepts) > 700 and len(t.load(t.MORPHOLOGIES).concepts) > 1000


@pytest.mark.parametrize("query", ["sein", "SEIN", "Séin", "  sein  "])
def test_label_search_ignores_case_and_accents(query):
    assert codes(t.TUMOURS, query)[0] == "C50"
    assert "C50.9" in codes(t.TUMOURS, query) or len(codes(t.TUMOURS, query)) == t.SEARCH_LIMIT


def test_accented_words_match_either_way_and_ligatures_fold():
    assert codes(t.MORPHOLOGIES, "épidermoïde") == codes(t.MORPHOLOGIES, "EPIDERMOIDE")
    assert codes(t.TUMOURS, "œsophage")[0] == "C15" == codes(t.TUMOURS, "oesophage")[0]


def test_code_search_is_a_prefix_and_an_exact_code_comes_first():
    assert codes(t.TUMOURS, "c50.9") == ["C50.9"]
    assert codes(t.TUMOURS, "C50")[:2] == ["C50", "C50.0"]
    assert codes(t.MORPHOLOGIES, "8500") == ["8500/2", "8500/3"]
    assert codes(t.MORPHOLOGIES, "8500/3")[0] == "8500/3"


def test_every_word_must_match():
    assert codes(t.TUMOURS, "poumon lobe sup") == ["C34.1"]
    assert codes(t.MORPHOLOGIES, "canalaire infil")[0] == "8500/3"


@pytest.mark.parametrize("query", ["%", "_", "*", "?", "'", "C5%", "C5_", "' OR 1=1 --", "\\", ""])
def test_wildcards_and_quotes_match_nothing(query):
    assert codes(t.TUMOURS, query) == []


def test_punctuation_around_words_is_ignored_not_expanded():
    assert codes(t.TUMOURS, "%sein%") == codes(t.TUMOURS, "sein")
    assert codes(t.TUMOURS, "*") == []


def test_results_are_a_short_list():
    assert len(t.search(t.TUMOURS, "tumeur")) == t.SEARCH_LIMIT


def test_only_pickers_are_searchable():
    with pytest.raises(ValueError):
        t.search(t.SPECIALTIES, "onco")


def test_every_kind_of_establishment_has_its_sector_and_practice_setting_in_the_dmp_value_sets():
    from dcc_portal.models import OrganisationKind
    from dcc_portal.services.exchange import dmp_metadata

    for kind in OrganisationKind:
        sector, practice = t.facility_type(kind), t.practice_setting(kind)
        assert dmp_metadata.in_value_set(dmp_metadata.FACILITY_TYPES, sector.code, sector.code_system), kind
        assert dmp_metadata.in_value_set(dmp_metadata.PRACTICE_SETTINGS, practice.code, practice.code_system), kind
    assert (t.facility_type("clcc").display, t.practice_setting("gp_practice").code) == (
        "Centre anti-cancer", "AMBULATOIRE")
    with pytest.raises(KeyError):
        t.facility_type("")
