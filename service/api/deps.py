"""FastAPI dependencies, named by what they give.

Database work for a request runs in one worker thread, in one transaction, through
``UnitOfWork.run``: authentication, the change and the answer's shape, then commit (or
rollback on any error) before the response leaves. Sync generator dependencies would cost a
thread hop each (measured: a third of the throughput of a one-hop handler), so the
dependencies themselves only read headers and never touch the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar, overload

from fastapi import Depends, Header, Query, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.accounts import service as accounts
from service.accounts.access import PUBLIC, Action, Owner, Principal, Rule
from service.accounts.cache import PrincipalCache
from service.accounts.throttle import LoginThrottle
from service.api import ownership
from service.api.metrics import Metrics
from service.checklist.policy import Policy
from service.core import clock, i18n
from service.core.config import Settings
from service.core.db import one_snapshot, read_only, transaction
from service.core.errors import NotAuthenticated, field_error
from service.core.security import tokens
from service.course.content import Course
from service.course.content import get_course as get_loaded_course
from service.proofs.decode import DecodeGate
from service.proofs.keys import KeyStore
from service.proofs.live import LiveCards
from service.proofs.qr import QrCache
from service.proofs.recorder import ScanRecorder
from service.proofs.service import ProofCache
from service.stats.quotas import Figure

T = TypeVar("T")
R = TypeVar("R")

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)
_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def _wired(name: str) -> Any:
    """A dependency giving one object the app was wired with (``service.main``); async and
    without a thread hop, so it costs next to nothing."""

    async def wired(request: Request) -> Any:
        return getattr(request.app.state, name)

    wired.__name__ = f"wired_{name}"
    return Depends(wired)


# What routes and other request-time code may use, by name and type (set up in service.main).
SettingsDep = Annotated[Settings, _wired("settings")]
EngineDep = Annotated[Engine, _wired("engine")]
KeysDep = Annotated[KeyStore, _wired("keys")]
PolicyDep = Annotated[Policy, _wired("policy")]
QuotasDep = Annotated[dict[int, dict[str, dict[str, Figure]]], _wired("quotas")]
LiveDep = Annotated[LiveCards, _wired("live")]
ProofCacheDep = Annotated[ProofCache, _wired("proof_cache")]
QrCacheDep = Annotated[QrCache, _wired("qr_cache")]
ScansDep = Annotated[ScanRecorder, _wired("scans")]
DecodeGateDep = Annotated[DecodeGate, _wired("decode_gate")]
LoginThrottleDep = Annotated[LoginThrottle, _wired("login_throttle")]
PrincipalsDep = Annotated[PrincipalCache, _wired("principals")]
MetricsDep = Annotated[Metrics, _wired("metrics")]
TokenSecretDep = Annotated[str, _wired("token_secret")]


@dataclass(frozen=True)
class Trust:
    """What checking a proof reads, in one dependency (the verify route is the hot path):
    the settings, the keys, the in-memory registry and the batching scan recorder."""

    settings: Settings
    keys: KeyStore
    live: LiveCards
    scans: ScanRecorder


async def get_trust(request: Request) -> Trust:
    return trust_of(request.app.state)


def trust_of(state: Any) -> Trust:
    """The trust objects an app was wired with (``service.main``), from its state."""
    return Trust(settings=state.settings, keys=state.keys, live=state.live, scans=state.scans)


TrustDep = Annotated[Trust, Depends(get_trust)]


async def get_clock() -> Callable[[], datetime]:
    """The service's clock (``service.core.clock``; tests set it)."""
    return clock.now


ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]


async def get_course(request: Request) -> Course:
    """The course read at start (``service.main``); read again (off the event loop) while
    it has problems, so a fix is served without a restart, and its problems answered."""
    course: Course | None = getattr(request.app.state, "course", None)
    if course is None:
        settings: Settings = request.app.state.settings
        course = await run_in_threadpool(get_loaded_course, settings.content_dir)
        request.app.state.course = course
    return course


CourseDep = Annotated[Course, Depends(get_course)]


async def get_languages(
    lang: Annotated[
        str | None,
        Query(max_length=35, description="Language: ru, en, uz, tg, ky or kk (else Russian)"),
    ] = None,
    accept_language: Annotated[
        str | None, Header(description="Used when lang is not given", max_length=512)
    ] = None,
) -> list[str]:
    """The languages the client asks for, most preferred first: ``?lang=``, else
    ``Accept-Language`` by its q-values (see ``service.core.i18n.pick``)."""
    return i18n.requested(lang, accept_language)


