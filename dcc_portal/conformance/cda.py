"""Validation of generated CDA R2 documents: the CDA schema (lxml) and the ANS schematrons (ISO Schematron).

The schematrons of the ANS test kit use XPath 2 (queryBinding="xslt2"). They are compiled here into an XSLT 3.0
stylesheet run by Saxon-HE (saxonche). The compiler covers the part of ISO Schematron those files use: include,
pattern, rule, assert, report, let (schema, pattern and rule level), abstract patterns with parameters (is-a),
abstract rules (extends), phases (defaultPhase or a named phase), and the value-of / name message elements.

ISO semantics kept: within one pattern a node fires at most the first rule whose context matches it; patterns are
independent; schema and pattern variables are global; parameters of an abstract pattern are substituted textually.

Parts of a schematron that cannot run (an included file or a value-set file absent from the kit) are left out and
listed in the report's `skipped`, never silently: a test that reads an absent file would otherwise fail every run.

The files are vendored under dcc_portal/data/cda (see SOURCE.md there); value sets under dcc_portal/data/terminology.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

DATA = Path(__file__).resolve().parent.parent / "data"
CDA_DIR = DATA / "cda"
CDA_XSD = CDA_DIR / "infrastructure" / "cda" / "CDA_extended.xsd"
SCHEMATRON_DIR = CDA_DIR / "schematrons"
TERMINOLOGY_DIR = DATA / "terminology"

# The schematrons of a document type, and the general CI-SIS profiles (schematrons/profils) that every CI-SIS
# document must also follow.
FRCP_SCHEMATRON = SCHEMATRON_DIR / "CI-SIS_CANCER-FRCP_2022.01.sch"
PROFILE_SCHEMATRONS = {
    "CI-SIS_ModelesDeContenusCDA": SCHEMATRON_DIR / "profils" / "CI-SIS_ModelesDeContenusCDA.sch",
    "CI-SIS_Modeles_ANS": SCHEMATRON_DIR / "profils" / "CI-SIS_Modeles_ANS.sch",
    "IHE": SCHEMATRON_DIR / "profils" / "IHE.sch",
    "ASIP-STRUCT-MIN-StrucMin": SCHEMATRON_DIR / "profils" / "structurationMinimale" / "ASIP-STRUCT-MIN-StrucMin.sch",
}

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
_SOURCE_ATTR = "{urn:dcc-portal:schematron}source"
_S = f"{{{SCH}}}"
_X = f"{{{XSL}}}"

# Value sets are referenced by the schematrons as '../jeuxDeValeurs/X.xml' (relative to the kit layout); the
# portal keeps them in data/terminology.
_VALUE_SET_REF = re.compile(r"""^\s*'(?:\.\./)+jeuxDeValeurs/([^'/]+\.xml)'\s*$""")
_DOC_LITERAL = re.compile(r"""\b(?:doc|document)\(\s*'([^']+)'\s*\)""")
_VAR_REF = re.compile(r"\$([A-Za-z_][\w.\-]*)")


# --------------------------------------------------------------------------------------------------- XSD


@lru_cache(maxsize=1)
def _cda_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(CDA_XSD)))


_xsd_lock = threading.Lock()
MALFORMED = "XML mal formé"


