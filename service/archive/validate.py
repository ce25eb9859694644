"""Validating archive rows column by column, with the API's own field rules.

A pydantic model per row (``ArchiveRow``) costs about 100 µs of Python; an archive repeats
most values (names, dates, regions, hosts) thousands of times. So each column is checked by a
``TypeAdapter`` built from the very annotation ``ArchiveRow`` (and ``HolderIn``, ``HostIn``,
``DocumentIn``) declares for it, and each distinct value is checked once per import. The
rules across columns are the same functions the models run (``check_dates``, the Latin form
derived from the native name). A row that fails anything is validated again by the whole
model, whose error is the one reported: the report is exactly what the model says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from service.archive.models import COLUMNS, ArchiveRow, check_dates
from service.cards.models import DocumentIn, HolderIn, HostIn, derived_latin

# Columns left empty in the file mean "not given" (None) rather than an empty value.
OPTIONAL = frozenset({
    "given_names", "surname_latin", "given_names_latin", "visa_number", "occupation",
    "entered_on", "entry_point", "exited_on", "exit_point",
})  # fmt: skip
# Values that rarely repeat: checking them is cheaper than remembering them.
_UNIQUE = frozenset({"archive_id", "document_number", "visa_number"})
_CACHE_LIMIT = 200_000  # distinct values remembered per column before starting afresh
_UNSEEN = object()

_HOLDER = ("surname", "given_names", "surname_latin", "given_names_latin", "date_of_birth",
           "sex", "citizenship")  # fmt: skip
_MODEL_OF: dict[str, tuple[type[Any], str]] = {
    **{c: (HolderIn, c) for c in _HOLDER},
    "document_type": (DocumentIn, "type"),
    "document_number": (DocumentIn, "number"),
    "host_kind": (HostIn, "kind"),
    "host_name": (HostIn, "name"),
    "host_address": (HostIn, "address"),
}


def _adapter(column: str) -> Callable[[Any], Any]:
    model, name = _MODEL_OF.get(column, (ArchiveRow, column))
    info: FieldInfo = model.model_fields[name]
    kind = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    adapter: TypeAdapter[Any] = TypeAdapter(kind)
    return adapter.validate_python


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


class RowValidator:
    """Validates raw rows (column → stripped text); one per import, it remembers values."""

    def __init__(self) -> None:
        self._check = {c: _adapter(c) for c in COLUMNS}
        self._seen: dict[str, dict[str, Any]] = {c: {} for c in COLUMNS if c not in _UNIQUE}
        self._latin: dict[str, str | None] = {}
        # Per column: optional, its remembered values (None: not remembered), its check.
        self._plan = [(c, c in OPTIONAL, self._seen.get(c), self._check[c]) for c in COLUMNS]

    def __call__(self, raw: dict[str, str]) -> dict[str, Any]:
        """The row's values (enums as their stored text), or ``ValidationError`` as the whole
        model reports it."""
        try:
            return self._fast(raw)
        except (ValidationError, ValueError):
            pass
        # The model's own verdict and message; it also accepts what it accepts.
        return flatten(parse_model(raw))

    def _first(self, column: str, text: str) -> Any:
        """A value not seen before in ``column``: checked, then remembered."""
        value = _plain(self._check[column](text))
        seen = self._seen[column]
        if len(seen) >= _CACHE_LIMIT:
            seen.clear()
        seen[text] = value
        return value

    def _fast(self, raw: dict[str, str]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for column, optional, seen, check in self._plan:
            text = raw[column]
            if optional and not text:
                row[column] = None
            elif seen is None:
                row[column] = _plain(check(text))
            else:
                value = seen.get(text, _UNSEEN)
                row[column] = self._first(column, text) if value is _UNSEEN else value
        for name in ("surname", "given_names"):
            if row[name + "_latin"] is None and row[name] is not None:
                row[name + "_latin"] = self._derived(row[name], name)
        check_dates(
            planned_from=row["planned_from"],
            planned_until=row["planned_until"],
            date_of_birth=row["date_of_birth"],
            entered_on=row["entered_on"],
            exited_on=row["exited_on"],
        )
        return row

    def _derived(self, native: str, field: str) -> str:
        try:
            latin = self._latin[field + native]
        except KeyError:
            latin = self._latin[field + native] = derived_latin(native, field)
        return latin  # type: ignore[return-value]


def parse_model(raw: dict[str, str]) -> ArchiveRow:
    """The row through the whole ``ArchiveRow`` model (``ValidationError`` if it is bad)."""

    def opt(name: str) -> str | None:
        return raw[name] or None

    return ArchiveRow.model_validate({
        "archive_id": raw["archive_id"],
        "holder": {
            "surname": raw["surname"], "given_names": opt("given_names"),
            "surname_latin": opt("surname_latin"), "given_names_latin": opt("given_names_latin"),
            "date_of_birth": raw["date_of_birth"], "sex": raw["sex"],
            "citizenship": raw["citizenship"],
            "document": {"type": raw["document_type"], "number": raw["document_number"]},
        },
        "purpose": raw["purpose"], "visa_number": opt("visa_number"),
        "planned_from": raw["planned_from"], "planned_until": raw["planned_until"],
        "host": {"kind": raw["host_kind"], "name": raw["host_name"],
                 "address": raw["host_address"]},
        "region": raw["region"], "occupation": opt("occupation"),
        "entered_on": opt("entered_on"), "entry_point": opt("entry_point"),
        "exited_on": opt("exited_on"), "exit_point": opt("exit_point"),
    })  # fmt: skip


def flatten(row: ArchiveRow) -> dict[str, Any]:
    """A validated model as the flat row ``RowValidator`` returns."""
    h = row.holder
    return {
        "archive_id": row.archive_id, "surname": h.surname, "given_names": h.given_names,
        "surname_latin": h.surname_latin, "given_names_latin": h.given_names_latin,
        "date_of_birth": h.date_of_birth, "sex": h.sex.value, "citizenship": h.citizenship,
        "document_type": h.document.type.value, "document_number": h.document.number,
        "purpose": row.purpose.value, "visa_number": row.visa_number,
        "planned_from": row.planned_from, "planned_until": row.planned_until,
        "host_kind": row.host.kind.value, "host_name": row.host.name,
        "host_address": row.host.address, "region": row.region, "occupation": row.occupation,
        "entered_on": row.entered_on, "entry_point": row.entry_point,
        "exited_on": row.exited_on, "exit_point": row.exit_point,
    }  # fmt: skip


def reason(exc: ValidationError) -> str:
    """The report's reason: at most three errors, each with its column."""
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"] if p not in ("holder", "document")) or "row"
        parts.append(f"{where}: {str(err['msg']).removeprefix('Value error, ')}")
    return "; ".join(parts)


def paper_day(row: dict[str, Any]) -> date:
    """The day a paper card happened: its entry date, else the planned start of the stay."""
    return row["entered_on"] or row["planned_from"]  # type: ignore[no-any-return]
