"""The importer's column-by-column validation says exactly what the ArchiveRow model says."""

from __future__ import annotations

import itertools

import pytest
from pydantic import ValidationError

from service.archive.models import COLUMNS
from service.archive.validate import RowValidator, flatten, parse_model, reason

_GOOD = {
    "archive_id": "4612 0000001", "surname": "Каримов", "given_names": "Шухрат",
    "surname_latin": "", "given_names_latin": "", "date_of_birth": "1990-05-01", "sex": "M",
    "citizenship": "UZB", "document_type": "passport", "document_number": "FA0000001",
    "purpose": "work", "visa_number": "", "planned_from": "2021-03-01",
    "planned_until": "2021-05-29", "host_kind": "organisation", "host_name": "ООО Стройка",
    "host_address": "Москва, ул. Ленина, 1", "region": "RU-MOW", "occupation": "builder",
    "entered_on": "2021-03-02", "entry_point": "Moscow SVO", "exited_on": "2021-05-20",
    "exit_point": "Moscow SVO",
}  # fmt: skip

# Values tried in each column (the first of each is the good row's own).
_VARIANTS = {
    "archive_id": ["", " x ", "a" * 65, "bad\x07id"],
    "surname": ["", "Ivаnov", "O'Brien", "ivanov2", "𝐈𝐯𝐚𝐧𝐨𝐯", "Пётр-Иван", "李"],
    "given_names": ["", "Анна Мария", "J."],
    "surname_latin": ["karimov", "KAR1MOV", "Karimov Ali"],
    "given_names_latin": ["shukhrat", "Ш"],
    "date_of_birth": ["2999-01-01", "1899-12-31", "1990-13-01", "", "01.05.1990"],
    "sex": ["F", "X", "m", ""],
    "citizenship": ["uzb", "RUS", "XYZ", "UZ", ""],
    "document_type": ["id_card", "passport2", ""],
    "document_number": ["fa 000-0001", "12", "ABCDEFG", "", "A" * 40 + "1"],
    "purpose": ["holiday", "Work", ""],
    "visa_number": ["123 456", "x", "!!"],
    "planned_from": ["2021-06-01", "1980-01-01", "bad"],
    "planned_until": ["2020-01-01", "2031-01-01"],
    "host_kind": ["person", "company", ""],
    "host_name": ["", "  Иванов   И.И. ", "x\x01y"],
    "host_address": ["", "a" * 301],
    "region": ["ru-spe", "RU-ZZ", "MOW", ""],
    "occupation": ["  ", "x" * 121, "cook\tchef"],
    "entered_on": ["", "2999-01-01", "2021-02-01"],
    "entry_point": ["", "x" * 101],
    "exited_on": ["", "2021-01-01", "2999-01-01"],
    "exit_point": ["", "  "],
}


def _cases() -> list[dict[str, str]]:
    cases = [dict(_GOOD)]
    for column, values in _VARIANTS.items():
        for value in values:
            cases.append(_GOOD | {column: value})
    # A few pairs, for the rules across columns.
    for (a, va), (b, vb) in itertools.combinations(
        [("entered_on", ""), ("exited_on", ""), ("given_names", ""), ("surname_latin", "X"),
         ("planned_from", "2021-06-01"), ("date_of_birth", "2021-04-01")], 2
    ):  # fmt: skip
        cases.append(_GOOD | {a: va, b: vb})
    return cases


@pytest.mark.parametrize("raw", _cases())
def test_same_verdict_and_values_as_the_model(raw: dict[str, str]) -> None:
    assert set(raw) == set(COLUMNS)
    validator = RowValidator()
    try:
        expected = flatten(parse_model(raw))
    except ValidationError as exc:
        with pytest.raises(ValidationError) as got:
            validator(raw)
        assert reason(got.value) == reason(exc)
        return
    # Twice: the second answer comes from the remembered values.
    assert validator._fast(raw) == expected
    assert validator._fast(raw) == expected
