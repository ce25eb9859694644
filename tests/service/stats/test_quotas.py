"""Quota files: validated, empty by default, and shown beside registered work cards."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from service.checklist.policy import DEFAULT_DIR
from service.core.config import Settings
from service.stats.quotas import QuotaError, load, load_year
from tests.factories import card_payload

GOOD = """year: 2026
regions:
  RU-SVE:
    quota: {value: 1200, source: "Test figure, not an official one", checked_on: 2026-11-01}
"""


def test_the_shipped_files_are_valid_and_hold_no_invented_figure() -> None:
    years = load(DEFAULT_DIR / "quotas")
    assert 2026 in years and years[2026] == {}


HEAD = "year: 2026\nregions:\n  "
FIG = "source: abcdef, checked_on: 2026-01-01"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("year: 2025\nregions: {}\n", "does not match"),
        ("regions: {}\n", "year and regions"),
        (HEAD + "RU-XX: {quota: {value: 1, " + FIG + "}}", "ISO 3166-2:RU"),
        (HEAD + "RU-SVE: {quota: {value: 1, checked_on: 2026-01-01}}", "value, source and"),
        (HEAD + "RU-SVE: {quota: {value: -1, " + FIG + "}}", "whole number"),
        (HEAD + "RU-SVE: {quota: {value: 1, source: '', checked_on: 2026-01-01}}", "source"),
        (HEAD + "RU-SVE: {quota: {value: 1, source: abcdef, checked_on: soon}}", "date"),
        (HEAD + "RU-SVE: {permits: {value: 1, " + FIG + "}}", "quota and/or patents"),
        ("year: [2026\n", "cannot be read"),
    ],
)
def test_bad_files_are_refused_with_the_file_named(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "2026.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuotaError, match=problem) as caught:
        load_year(path)
    assert "2026.yaml" in str(caught.value)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    policy = tmp_path / "policy"
    shutil.copytree(DEFAULT_DIR, policy)
    (policy / "quotas" / "2026.yaml").write_text(GOOD, encoding="utf-8")
    return settings.model_copy(update={"policy_dir": policy})


def _make(client, actors, n: int, **overrides: Any) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        r = client.post("/api/v1/cards", json=card_payload(**overrides), headers=actors["admin"])
        assert r.status_code == 201, r.text


def test_work_cards_beside_the_quota(client, actors, fixed_clock) -> None:
    _make(client, actors, 12, region="RU-SVE")
    _make(client, actors, 10, region="RU-SVE", purpose="study")
    _make(client, actors, 10, region="RU-MOW")  # no figure for Moscow: not listed
    r = client.get("/api/v1/stats/quotas", headers=actors["analyst"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["year"] == 2026
    assert body["regions"] == [
        {
            "code": "RU-SVE",
            "label": "Свердловская область",
            "quota": {
                "value": 1200,
                "source": "Test figure, not an official one",
                "checked_on": "2026-11-01",
            },
            "patents": None,
            "work_cards": 10,  # 12, rounded
        }
    ]
    empty = client.get("/api/v1/stats/quotas", params={"year": 2025}, headers=actors["analyst"])
    assert empty.status_code == 200 and empty.json()["regions"] == []
    assert client.get("/api/v1/stats/quotas", headers=actors["officer"]).status_code == 403
    bad = client.get("/api/v1/stats/quotas", params={"year": 1}, headers=actors["analyst"])
    assert bad.status_code == 422
