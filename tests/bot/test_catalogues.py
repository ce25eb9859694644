"""The bot's catalogues follow the code: every marked string is translated in all six.

Fails when a string is added or changed in bot/ without `make bot-locales` and translations
(or when a catalogue keeps strings the code no longer has).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
DRAFTS = ("uz", "tg", "ky", "kk")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The template extracted from the code now, into a temporary .pot."""
    pot = tmp_path_factory.mktemp("pot") / "bot.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "--mapping-file",
            "bot/babel.cfg",  # with the keywords
            "--no-wrap",
            "--output-file",
            str(pot),
            "bot",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with pot.open("rb") as f:
        return read_po(f)


def _ids(catalog: Catalog) -> set[str]:
    return {str(m.id) for m in catalog if m.id}


def _catalogue(language: str) -> Catalog:
    with (ROOT / "locales" / language / "LC_MESSAGES" / "bot.po").open("rb") as f:
        return read_po(f, locale=language)


def test_the_code_marks_its_strings(template: Catalog) -> None:
    assert len(_ids(template)) > 150
    assert "Please choose one of the buttons." in _ids(template)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_every_message_of_the_code(template: Catalog, language: str) -> None:
    catalogue = _catalogue(language)
    missing = sorted(_ids(template) - _ids(catalogue))
    stale = sorted(_ids(catalogue) - _ids(template))
    assert not missing, f"{language}: not in the catalogue (run make bot-locales): {missing}"
    assert not stale, f"{language}: in the catalogue but no longer in the code: {stale}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_checked(language: str) -> None:
    catalogue = _catalogue(language)
    untranslated = [m.id for m in catalogue if m.id and not m.string]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not untranslated, f"{language}: untranslated: {untranslated}"
    assert not fuzzy, f"{language}: fuzzy (not compiled): {fuzzy}"
    problems = [(m.id, errors) for m, errors in catalogue.check() if errors]
    assert not problems, f"{language}: {problems}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language: str) -> None:
    for message in _catalogue(language):
        if not message.id:
            continue
        wanted = sorted(_placeholders(str(message.id)))
        assert sorted(_placeholders(str(message.string))) == wanted, (language, message.id)


def _placeholders(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


@pytest.mark.parametrize("language", DRAFTS)
def test_draft_translations_say_so(language: str) -> None:
    header = _catalogue(language).header_comment
    assert "draft" in header.lower()
    assert not _catalogue(language).fuzzy  # a fuzzy header would not be compiled


def test_the_committed_template_is_current(template: Catalog) -> None:
    with (ROOT / "locales" / "bot.pot").open("rb") as f:
        assert _ids(read_po(f)) == _ids(template)


def test_english_catalogue_is_the_source_text() -> None:
    assert all(m.string == m.id for m in _catalogue("en") if m.id)


def test_each_catalogue_names_its_own_language(compiled_locales: Path) -> None:
    """The language menu's answer is written in (and names) the chosen language."""
    from bot.i18n import make_i18n

    i18n = make_i18n(compiled_locales, "ru")
    answers = {
        lang: i18n.gettext("Done: I will speak English with you.", locale=lang)
        for lang in LANGUAGES
    }
    assert len(set(answers.values())) == len(LANGUAGES)
    assert "по-русски" in answers["ru"] and "oʻzbek" in answers["uz"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_purposes_cannot_be_mistaken_for_one_another(compiled_locales: Path, language: str):
    """No purpose label is another one with an ending (Tajik "Кор" work beside "Корӣ"
    business, read side by side on the buttons)."""
    from bot.i18n import make_i18n
    from bot.reference import PURPOSES

    i18n = make_i18n(compiled_locales, "ru")
    labels = [i18n.gettext(text, locale=language).casefold() for text in PURPOSES.values()]
    assert len(set(labels)) == len(labels)
    for one in labels:
        alike = [o for o in labels if o != one and o.startswith(one) and len(o) - len(one) <= 2]
        assert not alike, labels
