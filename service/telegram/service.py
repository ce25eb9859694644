"""Telegram profiles: language (shared with the persons the account registered), consent."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.cards.models import Card, Person
from service.core import clock
from service.core.errors import Conflict, InvalidInput, NotFound
from service.telegram.models import ConsentIn, ProfileUpdate, TelegramProfile


def get_profile(*, session: Session, telegram_user_id: int) -> TelegramProfile:
    profile = session.get(TelegramProfile, telegram_user_id)
    if profile is None:
        raise NotFound("no profile for this Telegram account")
    return profile


def _get_or_create(session: Session, telegram_user_id: int) -> TelegramProfile:
    profile = session.get(TelegramProfile, telegram_user_id, with_for_update=True)
    if profile is None:
        profile = TelegramProfile(telegram_user_id=telegram_user_id)
        session.add(profile)
    return profile


def update_profile(
    *, session: Session, telegram_user_id: int, data: ProfileUpdate
) -> TelegramProfile:
    profile = _get_or_create(session, telegram_user_id)
    if data.language is not None:
        profile.language = data.language
        # The language is the person's, not only the chat's: reminders and content follow it.
        persons = select(Card.person_id).where(Card.telegram_user_id == telegram_user_id)
        session.execute(
            update(Person).where(col(Person.id).in_(persons)).values(language=data.language)
        )
    if data.reminders_muted is not None:
        profile.reminders_muted = data.reminders_muted
    if data.self_person_id is not None:
        owned = select(Card.id).where(
            Card.telegram_user_id == telegram_user_id, Card.person_id == data.self_person_id
        )
        if session.exec(owned.limit(1)).first() is None:
            raise InvalidInput(
                "self_person_id is not the holder of a card registered from this account",
                errors=[{"field": "self_person_id", "reason": "not a person of this account"}],
            )
        profile.self_person_id = data.self_person_id
    profile.updated_at = clock.now()
    session.add(profile)
    session.flush()
    return profile


def record_consent(*, session: Session, telegram_user_id: int, data: ConsentIn) -> TelegramProfile:
    profile = _get_or_create(session, telegram_user_id)
    profile.consent_version = data.notice_version
    profile.consent_language = data.language
    profile.consent_given_at = clock.now()
    profile.updated_at = profile.consent_given_at
    session.add(profile)
    session.flush()
    return profile


def require_consent(*, session: Session, telegram_user_id: int) -> None:
    """Cards registered through the bot need the account's recorded consent first."""
    profile = session.get(TelegramProfile, telegram_user_id)
    if profile is None or profile.consent_given_at is None:
        raise Conflict(
            "consent to the processing of personal data has not been recorded for this account",
            reason="consent-required",
        )
