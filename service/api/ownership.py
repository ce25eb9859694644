"""Object-level authorisation: which cards, persons and profiles a caller may touch.

Staff and integrators are limited by their role or scopes (``Principal.require``). The bot
is one key speaking for many people, so with the bot scope every per-user route also needs
the Telegram user it acts for (``X-Telegram-User-Id``), and the object in the path must be
linked to that user: anything else is answered ``404``, as if it did not exist.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists, select
from sqlmodel import Session, col

from service.accounts.access import Action, Owner, Principal, Rule
from service.cards.models import Card, CardPublic
from service.cards.service import CardFilter
from service.core.errors import Forbidden, InvalidInput, NotFound
from service.telegram import service as profiles

_NOT_FOUND = {
    Owner.card: "no card with this id",
    Owner.person: "no person with this id",
    Owner.telegram_user: "no profile for this Telegram account",
}


def enforce(
    *,
    session: Session,
    principal: Principal,
    rule: Rule,
    path_params: Mapping[str, Any],
    telegram_user_id: int | None,
) -> Principal:
    """The caller, with the acting Telegram user attached for the bot; raises Forbidden
    (action not allowed, or no acting user) or NotFound (an object not the acting user's)."""
    assert rule.action is not None
    principal.require(rule.action)
    if not principal.is_bot:
        return principal
    acting = dataclasses.replace(principal, telegram_user_id=telegram_user_id)
    if rule.owner in (Owner.none, Owner.caller):
        return acting
    if telegram_user_id is None:
        raise Forbidden("the bot acts for one Telegram user: send X-Telegram-User-Id")
    if rule.owner is Owner.acting_user:
        return acting
    if not _linked(session, rule.owner, path_params, telegram_user_id):
        raise NotFound(_NOT_FOUND[rule.owner])
    return acting


def _linked(session: Session, owner: Owner, params: Mapping[str, Any], telegram_user: int) -> bool:
    if owner is Owner.telegram_user:
        return str(params.get("telegram_user_id")) == str(telegram_user)
    try:
        if owner is Owner.card:
            card_id = uuid.UUID(str(params["card_id"]))
            return _exists(session, col(Card.id) == card_id, telegram_user)
        if owner is Owner.person:
            person_id = uuid.UUID(str(params["person_id"]))
            return _exists(session, col(Card.person_id) == person_id, telegram_user)
    except (KeyError, ValueError):
        return False
    raise ValueError(f"no ownership rule for {owner}")


def _exists(session: Session, condition: Any, telegram_user: int) -> bool:
    stmt = select(exists().where(condition, col(Card.telegram_user_id) == telegram_user))
    return bool(session.execute(stmt).scalar())


# ------------------------------------------------------------------------- cards


def require_card(*, session: Session, principal: Principal, card_id: uuid.UUID) -> None:
    """A card named outside the path (a query parameter): readable by the caller, and for
    the bot one of the acting user's; NotFound otherwise."""
    principal.require(Action.cards_read)
    if not principal.is_bot:
        return
    if principal.telegram_user_id is None:
        raise Forbidden("the bot acts for one Telegram user: send X-Telegram-User-Id")
    if not _exists(session, col(Card.id) == card_id, principal.telegram_user_id):
        raise NotFound(_NOT_FOUND[Owner.card])


def link_for_new_card(
    *, session: Session, principal: Principal, requested: int | None
) -> int | None:
    """The Telegram account a new card is linked to: only the bot links, only to the user
    it acts for, and only once that user has agreed to the processing notice; any other
    caller naming one is refused."""
    if principal.is_bot:
        if principal.telegram_user_id is None:  # Owner.acting_user already refused this
            raise Forbidden("the bot acts for one Telegram user: send X-Telegram-User-Id")
        if requested is not None and requested != principal.telegram_user_id:
            raise Forbidden("the bot links cards only to the Telegram user it acts for")
        profiles.require_consent(session=session, telegram_user_id=principal.telegram_user_id)
        return principal.telegram_user_id
    if requested is not None:
        raise Forbidden("only the Telegram bot links a card to a Telegram account")
    return None


def card_filter_for(*, principal: Principal, filters: CardFilter) -> CardFilter:
    """What a caller may list: the bot its user's cards; officers one card they check."""
    if principal.is_bot:
        return dataclasses.replace(filters, telegram_user_id=principal.telegram_user_id)
    if principal.checks_documents and filters.number is None and filters.document_number is None:
        raise InvalidInput(
            "officers find a card by its number or the holder's document",
            errors=[
                {"field": "number", "reason": "give number or document_number"},
                {"field": "document_number", "reason": "give number or document_number"},
            ],
        )
    return filters


def card_view(*, principal: Principal, card: CardPublic) -> CardPublic:
    """Officers see what a check needs: not the Telegram account nor the host."""
    if principal.checks_documents:
        return card.model_copy(update={"telegram_user_id": None, "host": None})
    return card
