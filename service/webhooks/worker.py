"""The webhook worker: fans outbox events out to subscribed endpoints and delivers them.

Delivery is at least once. A delivery is claimed by moving its next attempt past a lease
before the HTTP call, so a worker that dies mid-delivery leaves it to be retried, never
lost; receivers deduplicate by ``Onboard-Event-Id``. Failures back off exponentially
(base * 2^(attempt-1), capped at an hour, with jitter) and after the last attempt the
delivery is dead-lettered, where an admin can replay it.

Signature: ``Onboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``.
Receivers recompute it over the raw body, compare in constant time, and reject a ``t``
more than five minutes away from their clock (replays).

Before each attempt the target is checked again (``service.webhooks.targets``): a name that
now resolves to a private address fails with the reason recorded and no request sent, and the
request goes to the address that was checked. Events go only to endpoints whose API key is
live and may own webhooks; a pending delivery for an endpoint that was removed or whose key
was revoked is dead-lettered without being sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from service.accounts.access import Action, Principal
from service.accounts.models import ApiKey, Scope
from service.core import clock
from service.core.db import transaction
from service.core.errors import Conflict, NotFound
from service.webhooks import targets
from service.webhooks.models import DeliveryStatus, OutboxEvent, WebhookDelivery, WebhookEndpoint

log = logging.getLogger("onboard.webhooks")
MAX_BACKOFF = timedelta(hours=1)


def key_may_receive(key: ApiKey) -> bool:
    """Events go only to endpoints of live keys that may still own webhooks."""
    if key.revoked_at is not None:
        return False
    scopes = frozenset(Scope(s) for s in key.scopes if s in Scope._value2member_map_)
    return Principal(kind="api_key", id=key.id, name=key.name, scopes=scopes).can(
        Action.webhooks_own
    )


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: str, header: str, body: bytes, *, now: float, tolerance: int = 300
) -> bool:
    """What a receiver does (documented in the README; used by the tests as a receiver)."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


@dataclass
class WorkerSettings:
    max_attempts: int = 8
    backoff_seconds: float = 5.0
    timeout_seconds: float = 10.0
    batch: int = 100
    lease_seconds: float = 60.0  # a claimed delivery is retried if not settled by then
    # Tests with a receiver on loopback only (ONBOARD_WEBHOOK_ALLOW_PRIVATE_TARGETS).
    allow_private_targets: bool = False


