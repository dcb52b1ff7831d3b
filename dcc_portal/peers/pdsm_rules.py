"""The ANS PDSm profile rules the DMP test recipient enforces, read as data from data/pdsm/rules.json.

Each rule names the resource it applies to (List = the submission set, DocumentReference), a path in that resource,
one of a few checks, the FSH line of the implementation guide it comes from and the French reason given when a
submission breaks it. Paths are dotted element names; lists are walked through; `name[slice]` keeps the items that
match the slice of the same name in the file (e.g. the designationType extension, the usual identifier).

Checks:
  min                     at least `min` values at the path
  fixed                   every value equals `value`
  value_set               the coding (the first, or `every` one) is in the vendored value set `value_set`
  type_class              the class at `class_path` is the one ASS_X04 gives for the type at `path`
  contained_patient_ins   the reference designates a contained Patient carrying an INS
  practitioner_role_rpps  the reference designates a contained PractitionerRole whose Practitioner carries the IDNPS
                          (8 + RPPS, urn:oid:1.2.250.1.71.4.2.1) and the RPPS (https://rpps.esante.gouv.fr)
  binary_in_bundle        the value is the fullUrl of a Binary entry of the Bundle
  oid_uri                 the value is urn:oid:<an OID>
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dcc_portal.services.exchange import dmp_metadata

RULES_FILE = Path(__file__).resolve().parents[1] / "data" / "pdsm" / "rules.json"
INS_SYSTEMS = frozenset({"urn:oid:1.2.250.1.213.1.4.8", "urn:oid:1.2.250.1.213.1.4.10"})
IDNPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"
RPPS_SYSTEM = "https://rpps.esante.gouv.fr"
_SEGMENT = re.compile(r"^(?P<name>\w+)(\[(?P<slice>\w+)\])?$")


@dataclass(frozen=True)
class Rule:
    id: str
    resource: str
    check: str
    path: str
    source: str
    message: str
    params: dict


@lru_cache(maxsize=1)
def _loaded() -> tuple[tuple[Rule, ...], dict]:
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    known = {"id", "resource", "check", "path", "source", "message"}
    rules = tuple(Rule(item["id"], item["resource"], item["check"], item["path"], item["source"], item["message"],
                       {key: value for key, value in item.items() if key not in known}) for item in data["rules"])
    return rules, data["slices"]


def rules() -> tuple[Rule, ...]:
    return _loaded()[0]


def values(resource: dict, path: str) -> list:
    """Every value at a dotted path (lists walked through, slices applied)."""
    slices = _loaded()[1]
    current = [resource]
    for segment in path.split("."):
        match = _SEGMENT.match(segment)
        found = []
        for item in current:
            value = item.get(match["name"]) if isinstance(item, dict) else None
            found.extend(value if isinstance(value, list) else [] if value in (None, "") else [value])
        if match["slice"]:
            wanted = slices[match["slice"]]
            found = [item for item in found if isinstance(item, dict) and all(item.get(k) == v for k, v in wanted.items())]
        current = found
    return current


def _contained(resource: dict, reference) -> dict | None:
    target = str(reference.get("reference", "")) if isinstance(reference, dict) else ""
    if not target.startswith("#"):
        return None
    return next((item for item in resource.get("contained") or []
                 if isinstance(item, dict) and item.get("id") == target[1:]), None)


def patient_ins(resource: dict, reference) -> tuple[str, str] | None:
    """(system, value) of the INS of the contained Patient a reference designates, or None."""
    patient = _contained(resource, reference)
    if not patient or patient.get("resourceType") != "Patient":
        return None
    for identifier in patient.get("identifier") or []:
        if isinstance(identifier, dict) and identifier.get("system") in INS_SYSTEMS and len(str(identifier.get("value", ""))) == 15:
            return str(identifier["system"]), str(identifier["value"])
    return None


def _has_rpps(practitioner: dict | None) -> bool:
    if not practitioner or practitioner.get("resourceType") != "Practitioner":
        return False
    ids = {(i.get("system"), str(i.get("value", ""))) for i in practitioner.get("identifier") or [] if isinstance(i, dict)}
    rpps = {value for system, value in ids if system == RPPS_SYSTEM and re.fullmatch(r"\d{11}", value)}
    return any(system == IDNPS_SYSTEM and value[:1] == "8" and value[1:] in rpps for system, value in ids)


def _codings(concept) -> list[tuple[str, str]]:
    if isinstance(concept, dict) and "coding" not in concept and "code" in concept:
        concept = {"coding": [concept]}
    codings = concept.get("coding") or [] if isinstance(concept, dict) else []
    return [(str(c.get("code", "")), str(c.get("system", ""))) for c in codings if isinstance(c, dict)]


def _oid(system: str) -> str:
    return dmp_metadata.OID_BY_FHIR_SYSTEM.get(system, system.removeprefix("urn:oid:"))


def _in_value_set(value_set: str, concept) -> bool:
    return any(dmp_metadata.in_value_set(value_set, code, _oid(system)) for code, system in _codings(concept))


def broken(rule: Rule, resource: dict, binaries: dict) -> bool:
    """Whether `resource` breaks `rule` (binaries: the Bundle's Binary entries by fullUrl)."""
    found = values(resource, rule.path)
    check, params = rule.check, rule.params
    if check == "min":
        return len(found) < params["min"]
    if check == "fixed":
        return not found or any(value != params["value"] for value in found)
    if check == "value_set":
        tested = found if params.get("every") else found[:1]
        return not tested or not all(_in_value_set(params["value_set"], concept) for concept in tested)
    if check == "type_class":
        table = dmp_metadata.type_class_table()
        types = [pair for concept in found for pair in _codings(concept)]
        classes = {code for concept in values(resource, params["class_path"]) for code, _system in _codings(concept)}
        return not types or table.get((types[0][0], _oid(types[0][1])), ("", ""))[0] not in classes
    if check == "contained_patient_ins":
        return len(found) != 1 or patient_ins(resource, found[0]) is None
    if check == "practitioner_role_rpps":
        roles = [_contained(resource, reference) for reference in found]
        return not roles or not all(role and role.get("resourceType") == "PractitionerRole"
                                    and _has_rpps(_contained(resource, role.get("practitioner"))) for role in roles)
    if check == "binary_in_bundle":
        return len(found) != 1 or str(found[0]) not in binaries
    if check == "oid_uri":
        return len(found) != 1 or not dmp_metadata.is_oid(str(found[0]).removeprefix("urn:oid:")) \
            or not str(found[0]).startswith("urn:oid:")
    raise ValueError(f"unknown check {check!r} in {rule.id}")


def problems(submission_set: dict | None, documents: list[tuple[str, dict]], binaries: dict,
             updates: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The French reason of every rule broken by the submission set and the DocumentReferences of one Bundle
    (`updates`: the fullUrls of metadata updates, which carry no document: rules marked new_only skip them)."""
    found = []
    for rule in rules():
        if rule.resource == "List" and submission_set is not None and broken(rule, submission_set, binaries):
            found.append(f"[{rule.id}] {rule.message}")
        if rule.resource == "DocumentReference":
            found += [f"{url} : [{rule.id}] {rule.message}" for url, document in documents
                      if not (rule.params.get("new_only") and url in updates) and broken(rule, document, binaries)]
    return found
