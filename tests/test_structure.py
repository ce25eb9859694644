"""The code's shape, checked like a feature: short functions and no tangled ones.

A function over 60 lines or of cyclomatic complexity grade D or worse (radon: above 20) in
`service/` or `bot/` (migrations aside, being generated history) fails here, naming it, so
the rule holds for the next change too."""

from __future__ import annotations

import ast
from pathlib import Path

from radon.complexity import cc_rank, cc_visit

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 60


def _sources() -> list[Path]:
    files = [*sorted((ROOT / "service").rglob("*.py")), *sorted((ROOT / "bot").rglob("*.py"))]
    return [p for p in files if "migrations" not in p.relative_to(ROOT).parts]


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_sources_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _sources()}
    assert "service/main.py" in names and "bot/app.py" in names
    assert not any("/migrations/" in n for n in names)


def test_no_function_is_longer_than_sixty_lines() -> None:
    long = []
    for path in _sources():
        for fn in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            lines = (fn.end_lineno or fn.lineno) - fn.lineno + 1
            if lines > MAX_LINES:
                long.append(f"{path.relative_to(ROOT)}:{fn.lineno} {fn.name} ({lines} lines)")
    assert not long, "functions over 60 lines:\n" + "\n".join(long)


def test_no_function_has_complexity_grade_d_or_worse() -> None:
    tangled = []
    for path in _sources():
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if cc_rank(block.complexity) >= "D":
                where = f"{path.relative_to(ROOT)}:{block.lineno} {block.fullname}"
                tangled.append(f"{where} ({cc_rank(block.complexity)}, {block.complexity})")
    assert not tangled, "functions of radon grade D or worse:\n" + "\n".join(tangled)


def test_the_checks_can_fail() -> None:
    """The two measures see what they are meant to see (so a green run means something)."""
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    fn = _functions(ast.parse(f"def f():\n{body}\n"))[0]
    assert (fn.end_lineno or 0) - fn.lineno + 1 > MAX_LINES
    branches = "\n".join(f"    if a == {i}:\n        return {i}" for i in range(25))
    (block,) = cc_visit(f"def g(a):\n{branches}\n    return -1\n")
    assert cc_rank(block.complexity) >= "D"
