"""/guide: the behaviour guide, section by section, page by page."""

from __future__ import annotations

from collections.abc import Awaitable

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot import keyboards, texts
from bot.api import GuideContent, Page, ServiceClient
from bot.callbacks import GuideCB, MenuCB
from bot.handlers.common import answered, page_screen, replace, stale


def router() -> Router:
    r = Router(name="guide")
    r.message.register(guide_command, Command("guide"))
    r.callback_query.register(guide_button, MenuCB.filter(F.action == "guide"))
    r.callback_query.register(sections, GuideCB.filter(F.slug == ""))
    r.callback_query.register(section_page, GuideCB.filter(F.slug != ""))
    return r


async def guide_command(message: Message, api: ServiceClient, i18n: I18n) -> None:
    """The guide's sections."""
    outline = await api.guide(i18n.current_locale)
    markup = keyboards.guide_sections([(s.slug, s.title) for s in outline.sections])
    await message.answer(texts.guide_header(), reply_markup=markup)


async def guide_button(callback: CallbackQuery, api: ServiceClient, i18n: I18n) -> None:
    """The menu's guide button: as /guide."""
    if (message := await answered(callback)) is not None:
        await guide_command(message, api, i18n)


async def sections(callback: CallbackQuery, api: ServiceClient, i18n: I18n) -> None:
    """Back to the list of sections."""
    outline = await api.guide(i18n.current_locale)
    await callback.answer()
    markup = keyboards.guide_sections([(s.slug, s.title) for s in outline.sections])
    await replace(callback, texts.guide_header(), markup)


async def section_page(
    callback: CallbackQuery, callback_data: GuideCB, api: ServiceClient, i18n: I18n
) -> None:
    """One page of a section, with previous/next; the section must be one the guide lists."""
    language = i18n.current_locale
    if callback_data.slug == keyboards.GLOSSARY_SECTION:
        fetch: Awaitable[GuideContent] = _glossary(api, language)
    else:
        outline = await api.guide(language)
        if callback_data.slug not in {s.slug for s in outline.sections}:
            await stale(callback)
            return
        fetch = api.guide_section(callback_data.slug, language)
    shown = await page_screen(callback, fetch, callback_data.page)
    if shown is None:
        return
    section, text, count = shown
    markup = keyboards.guide_page(section.slug, callback_data.page, count)
    await replace(callback, text, markup)


async def _glossary(api: ServiceClient, language: str) -> GuideContent:
    """The course's glossary (one word per thing, the same the lessons use) as a guide
    section: a term and its plain definition a paragraph, cut into short screens."""
    glossary = await api.glossary(language)
    html = "\n\n".join(
        f"<b>{texts.escape_html(t.term)}</b> — {texts.escape_html(t.definition)}"
        for t in glossary.terms
    )
    title = texts.glossary_title()
    return GuideContent(
        slug=keyboards.GLOSSARY_SECTION, title=title, pages=[Page(number=1, html=html)]
    )
