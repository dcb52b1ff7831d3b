"""The layout's rules (shared/architecture.md), read from the source: layers point down only, services are
framework-free, screens never reach the database, and no two modules of dcc_portal import each other in a loop.

Every import counts, including those inside functions: a lazy import hides a cycle, it does not remove it."""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dcc_portal"

# Rank of each part of dcc_portal: a module imports only modules of its own rank or below.
RANKS = {
    "formatting": 0, "texts": 0, "settings": 0, "memory": 0, "admission": 0,
    "models": 1, "db": 1, "conformance": 1, "migrate": 1,
    "services": 2, "backup": 2,
    "demo": 3, "peers": 3,
    "state": 4, "web": 4,
    "components": 5,
    "pages": 6,
    "dcc_portal": 7,
    "cli": 8, "__main__": 8,
}
FRAMEWORK_FREE = ("models", "services", "conformance", "demo", "peers", "db", "migrate", "backup")
DATABASE_MODULES = ("sqlmodel", "sqlalchemy", "dcc_portal.db")


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(path, package): path for path in sorted(package.rglob("*.py"))}


def imports_of(path: Path, known: dict[str, Path]) -> set[str]:
    """Every module a file imports (top level or inside a function), as dcc_portal module names or outside names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
    return found


def part_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    known = source_modules(package)
    root = package.name
    graph = {}
    for name, path in known.items():
        targets = set()
        for target in imports_of(path, known):
            while target and target not in known and target.startswith(root + "."):
                target = target.rpartition(".")[0]
            if target in known and target != name and target != root:
                targets.add(target)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in graph.items():
        for target in targets:
            if RANKS[part_of(target)] > RANKS[part_of(module)]:
                wrong.append(f"{module} -> {target}")
    return sorted(wrong)


def framework_imports(package: Path = PACKAGE) -> list[str]:
    known = source_modules(package)
    wrong = []
    for name, path in known.items():
        if part_of(name) in FRAMEWORK_FREE:
            wrong += [f"{name} -> {target}" for target in imports_of(path, known)
                      if target == "reflex" or target.startswith("reflex.")]
    return sorted(wrong)


def database_reach(module) -> list[str]:
    """What a screen module takes from below that reaches the database: the database modules themselves, table
    models, or a service function that takes a database session (`db`)."""
    path = Path(module.__file__)
    tree = ast.parse(path.read_text())
    used_attributes = {(node.value.id, node.attr) for node in ast.walk(tree)
                       if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)}
    reached = []

    def check(label: str, value) -> None:
        if inspect.isclass(value) and not issubclass(value, enum.Enum) and hasattr(value, "__table__"):
            reached.append(f"{label} (table)")
        elif callable(value) and not inspect.isclass(value):
            try:
                parameters = inspect.signature(value).parameters
            except (TypeError, ValueError):
                return
            if "db" in parameters:
                reached.append(f"{label} (takes db)")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            reached += [alias.name for alias in node.names if alias.name.startswith(DATABASE_MODULES)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(DATABASE_MODULES) or any(
                    f"{node.module}.{alias.name}".startswith(DATABASE_MODULES) for alias in node.names):
                reached.append(node.module)
                continue
            if not node.module.startswith(("dcc_portal.services", "dcc_portal.models")):
                continue
            source = importlib.import_module(node.module)
            for alias in node.names:
                value = getattr(source, alias.name)
                local = alias.asname or alias.name
                if inspect.ismodule(value):
                    for owner, attribute in used_attributes:
                        if owner == local and hasattr(value, attribute):
                            check(f"{value.__name__}.{attribute}", getattr(value, attribute))
                else:
                    check(f"{node.module}.{alias.name}", value)
    return sorted(set(reached))


def screen_modules() -> list[str]:
    return [name for name in source_modules() if part_of(name) in ("pages", "components")]


def test_no_import_cycle_between_modules():
    assert cycles(import_graph()) == []


def test_layers_point_down_only():
    graph = import_graph()
    unranked = {part_of(module) for module in graph} - set(RANKS)
    assert not unranked, f"new top-level parts need a rank: {unranked}"
    assert upward_imports(graph) == []


def test_services_and_models_do_not_import_the_web_framework():
    assert framework_imports() == []


@pytest.mark.parametrize("name", screen_modules())
def test_screens_do_not_reach_the_database(name):
    assert database_reach(importlib.import_module(name)) == []


def declared_imports(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Each services package's "May import: a, b." line, as the set of areas it names."""
    declared = {}
    for init in sorted((package / "services").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        line = next((text for text in doc.splitlines() if text.startswith("May import:")), None)
        assert line, f"{init.parent.name}: the package docstring says what it owns and ends with 'May import: ...'"
        names = line.removeprefix("May import:").split("(")[0].replace("nothing else in services", "")
        declared[init.parent.name] = {name.strip(" .") for name in names.split(",") if name.strip(" .")}
    return declared


def undeclared_area_imports(graph: dict[str, set[str]], declared: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in graph.items():
        parts = module.split(".")
        if len(parts) < 4 or parts[1] != "services":
            continue
        for target in targets:
            other = target.split(".")
            if other[1] == "services" and len(other) >= 3 and other[2] != parts[2] and other[2] not in declared[parts[2]]:
                wrong.append(f"{module} -> {target}")
    return sorted(wrong)


def test_each_services_package_imports_only_the_areas_it_declares():
    declared = declared_imports()
    assert set(declared) >= {"common", "identity", "access", "record", "rcp", "pps", "exchange"}
    assert undeclared_area_imports(import_graph(), declared) == []


# The checks themselves, on a planted package: each rule must see a planted violation.
def plant(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "dcc_portal"
    for relative, text in {"__init__.py": "", **files}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_planted_cycle_is_found(tmp_path):
    root = plant(tmp_path, {
        "services/__init__.py": "",
        "services/a.py": "def f():\n    from dcc_portal.services import b\n",
        "services/b.py": "from dcc_portal.services.a import f\n",
    })
    assert cycles(import_graph(root)) == [["dcc_portal.services.a", "dcc_portal.services.b"]]


def test_a_planted_upward_import_and_framework_import_are_found(tmp_path):
    root = plant(tmp_path, {
        "services/__init__.py": "",
        "services/a.py": "import reflex as rx\nfrom dcc_portal.state import s\n",
        "state/__init__.py": "",
        "state/s.py": "from dcc_portal.services import a\n",
    })
    assert upward_imports(import_graph(root)) == ["dcc_portal.services.a -> dcc_portal.state.s"]
    assert framework_imports(root) == ["dcc_portal.services.a -> reflex"]


def test_a_planted_import_of_an_undeclared_area_is_found(tmp_path):
    root = plant(tmp_path, {
        "services/__init__.py": "",
        "services/common/__init__.py": '"""Basics.\n\nMay import: nothing else in services."""\n',
        "services/common/names.py": "from dcc_portal.services.record import patients\n",
        "services/record/__init__.py": '"""The record.\n\nMay import: common."""\n',
        "services/record/patients.py": "from dcc_portal.services.common import names\n",
    })
    declared = declared_imports(root)
    assert declared == {"common": set(), "record": {"common"}}
    assert undeclared_area_imports(import_graph(root), declared) == [
        "dcc_portal.services.common.names -> dcc_portal.services.record.patients"]


def test_a_planted_database_call_in_a_screen_is_found(tmp_path, monkeypatch):
    root = plant(tmp_path, {"pages/__init__.py": "", "pages/leaky.py": (
        "from dcc_portal.services.record import patients\n"
        "from dcc_portal.models import Patient, Role\n"
        "from sqlmodel import select\n"
        "LABELS = patients.STAGE_LABELS\n"
        "def view():\n    return patients.list_for_team\n"
    )})
    spec = importlib.util.spec_from_file_location("planted_leaky", root / "pages" / "leaky.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert database_reach(module) == [
        "dcc_portal.models.Patient (table)", "dcc_portal.services.record.patients.list_for_team (takes db)", "sqlmodel",
    ]


def registry_targets(package: Path = PACKAGE) -> list[str]:
    """Every "dcc_portal.module:function" string in the source: the registries that name instead of importing."""
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.startswith("dcc_portal.") and ":" in node.value and " " not in node.value:
                    found.append(node.value)
    return sorted(set(found))


def test_every_registry_name_resolves_to_a_function():
    from dcc_portal.services.common import registry

    targets = registry_targets()
    assert len(targets) >= 15
    for target in targets:
        assert callable(registry.resolve(target)), target


def test_only_the_demo_stories_date_audit_events_or_act_as_if_the_charter_were_accepted():
    """An audit event is dated when it happens and a professional reaches data once the charter is accepted; only the
    demo's replay of past acts may say otherwise, never a path a browser reaches."""
    helpers = {"dcc_portal.services.access.audit": "dated", "dcc_portal.services.access.charter": "assume_accepted"}
    for name, path in source_modules().items():
        uses = [node.attr for node in ast.walk(ast.parse(path.read_text()))
                if isinstance(node, ast.Attribute) and node.attr in helpers.values()]
        uses += [alias.name for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.ImportFrom)
                 for alias in node.names if helpers.get(node.module or "") == alias.name]
        assert not uses or part_of(name) == "demo", (name, uses)
