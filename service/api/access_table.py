"""The access table: every route of the app × every kind of caller, built from the rules the
routes declare (``Authorize``/``Public``/``public``). The README shows it; a test checks that
the README's copy is this one and that no route is without a rule.

``python -m service.api.access_table`` prints it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from service.accounts.access import Owner, Rule, allowed
from service.accounts.models import Role, Scope

BEGIN = "<!-- access-table:begin (python -m service.api.access_table) -->"
END = "<!-- access-table:end -->"


@dataclass(frozen=True)
class RouteRule:
    method: str
    path: str
    rule: Rule


class UndeclaredRoute(Exception):
    """A route that states no rule (or more than one)."""


def _rules_in(dependant: Dependant) -> list[Rule]:
    found: list[Rule] = []
    for sub in dependant.dependencies:
        rule = getattr(sub.call, "rule", None)
        if isinstance(rule, Rule):
            found.append(rule)
        found.extend(_rules_in(sub))
    return found


def _api_routes(routes: Iterable[Any]) -> Iterable[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        if included is not None:
            yield from _api_routes(included.routes)


def route_rules(app: FastAPI) -> list[RouteRule]:
    """Each route's one rule; raises UndeclaredRoute for a route with none or several."""
    out: list[RouteRule] = []
    for route in _api_routes(app.routes):
        rules = _rules_in(route.dependant)
        own = getattr(route.endpoint, "rule", None)
        if isinstance(own, Rule):
            rules.append(own)
        methods = set(route.methods or ())
        if len(set(rules)) != 1:
            raise UndeclaredRoute(f"{sorted(methods)} {route.path} declares {rules}")
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            out.append(RouteRule(method=method, path=route.path, rule=rules[0]))
    return sorted(out, key=lambda r: (r.path, r.method))


_CALLERS: list[tuple[str, Role | Scope]] = [
    *((role.value, role) for role in Role),
    *((scope.value, scope) for scope in Scope),
]


def _cell(rule: Rule, caller: Role | Scope) -> str:
    if rule.action is None:
        return "✓"
    roles, scopes = allowed(rule.action)
    if caller not in (roles if isinstance(caller, Role) else scopes):
        return ""
    if caller == Scope.bot and rule.owner not in (Owner.none, Owner.caller):
        return "own"
    return "✓"


def markdown(rows: Iterable[RouteRule]) -> str:
    head = ["route", "action", "object", *(name for name, _ in _CALLERS)]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        action = r.rule.action.value if r.rule.action else "public"
        cells = [_cell(r.rule, caller) for _, caller in _CALLERS]
        lines.append(
            "| " + " | ".join([f"`{r.method} {r.path}`", action, r.rule.owner.value, *cells]) + " |"
        )
    return "\n".join(lines)


def table_for(app: Any) -> str:
    return markdown(route_rules(app))


def main() -> None:
    import tempfile
    from pathlib import Path

    from service.core.config import Settings
    from service.main import create_app

    with tempfile.TemporaryDirectory() as scratch:  # the app is built, never served
        settings = Settings(env="development", data_dir=Path(scratch), secret_key="x" * 40)
        print(table_for(create_app(settings)))


if __name__ == "__main__":
    main()
