"""The course's small Markdown dialect (see content/adaptation_course/FORMAT.md) → Telegram HTML.

Telegram's HTML mode knows only inline tags (<b>, <i>, <a>, ...) and keeps newlines, so the
renderer works line by line: headings become bold lines, list items keep a bullet or their
number, `**bold**` becomes <b>, `fact:`/`module:`/`guide:` links show only their text, and
https links become <a>. Everything else is text, escaped. ``lint`` reports what the dialect
does not allow, for `onboard content check`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TypeGuard
from urllib.parse import urlsplit

PAGE_MARKER = re.compile(r"^[ \t]*<!--\s*page\s*-->[ \t]*$", re.MULTILINE)
# A block served only to some regimes: `<!-- regimes: patent_worker, visa_worker -->` ...
# `<!-- /regimes -->`, each marker on a line of its own, inside one page.
REGIMES_OPEN = re.compile(r"^[ \t]*<!--\s*regimes:(?P<list>[^>]*?)-->[ \t]*$")
REGIMES_CLOSE = re.compile(r"^[ \t]*<!--\s*/regimes\s*-->[ \t]*$")
INTERNAL_SCHEMES = ("fact", "module", "guide")

_LINK = r"\[(?P<text>[^\]\n]+)\]\((?P<target>[^)\s]*)\)"
_INLINE = re.compile(_LINK + r"|\*\*(?P<bold>.+?)\*\*")
_LINK_ONLY = re.compile(_LINK)
_HEADING = re.compile(r"^(#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(?P<indent>\s*)[-*+]\s+(?P<text>.*)$")
_NUMBERED = re.compile(r"^(?P<indent>\s*)(?P<n>\d{1,3})[.)]\s+(?P<text>.*)$")
_RAW_HTML = re.compile(r"<\s*/?\s*[A-Za-z!]")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Link:
    text: str
    target: str
    line: int  # 1-based, within the text given to ``links``

    @property
    def scheme(self) -> str:
        return self.target.split(":", 1)[0] if ":" in self.target else ""

    @property
    def ref(self) -> str:
        """What an internal link points to (a fact id or a slug)."""
        return self.target.split(":", 1)[1] if ":" in self.target else ""


def split_pages(body: str) -> list[str]:
    """The pages of a lesson body, split on ``<!-- page -->`` lines, trimmed."""
    return [page.strip("\n") for page in PAGE_MARKER.split(body)]


def _is_marker(line: str) -> bool:
    return bool(PAGE_MARKER.match(line) or REGIMES_OPEN.match(line) or REGIMES_CLOSE.match(line))


def regime_blocks(page: str) -> list[tuple[frozenset[str] | None, str]]:
    """A page cut into runs: (None, text for everyone) and (regimes, text only for them),
    markers removed. An unclosed block runs to the end of the page (the check reports it)."""
    runs: list[tuple[frozenset[str] | None, list[str]]] = [(None, [])]
    for line in page.splitlines():
        if m := REGIMES_OPEN.match(line):
            runs.append((_regime_list(m["list"]), []))
        elif REGIMES_CLOSE.match(line):
            runs.append((None, []))
        else:
            runs[-1][1].append(line)
    return [
        (regimes, "\n".join(lines).strip("\n")) for regimes, lines in runs if "".join(lines).strip()
    ]


def regime_problems(body: str, known: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line, problem) for regime blocks that are unclosed, nested, span a page marker or
    name an unknown regime."""
    problems: list[tuple[int, str]] = []
    opened: int | None = None
    for number, line in enumerate(body.splitlines(), start=1):
        if m := REGIMES_OPEN.match(line):
            if opened is not None:
                problems.append((number, "regime blocks cannot be nested: close the one above"))
            opened = number
            listed = _regime_list(m["list"])
            unknown = sorted(listed - set(known))
            if not listed or unknown:
                problems.append(
                    (
                        number,
                        f"regimes block names {', '.join(unknown) or 'no regime'}; "
                        f"known regimes: {', '.join(known)}",
                    )
                )
        elif REGIMES_CLOSE.match(line):
            if opened is None:
                problems.append((number, "<!-- /regimes --> closes no block"))
            opened = None
        elif PAGE_MARKER.match(line) and opened is not None:
            problems.append((opened, "regime block is not closed before the page marker"))
            opened = None
    if opened is not None:
        problems.append((opened, "regime block is not closed with <!-- /regimes -->"))
    return problems


