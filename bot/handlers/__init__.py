"""The bot's routers, one per feature, built fresh for each dispatcher."""

from __future__ import annotations

from aiogram import Router

from bot.handlers import (
    card,
    checklist,
    course,
    fallback,
    guide,
    menu,
    permits,
    registration,
    start,
)


def get_routers() -> list[Router]:
    """In order: commands valid anywhere, the flows, then the catch-all."""
    return [
        start.router(),
        menu.router(),
        registration.router(),
        card.router(),
        checklist.router(),
        permits.router(),
        course.router(),
        guide.router(),
        fallback.router(),
    ]
