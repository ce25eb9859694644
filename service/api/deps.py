"""FastAPI dependencies, named by what they give.

Database work for a request runs in one worker thread, in one transaction, through
``UnitOfWork.run``: authentication, the change and the answer's shape, then commit (or
rollback on any error) before the response leaves. Sync generator dependencies would cost a
thread hop each (measured: a third of the throughput of a one-hop handler), so the
dependencies themselves only read headers and never touch the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.accounts import service as accounts
from service.accounts.access import Principal
from service.core.db import read_only, transaction
from service.core.errors import NotAuthenticated
from service.core.security import tokens

T = TypeVar("T")

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)
_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Credentials:
    bearer: str | None
    api_key: str | None


async def get_credentials(
    bearer: Annotated[str | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Credentials:
    return Credentials(bearer=bearer, api_key=api_key)


def authenticate(*, session: Session, request: Request, credentials: Credentials) -> Principal:
    if credentials.api_key:
        principal = accounts.principal_for_api_key(session=session, key=credentials.api_key)
        if principal is None:
            raise NotAuthenticated("the API key is unknown or revoked")
        return principal
    if credentials.bearer:
        claims = tokens.read_access_token(
            credentials.bearer,
            secret=request.app.state.token_secret,
            issuer=request.app.state.settings.issuer,
        )
        principal = (
            accounts.principal_for_user(session=session, user_id=claims.user_id) if claims else None
        )
        if principal is None:
            raise NotAuthenticated("the access token is invalid or expired")
        return principal
    raise NotAuthenticated("send a bearer token or an X-API-Key header")


@dataclass(frozen=True)
class UnitOfWork:
    """One request's database work: run ``work(session, caller)`` in a transaction."""

    request: Request
    credentials: Credentials

    async def run(self, work: Callable[[Session, Principal], T], *, reads_only: bool = False) -> T:
        """``reads_only``: a POST that writes nothing (verification) takes no write lock."""
        return await run_in_threadpool(self._run, work, reads_only)

    async def principal(self) -> Principal:
        """The caller, from the short-lived cache (``accounts.cache``) without a thread hop
        when remembered; otherwise read from the database once (one hop)."""
        request, credentials = self.request, self.credentials
        cache = request.app.state.principals
        if credentials.api_key:
            key = "k:" + credentials.api_key
        elif credentials.bearer:
            key = "t:" + credentials.bearer
        else:
            raise NotAuthenticated("send a bearer token or an X-API-Key header")
        found = cache.get(key)
        if found is None:
            found = await run_in_threadpool(self._authenticate)
            # A token is remembered no longer than it lives (checked on every hit).
            not_after = tokens.expiry(credentials.bearer) if credentials.bearer else None
            cache.put(key, found, not_after=not_after)
        return found

    def _authenticate(self) -> Principal:
        with transaction(read_only(self.request.app.state.engine)) as session:
            return authenticate(session=session, request=self.request, credentials=self.credentials)

    async def run_anonymous(self, work: Callable[[Session], T]) -> T:
        return await run_in_threadpool(self._run_anonymous, work)

    def _engine(self, reads_only: bool = False):  # type: ignore[no-untyped-def]
        engine = self.request.app.state.engine
        if reads_only or self.request.method in _READ_METHODS:
            return read_only(engine)
        return engine

    def _run(self, work: Callable[[Session, Principal], T], reads_only: bool = False) -> T:
        with transaction(self._engine(reads_only)) as session:
            principal = authenticate(
                session=session, request=self.request, credentials=self.credentials
            )
            return work(session, principal)

    def _run_anonymous(self, work: Callable[[Session], T]) -> T:
        with transaction(self._engine()) as session:
            return work(session)


async def get_unit_of_work(
    request: Request, credentials: Annotated[Credentials, Depends(get_credentials)]
) -> UnitOfWork:
    return UnitOfWork(request=request, credentials=credentials)


UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work)]
