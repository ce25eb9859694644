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
    ApiKey,
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
AdminWork = Annotated[UnitOfWork, Authorize(Action.accounts_manage)]


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


def _user(user: User) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


def _users(users: list[User]) -> list[UserPublic]:
    return [_user(u) for u in users]


def _key(row: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic.model_validate(row, from_attributes=True)


def _keys(rows: list[ApiKey]) -> list[ApiKeyPublic]:
    return [_key(r) for r in rows]


def _created(made: tuple[ApiKey, str]) -> ApiKeyCreated:
    row, key = made
    return ApiKeyCreated(**_key(row).model_dump(), key=key)


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
async def create_user(body: UserCreate, uow: AdminWork) -> UserPublic:
    """Create an account (admin)."""
    return await uow.call(
        accounts.create_user,
        shape=_user,
        username=body.username,
        password=body.password,
        role=body.role,
    )


@router.get("/users", response_model=list[UserPublic])
async def list_users(uow: AdminWork) -> list[UserPublic]:
    """All accounts (admin)."""
    return await uow.call(accounts.list_users, shape=_users)


@router.post("/users/{user_id}/disable", response_model=UserPublic)
async def disable_user(user_id: uuid.UUID, uow: AdminWork) -> UserPublic:
    """Disable an account; its tokens stop working at once (admin)."""
    return await uow.call(accounts.set_user_active, shape=_user, user_id=user_id, active=False)


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
async def create_api_key(body: ApiKeyCreate, uow: AdminWork) -> ApiKeyCreated:
    """Create an API key; the key is in this answer only (admin)."""
    return await uow.call(
        accounts.create_api_key, shape=_created, name=body.name, scopes=body.scopes
    )


@router.get("/api-keys", response_model=list[ApiKeyPublic])
async def list_api_keys(uow: AdminWork) -> list[ApiKeyPublic]:
    """All API keys, without secrets (admin)."""
    return await uow.call(accounts.list_api_keys, shape=_keys)


@router.delete("/api-keys/{key_id}", response_model=ApiKeyPublic)
async def revoke_api_key(key_id: uuid.UUID, uow: AdminWork) -> ApiKeyPublic:
    """Revoke an API key; it stops working at once (admin)."""
    return await uow.call(accounts.revoke_api_key, shape=_key, key_id=key_id)