class Worker:
    def __init__(
        self, engine: Engine, settings: WorkerSettings, client: httpx.Client | None = None
    ) -> None:
        self.engine = engine
        self.settings = settings
        # No proxies from the environment, no redirects, no reused connections: each request
        # goes straight to the address just checked, with the name verified by TLS.
        self.client = client or httpx.Client(
            timeout=settings.timeout_seconds,
            trust_env=False,
            follow_redirects=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )
        self.resolve = socket.getaddrinfo

    def _locked(self, stmt):  # type: ignore[no-untyped-def]
        # Several workers on PostgreSQL take disjoint rows; SQLite has one writer anyway.
        if self.engine.dialect.name == "postgresql":
            return stmt.with_for_update(skip_locked=True)
        return stmt

    def fan_out(self) -> int:
        """Turn undispatched outbox events into one delivery per subscribed endpoint."""
        with transaction(self.engine) as session:
            events = session.exec(
                self._locked(
                    select(OutboxEvent)
                    .where(col(OutboxEvent.dispatched).is_(False))
                    .order_by(col(OutboxEvent.id))
                    .limit(500)
                )
            ).all()
            if not events:
                return 0
            endpoints = [
                endpoint
                for endpoint, key in session.exec(
                    select(WebhookEndpoint, ApiKey)
                    .join(ApiKey, col(ApiKey.id) == col(WebhookEndpoint.api_key_id))
                    .where(col(WebhookEndpoint.active).is_(True))
                ).all()
                if key_may_receive(key)
            ]
            now = clock.now()
            for event in events:
                for endpoint in endpoints:
                    if event.type in endpoint.events:
                        session.add(
                            WebhookDelivery(
                                outbox_id=event.id or 0,
                                endpoint_id=endpoint.id,
                                next_attempt_at=now,
                            )
                        )
                event.dispatched = True
                session.add(event)
            return len(events)

    def deliver_due(self) -> int:
        """Attempt every delivery that is due; returns how many were attempted."""
        now = clock.now()
        with transaction(self.engine) as session:
            due = session.exec(
                self._locked(
                    select(WebhookDelivery)
                    .where(
                        WebhookDelivery.status == DeliveryStatus.pending.value,
                        col(WebhookDelivery.next_attempt_at) <= now,
                    )
                    .order_by(col(WebhookDelivery.next_attempt_at))
                    .limit(self.settings.batch)
                )
            ).all()
            jobs = []
            for delivery in due:
                # Claimed: nobody else takes it until the lease runs out.
                delivery.next_attempt_at = now + timedelta(seconds=self.settings.lease_seconds)
                session.add(delivery)
                jobs.append(self._job(session, delivery))
        for job in jobs:
            self._attempt(job)
        return len(jobs)

    def _job(self, session: Session, delivery: WebhookDelivery) -> dict[str, Any]:
        event = session.get(OutboxEvent, delivery.outbox_id)
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        assert event is not None and endpoint is not None
        key = session.get(ApiKey, endpoint.api_key_id)
        stopped = None
        if not endpoint.active:
            revoked = endpoint.disabled_reason == "key-revoked"
            stopped = "API key revoked" if revoked else "endpoint was removed"
        elif key is None or not key_may_receive(key):
            stopped = "API key revoked"
        body = json.dumps(
            {
                "id": str(event.event_id),
                "type": event.type,
                "created_at": event.created_at.isoformat(),
                "data": event.data,
            },
            separators=(",", ":"),
        ).encode()
        return {
            "id": delivery.id,
            "attempts": delivery.attempts,
            "url": endpoint.url,
            "secret": endpoint.secret,
            "stopped": stopped,
            "body": body,
            "event_id": str(event.event_id),
            "type": event.type,
        }

    def _attempt(self, job: dict[str, Any]) -> None:
        error: str | None = job["stopped"]
        if error is None:
            try:
                error = self._send(job)
            except httpx.HTTPError as exc:
                error = type(exc).__name__
        self._record(job, error)

    def _send(self, job: dict[str, Any]) -> str | None:
        """POST the event to the endpoint's checked address; the error, or None."""
        try:
            target = targets.check(
                job["url"], allow_private=self.settings.allow_private_targets, resolve=self.resolve
            )
        except targets.TargetRefused as exc:
            log.warning("webhook target refused at delivery", extra={"event": job["type"]})
            return f"target refused: {exc}"
        timestamp = int(clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            "Onboard-Event-Id": job["event_id"],
            "Onboard-Event-Type": job["type"],
            "Onboard-Delivery-Id": str(job["id"]),
            "Onboard-Signature": sign(job["secret"], timestamp, job["body"]),
        }
        headers["Host"] = target.host_header()
        extensions: dict[str, Any] = {}
        if target.parts.scheme == "https" and targets.literal(target.host) is None:
            extensions["sni_hostname"] = target.host  # and the certificate is checked for it
        response = self.client.post(
            target.connect_url(), content=job["body"], headers=headers, extensions=extensions
        )
        if not 200 <= response.status_code < 300:
            return f"HTTP {response.status_code}"
        return None

    def _record(self, job: dict[str, Any], error: str | None) -> None:
        now = clock.now()
        attempts = job["attempts"] + 1
        values: dict[str, Any] = {"attempts": attempts, "last_error": error}
        if error is None:
            values.update(status=DeliveryStatus.delivered.value, delivered_at=now)
        elif attempts >= self.settings.max_attempts or job["stopped"]:
            values.update(status=DeliveryStatus.dead.value)
            log.warning("webhook delivery dead-lettered", extra={"event": job["type"]})
        else:
            delay = min(
                self.settings.backoff_seconds * 2 ** (attempts - 1), MAX_BACKOFF.total_seconds()
            )
            values.update(next_attempt_at=now + timedelta(seconds=delay * random.uniform(0.9, 1.1)))  # noqa: S311 - jitter
        with transaction(self.engine) as session:
            session.execute(
                update(WebhookDelivery).where(col(WebhookDelivery.id) == job["id"]).values(**values)
            )

    def run(self, stop: threading.Event, idle_seconds: float = 0.5) -> None:
        while not stop.is_set():
            try:
                busy = self.fan_out() + self.deliver_due()
            except Exception:  # noqa: BLE001 - keep running; the database may come back
                log.exception("webhook worker cycle failed")
                busy = 0
            if not busy:
                stop.wait(idle_seconds)


def replay(*, session: Session, delivery_id: int) -> WebhookDelivery:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound("no such delivery")
    if delivery.status != DeliveryStatus.dead.value:
        raise Conflict("only dead-lettered deliveries can be replayed", reason="not-dead")
    delivery.status = DeliveryStatus.pending.value
    delivery.attempts = 0
    delivery.next_attempt_at = clock.now()
    session.add(delivery)
    session.flush()
    return delivery
