"""Official ANS value sets vendored under dcc_portal/data/terminology (see SOURCE.md there)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

TERMINOLOGY_DIR = Path(__file__).resolve().parents[2] / "data" / "terminology"
_SVS = "{urn:ihe:iti:svs:2008}"


@dataclass(frozen=True)
class Concept:
    code: str
    code_system: str
    display: str


@dataclass(frozen=True)
class ValueSet:
    oid: str
    name: str
    concepts: tuple[Concept, ...]
    index: dict[str, Concept] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self):
        self.index.update({concept.code: concept for concept in self.concepts})

    def label(self, code: str, default: str = "") -> str:
        concept = self.index.get(code)
        return concept.display if concept else default


@lru_cache(maxsize=32)
def load(file_stem: str) -> ValueSet:
    tree = etree.parse(str(TERMINOLOGY_DIR / f"{file_stem}.xml"))
    value_set = tree.getroot().find(f"{_SVS}ValueSet")
    concepts = tuple(
        Concept(node.get("code"), node.get("codeSystem", ""), node.get("displayName", ""))
        for node in value_set.iter(f"{_SVS}Concept")
    )
    return ValueSet(value_set.get("id", ""), value_set.get("displayName", file_stem), concepts)


@lru_cache(maxsize=8)
def load_fhir(file_stem: str) -> ValueSet:
    """A FHIR ValueSet (JSON, compose.include with enumerated concepts): code_system is the FHIR system URL."""
    resource = json.loads((TERMINOLOGY_DIR / f"{file_stem}.json").read_text(encoding="utf-8"))
    concepts = tuple(
        Concept(concept["code"], include["system"], concept.get("display", ""))
        for include in resource.get("compose", {}).get("include", [])
        for concept in include.get("concept", [])
    )
    oid = next((i["value"].removeprefix("urn:oid:") for i in resource.get("identifier", []) if i.get("value", "").startswith("urn:oid:")), "")
    return ValueSet(oid, resource.get("name", file_stem), concepts)


FACILITY_TYPES = "JDV_J02_XdsHealthcareFacilityTypeCode_CISIS"  # TRE_R02-SecteurActivite; the DMP's J61 is a subset
PRACTICE_SETTINGS = "JDV_J04_XdsPracticeSettingCode_CISIS"  # TRE_A01-CadreExercice

# What kind of establishment an organisation is, in the two value sets the CDA header and the DMP metadata use:
# healthCareFacility/code (sector of activity) and the organisation's standardIndustryClassCode (practice setting).
# Keys are models.OrganisationKind values.
SECTOR_BY_ORGANISATION_KIND = {
    "chu": "SA01",  # Etablissement public de santé
    "ch": "SA01",
    "clcc": "SA36",  # Centre anti-cancer (private, non-profit)
    "clinic": "SA04",  # Etablissement privé non PSPH
    "gp_practice": "SA08",  # Cabinet de groupe
    "network": "SA57",  # Structure de coopération avec mission de coordination de soins
}
PRACTICE_BY_ORGANISATION_KIND = {
    "chu": "ETABLISSEMENT", "ch": "ETABLISSEMENT", "clcc": "ETABLISSEMENT", "clinic": "ETABLISSEMENT",
    "gp_practice": "AMBULATOIRE",  # a practice in town, outside any establishment
    "network": "AMBULATOIRE",  # coordination outside any establishment's walls
}


def _kind_concept(file_stem: str, table: dict[str, str], organisation_kind: str) -> Concept:
    code = table.get(str(organisation_kind))
    if code is None:
        raise KeyError(f"no {file_stem} code for organisation kind {organisation_kind!r}")
    return load(file_stem).index[code]


def facility_type(organisation_kind: str) -> Concept:
    """The sector of activity (healthCareFacility/code, XDS healthcareFacilityTypeCode) of an organisation kind."""
    return _kind_concept(FACILITY_TYPES, SECTOR_BY_ORGANISATION_KIND, organisation_kind)


def practice_setting(organisation_kind: str) -> Concept:
    """The practice setting (standardIndustryClassCode, XDS practiceSettingCode) of an organisation kind."""
    return _kind_concept(PRACTICE_SETTINGS, PRACTICE_BY_ORGANISATION_KIND, organisation_kind)


SPECIALTIES = "JDV_J01_XdsAuthorSpecialty_CISIS"


def specialty_label(code: str) -> str:
    """Short French label: 'Oncologie, opt médicale' rather than 'Médecin - Oncologie, opt médicale (SM)'."""
    label = load(SPECIALTIES).label(code, code)
    for prefix in ("Médecin - ", "Infirmier - "):
        if label.startswith(prefix):
            label = label[len(prefix) :]
    if label.endswith(")") and " (" in label:
        label = label[: label.rindex(" (")]
    return label


def is_specialty(code: str) -> bool:
    return code in load(SPECIALTIES).index


# --- Cancer pathway value sets and the pickers' search ---

TUMOURS = "JDV_Tumeur_CISIS"  # CIM-10
MORPHOLOGIES = "JDV_Morphologie_CISIS"  # ICD-O-3
PHASES = "JDV_PhaseCancer_CISIS"
PROGRESSIONS = "JDV_ProgressionCancer_CISIS"
PERFORMANCE = "JDV_OMSEchPerf_CISIS"
SUPPORTIVE_CARE = "JDV_SoinsOncoDeSupport_CISIS"
PICKERS = frozenset({TUMOURS, MORPHOLOGIES})
SEARCH_LIMIT = 12


def fold(text: str) -> str:
    """Lower case without accents or ligatures: 'Épidermoïde' and 'oe' in 'œsophage' compare equal."""
    import unicodedata

    text = (text or "").replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae").replace("’", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _words(text: str) -> list[str]:
    import re

    return [word for word in re.split(r"[^0-9a-z/.]+", fold(text)) if word]


@lru_cache(maxsize=8)
def _search_index(file_stem: str) -> tuple[tuple[Concept, str, str, tuple[str, ...]], ...]:
    """(concept, folded code, folded label, label words) for each concept."""
    return tuple(
        (concept, fold(concept.code), fold(concept.display), tuple(_words(concept.display)))
        for concept in load(file_stem).concepts
    )


def search(file_stem: str, query: str, *, limit: int = SEARCH_LIMIT) -> list[Concept]:
    """Concepts whose code starts with the query, or whose label holds every word of it (accent-insensitive).

    Best first: exact code, code prefix, label words starting with the query words, then anywhere in the label.
    Nothing is a wildcard: the query is only ever compared as plain text.
    """
    if file_stem not in PICKERS:
        raise ValueError("not a searchable value set")
    raw = fold((query or "").strip())[:100]
    if not raw:
        return []
    terms = _words(raw)
    compact = raw.replace(" ", "")
    scored: list[tuple[int, str, Concept]] = []
    for concept, code, label, words in _search_index(file_stem):
        if code == compact:
            rank = 0
        elif code.startswith(compact):
            rank = 1
        elif terms and all(any(word.startswith(term) for word in words) for term in terms):
            rank = 2
        elif terms and all(term in label for term in terms):
            rank = 3
        else:
            continue
        scored.append((rank, code, concept))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [concept for _, _, concept in scored[: max(1, min(limit, 50))]]


def concept(file_stem: str, code: str) -> Concept | None:
    return load(file_stem).index.get((code or "").strip())
