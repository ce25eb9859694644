"""FastAPI dependencies, named by what they give: a session, the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlmodel import Session

from service.accounts import service as accounts
from service.accounts.access import Principal
from service.core.db import read_only, session_scope
from service.core.errors import NotAuthenticated
from service.core.security import tokens

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_session(request: Request) -> Iterator[Session]:
    engine = request.app.state.engine
    if request.method in _READ_METHODS:
        engine = read_only(engine)
    yield from session_scope(engine)


SessionDep = Annotated[Session, Depends(get_session)]


def get_principal(
    request: Request,
    session: SessionDep,
    bearer: Annotated[str | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    if api_key:
        principal = accounts.principal_for_api_key(session=session, key=api_key)
        if principal is None:
            raise NotAuthenticated("the API key is unknown or revoked")
        return principal
    if bearer:
        settings = request.app.state.settings
        claims = tokens.read_access_token(
            bearer, secret=request.app.state.token_secret, issuer=settings.issuer
        )
        principal = (
            accounts.principal_for_user(session=session, user_id=claims.user_id) if claims else None
        )
        if principal is None:
            raise NotAuthenticated("the access token is invalid or expired")
        return principal
    raise NotAuthenticated("send a bearer token or an X-API-Key header")


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
