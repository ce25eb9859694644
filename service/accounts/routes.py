"""HTTP routes for log-in, users and API keys."""

from __future__ import annotations

import uuid
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlmodel import Session

from service.accounts import service as accounts
from service.accounts.access import Action, Principal
from service.accounts.models import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    Token,
    User,
    UserCreate,
    UserPublic,
)
from service.api.clients import client_address
from service.api.deps import (
    Authorize,
    LoginThrottleDep,
    Public,
    SettingsDep,
    TokenSecretDep,
    UnitOfWork,
)
from service.core.errors import NotAuthenticated, TooManyRequests
from service.core.problems import PROBLEM_RESPONSES
from service.core.security import tokens

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=PROBLEM_RESPONSES)


@router.post("/auth/token", response_model=Token)
async def login(
    request: Request,
    uow: Annotated[UnitOfWork, Public()],
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    throttle: LoginThrottleDep,
    settings: SettingsDep,
    secret: TokenSecretDep,
) -> Token:
    """Exchange a username and password for a short-lived bearer token."""
    attempt = {
        "username": form.username,
        "address": client_address(request.scope, settings.trusted_proxy_networks),
    }
    wait = await anyio.to_thread.run_sync(lambda: throttle.begin(**attempt))
    if wait:
        raise TooManyRequests("too many failed log-ins; wait and try again", retry_after=wait)

    def work(session: Session) -> User | None:
        return accounts.authenticate(
            session=session, username=form.username, password=form.password
        )

    user = await uow.run_anonymous(work)
    if user is None:
        await anyio.to_thread.run_sync(lambda: throttle.failed(**attempt))
        raise NotAuthenticated("wrong username or password")
    await anyio.to_thread.run_sync(lambda: throttle.succeeded(**attempt))
    token = tokens.issue_access_token(
        user_id=user.id,
        role=user.role,
        secret=secret,
        issuer=settings.issuer,
        minutes=settings.access_token_minutes,
    )
    return Token(access_token=token, expires_in=settings.access_token_minutes * 60)


@router.get("/auth/me")
async def whoami(uow: Annotated[UnitOfWork, Authorize(Action.whoami)]) -> dict[str, object]:
    """Who the credentials belong to, with role or scopes."""

    def work(session: Session, principal: Principal) -> dict[str, object]:
        return {
            "kind": principal.kind,
            "id": str(principal.id),
            "name": principal.name,
            "role": principal.role,
            "scopes": sorted(s.value for s in principal.scopes),
        }

    return await uow.run(work)


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
async def create_user(
    body: UserCreate, uow: Annotated[UnitOfWork, Authorize(Action.accounts_manage)]
) -> UserPublic:
    """Create an account (admin)."""

    def work(session: Session, principal: Principal) -> UserPublic:
        user = accounts.create_user(
            session=session, username=body.username, password=body.password, role=body.role
        )
        return UserPublic.model_validate(user, from_attributes=True)

    return await uow.run(work)


@router.get("/users", response_model=list[UserPublic])
async def list_users(
    uow: Annotated[UnitOfWork, Authorize(Action.accounts_manage)],
) -> list[UserPublic]:
    """All accounts (admin)."""

    def work(session: Session, principal: Principal) -> list[UserPublic]:
        users = accounts.list_users(session=session)
        return [UserPublic.model_validate(u, from_attributes=True) for u in users]

    return await uow.run(work)


@router.post("/users/{user_id}/disable", response_model=UserPublic)
async def disable_user(
    user_id: uuid.UUID, uow: Annotated[UnitOfWork, Authorize(Action.accounts_manage)]
) -> UserPublic:
    """Disable an account; its tokens stop working at once (admin)."""

    def work(session: Session, principal: Principal) -> UserPublic:
        user = accounts.set_user_active(session=session, user_id=user_id, active=False)
        return UserPublic.model_validate(user, from_attributes=True)

    return await uow.run(work)


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
async def create_api_key(
    body: ApiKeyCreate, uow: Annotated[UnitOfWork, Authorize(Action.accounts_manage)]
) -> ApiKeyCreated:
    """Create an API key; the key is in this answer only (admin)."""

    def work(session: Session, principal: Principal) -> ApiKeyCreated:
        row, key = accounts.create_api_key(session=session, name=body.name, scopes=body.scopes)
        public = ApiKeyPublic.model_validate(row, from_attributes=True)
        return ApiKeyCreated(**public.model_dump(), key=key)

    return await uow.run(work)


@router.get("/api-keys", response_model=list[ApiKeyPublic])
async def list_api_keys(
    uow: Annotated[UnitOfWork, Authorize(Action.accounts_manage)],
) -> list[ApiKeyPublic]:
    """All API keys, without secrets (admin)."""

    def work(session: Session, principal: Principal) -> list[ApiKeyPublic]:
        rows = accounts.list_api_keys(session=session)
        return [ApiKeyPublic.model_validate(r, from_attributes=True) for r in rows]

    return await uow.run(work)


@router.delete("/api-keys/{key_id}", response_model=ApiKeyPublic)
async def revoke_api_key(
    key_id: uuid.UUID, uow: Annotated[UnitOfWork, Authorize(Action.accounts_manage)]
) -> ApiKeyPublic:
    """Revoke an API key; it stops working at once (admin)."""

    def work(session: Session, principal: Principal) -> ApiKeyPublic:
        row = accounts.revoke_api_key(session=session, key_id=key_id)
        return ApiKeyPublic.model_validate(row, from_attributes=True)

    return await uow.run(work)
