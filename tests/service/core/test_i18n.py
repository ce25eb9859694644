"""The service's own strings: translated problem titles, and catalogues in step with the code."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from service.core import i18n

ROOT = Path(__file__).resolve().parents[3]
LOCALES = ROOT / "locales"


def _msgids(path: Path) -> set[str]:
    with path.open("rb") as fh:
        return {str(m.id) for m in read_po(fh) if m.id}


def test_catalogues_are_up_to_date_with_the_code(tmp_path: Path) -> None:
    pot = tmp_path / "service.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "--mapping-file",
            str(ROOT / "babel.cfg"),
            "--output-file",
            str(pot),
            str(ROOT),
        ]
    )
    in_code = _msgids(pot)
    assert "Not found" in in_code
    assert in_code == _msgids(LOCALES / "service.pot"), "run `make locales` and commit the result"
    for language in i18n.LANGUAGES:
        po = LOCALES / language / "LC_MESSAGES" / "service.po"
        with po.open("rb") as fh:
            catalogue = read_po(fh)
        assert {str(m.id) for m in catalogue if m.id} == in_code, f"{po}: run `make locales`"
        untranslated = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
        assert untranslated == [], f"{po}: untranslated {untranslated}"
        draft = "DRAFT" in catalogue.header_comment
        assert draft == (language not in ("ru", "en")), f"{po}: draft marking"


@pytest.mark.parametrize(
    ("accept", "title"),
    [
        (None, "Not found"),
        ("ru-RU,ru;q=0.9", "Не найдено"),
        ("uz", "Topilmadi"),
        ("tg", "Ёфт нашуд"),
        ("fr, ky;q=0.3", "Табылган жок"),
        ("kk", "Табылмады"),
        ("fr", "Not found"),
    ],
)
def test_problem_titles_follow_accept_language(client, actors, accept, title) -> None:
    headers = {**actors["admin"], **({"Accept-Language": accept} if accept else {})}
    r = client.get("/api/v1/guide/no-such-section", headers=headers)
    assert r.status_code == 404, "compiled catalogues missing? run `make catalogues`"
    assert r.json()["title"] == title
    assert r.json()["type"].endswith("/not-found")


def test_validation_and_auth_titles_are_translated(client) -> None:
    r = client.get("/api/v1/course", headers={"Accept-Language": "ru"})
    assert r.status_code == 401 and r.json()["title"] == "Требуется аутентификация"


def test_accept_language_parsing() -> None:
    assert i18n.accept_language("de;q=0.5, kk-KZ, en;q=0.7, fr;q=0") == ["kk-kz", "en", "de"]
    assert i18n.accept_language(None) == [] and i18n.accept_language("x" * 2000) == []
    assert i18n.negotiate("de, uz-Latn;q=0.4") == "uz" and i18n.negotiate("de") is None


def test_one_negotiation_weighs_q_values_and_falls_back_to_russian() -> None:
    wanted = i18n.requested(None, "fr;q=1, kk;q=0.2, tg-TJ;q=0.9")
    assert wanted == ["fr", "tg-tj", "kk"] and i18n.pick(wanted) == ("tg", False)
    assert i18n.requested("en", "kk") == ["en"]  # ?lang= wins over the header
    assert i18n.pick(["fr", "de"]) == ("ru", True)  # none of ours: Russian, and said so
    assert i18n.pick([]) == ("ru", False) and i18n.pick(["*"], default="uz") == ("uz", False)
    assert i18n.pick(["en", "ru"], available=("ru",)) == ("ru", False)
    assert i18n.negotiate("fr, *;q=0.5") is None and i18n.negotiate("en;q=0.2, ky") == "ky"
