"""Imports run one way: no cycle between the service's domain packages, and the bot never
imports the service (it is an HTTP client of the API, like any integrator)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "service"
# Not domains: the layers around them. ``api`` is the HTTP wiring every domain's routes use
# (dependencies, access enforcement, metrics) and ``cli`` an entry point: both import the
# domains, as ``main`` does. ``core`` (settings, database, errors) imports no domain, which
# test_core_imports_no_domain checks. The rest is not Python code.
_LAYERS = {"api", "cli", "core"}
_SKIP = _LAYERS | {"migrations", "static", "__pycache__"}


def _imported(path: Path) -> Iterator[str]:
    """Every module a file imports, at any depth (also inside functions and TYPE_CHECKING:
    a cycle hidden in a function is still a cycle of knowledge)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _domain(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "service" and (SERVICE / parts[1]).is_dir():
        return parts[1] if parts[1] not in _SKIP else None
    return None


def domain_graph() -> dict[str, set[str]]:
    """service/<pkg> → the other service packages its modules import."""
    graph: dict[str, set[str]] = {}
    for package in sorted(p for p in SERVICE.iterdir() if p.is_dir() and p.name not in _SKIP):
        edges = graph.setdefault(package.name, set())
        for path in package.rglob("*.py"):
            for module in _imported(path):
                target = _domain(module)
                if target is not None and target != package.name:
                    edges.add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One path per cycle found by a depth-first search (empty when the graph is acyclic)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_no_cycle_between_domain_packages() -> None:
    graph = domain_graph()
    assert {"cards", "proofs", "accounts", "webhooks"} <= graph.keys()
    assert cycles(graph) == [], "domain packages import each other: " + "; ".join(
        " → ".join(c) for c in cycles(graph)
    )


def test_core_imports_no_domain() -> None:
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in (SERVICE / "core").rglob("*.py")
        for module in _imported(path)
        if module.startswith("service.") and module.split(".")[1] not in ("core",)
    )
    assert offenders == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_bot_never_imports_the_service() -> None:
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / "bot").rglob("*.py")
        for module in _imported(path)
        if module == "service" or module.startswith("service.")
    )
    assert offenders == []
