"""HTTP routes for cards. Thin: validate, check access, delegate, shape the answer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlmodel import Session
from starlette.types import Message

from service.accounts.access import Action, Owner, Principal
from service.api import ownership
from service.api.deps import Authorize, UnitOfWork, unit_of_work
from service.cards import idempotency
from service.cards import service as cards
from service.cards.models import (
    Card,
    CardCreate,
    CardEvent,
    CardPage,
    CardPublic,
    EntryIn,
    EventList,
    EventPublic,
    ExitIn,
    ExtendIn,
    Person,
    PersonPublic,
    RevokeIn,
    Status,
)
from service.core.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["cards"], responses=PROBLEM_RESPONSES)


class _CreateRoute(APIRoute):
    """``POST /cards``, the registry's hot write. A request that FastAPI would take as it is
    (``Content-Type: application/json``, a body that validates, no Idempotency-Key, no
    dependency overrides) is answered without FastAPI's per-request resolver, which cost
    about a fifth of a creation's Python; every other request (errors included) goes
    through FastAPI's own handler, so what it answers is unchanged. The OpenAPI document
    is built from the route's declaration, as for any route."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()

        async def handler(request: Request) -> Response:
            if not _plain(request):
                return await standard(request)
            try:
                raw = await request.body()
            except Exception as error:  # noqa: BLE001 - FastAPI's handler meets it as well
                return await standard(_failing(request, error))
            answer = await _create_plain(request, raw)
            return answer if answer is not None else await standard(request)

        return handler


def _failing(request: Request, error: Exception) -> Request:
    """The request again, its body failing as it failed (half read, too large, the client
    gone): the body cannot be read twice, and FastAPI answers each failure its own way."""

    async def receive() -> Message:
        raise error

    return Request(request.scope, receive)


_CREATE = Authorize(Action.cards_create, Owner.acting_user)


def _plain(request: Request) -> bool:
    headers = request.headers
    return (
        headers.get("content-type") == "application/json"
        and "idempotency-key" not in headers
        and not request.app.dependency_overrides
    )


async def _create_plain(request: Request, raw: bytes) -> Response | None:
    """What FastAPI would call ``create_card`` with, or None to let FastAPI do it (its
    errors are the ones a client gets)."""
    try:
        body = CardCreate.model_validate(json.loads(raw), from_attributes=True)
    except Exception:  # noqa: BLE001 - FastAPI's handler reads it again and answers
        return None
    uow = await unit_of_work(request, _CREATE)
    return await create_card(body=body, uow=uow)


