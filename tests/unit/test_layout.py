"""The package's seams: imports flow one way, and the library knows no development checkout."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "dlvclient"


def _module_name(path: Path) -> str:
    return "dlvclient" if path.name == "__init__.py" else f"dlvclient.{path.stem}"


def _imports(path: Path) -> set[str]:
    """Every dlvclient module ``path`` imports, anywhere in it (TYPE_CHECKING, functions)."""
    package = "dlvclient"
    found: set[str] = set()
    modules = {_module_name(p) for p in PACKAGE.glob("*.py")}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith(package)}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = f"{package}.{base}" if base else package
            if not base.startswith(package):
                continue
            for alias in node.names:
                # `from . import _models` imports a module; `from . import __version__` the
                # package itself.
                name = f"{base}.{alias.name}"
                found.add(name if name in modules else base)
    return found & modules


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) - {_module_name(p)} for p in PACKAGE.glob("*.py")}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_import_cycle_inside_the_package() -> None:
    # The package's __init__ re-exports everything; no module may import it back.
    graph = _graph()
    importers = sorted(m for m, targets in graph.items() if "dlvclient" in targets)
    assert importers == [], f"modules importing the package itself: {importers}"
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle or ())


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_analysis_does_not_import_the_client() -> None:
    # Analysis is typed against dlvclient._protocols.ReadClient, never AsyncClient.
    for analysis in ("_report.py", "_waits.py"):
        assert "dlvclient._client" not in _imports(PACKAGE / analysis), analysis


def test_connect_needs_no_process_module() -> None:
    assert "dlvclient._launcher" not in _imports(PACKAGE / "_transport.py")


def test_the_library_knows_no_checkout() -> None:
    mentions = [p.name for p in PACKAGE.rglob("*.py") if ".tools" in p.read_text()]
    assert mentions == []