LanguageDep = Annotated[list[str], Depends(get_languages)]


@dataclass(frozen=True)
class Credentials:
    bearer: str | None
    api_key: str | None


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
    """One request's database work: run ``work(session, caller)`` in a transaction, after
    the route's rule (its action and the object it touches) has been enforced."""

    request: Request
    credentials: Credentials
    rule: Rule | None = None
    telegram_user_id: int | None = None

    async def run(
        self,
        work: Callable[[Session, Principal], T],
        *,
        reads_only: bool = False,
        remembered_caller: bool = False,
        snapshot: bool = False,
    ) -> T:
        """``reads_only``: a POST that writes nothing (verification) takes no write lock.
        ``remembered_caller``: the caller from the short-lived cache (``accounts.cache``,
        with its bound) instead of a lookup in the transaction; for hot write paths.
        ``snapshot``: the work only reads, and sees one moment throughout (``one_snapshot``)."""
        caller = await self._cached_principal() if remembered_caller else None
        mode = "snapshot" if snapshot else "read" if reads_only else None
        return await run_in_threadpool(self._run, work, mode, caller)

    @overload
    async def call(
        self,
        service: Callable[..., R],
        /,
        *,
        shape: None = None,
        actor: bool = False,
        snapshot: bool = False,
        **kw: Any,
    ) -> R: ...

    @overload
    async def call(
        self,
        service: Callable[..., R],
        /,
        *,
        shape: Callable[[R], T],
        actor: bool = False,
        snapshot: bool = False,
        **kw: Any,
    ) -> T: ...

    async def call(
        self,
        service: Callable[..., Any],
        /,
        *,
        shape: Callable[[Any], Any] | None = None,
        actor: bool = False,
        snapshot: bool = False,
        **kw: Any,
    ) -> Any:
        """Run one service function as the route's work: ``service(session=..., **kw)``,
        with ``actor=`` the caller's audit name when ``actor``, its result passed through
        ``shape`` (the answer's model) inside the transaction (``snapshot``: see ``run``)."""

        def work(session: Session, principal: Principal) -> Any:
            if actor:
                kw["actor"] = principal.actor
            result = service(session=session, **kw)
            return shape(result) if shape is not None else result

        return await self.run(work, snapshot=snapshot)

    async def principal(self) -> Principal:
        """The caller, from the short-lived cache (``accounts.cache``) without a thread hop
        when remembered; otherwise read from the database once (one hop). The route's rule
        is enforced as in ``run``; only for rules that touch no per-user object (those need
        the database to check ownership)."""
        if self.rule is None or self.rule.action is None or self.rule.owner is not Owner.none:
            raise RuntimeError("principal() serves routes whose rule names no object")
        found = await self._cached_principal()
        found.require(self.rule.action)
        return found

    async def _cached_principal(self) -> Principal:
        request, credentials = self.request, self.credentials
        cache = request.app.state.principals
        key = _cache_key(credentials)
        if key is None:
            raise NotAuthenticated("send a bearer token or an X-API-Key header")
        found = cache.get(key)
        if found is None:
            read_at = time.monotonic()
            found = await run_in_threadpool(self._authenticate)
            # A token is remembered no longer than it lives (checked on every hit).
            not_after = tokens.expiry(credentials.bearer) if credentials.bearer else None
            cache.put(key, found, read_at=read_at, not_after=not_after)
        return found

    def _authenticate(self) -> Principal:
        with transaction(read_only(self.request.app.state.engine)) as session:
            return authenticate(session=session, request=self.request, credentials=self.credentials)

    async def run_anonymous(self, work: Callable[[Session], T]) -> T:
        return await run_in_threadpool(self._run_anonymous, work)

    def _engine(self, mode: str | None = None):  # type: ignore[no-untyped-def]
        engine = self.request.app.state.engine
        if mode == "snapshot":
            return one_snapshot(engine)
        if mode == "read" or self.request.method in _READ_METHODS:
            return read_only(engine)
        return engine

    def _run(
        self,
        work: Callable[[Session, Principal], T],
        mode: str | None = None,
        caller: Principal | None = None,
    ) -> T:
        with transaction(self._engine(mode)) as session:
            principal = caller or authenticate(
                session=session, request=self.request, credentials=self.credentials
            )
            if self.rule is None or self.rule.action is None:
                raise RuntimeError("this route declares no rule for authenticated work")
            principal = ownership.enforce(
                session=session,
                principal=principal,
                rule=self.rule,
                path_params=self.request.path_params,
                telegram_user_id=self.telegram_user_id,
            )
            return work(session, principal)

    def _run_anonymous(self, work: Callable[[Session], T]) -> T:
        with transaction(self._engine()) as session:
            return work(session)