async def create_card(
    body: CardCreate,
    uow: Annotated[UnitOfWork, _CREATE],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> Any:
    """Register a holder (or find them by document) and issue a card in pending_entry."""
    key = idempotency.check_key(idempotency_key) if idempotency_key is not None else None

    def work(session: Session, principal: Principal) -> CardPublic | idempotency.Replay:
        data = _with_link(session, principal, body)
        ident = None
        if key is not None:
            body_hash = idempotency.request_hash(data.model_dump_json(by_alias=True))
            ident = idempotency.Ident(principal=principal.actor, key=key, body_hash=body_hash)
        return idempotency.once(
            session=session,
            ident=ident,
            make=lambda: cards.to_public(
                *cards.issue_card(session=session, data=data, actor=principal.actor)
            ),
            answer=lambda public: public.model_dump(mode="json", by_alias=True),
            status_code=201,
        )

    result = await uow.run(work, remembered_caller=True)
    if isinstance(result, idempotency.Replay):
        return _replay(result.status_code, result.body)
    # Serialised here, as FastAPI would from response_model (which still documents it).
    return Response(
        result.model_dump_json(by_alias=True),
        status_code=status.HTTP_201_CREATED,
        headers={"Location": f"/api/v1/cards/{result.id}"},
        media_type="application/json",
    )


router.add_api_route(
    "/cards",
    create_card,
    methods=["POST"],
    status_code=status.HTTP_201_CREATED,
    response_model=CardPublic,
    route_class_override=_CreateRoute,
)


def _with_link(session: Session, principal: Principal, body: CardCreate) -> CardCreate:
    """The card with the Telegram account it may be linked to (see ``ownership``)."""
    link = ownership.link_for_new_card(
        session=session, principal=principal, requested=body.telegram_user_id
    )
    return body.model_copy(update={"telegram_user_id": link})


def _replay(status_code: int, body: dict[str, Any]) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true", "Location": f"/api/v1/cards/{body.get('id')}"}
    return JSONResponse(body, status_code=status_code, headers=headers)


@router.get("/cards", response_model=CardPage)
async def list_cards(
    uow: Annotated[UnitOfWork, Authorize(Action.cards_read, Owner.acting_user)],
    number: Annotated[str | None, Query(max_length=32)] = None,
    document_number: Annotated[str | None, Query(max_length=32)] = None,
    telegram_user_id: Annotated[int | None, Query(gt=0, lt=2**53)] = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> CardPage:
    """List cards, filtered, oldest first, with cursor pagination."""
    filters = cards.CardFilter(
        number=number,
        document_number=document_number,
        telegram_user_id=telegram_user_id,
        status=status_,
    )

    def work(session: Session, principal: Principal) -> CardPage:
        allowed = ownership.card_filter_for(principal=principal, filters=filters)
        rows, next_cursor = cards.list_cards(
            session=session, filters=allowed, cursor=cursor, limit=limit
        )
        items = [_view(principal, cards.to_public(c, p)) for c, p in rows]
        return CardPage(items=items, next_cursor=next_cursor)

    return await uow.run(work)


def _view(principal: Principal, card: CardPublic) -> CardPublic:
    return ownership.card_view(principal=principal, card=card)


def _public(session: Session, card: Card, principal: Principal) -> CardPublic:
    person = cards.get_person(session=session, person_id=card.person_id)
    return _view(principal, cards.to_public(card, person))


@router.get("/cards/{card_id}", response_model=CardPublic)
async def get_card(
    card_id: uuid.UUID, uow: Annotated[UnitOfWork, Authorize(Action.cards_read, Owner.card)]
) -> CardPublic:
    """One card with its holder."""

    def work(session: Session, principal: Principal) -> CardPublic:
        return _public(session, cards.get_card(session=session, card_id=card_id), principal)

    return await uow.run(work)


@dataclass(frozen=True)
class _Step:
    """A step in the card's life: ``POST /cards/{card_id}/<path>`` with its own body, rule
    and service function, answered with the card after it. ``name`` and ``summary`` are what
    a handler's function name and docstring would give the operation."""

    name: str
    path: str
    body: type[BaseModel]
    action: Action
    change: Callable[..., Card]
    summary: str


_STEPS = (
    _Step("record_entry", "entry", EntryIn, Action.cards_entry, cards.record_entry,
          "Border officer records entry: pending_entry → active."),
    _Step("record_exit", "exit", ExitIn, Action.cards_exit, cards.record_exit,
          "Border officer records exit: active (or expired) → closed."),
    _Step("extend_stay", "extend", ExtendIn, Action.cards_extend, cards.extend_stay,
          "Extend the permitted stay of an active card (e.g. on a work permit)."),
    _Step("revoke_card", "revoke", RevokeIn, Action.cards_revoke, cards.revoke_card,
          "Revoke a card (administrative decision; reason required)."),
)  # fmt: skip


def _step_route(step: _Step) -> None:
    async def endpoint(card_id: uuid.UUID, body: BaseModel, uow: UnitOfWork) -> CardPublic:
        def work(session: Session, principal: Principal) -> CardPublic:
            card = step.change(session=session, card_id=card_id, data=body, actor=principal.actor)
            return _public(session, card, principal)

        return await uow.run(work)

    # FastAPI reads the body's model and the access rule from the annotations: the step's own.
    endpoint.__annotations__.update(
        body=step.body, uow=Annotated[UnitOfWork, Authorize(step.action, Owner.card)]
    )
    router.add_api_route(
        f"/cards/{{card_id}}/{step.path}",
        endpoint,
        methods=["POST"],
        response_model=CardPublic,
        name=step.name,
        description=step.summary,
    )


for _step in _STEPS:
    _step_route(_step)


@router.get("/cards/{card_id}/events", response_model=EventList)
async def list_events(
    card_id: uuid.UUID, uow: Annotated[UnitOfWork, Authorize(Action.cards_read, Owner.card)]
) -> EventList:
    """The card's append-only history."""
    return await uow.call(cards.list_events, shape=_events, card_id=card_id)


def _events(events: Sequence[CardEvent]) -> EventList:
    return EventList(items=[EventPublic.model_validate(e, from_attributes=True) for e in events])


@router.get("/persons/{person_id}", response_model=PersonPublic)
async def get_person(
    person_id: uuid.UUID, uow: Annotated[UnitOfWork, Authorize(Action.cards_read, Owner.person)]
) -> PersonPublic:
    """A holder's personal data (the cards refer to it)."""
    return await uow.call(cards.get_person, shape=_person, person_id=person_id)


def _person(person: Person) -> PersonPublic:
    return PersonPublic(
        id=person.id,
        holder=cards.holder_out(person),
        language=person.language,
        created_at=person.created_at,
    )
