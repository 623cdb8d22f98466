"""Layers point one way: each package imports only the project packages its row allows.

Read with `ast` from the source, so an import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# package -> its source folder. restore_core and the handler modules live in functions/ (the FC code package).
SOURCES = {
    "fdl": ROOT / "fdl",
    "ossemu": ROOT / "ossemu",
    "ramcheck": ROOT / "ramcheck",
    "restore_core": ROOT / "functions" / "restore_core",
    "ossrestore_functions": ROOT / "functions",
    "infra": ROOT / "infra",
    "ossrestore": ROOT / "ossrestore",
}
OURS = set(SOURCES)
# The one table of allowed dependencies between our packages (a package may always import itself).
ALLOWED: dict[str, set[str]] = {
    "fdl": set(),  # the engine knows nothing of what it runs
    "ossemu": set(),  # the emulator speaks OSS, nothing else
    "ramcheck": set(),  # RAM policy evaluation stands alone
    "restore_core": set(),  # the FC code package: only the standard library and oss2 (below)
    "ossrestore_functions": {"restore_core"},  # the FC entry modules: only their shared package
    # validates the flows it deploys, derives its policies from the RAM catalog, names by the handlers' rules
    "infra": {"fdl", "ramcheck", "restore_core"},
    "ossrestore": OURS - {"ossrestore_functions"},  # the command assembles everything; handlers by name only
}
# What the code package may import besides itself: what FC's Python runtime offers.
FC_RUNTIME = set(sys.stdlib_module_names) | {"oss2", "__future__"}


def _modules(package: str) -> list[Path]:
    folder = SOURCES[package]
    if package == "ossrestore_functions":  # only the entry modules; restore_core/ has its own row
        return sorted(folder.glob("*.py"))
    return sorted(folder.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(SOURCES))
def test_a_package_imports_only_the_packages_its_row_allows(package: str) -> None:
    # GIVEN every module of the package WHEN its imports are read
    modules = _modules(package)
    assert modules, package
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules
        for name in _imports(path) & OURS - ALLOWED[package] - {package}
    }
    # THEN none reaches a project package its row does not allow
    assert not wrong, sorted(wrong)


@pytest.mark.parametrize("package", ["restore_core", "ossrestore_functions"])
def test_the_code_package_imports_only_what_function_compute_offers(package: str) -> None:
    # GIVEN every module FC loads WHEN its imports are read THEN none needs a local-only package
    found = set().union(*(_imports(path) for path in _modules(package)))
    assert found - FC_RUNTIME <= {"restore_core"}, found - FC_RUNTIME - {"restore_core"}


def test_every_package_of_the_distribution_has_a_row() -> None:
    # GIVEN the distribution's top-level packages WHEN compared with the table THEN each has its row
    import tomllib

    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    assert {name.split(".")[0] for name in packages} | {"ossrestore_flows"} == OURS | {"ossrestore_flows"}


def test_the_interpreter_reaches_the_engine_only_through_its_host() -> None:
    # GIVEN the interpreter's source and the host interface the engine implements for it
    from fdl.engine import Engine
    from fdl.host import ExecutionHost
    from fdl.registry import Registry

    members = {name for name in dir(ExecutionHost) if not name.startswith("_")}
    tree = ast.parse((ROOT / "fdl" / "interpreter.py").read_text(encoding="utf-8"))
    # WHEN every use of `self.host` and every import from the engine module is read
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "host"
    }
    from_engine = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module in ("fdl.engine", "fdl.executions")
        for alias in node.names
    }
    # THEN it uses only the interface's members, which the engine has, and takes from the engine's modules
    # only the run state it executes
    assert used and used <= members, used - members
    engine = Engine(Registry())
    assert all(hasattr(engine, name) for name in members), [name for name in members if not hasattr(engine, name)]
    assert from_engine <= {"ExecutionRun"}, from_engine


def _module_names() -> dict[str, Path]:
    """Every module of the project by its import name (the handler modules under their code-package names)."""
    names: dict[str, Path] = {}
    for package in sorted(SOURCES):
        root = SOURCES[package].parent if package != "ossrestore_functions" else SOURCES[package]
        for path in _modules(package):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names[".".join(parts)] = path
    return names


def _edges(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports, anywhere in it (type-only imports included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in modules else base)
    return (found & set(modules)) - {name}


def test_no_module_imports_itself_through_others_type_imports_included() -> None:
    # GIVEN every module's imports, those for types only and those inside functions included
    modules = _module_names()
    graph = {name: _edges(name, path, modules) for name, path in modules.items()}
    # WHEN the strongly connected parts of the import graph are found (Tarjan)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            part = []
            while True:
                top = stack.pop()
                part.append(top)
                if top == node:
                    break
            if len(part) > 1:
                cycles.append(sorted(part))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    for name in sorted(graph):
        if name not in index:
            visit(name)
    # THEN none holds more than one module: no import cycle anywhere
    assert not cycles, cycles
