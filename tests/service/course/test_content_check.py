"""`onboard content check` over the real content, and over broken copies of it."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml

from service.core.config import get_settings
from service.course import content, render
from tests.harness import cli_env, onboard_cli

REAL = get_settings().content_dir / content.COURSE_DIR_NAME


def _onboard(*args: str) -> subprocess.CompletedProcess[str]:
    return onboard_cli(*args, env=cli_env())


def test_real_content_passes_the_check() -> None:
    r = _onboard("content", "check")
    assert r.returncode == 0, r.stdout + r.stderr
    modules = yaml.safe_load((REAL / "course.yaml").read_text(encoding="utf-8"))["modules"]
    assert f"{len(modules)} modules" in r.stdout and "9 guide sections" in r.stdout
    assert "No problems found" in r.stdout
    assert "deadline policy version 1: 7 obligations, 5 regimes" in r.stdout


def test_a_broken_policy_fails_the_check(tmp_path: Path) -> None:
    from service.checklist import policy as policies

    shutil.copytree(policies.DEFAULT_DIR, tmp_path / "policy")
    obligations = tmp_path / "policy" / "obligations.yaml"
    obligations.write_text(obligations.read_text().replace("count: 30", "count: thirty", 1))
    r = _onboard("content", "check", "--policy-dir", str(tmp_path / "policy"))
    assert r.returncode == 1
    assert "obligations.yaml: obligation 'migration-registration'.overrides[2].count" in r.stdout
    assert "a problem in the deadline policy" in r.stderr
    assert "Traceback" not in r.stderr


def test_real_content_pages_fit_one_telegram_message(course: content.Course) -> None:
    assert len(course.modules) >= 9 and len(course.guide) >= 8
    for _kind, _slug, text in content.iter_texts(course):
        for page in text.pages:
            assert 0 < len(page.html) <= content.TELEGRAM_LIMIT
            assert "**" not in page.html and "](" not in page.html


def test_real_lesson_and_guide_pages_fit_one_short_screen(course: content.Course) -> None:
    for kind, slug, text in content.iter_texts(course):
        title = len(f"<b>{render.to_html(text.title)}</b>\n\n")
        shown = [len(page.html) for page in text.pages]
        shown[0] += title
        assert max(shown) <= content.PAGE_LIMIT == 700, (kind, slug, text.title, shown)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of the real course to corrupt."""
    target = tmp_path / "content" / content.COURSE_DIR_NAME
    shutil.copytree(REAL, target)
    return target


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _regex(path: Path, pattern: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    changed, n = re.subn(pattern, new, text, count=count, flags=re.MULTILINE)
    assert n, f"{pattern!r} not in {path}"
    path.write_text(changed, encoding="utf-8")


def _first_fact_link(path: Path) -> str:
    m = re.search(r"\(fact:([a-z0-9-]+)\)", path.read_text(encoding="utf-8"))
    assert m
    return m[1]


def _keep_questions(path: Path, n: int) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["questions"] = data["questions"][:n]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def _shorten(path: Path, sources_heading: str) -> None:
    """Keep the front matter and the sources; replace the lesson with one sentence."""
    text = path.read_text(encoding="utf-8")
    end_of_front = text.index("---", 3) + 4
    path.write_text(
        text[:end_of_front] + "Short.\n\n" + text[text.index(sources_heading) :], encoding="utf-8"
    )


def _make_answers_longest(module: Path, lang: str) -> None:
    """Pad every right answer of a quiz so that it is the longest option."""
    key = yaml.safe_load((module / "quiz.yaml").read_text(encoding="utf-8"))["questions"]
    path = module / f"quiz.{lang}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for q in key:
        options = data["questions"][q["id"]]["options"]
        options[q["answer"]] = options[q["answer"]] + " " + "x" * max(len(o) for o in options)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _copy_question(d: Path, source: tuple[str, str], target: tuple[str, str], lang: str) -> None:
    """Give a question of one module the text of a question of another."""
    texts = yaml.safe_load((d / f"modules/{source[0]}/quiz.{lang}.yaml").read_text("utf-8"))
    path = d / f"modules/{target[0]}/quiz.{lang}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["questions"][target[1]]["text"] = texts["questions"][source[1]]["text"].upper() + " "
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


Corruption = Callable[[Path], None]

CASES: dict[str, tuple[Corruption, str, str]] = {
    "answer out of range": (
        lambda d: _regex(d / "modules/housing/quiz.yaml", r"answer: \d", "answer: 7"),
        "modules/housing/quiz.yaml",
        "answer 7 is out of range",
    ),
    "lesson missing in one language": (
        lambda d: (d / "modules/emergencies/ky.md").unlink(),
        "modules/emergencies/ky.md",
        "missing file",
    ),
    "quiz text missing in one language": (
        lambda d: (d / "modules/money/quiz.kk.yaml").unlink(),
        "modules/money/quiz.kk.yaml",
        "missing file",
    ),
    "option count differs": (
        lambda d: _edit(d / "modules/health/quiz.tg.yaml", "options:\n", 'options:\n      - "x"\n'),
        "modules/health/quiz.tg.yaml",
        "options but quiz.yaml says",
    ),
    "question missing in a language": (
        lambda d: _regex(d / "modules/health/quiz.uz.yaml", r"^  q1:", "  q9:"),
        "modules/health/quiz.uz.yaml",
        "question 'q1' is missing",
    ),
    "too few questions": (
        lambda d: _keep_questions(d / "modules/the-law/quiz.yaml", 3),
        "modules/the-law/quiz.yaml",
        "questions (must be 4-6)",
    ),
    "broken fact link": (
        lambda d: _edit(d / "modules/money/uz.md", "(fact:", "(fact:no-such-"),
        "modules/money/uz.md",
        "broken link: no fact 'no-such-",
    ),
    "broken module link": (
        lambda d: _edit(d / "modules/arriving-legally/en.md", "(module:", "(module:nowhere-"),
        "modules/arriving-legally/en.md",
        "broken link: no module 'nowhere-",
    ),
    "malformed web link": (
        lambda d: _edit(
            d / "guide/transport/ru.md", "## ", "## [Сайт](https://localhost/x)\n## ", 1
        ),
        "guide/transport/ru.md",
        "not a well-formed https address",
    ),
    "plain http link": (
        lambda d: _edit(d / "guide/transport/en.md", "## ", "## [Site](http://example.org)\n## "),
        "guide/transport/en.md",
        "use https://",
    ),
    "raw html": (
        lambda d: _edit(d / "guide/at-work/en.md", "## ", "<i>oops</i>\n\n## "),
        "guide/at-work/en.md",
        "raw HTML is not allowed",
    ),
    "duplicate fact id across files": (
        lambda d: _edit(
            d / "facts/housing.yaml",
            "facts:\n",
            "facts:\n  - id: {}\n    summary: s\n    source: s\n    source_date: undated\n"
            "    checked_on: unknown\n    status: law\n    review_by: 2026-06-01\n".format(
                _first_fact_link(d / "modules/arriving-legally/ru.md")
            ),
        ),
        "facts/housing.yaml",
        "duplicate fact id",
    ),
    "fact without review date": (
        lambda d: _regex(d / "facts/everyday-life.yaml", r"^    review_by: .*\n", ""),
        "facts/everyday-life.yaml",
        "review_by is missing",
    ),
    "fact without source": (
        lambda d: _regex(d / "facts/guide.yaml", r"^    source: .*\n", ""),
        "facts/guide.yaml",
        "source is missing",
    ),
    "duplicate module": (
        lambda d: _edit(d / "course.yaml", "  - emergencies\n", "  - emergencies\n  - housing\n"),
        "course.yaml",
        "duplicate id 'housing'",
    ),
    "pass mark out of range": (
        lambda d: _edit(d / "course.yaml", "pass_mark: 0.75", "pass_mark: 1.5"),
        "course.yaml",
        "pass_mark",
    ),
    "version not a number": (
        lambda d: _edit(d / "course.yaml", "version: 1", 'version: "one"'),
        "course.yaml",
        "version must be a whole number",
    ),
    "bad review status": (
        lambda d: _edit(d / "course.yaml", "  tg: draft", "  tg: checked"),
        "course.yaml",
        "tg: review status must be draft or reviewed",
    ),
    "language missing from manifest": (
        lambda d: _edit(d / "course.yaml", "  ky: draft\n", ""),
        "course.yaml",
        "ky is missing",
    ),
    "page count differs": (
        lambda d: _edit(d / "modules/work-permit/uz.md", "<!-- page -->", "", count=10),
        "modules/work-permit/uz.md",
        "page(s) but ru.md has",
    ),
    "page too long": (
        lambda d: _edit(
            d / "guide/public-places/ru.md", "\n## ", "\n" + "Очень длинно. " * 320 + "\n## "
        ),
        "guide/public-places/ru.md",
        "characters after rendering (limit 4096)",
    ),
    "guide page longer than a screen": (
        lambda d: _edit(
            d / "guide/transport/kk.md", "\n## ", "\n" + "Өте ұзын сөйлем. " * 50 + "\n## ", 1
        ),
        "guide/transport/kk.md",
        "characters after rendering (limit 700, one short screen",
    ),
    "lesson page longer than a screen": (
        lambda d: _edit(
            d / "modules/health/tg.md",
            "\n<!-- page -->",
            "\n\n" + "Ҷумлаи дароз. " * 60 + "\n<!-- page -->",
        ),
        "modules/health/tg.md",
        "characters after rendering (limit 700, one short screen",
    ),
    "lesson too short": (
        lambda d: _shorten(d / "modules/emergencies/en.md", "## Sources"),
        "modules/emergencies/en.md",
        "words (must be 300-900)",
    ),
    "no last-reviewed line": (
        lambda d: _regex(d / "modules/housing/tg.md", r"^.*: \S+\s*\Z", ""),
        "modules/housing/tg.md",
        "must end with a 'Last reviewed: номаълум' line",
    ),
    "closing line gives the day it was written, not the facts' check": (
        lambda d: _edit(
            d / "modules/housing/en.md", "Last reviewed: unknown", "Last reviewed: 2026-11-22"
        ),
        "modules/housing/en.md",
        "must end with a 'Last reviewed: unknown' line",
    ),
    "a bill stated outside the discussion section": (
        lambda d: _edit(
            d / "modules/housing/ru.md",
            "(fact:housing-registration-fine)",
            "(fact:housing-registration-fine-bill)",
        ),
        "modules/housing/ru.md",
        "fact housing-registration-fine-bill is a bill, not law: mention it only under "
        "'## Изменения, которые обсуждаются'",
    ),
    "a quiz asking about a bill": (
        lambda d: _edit(d / "modules/money/quiz.en.yaml", "text: ", "text: Under the new bill, "),
        "modules/money/quiz.en.yaml",
        "is about a bill or draft",
    ),
    "right answer always the longest": (
        lambda d: _make_answers_longest(d / "modules/first-day", "en"),
        "modules/first-day/quiz.en.yaml",
        "the right answer is the longest option in every question",
    ),
    "fact without a status": (
        lambda d: _edit(d / "facts/guide.yaml", "    status: law\n", ""),
        "facts/guide.yaml",
        "status is missing",
    ),
    "fact with a made-up check date": (
        lambda d: _edit(d / "facts/guide.yaml", "checked_on: unknown", "checked_on: recently"),
        "facts/guide.yaml",
        "checked_on must be the date someone read the source",
    ),
    "fact marks differ between languages": (
        lambda d: _edit(
            d / "modules/arriving-legally/kk.md",
            "(fact:arriving-registration-fine)",
            "(fact:arriving-stay-90-days)",
        ),
        "modules/arriving-legally/kk.md",
        "fact marks differ from ru.md",
    ),
    "invalid yaml": (
        lambda d: _edit(d / "modules/rights-at-work/quiz.en.yaml", "questions:", "questions: ["),
        "modules/rights-at-work/quiz.en.yaml",
        "invalid YAML",
    ),
    "front matter without title": (
        lambda d: _regex(d / "guide/transport/uz.md", r"^title: .*$", "name: x"),
        "guide/transport/uz.md",
        "front matter: title is missing",
    ),
    "fact with a made-up status": (
        lambda d: _edit(d / "facts/guide.yaml", "    status: law\n", "    status: rumour\n", 1),
        "facts/guide.yaml",
        "status must be one of law, bill, draft, proposal",
    ),
    "unknown field in a fact": (
        lambda d: _edit(
            d / "facts/guide.yaml", "    status: law\n", "    status: law\n    note: x\n", 1
        ),
        "facts/guide.yaml",
        "unknown field 'note'",
    ),
    "question repeated across modules": (
        lambda d: _copy_question(d, ("housing", "q1"), ("money", "q2"), "en"),
        "modules/money/quiz.en.yaml",
        "question 'q2' repeats question housing/q1 word for word",
    ),
    "question for an unknown regime": (
        lambda d: _edit(
            d / "modules/health/quiz.yaml", "options:", "regimes: [tourist]\n    options:", 1
        ),
        "modules/health/quiz.yaml",
        "must be one of the regimes",
    ),
    "quiz testing a bill": (
        lambda d: _edit(
            d / "modules/housing/quiz.yaml",
            "options:",
            "facts: [housing-registration-fine-bill]\n    options:",
            1,
        ),
        "modules/housing/quiz.yaml",
        "tests fact housing-registration-fine-bill, a bill",
    ),
    "too few questions left for a regime": (
        lambda d: _regex(
            d / "modules/the-law/quiz.yaml",
            r"options:",
            "regimes: [student]\n    options:",
            count=0,
        ),
        "modules/the-law/quiz.yaml",
        "question(s) are asked of eaeu_worker",
    ),
    "regime block not closed": (
        lambda d: _edit(
            d / "modules/money/en.md", "\n## ", "\n<!-- regimes: patent_worker -->\n## ", 1
        ),
        "modules/money/en.md",
        "regime block is not closed",
    ),
    "regime block in one language only": (
        lambda d: _edit(
            d / "modules/money/uz.md",
            "\n## ",
            "\n<!-- regimes: patent_worker -->\nMatn.\n<!-- /regimes -->\n## ",
            1,
        ),
        "modules/money/uz.md",
        "regime blocks differ from ru.md (patent_worker here, none there)",
    ),
    "regime block for an unknown regime": (
        lambda d: _edit(
            d / "modules/money/ru.md",
            "\n## ",
            "\n<!-- regimes: tourist -->\nТекст.\n<!-- /regimes -->\n## ",
            1,
        ),
        "modules/money/ru.md",
        "regimes block names tourist",
    ),
    "empty quiz file": (
        lambda d: (d / "modules/health/quiz.yaml").write_text("# nothing yet\n"),
        "modules/health/quiz.yaml",
        "is empty",
    ),
    "empty quiz texts": (
        lambda d: (d / "modules/health/quiz.kk.yaml").write_text(""),
        "modules/health/quiz.kk.yaml",
        "is empty",
    ),
    "unlisted module directory": (
        lambda d: shutil.copytree(d / "modules/housing", d / "modules/housing-old"),
        "modules/housing-old",
        "not listed in course.yaml",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_course_fails_naming_the_file_and_the_problem(broken: Path, case: str) -> None:
    corrupt, file, message = CASES[case]
    corrupt(broken)
    course, problems = content.check(broken.parent)
    assert course is None
    lines = [str(p) for p in problems]
    assert any(file in line and message in line for line in lines), "\n".join(lines)
    with pytest.raises(content.ContentError):
        content.load(broken)


def test_a_long_lesson_page_is_refused_naming_file_and_page(broken: Path) -> None:
    """A lesson page over one short screen is refused; the first page counts with its title."""
    lesson = broken / "modules/housing/en.md"
    text = lesson.read_text(encoding="utf-8")
    front, body = text.split("---\n", 2)[1:]
    title = yaml.safe_load(front)["title"]
    first, rest = body.split("\n<!-- page -->\n", 1)
    second, rest = rest.split("\n<!-- page -->\n", 1)
    title_html = len(f"<b>{render.to_html(title)}</b>\n\n")
    # Page 1 fits as HTML alone but not with the title above it; page 2 is simply too long.
    pad = content.PAGE_LIMIT - len(render.to_html(first)) - 2 - title_html // 2
    first += "\n\n" + "x" * pad
    second += "\n\n" + "A long sentence. " * 60
    assert len(render.to_html(first)) <= content.PAGE_LIMIT
    lesson.write_text(f"---\n{front}---\n{first}\n<!-- page -->\n{second}\n<!-- page -->\n{rest}")
    course, problems = content.check(broken.parent)
    assert course is None
    lines = [str(p) for p in problems if "characters after rendering" in str(p)]
    assert len(lines) == 2, lines
    assert "modules/housing/en.md" in lines[0] and "page 1 is " in lines[0]
    assert "modules/housing/en.md" in lines[1] and "page 2 is " in lines[1]
    assert all("(limit 700, one short screen" in line for line in lines)


def test_cli_reports_every_problem_and_exits_1(broken: Path) -> None:
    for corrupt, _, _ in (CASES["answer out of range"], CASES["plain http link"]):
        corrupt(broken)
    r = _onboard("content", "check", "--dir", str(broken.parent))
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert len(lines) == 2, r.stdout
    assert any("modules/housing/quiz.yaml: question" in line for line in lines)
    assert any(re.search(r"guide/transport/en\.md:\d+: link 'http://", line) for line in lines)
    assert "2 problem(s)" in r.stderr


def test_renderer_makes_telegram_safe_html() -> None:
    page = (
        "## Rights & **duties**\n"
        "Pay <5 000 rub> to [the inspectorate](fact:x) or see [Rostrud](https://rostrud.gov.ru/?a=1&b=2).\n"
        "- one **bold** item\n"
        "2. [Housing](module:housing) and [Transport](guide:transport)\n"
    )
    assert render.to_html(page) == (
        "<b>Rights &amp; duties</b>\n"
        "Pay &lt;5 000 rub&gt; to the inspectorate or see "
        '<a href="https://rostrud.gov.ru/?a=1&amp;b=2">Rostrud</a>.\n'
        "• one <b>bold</b> item\n"
        "2. Housing and Transport"
    )
    assert render.split_pages("a\n<!-- page -->\nb") == ["a", "b"]
    assert render.count_words("## Title\n- [two words](fact:x-y) **3**") == 4


def test_a_fact_past_its_own_date_fails_until_rechecked(broken: Path) -> None:
    facts = broken / "facts" / "guide.yaml"
    _edit(
        facts,
        "  - id: guide-minimum-wage\n",
        "  - id: guide-minimum-wage\n    effective_on: 2026-03-01\n",
    )
    course = content.load(broken)
    # Loading (the service's start) is not refused; the check is.
    assert content.stale_facts(course, date(2026, 2, 28)) == []
    [stale] = content.stale_facts(course, date(2026, 3, 1))
    assert "fact guide-minimum-wage: its effective_on 2026-03-01 has passed" in stale
    assert "never recorded" in stale
    r = _onboard("content", "check", "--dir", str(broken.parent))
    assert r.returncode == 1 and "guide-minimum-wage" in r.stdout
    assert "past their own dates" in r.stderr
    # Read again after that date: no longer stale.
    _regex(
        facts,
        r"(  - id: guide-minimum-wage\n(?:    .*\n)*?)    checked_on: unknown.*\n",
        r"\g<1>    checked_on: 2026-03-02\n",
    )
    assert content.stale_facts(content.load(broken), date(2026, 3, 5)) == []


def test_real_facts_expiring_with_the_year_are_reviewed_before_it() -> None:
    """Minimum wage and patent prices change on 1 January: review_by before it."""
    course = content.load(REAL)
    yearly = [f for f in course.facts.values() if f.expires_on == date(2026, 12, 31)]
    assert {f.id for f in yearly} >= {"money-minimum-wage", "work-patent-price-moscow"}
    assert all(f.review_by < date(2027, 1, 1) for f in yearly)
    assert content.stale_facts(course, date(2027, 1, 1))  # and the check would catch them
