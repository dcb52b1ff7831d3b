"""Official ANS value sets vendored under dcc_portal/data/terminology (see SOURCE.md there)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

TERMINOLOGY_DIR = Path(__file__).resolve().parent.parent / "data" / "terminology"
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
