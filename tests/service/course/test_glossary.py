"""The course glossary: its format, the check of words used against it, and its public route."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from service.core.config import get_settings
from service.course import content, glossary

CONTENT = get_settings().content_dir
LANGUAGES = ("ru", "en", "uz", "tg", "ky", "kk")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the real content directory (course and policy) to break."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT / content.COURSE_DIR_NAME, root / content.COURSE_DIR_NAME)
    shutil.copytree(CONTENT / "policy", root / "policy")
    return root


def _append(file: Path, text: str) -> int:
    """Append a line; its line number."""
    lines = file.read_text(encoding="utf-8").splitlines()
    file.write_text("\n".join([*lines, text]) + "\n", encoding="utf-8")
    return len(lines) + 1


def _glossary_data(root: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(glossary.glossary_file(root).read_text(encoding="utf-8"))


def _write_glossary(root: Path, data: dict) -> None:  # type: ignore[type-arg]
    glossary.glossary_file(root).write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


def test_the_real_glossary_names_every_term_in_every_language() -> None:
    terms = glossary.load(CONTENT).terms
    ids = [t.id for t in terms]
    assert len(ids) == len(set(ids)) >= 10
    assert {"mvd", "mfc", "tear-off-slip", "positive-result", "patent", "snils", "inn"} <= set(ids)
    for term in terms:
        for lang in LANGUAGES:
            entry = term.entry(lang)
            assert entry.term and entry.definition and "\n" not in entry.definition


def test_the_real_content_uses_no_avoided_word() -> None:
    assert glossary.check(CONTENT) == []


@pytest.mark.parametrize(
    ("where", "line", "term"),
    [
        ("modules/first-day/ru.md", "Сделайте прописку у хозяина.", "migration-registration"),
        ("modules/money/en.md", "Pay the patent fee on time.", "patent-advance"),
        (
            "guide/police-checks/kk.md",
            "Сізді қара тізімге енгізуі мүмкін.",
            "controlled-persons-registry",
        ),
        ("modules/health/quiz.uz.yaml", "# Yaxshi tahlil natijasi", "positive-result"),
    ],
)
def test_an_avoided_word_in_a_lesson_guide_or_quiz_is_named_with_its_line(
    copy: Path, where: str, line: str, term: str
) -> None:
    file = copy / content.COURSE_DIR_NAME / where
    number = _append(file, line)
    problems = glossary.check(copy)
    assert [(p.file, p.line) for p in problems] == [(file, number)]
    assert f"(term {term})" in problems[0].message


def test_an_avoided_word_counts_only_in_its_own_language_and_where_a_word_starts(
    copy: Path,
) -> None:
    course = copy / content.COURSE_DIR_NAME
    _append(course / "modules/first-day/en.md", "Russian speakers may say прописка.")
    _append(course / "modules/first-day/ru.md", "Сотрудники УФМС давно работают в МВД.")
    problems = glossary.check(copy)
    assert [p.line for p in problems] == [
        len((course / "modules/first-day/ru.md").read_text().splitlines())
    ]
    assert '"УФМС"' in problems[0].message


def test_policy_texts_are_checked(copy: Path) -> None:
    policy = copy / "policy" / glossary.POLICY_TEXTS
    text = policy.read_text(encoding="utf-8")
    text = text.replace("      en: Ask your host", "      en: Ask the FMS or your host", 1)
    policy.write_text(text, encoding="utf-8")
    problems = glossary.check(copy)
    assert len(problems) == 1 and problems[0].file == policy
    assert '"FMS" is against the glossary: use "MVD" (term mvd)' in problems[0].message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["terms"][0].update(note="x"), "terms.0.note: Extra inputs are not permitted"),
        (lambda d: d["terms"][0]["en"].update(spelling="x"), "terms.0.en.spelling"),
        (lambda d: d["terms"][0].pop("kk"), "terms.0.kk: Field required"),
        (
            lambda d: d["terms"].append(d["terms"][0]),
            "term ids must be unique: migration-registration",
        ),
        (lambda d: d["terms"][0]["en"].update(definition="two\nlines"), "terms.0.en.definition"),
        (lambda d: d["terms"][0]["ru"].update(avoid=["учёт"]), "avoids a word it uses itself"),
    ],
)
def test_a_malformed_glossary_is_a_problem(copy: Path, change, expected: str) -> None:  # type: ignore[no-untyped-def]
    data = _glossary_data(copy)
    change(data)
    _write_glossary(copy, data)
    problems = glossary.check(copy)
    assert problems and expected in str(problems[0]), problems


def test_a_course_without_a_glossary_has_nothing_to_check(copy: Path) -> None:
    glossary.glossary_file(copy).unlink()
    assert glossary.check(copy) == []


def test_onboard_content_check_reports_the_misuse(copy: Path) -> None:
    number = _append(
        copy / content.COURSE_DIR_NAME / "modules/first-day/en.md", "Show your propiska."
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARD_")}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "service.cli",
            "content",
            "check",
            "--dir",
            str(copy),
            "--policy-dir",
            str(copy / "policy"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 1
    assert f'first-day/en.md:{number}: "propiska" is against the glossary' in r.stdout


def test_the_glossary_is_public_in_every_language(client) -> None:  # type: ignore[no-untyped-def]
    terms = glossary.load(CONTENT).terms
    for lang in LANGUAGES:
        r = client.get("/api/v1/glossary", params={"lang": lang})
        assert r.status_code == 200, r.text
        assert r.headers["content-language"] == lang
        body = r.json()
        assert (body["language"], body["fallback"]) == (lang, False)
        assert [t["id"] for t in body["terms"]] == [t.id for t in terms]
        first = terms[0].entry(lang)
        assert body["terms"][0] == {
            "id": terms[0].id,
            "term": first.term,
            "definition": first.definition,
            "avoid": list(first.avoid),
        }


def test_the_glossary_language_falls_back_to_russian(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/glossary", params={"lang": "fr"})
    assert r.status_code == 200 and r.json()["language"] == "ru" and r.json()["fallback"] is True
    r = client.get("/api/v1/glossary", headers={"Accept-Language": "kk-KZ, ru;q=0.5"})
    assert r.json()["language"] == "kk" and r.json()["fallback"] is False
    assert client.get("/api/v1/glossary").json()["language"] == "ru"
    r = client.get("/api/v1/glossary", params={"lang": "x" * 36})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