def _cache_key(credentials: Credentials) -> str | None:
    """The caller cache's key for these credentials (an API key wins, as in ``authenticate``)."""
    if credentials.api_key:
        return "k:" + credentials.api_key
    if credentials.bearer:
        return "t:" + credentials.bearer
    return None


async def remembered_caller(request: Request, rule: Rule) -> Principal | None:
    """The caller from the short-lived cache, when its credentials are there and its role or
    scopes allow ``rule`` (an action on no particular object); otherwise None, and the
    route itself authenticates, refuses or answers the error. The credentials are read by
    the same schemes as ``Authorize``'s; a request in which the bot acts for a Telegram
    user is left to the route. For the verification hot path (``proofs.hotpath``)."""
    if rule.action is None or rule.owner is not Owner.none:
        raise RuntimeError("remembered_caller() serves rules that name no object")
    if await _acting_user(request) is not None:
        return None
    key = _cache_key(Credentials(bearer=await _bearer(request), api_key=await _api_key(request)))
    found = request.app.state.principals.get(key) if key is not None else None
    if found is None or not found.can(rule.action):
        return None
    return found


# A security scheme rather than a header parameter: it belongs with the credentials (the
# bot's key is only half of who is calling), and Swagger UI's Authorize dialog offers it.
_acting_user = APIKeyHeader(
    name="X-Telegram-User-Id",
    scheme_name="ActingTelegramUser",
    description="The bot only: the Telegram user it acts for in this request.",
    auto_error=False,
)


def _telegram_user(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 2**53:
        raise field_error("X-Telegram-User-Id", "must be a Telegram user id (a positive integer)")
    return int(raw)


def Authorize(action: Action | None, owner: Owner = Owner.none) -> Any:  # noqa: N802
    """The route's rule as a dependency: ``uow: Annotated[UnitOfWork, Authorize(...)]``.

    The rule is kept on the dependency (``.rule``) so the access table in the README can be
    built from, and checked against, the app's real routes.
    """
    rule = Rule(action=action, owner=owner)

    # The credential schemes are direct sub-dependencies, not behind a dependency of their
    # own: each level costs FastAPI's resolver on every request.
    async def unit_of_work(
        request: Request,
        bearer: Annotated[str | None, Depends(_bearer)],
        api_key: Annotated[str | None, Depends(_api_key)],
        acting_telegram_user: Annotated[str | None, Depends(_acting_user)],
    ) -> UnitOfWork:
        return UnitOfWork(
            request=request,
            credentials=Credentials(bearer=bearer, api_key=api_key),
            rule=rule,
            telegram_user_id=_telegram_user(acting_telegram_user),
        )

    unit_of_work.rule = rule  # type: ignore[attr-defined]
    return Depends(unit_of_work)


async def unit_of_work(request: Request, authorize: Any) -> UnitOfWork:
    """What the dependency ``authorize`` (made by ``Authorize``) gives for ``request``,
    without FastAPI's resolver: its credential schemes called as FastAPI calls them. For a
    hot route that reads a plain request itself (``service.cards.routes``)."""
    return await authorize.dependency(  # type: ignore[no-any-return]
        request=request,
        bearer=await _bearer(request),
        api_key=await _api_key(request),
        acting_telegram_user=await _acting_user(request),
    )


def Public() -> Any:  # noqa: N802
    """A route anyone may call without credentials (health, trust data, sign-in, pages)."""
    return Authorize(None)


E = TypeVar("E", bound=Callable[..., Any])


def public(endpoint: E) -> E:
    """Mark a route that takes no credentials and touches no database (health, pages, keys):
    no dependency at all, so it stays as cheap as it is."""
    endpoint.rule = PUBLIC  # type: ignore[attr-defined]
    return endpoint
