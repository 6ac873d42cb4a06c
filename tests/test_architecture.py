"""The arrows of ARCHITECTURE.md, read from the imports of the code itself.

Each test parses the source (nothing is imported), so a new import that breaks a rule fails here
with the module and the line, before it can become a cycle or a shortcut around a package.
"""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = "survey_app.services"
# Which service package may import which: each arrow of ARCHITECTURE.md, and no other.
PACKAGE_ARROWS = {
    "platform": set(),
    "customers": {"platform"},
    "surveys": {"customers", "platform"},
    "cases": {"surveys", "customers", "platform"},
    "reporting": {"surveys", "platform"},
}
PURE = ("analysis", "instruments")
WEB_AND_DATABASE = ("flask", "flask_babel", "flask_wtf", "flask_login", "sqlalchemy", "survey_app")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """(imported module, line, inside a function) for each import of ``path``, relative ones resolved."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), filename=str(path))
    functions = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    nested = {id(inner) for function in functions for inner in ast.walk(function) if inner is not function}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, id(node) in nested
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            # ``from package import submodule`` imports the submodule.
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                target = candidate if _source_of(candidate) else module
                yield target, node.lineno, id(node) in nested


def _source_of(module: str) -> Path | None:
    path = ROOT.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _service_package(module: str) -> str | None:
    """The service package ``module`` belongs to; None outside them (``services.errors`` is shared by all)."""
    parts = module.split(".")
    if module.startswith(SERVICES + ".") and (ROOT / "survey_app/services" / parts[2] / "__init__.py").exists():
        return parts[2]
    return None


def test_service_packages_import_only_along_the_arrows():
    wrong = []
    for path in _sources("survey_app/services"):
        source = _service_package(_module_name(path))
        for target, line, _late in _imports(path):
            destination = _service_package(target)
            if source and destination and destination != source and destination not in PACKAGE_ARROWS[source]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} {source} -> {destination}")
    assert wrong == []


def test_the_arrows_between_service_packages_have_no_cycle():
    graph = {package: set(arrows) for package, arrows in PACKAGE_ARROWS.items()}
    done = set()

    def visit(package, path):
        assert package not in path, " -> ".join([*path, package])
        if package in done:
            return
        for destination in graph[package]:
            visit(destination, (*path, package))
        done.add(package)

    for package in graph:
        visit(package, ())
    assert set(graph) == {p.name for p in (ROOT / "survey_app/services").iterdir() if (p / "__init__.py").exists()}


def test_modules_of_the_app_import_each_other_without_cycles():
    graph = {}
    for path in _sources("survey_app"):
        graph[_module_name(path)] = {target for target, _line, late in _imports(path)
                                     if target.startswith("survey_app") and not late and _source_of(target)}
    state, cycles = {}, []

    def visit(module, stack):
        state[module] = "open"
        for target in graph.get(module, ()):
            if state.get(target) == "open":
                cycles.append(" -> ".join([*stack[stack.index(target):], target]))
            elif target not in state:
                visit(target, [*stack, target])
        state[module] = "done"

    for module in graph:
        if module not in state:
            visit(module, [module])
    # A package's __init__ naming its own submodules is how it publishes them, not a cycle.
    cycles = [c for c in cycles if not all(m.startswith(c.split(" -> ")[0]) for m in c.split(" -> "))]
    assert cycles == []


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_import_neither_the_web_nor_the_database(package):
    wrong = [f"{path.relative_to(ROOT)}:{line} {target}" for path in _sources(package)
             for target, line, _late in _imports(path) if target.split(".")[0] in WEB_AND_DATABASE]
    assert wrong == []


def test_only_services_use_analysis_and_instruments():
    """Blueprints, the CLI and the demo reach statistics and questionnaires through a service package."""
    wrong = []
    for path in _sources("survey_app"):
        if _module_name(path).startswith(SERVICES):
            continue
        wrong += [f"{path.relative_to(ROOT)}:{line} {target}" for target, line, _late in _imports(path)
                  if target.split(".")[0] in PURE]
    assert wrong == []


def test_no_late_imports_of_the_app_inside_functions():
    """An import inside a function is how a cycle gets hidden; the app's modules import at the top."""
    wrong = [f"{path.relative_to(ROOT)}:{line} {target}" for path in _sources("survey_app")
             for target, line, late in _imports(path) if late and target.startswith("survey_app")]
    assert wrong == []


def test_the_map_names_files_that_exist():
    """ARCHITECTURE.md says where each change goes: every module it names is there."""
    named = set(re.findall(r"`([\w/]+\.(?:py|html))`", (ROOT / "ARCHITECTURE.md").read_text()))
    places = (ROOT, ROOT / "survey_app", ROOT / "survey_app" / "services", ROOT / "templates")
    missing = [name for name in sorted(named) if not any((place / name).exists() for place in places)]
    assert named and missing == []


def _public_names(package: str) -> set[str]:
    """The names a service package's ``__init__`` lists in ``__all__``."""
    tree = ast.parse((ROOT / "survey_app/services" / package / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


def test_outside_the_services_only_a_package_s_public_names_are_used():
    """Blueprints, the CLI and the demo call what a package's ``__init__`` names; ``platform`` is
    a set of modules, each public."""
    wrong = []
    for path in _sources("survey_app"):
        if _module_name(path).startswith(SERVICES):
            continue
        for target, line, _late in _imports(path):
            parts = target.split(".")
            if target.startswith(SERVICES + ".") and len(parts) > 3 and parts[2] != "platform" \
                    and parts[3] not in _public_names(parts[2]):
                wrong.append(f"{path.relative_to(ROOT)}:{line} {target}")
    assert wrong == []
