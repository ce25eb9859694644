"""POST /verify answered in front of the router (proofs.hotpath) is answered as the route
answers it: the same requests to the whole app and to an app whose stack has no hot path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from service.main import create_app
from service.proofs.hotpath import VerifyHotPath
from tests.factories import card_payload

VERIFY = "/api/v1/verify"
# Differ between any two answers: when it was checked, the request's id.
_MOMENTS = ("checked_at", "status_as_of")
_PER_REQUEST = {"x-request-id", "date"}


@pytest.fixture
def route_only(settings, engine) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """The same service on the same database and keys, every verification by the route."""
    app = create_app(settings, engine)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not VerifyHotPath]
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def proof(client, actors) -> dict[str, str]:  # type: ignore[no-untyped-def]
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
    r = client.get(f"/api/v1/cards/{card['id']}/proof", headers=actors["cards:read"])
    assert r.status_code == 200, r.text
    return {"payload": r.json()["payload"], "number": card["number"]}


def _answer(client: TestClient, headers: dict[str, str], body: bytes) -> tuple[Any, ...]:
    r = client.post(VERIFY, content=body, headers=headers)
    try:
        shown: Any = r.json()
    except ValueError:
        shown = r.text
    if isinstance(shown, dict):
        shown = {k: v for k, v in shown.items() if k not in _MOMENTS}
    kept = {k: v for k, v in r.headers.items() if k not in _PER_REQUEST}
    return r.status_code, shown, kept


@pytest.fixture
def callers(actors) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """Each caller's headers, one bearer token each for the whole test."""
    return {who: actors[who] for who in ("officer", "border", "cards:read")}


def _remember_callers(client: TestClient, callers: Any, proof: dict[str, str]) -> None:
    """One verification each, as the callers of a worker under load are remembered."""
    for headers in callers.values():
        client.post(VERIFY, json={"payload": proof["payload"]}, headers=headers)


def _cases(proof: dict[str, str], callers: Any) -> list[tuple[str, dict[str, str], bytes]]:
    json_type = {"Content-Type": "application/json"}
    officer = {**callers["officer"], **json_type}

    def body(**fields: Any) -> bytes:
        return json.dumps(fields).encode()

    good = body(payload=proof["payload"])
    return [
        ("proof", officer, good),
        ("proof, border guard", {**callers["border"], **json_type}, good),
        ("proof, charset", {**officer, "Content-Type": "application/json; charset=utf-8"}, good),
        ("not a proof", officer, body(payload="garbage")),
        ("forged", officer, body(payload=proof["payload"][:-4] + "AAAA")),
        ("typed number", officer, body(number=proof["number"])),
        ("both", officer, body(payload=proof["payload"], number=proof["number"])),
        ("neither", officer, b"{}"),
        ("unknown field", officer, body(payload=proof["payload"], extra=1)),
        ("too long", officer, body(payload="MC1:" + "a" * 5000)),
        ("not JSON", officer, b"{"),
        ("empty", officer, b""),
        ("a list", officer, b"[]"),
        ("text/plain", {**officer, "Content-Type": "text/plain"}, good),
        ("no credentials", json_type, good),
        ("no such key", {"X-API-Key": "nope", **json_type}, good),
        ("may not verify", {**callers["cards:read"], **json_type}, good),
        ("bad acting user", {**officer, "X-Telegram-User-Id": "abc"}, good),
        ("acting user", {**officer, "X-Telegram-User-Id": "42"}, good),
    ]


def test_every_request_is_answered_as_the_route_answers_it(
    client, route_only, callers, proof
) -> None:  # type: ignore[no-untyped-def]
    for each in (client, route_only):
        _remember_callers(each, callers, proof)
    cases = _cases(proof, callers)
    for name, headers, body in cases:
        expected = _answer(route_only, headers, body)
        assert _answer(client, headers, body) == expected, name
    statuses = {name: _answer(client, h, b)[0] for name, h, b in cases}
    assert statuses["proof"] == statuses["typed number"] == 200
    assert statuses["no credentials"] == 401 and statuses["may not verify"] == 403
    assert statuses["not JSON"] == statuses["unknown field"] == 422


def test_answers_of_the_hot_path_are_counted_under_the_route(
    client, actors, callers, proof
) -> None:  # type: ignore[no-untyped-def]
    """The access log and /metrics name the route of an answer given before the router."""
    _remember_callers(client, callers, proof)

    def answered() -> int:
        text = client.get("/metrics", headers=actors["admin"]).text
        line = 'method="POST",route="/api/v1/verify",status="200"'
        return sum(int(row.rsplit(" ", 1)[1]) for row in text.splitlines() if line in row)

    before = answered()
    good = json.dumps({"payload": proof["payload"]}).encode()
    headers = {**callers["officer"], "Content-Type": "application/json"}
    assert _answer(client, headers, good)[0] == 200
    assert answered() == before + 1


def test_the_hot_path_answers_a_remembered_caller_and_hands_on_the_rest(
    app, client, callers, proof
) -> None:  # type: ignore[no-untyped-def]
    """Downstream (the router, here a stand-in that records what reached it) sees nothing of
    an answered proof, and every other request whole, its body as it was sent."""
    _remember_callers(client, callers, proof)
    reached: list[bytes] = []

    async def router(scope: Scope, receive: Receive, send: Send) -> None:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        reached.append(b"".join(chunks))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    hot = VerifyHotPath(router)
    for name, headers, body in _cases(proof, callers):
        status, answer = _call(hot, app, headers, body)
        if name.startswith("proof") or name in ("not a proof", "forged"):
            assert status == 200 and not reached, name
            assert answer["verdict"] in ("pending_entry", "invalid"), name
        else:
            assert status == 204 and reached == [body], name
        reached.clear()


def _call(hot: VerifyHotPath, app: Any, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http", "method": "POST", "path": VERIFY, "raw_path": VERIFY.encode(),
        "root_path": "", "query_string": b"", "headers": raw, "app": app,
        "http_version": "1.1", "scheme": "http", "client": ("127.0.0.1", 1), "state": {},
        "server": ("testserver", 80),
    }  # fmt: skip
    # Split in two messages, as a server may deliver it.
    messages: list[Message] = [
        {"type": "http.request", "body": body[:5], "more_body": True},
        {"type": "http.request", "body": body[5:], "more_body": False},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    anyio.run(hot, scope, receive, send)
    text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(text) if text else None


def test_a_body_longer_than_its_declared_length_is_refused_as_the_route_refuses_it(
    client, route_only, callers, proof
) -> None:  # type: ignore[no-untyped-def]
    """A body framed in chunks that also declares a short Content-Length (uvicorn's h11
    server accepts both headers) passes the declared-length check and meets the body cap
    while being read: the 413 is the route's (its title in the caller's language)."""
    for each in (client, route_only):
        _remember_callers(each, callers, proof)
    body = json.dumps({"payload": proof["payload"], "pad": "a" * 70_000}).encode()
    headers = {
        **callers["officer"],
        "Content-Type": "application/json",
        "Content-Length": "10",
        "Accept-Language": "ru",
    }
    expected = _answer(route_only, headers, body)
    assert expected[0] == 413 and expected[1]["title"] != "Request body too large", expected
    assert _answer(client, headers, body) == expected
