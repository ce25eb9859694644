"""HTTP routes for the arrival checklist and the bot's reminders."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlmodel import Session

from service.accounts.access import Action, Owner, Principal
from service.accounts.models import Scope
from service.api.deps import Authorize, LanguageDep, PolicyDep, SettingsDep, UnitOfWork
from service.checklist import service as checklist
from service.checklist.models import (
    Checklist,
    DoneIn,
    MuteIn,
    PaymentIn,
    PermitIn,
    PermitOut,
    Reminder,
    ReminderBatch,
)
from service.core.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["checklist"], responses=PROBLEM_RESPONSES)
ItemId = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9-]+$")]


@router.get("/cards/{card_id}/checklist", response_model=Checklist)
async def get_checklist(
    card_id: uuid.UUID,
    uow: Annotated[UnitOfWork, Authorize(Action.cards_read, Owner.card)],
    policy: PolicyDep,
    wanted: LanguageDep,
) -> Checklist:
    """Legal deadlines after arrival for this card, with status and how to meet each."""

    return await uow.call(checklist.describe, policy=policy, card_id=card_id, wanted=wanted)


@router.post("/cards/{card_id}/checklist/{item_id}/done", response_model=Checklist)
async def mark_done(
    card_id: uuid.UUID,
    item_id: ItemId,
    body: DoneIn,
    uow: Annotated[UnitOfWork, Authorize(Action.checklist_done, Owner.card)],
    policy: PolicyDep,
    wanted: LanguageDep,
) -> Checklist:
    """Record an obligation as met (from the bot: as self-reported); the checklist after it,
    in the language asked for as with GET."""

    def work(session: Session, principal: Principal) -> Checklist:
        checklist.mark_done(
            session=session,
            policy=policy,
            card_id=card_id,
            item_id=item_id,
            data=body,
            actor=principal.actor,
            self_reported=Scope.bot in principal.scopes,
        )
        return checklist.describe(session=session, policy=policy, card_id=card_id, wanted=wanted)

    return await uow.run(work)


@router.post("/cards/{card_id}/permits", response_model=PermitOut, status_code=201)
async def add_permit(
    card_id: uuid.UUID,
    body: PermitIn,
    uow: Annotated[UnitOfWork, Authorize(Action.permits_write, Owner.card)],
    policy: PolicyDep,
) -> PermitOut:
    """Record the patent the holder got (issue day, last paid day): the checklist then dates
    the monthly payment, the contract copy and any registration renewal from it."""

    return await uow.call(
        checklist.add_permit, actor=True, policy=policy, card_id=card_id, data=body
    )


@router.get("/cards/{card_id}/permits", response_model=list[PermitOut])
async def list_permits(
    card_id: uuid.UUID, uow: Annotated[UnitOfWork, Authorize(Action.cards_read, Owner.card)]
) -> list[PermitOut]:
    """The card's recorded patents with their payments."""

    return await uow.call(checklist.list_permits, card_id=card_id)


@router.post(
    "/cards/{card_id}/permits/{permit_id}/payments", response_model=PermitOut, status_code=201
)
async def add_payment(
    card_id: uuid.UUID,
    permit_id: uuid.UUID,
    body: PaymentIn,
    uow: Annotated[UnitOfWork, Authorize(Action.permits_write, Owner.card)],
) -> PermitOut:
    """A payment of whole months: extends the paid period (Civil Code art. 192)."""

    return await uow.call(
        checklist.add_payment, actor=True, card_id=card_id, permit_id=permit_id, data=body
    )


@router.put("/cards/{card_id}/reminders", response_model=MuteIn)
async def set_reminders(
    card_id: uuid.UUID,
    body: MuteIn,
    uow: Annotated[UnitOfWork, Authorize(Action.reminders_mute, Owner.card)],
) -> MuteIn:
    """Mute or unmute this card's reminders."""

    await uow.call(checklist.set_muted, card_id=card_id, muted=body.muted)
    return MuteIn(muted=body.muted)


@router.post("/reminders/claim", response_model=ReminderBatch)
async def claim_reminders(
    uow: Annotated[UnitOfWork, Authorize(Action.reminders)],
    policy: PolicyDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ReminderBatch:
    """Reminders due now (never at night in the holder's zone). Each is handed out once;
    confirm with /reminders/{id}/sent, or it is offered again after ten minutes."""

    def work(session: Session, principal: Principal) -> ReminderBatch:
        due = checklist.claim_reminders(
            session=session,
            policy=policy,
            offsets=tuple(settings.reminder_days),
            limit=limit,
        )
        return ReminderBatch(
            items=[
                Reminder(
                    id=d.record.id or 0,
                    card_id=d.card.id,
                    card_number=checklist.display_number(d.card),
                    telegram_user_id=d.telegram_user_id,
                    language=d.language,
                    item_id=d.obligation.id,
                    title=d.obligation.title[d.language],
                    how_to=d.obligation.how_to[d.language],
                    due_on=d.record.due_on,
                    days_left=d.days_left,
                )
                for d in due
            ]
        )

    return await uow.run(work)


@router.post("/reminders/{reminder_id}/sent", status_code=204)
async def confirm_sent(
    reminder_id: Annotated[int, Path(ge=1, lt=2**31)],
    uow: Annotated[UnitOfWork, Authorize(Action.reminders)],
) -> None:
    """The bot delivered this reminder."""

    await uow.call(checklist.confirm_sent, reminder_id=reminder_id)
