"""Short screens: a page longer than a phone's screen is shown as several, cut between
paragraphs (never inside one, so the HTML's tags stay closed)."""

from __future__ import annotations

SCREEN = 700  # characters of a page's HTML


def screens(pages: list[str], limit: int = SCREEN) -> list[str]:
    """The pages as screens: each page whole when it fits, else its paragraphs grouped."""
    shown: list[str] = []
    for page in pages:
        if len(page) <= limit:
            shown.append(page)
            continue
        current = ""
        for paragraph in page.split("\n\n"):
            if current and len(current) + 2 + len(paragraph) > limit:
                shown.append(current)
                current = paragraph
            else:
                current = f"{current}\n\n{paragraph}" if current else paragraph
        if current:
            shown.append(current)
    return shown