def _regime_list(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def to_html(markdown: str) -> str:
    """One page of the dialect as Telegram-safe HTML (regime markers left out)."""
    out: list[str] = []
    for raw in markdown.splitlines():
        line = raw.rstrip()
        if _is_marker(line):
            continue
        if not line.strip():
            if out and out[-1] != "":
                out.append("")
            continue
        if m := _HEADING.match(line):
            if out and out[-1] != "":
                out.append("")
            out.append(f"<b>{_inline(m['text'], bold=False)}</b>")
        elif m := _BULLET.match(line):
            out.append(f"{_indent(m['indent'])}• {_inline(m['text'])}")
        elif m := _NUMBERED.match(line):
            out.append(f"{_indent(m['indent'])}{m['n']}. {_inline(m['text'])}")
        else:
            out.append(_inline(line.strip()))
    return "\n".join(out).strip("\n")


def to_plain(markdown: str) -> str:
    """The words a reader sees (markup, link targets and page markers removed)."""
    text = "\n".join(line for line in markdown.splitlines() if not _is_marker(line))
    text = _LINK_ONLY.sub(lambda m: m["text"], text)
    text = text.replace("**", "")
    lines = []
    for line in text.splitlines():
        for pattern in (_HEADING, _BULLET, _NUMBERED):
            if m := pattern.match(line):
                line = m["text"]
                break
        lines.append(line)
    return "\n".join(lines)


def count_words(markdown: str) -> int:
    return sum(1 for token in to_plain(markdown).split() if any(ch.isalnum() for ch in token))


def links(markdown: str) -> list[Link]:
    found = []
    for number, line in enumerate(markdown.splitlines(), start=1):
        for m in _LINK_ONLY.finditer(line):
            found.append(Link(text=m["text"], target=m["target"], line=number))
    return found


def link_problem(link: Link) -> str | None:
    """Why a link's target is malformed (existence of ids is checked elsewhere), or None."""
    if link.scheme in INTERNAL_SCHEMES:
        if not link.ref:
            return f"link {link.target!r} names no target"
        return None
    if link.scheme == "https":
        parts = urlsplit(link.target)
        host = parts.hostname or ""
        if "." not in host or host.startswith(".") or host.endswith("."):
            return f"link {link.target!r} is not a well-formed https address"
        if any(ch in link.target for ch in "\"'<>\\`"):
            return f"link {link.target!r} contains characters not allowed in an address"
        return None
    return f"link {link.target!r}: use https://, fact:, module: or guide:"


def lint(markdown: str) -> list[tuple[int, str]]:
    """(line, problem) for syntax the dialect does not allow or could not read."""
    problems = []
    for number, line in enumerate(markdown.splitlines(), start=1):
        if _is_marker(line):
            continue
        if _RAW_HTML.search(line):
            problems.append((number, "raw HTML is not allowed (only the page and regimes markers)"))
        if "![" in line:
            problems.append((number, "images are not allowed"))
        if _TABLE_ROW.match(line):
            problems.append((number, "tables are not allowed"))
        rest = _LINK_ONLY.sub("", line)
        if re.search(r"\]\s*\(", rest):
            problems.append((number, "malformed link (write [text](target), no spaces)"))
        if "**" in _INLINE.sub("", line):
            problems.append((number, "unclosed ** (bold)"))
    return problems


def is_slug(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(_SLUG.match(value))


def _indent(spaces: str) -> str:
    return "  " * (len(spaces.expandtabs(4)) // 2)


def _inline(text: str, *, bold: bool = True) -> str:
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(_escape(text[pos : m.start()]))
        if m["bold"] is not None:
            inner = _inline(m["bold"], bold=bold)
            out.append(f"<b>{inner}</b>" if bold else inner)
        else:
            label = _inline(m["text"], bold=bold)
            target = m["target"]
            if target.startswith("https://") and link_problem(Link(label, target, 0)) is None:
                out.append(f'<a href="{html.escape(target, quote=True)}">{label}</a>')
            else:
                out.append(label)
        pos = m.end()
    out.append(_escape(text[pos:]))
    return "".join(out)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
