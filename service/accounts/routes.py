"""HTTP routes for log-in, users and API keys."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlmodel import col, select

from service.accounts import service as accounts
from service.accounts.access import Action
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
from service.api.deps import CurrentPrincipal, SessionDep
from service.core.errors import NotAuthenticated, TooManyRequests
from service.core.problems import PROBLEM_RESPONSES
from service.core.security import tokens

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=PROBLEM_RESPONSES)


@router.post("/auth/token", response_model=Token)
def login(
    request: Request, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    """Exchange a username and password for a short-lived bearer token."""
    limiter = request.app.state.login_failures
    keys = (f"user:{form.username.strip().lower()}", f"ip:{_client_ip(request)}")
    wait = limiter.retry_after(*keys)
    if wait:
        raise TooManyRequests("too many failed log-ins; wait and try again", retry_after=wait)
    user = accounts.authenticate(session=session, username=form.username, password=form.password)
    if user is None:
        limiter.fail(*keys)
        raise NotAuthenticated("wrong username or password")
    limiter.reset(keys[0])
    settings = request.app.state.settings
    token = tokens.issue_access_token(
        user_id=user.id, role=user.role, secret=request.app.state.token_secret,
        issuer=settings.issuer, minutes=settings.access_token_minutes,
    )
    return Token(access_token=token, expires_in=settings.access_token_minutes * 60)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/auth/me")
def whoami(principal: CurrentPrincipal) -> dict[str, object]:
    """Who the credentials belong to, with role or scopes."""
    return {"kind": principal.kind, "id": str(principal.id), "name": principal.name,
            "role": principal.role, "scopes": sorted(s.value for s in principal.scopes)}


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
def create_user(body: UserCreate, session: SessionDep, principal: CurrentPrincipal) -> User:
    """Create an account (admin)."""
    principal.require(Action.accounts_manage)
    return accounts.create_user(session=session, username=body.username,
                                password=body.password, role=body.role)


@router.get("/users", response_model=list[UserPublic])
def list_users(session: SessionDep, principal: CurrentPrincipal) -> list[User]:
    """All accounts (admin)."""
    principal.require(Action.accounts_manage)
    return list(session.exec(select(User).order_by(col(User.username))).all())


@router.post("/users/{user_id}/disable", response_model=UserPublic)
def disable_user(user_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> User:
    """Disable an account; its tokens stop working at once (admin)."""
    principal.require(Action.accounts_manage)
    return accounts.set_user_active(session=session, user_id=user_id, active=False)


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
def create_api_key(body: ApiKeyCreate, session: SessionDep,
                   principal: CurrentPrincipal) -> ApiKeyCreated:
    """Create an API key; the key is in this answer only (admin)."""
    principal.require(Action.accounts_manage)
    row, key = accounts.create_api_key(session=session, name=body.name, scopes=body.scopes)
    return ApiKeyCreated(**ApiKeyPublic.model_validate(row, from_attributes=True).model_dump(),
                         key=key)


@router.get("/api-keys", response_model=list[ApiKeyPublic])
def list_api_keys(session: SessionDep, principal: CurrentPrincipal) -> list[ApiKey]:
    """All API keys, without secrets (admin)."""
    principal.require(Action.accounts_manage)
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.created_at))).all())


@router.delete("/api-keys/{key_id}", response_model=ApiKeyPublic)
def revoke_api_key(key_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> ApiKey:
    """Revoke an API key; it stops working at once (admin)."""
    principal.require(Action.accounts_manage)
    return accounts.revoke_api_key(session=session, key_id=key_id)