def xsd_errors(xml: bytes | str) -> list[str]:
    """Problems against CDA_extended.xsd (empty when valid). Never fetches anything from the network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        document = etree.fromstring(xml.encode() if isinstance(xml, str) else xml, parser)
    except etree.XMLSyntaxError as error:
        return [f"{MALFORMED} : {error}"]
    with _xsd_lock:  # an lxml XMLSchema object keeps its error log: one validation at a time
        schema = _cda_schema()
        if schema.validate(document):
            return []
        return [f"ligne {entry.line} : {entry.message}" for entry in schema.error_log]


# --------------------------------------------------------------------------------------------------- Schematron


@dataclass(frozen=True)
class Finding:
    severity: str  # error | warning | info (the assert's role; error when absent)
    kind: str  # "assert" (a failed assert) or "report" (a successful report)
    pattern: str
    context: str
    test: str
    location: str
    message: str


@dataclass(frozen=True)
class SchematronReport:
    schema: str
    findings: tuple[Finding, ...]
    skipped: tuple[str, ...]
    rules: int  # rules compiled and run
    asserts: int  # assert and report tests compiled and run

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity in ("error", "fatal")]

    @property
    def warnings(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity not in ("error", "fatal")]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class CompiledSchematron:
    name: str
    xslt: str
    skipped: list[str] = field(default_factory=list)
    rules: int = 0
    asserts: int = 0
    executable: object = None


def _load(path: Path, skipped: list[str], stack: tuple[Path, ...] = ()) -> etree._Element:
    parser = etree.XMLParser(remove_comments=True, remove_pis=True, resolve_entities=False, no_network=True)
    root = etree.parse(str(path), parser).getroot()
    root.set(_SOURCE_ATTR, str(path))
    for include in list(root.iter(f"{_S}include")):
        href = include.get("href", "")
        target = (path.parent / href).resolve()
        parent = include.getparent()
        if not target.is_file() or target in stack:
            skipped.append(f"include absent du kit ANS : {href} (depuis {path.name})")
            parent.remove(include)
            continue
        parent.replace(include, _load(target, skipped, stack + (path,)))
    return root


def _substitute(text: str, params: dict[str, str]) -> str:
    for name in sorted(params, key=len, reverse=True):
        text = re.sub(r"\$" + re.escape(name) + r"(?![\w.\-])", lambda _m, value=params[name]: value, text)
    return text


def _instantiate(pattern: etree._Element, abstract: etree._Element) -> etree._Element:
    params = {param.get("name"): param.get("value", "") for param in pattern.findall(f"{_S}param")}
    concrete = copy.deepcopy(abstract)
    concrete.attrib.pop("abstract", None)
    concrete.set("id", pattern.get("id") or abstract.get("id", ""))
    concrete.set(_SOURCE_ATTR, pattern.get(_SOURCE_ATTR) or abstract.get(_SOURCE_ATTR, ""))
    for element in concrete.iter():
        for attribute in ("context", "test", "select", "value", "path"):
            if attribute in element.attrib:
                element.set(attribute, _substitute(element.get(attribute), params))
    return concrete


def _rule_items(rule: etree._Element, abstract_rules: dict[str, etree._Element], seen: tuple[str, ...] = ()) -> list:
    """lets, asserts and reports of a rule, the content of the abstract rules it extends in place."""
    items = []
    for child in rule:
        if child.tag == f"{_S}extends":
            target = child.get("rule", "")
            if target in abstract_rules and target not in seen:
                items.extend(_rule_items(abstract_rules[target], abstract_rules, seen + (target,)))
        elif child.tag in (f"{_S}let", f"{_S}assert", f"{_S}report"):
            items.append(child)
    return items


def _message(parent: etree._Element, node: etree._Element) -> None:
    """Copy the text of an assert/report into the output, value-of and name evaluated."""
    if node.text:
        etree.SubElement(parent, f"{_X}text").text = node.text
    for child in node:
        if child.tag == f"{_S}value-of":
            etree.SubElement(parent, f"{_X}value-of", select=child.get("select", "''"))
        elif child.tag == f"{_S}name":
            etree.SubElement(parent, f"{_X}value-of", select=f"name({child.get('path', '.')})")
        else:
            _message(parent, child)
        if child.tail:
            etree.SubElement(parent, f"{_X}text").text = child.tail


def _visits_attributes(contexts: list[str]) -> bool:
    return any(re.search(r"(@[\w:*\-]+|attribute::[\w:*\-]+)\s*$", context) for context in contexts)


def compile_schematron(path: Path, *, phase: str | None = None) -> CompiledSchematron:
    """Compile one schematron (with its includes) into XSLT text; nothing is run yet."""
    skipped: list[str] = []
    root = _load(path, skipped)
    namespaces = {ns.get("prefix"): ns.get("uri") for ns in root.iter(f"{_S}ns")}
    namespaces.setdefault("xs", "http://www.w3.org/2001/XMLSchema")

    abstract_patterns = {p.get("id"): p for p in root.iter(f"{_S}pattern") if p.get("abstract") == "true"}
    abstract_rules = {r.get("id"): r for r in root.iter(f"{_S}rule") if r.get("abstract") == "true"}
    patterns = []
    for pattern in root.iter(f"{_S}pattern"):
        if pattern.get("abstract") == "true":
            continue
        if pattern.get("is-a"):
            base = abstract_patterns.get(pattern.get("is-a"))
            if base is None:
                skipped.append(f"pattern {pattern.get('id')} : pattern abstrait {pattern.get('is-a')} absent")
                continue
            pattern = _instantiate(pattern, base)
        patterns.append(pattern)

    phase_id = phase or root.get("defaultPhase") or "#ALL"
    if phase_id != "#ALL":
        phase_element = next((p for p in root.iter(f"{_S}phase") if p.get("id") == phase_id), None)
        if phase_element is None:
            raise ValueError(f"phase {phase_id} absente de {path.name}")
        active = [a.get("pattern") for a in phase_element.findall(f"{_S}active")]
        known = {p.get("id") for p in patterns}
        for pattern_id in active:
            if pattern_id not in known:
                skipped.append(f"phase {phase_id} : pattern {pattern_id} introuvable (fichier absent ou id différent)")
        wanted = set(active)
        patterns = [p for p in patterns if p.get("id") in wanted]

    # Global variables: schema-level and pattern-level lets (value-set paths, OIDs...).
    global_lets: dict[str, str] = {}
    for let in list(root.findall(f"{_S}let")) + [let for p in patterns for let in p.findall(f"{_S}let")]:
        name, value = let.get("name"), let.get("value", "''")
        match = _VALUE_SET_REF.match(value)
        if match:
            value = f"'{(TERMINOLOGY_DIR / match.group(1)).as_uri()}'"
        global_lets.setdefault(name, value)
    unavailable: dict[str, str] = {}
    for name, value in global_lets.items():
        literal = re.fullmatch(r"\s*'([^']+\.xml)'\s*", value)
        if literal and literal.group(1).startswith("file:") and not Path(literal.group(1)[7:]).is_file():
            unavailable[name] = Path(literal.group(1)).name

    stylesheet = etree.Element(f"{_X}stylesheet", nsmap={"xsl": XSL, **{k: v for k, v in namespaces.items() if k}})
    stylesheet.set("version", "3.0")
    stylesheet.set("{http://www.w3.org/XML/1998/namespace}base", path.resolve().as_uri())
    stylesheet.set("exclude-result-prefixes", " ".join(k for k in namespaces if k))
    etree.SubElement(stylesheet, f"{_X}output", method="xml", indent="no")
    for name, value in global_lets.items():
        etree.SubElement(stylesheet, f"{_X}variable", name=name, select=value)

    main = etree.SubElement(stylesheet, f"{_X}template", match="/")
    results = etree.SubElement(main, "results")
    compiled = CompiledSchematron(name=path.name, xslt="", skipped=skipped)
    for index, pattern in enumerate(patterns):
        mode = f"M{index}"
        pattern_id = pattern.get("id") or pattern.findtext(f"{_S}title") or mode
        rules = [rule for rule in pattern.findall(f"{_S}rule") if rule.get("abstract") != "true" and rule.get("context")]
        if not rules:
            continue
        etree.SubElement(results, f"{_X}apply-templates", select="/", mode=mode)
        contexts = [rule.get("context") for rule in rules]
        children = "@*|*" if _visits_attributes(contexts) else "*"
        for position, rule in enumerate(rules):
            template = etree.SubElement(stylesheet, f"{_X}template", match=rule.get("context"), mode=mode,
                                        priority=str(len(rules) - position + 10))
            items = _rule_items(rule, abstract_rules)
            for let in (item for item in items if item.tag == f"{_S}let"):
                etree.SubElement(template, f"{_X}variable", name=let.get("name"), select=let.get("value", "''"))
            for check in (item for item in items if item.tag != f"{_S}let"):
                test = check.get("test", "true()")
                missing_files = [ref for ref in _DOC_LITERAL.findall(test) if not (path.parent / ref).is_file()]
                missing_sets = [unavailable[var] for var in _VAR_REF.findall(test) if var in unavailable]
                if missing_files or missing_sets:
                    skipped.append(f"{pattern_id} : test non exécutable, fichier absent du kit ANS "
                                   f"{', '.join(missing_files + missing_sets)} : {test.strip()[:160]}")
                    continue
                is_assert = check.tag == f"{_S}assert"
                condition = etree.SubElement(template, f"{_X}if", test=f"not({test})" if is_assert else f"({test})")
                finding = etree.SubElement(condition, "finding", kind="assert" if is_assert else "report",
                                           severity=check.get("role") or "error", pattern=pattern_id)
                etree.SubElement(finding, f"{_X}attribute", name="location", select="path()")
                etree.SubElement(finding, "context").text = rule.get("context")
                etree.SubElement(finding, "test").text = test
                _message(etree.SubElement(finding, "message"), check)
                compiled.asserts += 1
            etree.SubElement(template, f"{_X}apply-templates", select=children, mode=mode)
            compiled.rules += 1
        fallback = etree.SubElement(stylesheet, f"{_X}template", match="document-node()|*", mode=mode, priority="-5")
        etree.SubElement(fallback, f"{_X}apply-templates", select=children, mode=mode)
        etree.SubElement(stylesheet, f"{_X}template", match="@*|text()|comment()|processing-instruction()",
                         mode=mode, priority="-5")
    compiled.xslt = etree.tostring(stylesheet, encoding="unicode")
    return compiled


_saxon_lock = threading.Lock()


@lru_cache(maxsize=1)
def _processor():
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@lru_cache(maxsize=16)
def _compiled(path: str, phase: str | None) -> CompiledSchematron:
    compiled = compile_schematron(Path(path), phase=phase)
    compiler = _processor().new_xslt30_processor()
    compiled.executable = compiler.compile_stylesheet(stylesheet_text=compiled.xslt)
    return compiled


def run_schematron(xml: bytes | str, path: Path, *, phase: str | None = None) -> SchematronReport:
    """Failed asserts and successful reports of one schematron on one document."""
    text = xml.decode() if isinstance(xml, bytes) else xml
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # the document is handed over as a string
    with _saxon_lock:
        compiled = _compiled(str(path), phase)
        document = _processor().parse_xml(xml_text=text)
        output = compiled.executable.transform_to_string(xdm_node=document)
    results = etree.fromstring(output.encode())
    findings = tuple(
        Finding(
            severity=node.get("severity"),
            kind=node.get("kind"),
            pattern=node.get("pattern"),
            context=node.findtext("context") or "",
            test=node.findtext("test") or "",
            location=node.get("location") or "",
            message=" ".join((node.findtext("message") or "").split()),
        )
        for node in results.iter("finding")
    )
    return SchematronReport(schema=compiled.name, findings=findings, skipped=tuple(compiled.skipped),
                            rules=compiled.rules, asserts=compiled.asserts)


@dataclass(frozen=True)
class CdaValidation:
    xsd_errors: tuple[str, ...]
    reports: tuple[SchematronReport, ...]

    @property
    def ok(self) -> bool:
        return not self.xsd_errors and all(report.ok for report in self.reports)

    def summary(self) -> list[str]:
        lines = [f"XSD : {error}" for error in self.xsd_errors]
        for report in self.reports:
            lines += [f"{report.schema} [{f.pattern}] {f.location} : {f.message}" for f in report.errors]
        return lines


def validate(xml: bytes | str, schematrons: list[Path]) -> CdaValidation:
    """XSD, then each schematron; a document that is not well-formed XML is reported as such, never run further."""
    errors = tuple(xsd_errors(xml))
    if errors and errors[0].startswith(MALFORMED):
        return CdaValidation(errors, ())
    return CdaValidation(errors, tuple(run_schematron(xml, path) for path in schematrons))


def validate_frcp(xml: bytes | str, *, profiles: bool = True) -> CdaValidation:
    """XSD, the FRCP schematron and (by default) the general CI-SIS profiles."""
    return validate(xml, [FRCP_SCHEMATRON] + (list(PROFILE_SCHEMATRONS.values()) if profiles else []))
