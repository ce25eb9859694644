"""Proof signing and verification against the raw `cryptography` floor, QR rendering, and
POST /api/v1/verify against /healthz with two server workers."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from bench.common import (
    SERVICE_DIR,
    WRK_SECONDS,
    WrkResult,
    cpu_seconds,
    officer_and_card,
    row,
    server,
    wrk,
)
from service.proofs import qr, token
from service.proofs.keys import KeyStore

_FACTS = token.ProofFacts(
    serial=1234567,
    number="7K3QDM2XV9",
    name_latin="ABDURAKHMONOV ISKANDARBEK ALI",
    date_of_birth=date(1990, 5, 1),
    citizenship="UZB",
    document_last4="4567",
    purpose="work",
    status="active",
    stay_until=date(2027, 2, 20),
    course_completed_on=date(2026, 12, 1),
)


def _rate(fn, seconds: float = 1.5) -> float:  # type: ignore[no-untyped-def]
    n, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(50):
            fn()
        n += 50
    return n / elapsed


def crypto() -> None:
    print("\nProof crypto (one core, in process)")
    with tempfile.TemporaryDirectory() as d:
        key = KeyStore(Path(d)).ensure()
        now = datetime.now(UTC)
        payload, _ = token.sign(_FACTS, key=key, issuer="RU", now=now, ttl=timedelta(days=7))
        compact, header = token.read_header(payload)
        sign = _rate(
            lambda: token.sign(_FACTS, key=key, issuer="RU", now=now, ttl=timedelta(days=7))
        )
        verify = _rate(lambda: token.verify_signature(compact, header, key.public))
    raw_key = ec.generate_private_key(ec.SECP256R1())
    message = compact.rsplit(".", 1)[0].encode()
    signature = raw_key.sign(message, ec.ECDSA(hashes.SHA256()))
    pub = raw_key.public_key()
    raw_sign = _rate(lambda: raw_key.sign(message, ec.ECDSA(hashes.SHA256())))
    raw_verify = _rate(lambda: pub.verify(signature, message, ec.ECDSA(hashes.SHA256())))
    row("proof sign (python-jose, built key)", f"{sign:,.0f} /s")
    row("raw cryptography P-256 sign", f"{raw_sign:,.0f} /s")
    row("sign / floor", f"{sign / raw_sign:.2f}", "target >= 0.5")
    row("proof verify (parse + signature + claims)", f"{verify:,.0f} /s")
    row("raw cryptography P-256 verify", f"{raw_verify:,.0f} /s")
    row("verify / floor", f"{verify / raw_verify:.2f}", "target >= 0.5")
    row("payload size, 29-char name + course date", f"{len(payload.encode())} bytes", "limit 400")

    cache = qr.QrCache()
    started = time.perf_counter()
    for _ in range(20):
        qr.render(payload, "png")
    uncached = (time.perf_counter() - started) / 20
    cache.get_or_render(payload, "png")
    started = time.perf_counter()
    for _ in range(2000):
        cache.get_or_render(payload, "png")
    cached = (time.perf_counter() - started) / 2000
    row("QR PNG render, uncached", f"{uncached * 1000:.1f} ms")
    row("QR PNG render, cached", f"{cached * 1e6:.1f} µs")


_VERIFY_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %TOKEN%"
wrk.body = '%BODY%'
"""


def http() -> None:
    print("\nVerification over HTTP (two server workers, wrk 16 connections)")
    with server(workers=2) as srv:
        url, env, data = srv.url, srv.env, srv.data
        password = "bench officer password"
        key, card = officer_and_card(url, env, password)
        with httpx.Client(base_url=url, timeout=30) as client:
            payload = client.get(
                f"/api/v1/cards/{card['id']}/proof", headers={"X-API-Key": key}
            ).json()["payload"]
            tok = client.post(
                "/api/v1/auth/token", data={"username": "officer1", "password": password}
            ).json()["access_token"]
            # The card was created through one worker; the other learns it from the change
            # feed within a second (tests/e2e/test_trust_workers.py).
            deadline = time.monotonic() + 3
            while True:
                check = client.post(
                    "/api/v1/verify",
                    json={"payload": payload},
                    headers={"Authorization": f"Bearer {tok}"},
                )
                if check.json()["verdict"] != "invalid" or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert check.json()["verdict"] == "pending_entry", check.text
        script = data / "verify.lua"
        script.write_text(
            _VERIFY_LUA.replace("%TOKEN%", tok).replace("%BODY%", json.dumps({"payload": payload}))
        )
        wrk(url + "/healthz", seconds=2)
        health, health_cpu = _with_cpu(srv.pid, lambda: wrk(url + "/healthz"))
        wrk(url + "/api/v1/verify", script=script, seconds=2)
        verify, verify_cpu = _with_cpu(srv.pid, lambda: wrk(url + "/api/v1/verify", script=script))
    if verify.non_2xx:
        raise SystemExit(f"{verify.non_2xx} verifications failed")
    row(
        "GET /healthz",
        f"{health.rps:,.0f} req/s",
        f"p50 {health.p50_ms:.1f} ms, p99 {health.p99_ms:.1f} ms, CPU {health_cpu:.0f} µs/req",
    )
    row(
        "POST /api/v1/verify (with scan record)",
        f"{verify.rps:,.0f} req/s",
        f"p50 {verify.p50_ms:.1f} ms, p99 {verify.p99_ms:.1f} ms, CPU {verify_cpu:.0f} µs/req",
    )
    row("verify / healthz", f"{verify.rps / health.rps:.3f}", "target >= 0.30")
    row("CPU per request, healthz / verify", f"{health_cpu / verify_cpu:.3f}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  (server: {SERVICE_DIR}; load average {load})")


def _with_cpu(pid: int, run: Callable[[], WrkResult]) -> tuple[WrkResult, float]:
    """A wrk run and the server's CPU (both workers, all threads) per request, in µs."""
    before = cpu_seconds(pid)
    result = run()
    used = cpu_seconds(pid) - before
    return result, 1e6 * used / max(result.rps * WRK_SECONDS, 1.0)


def run() -> None:
    crypto()
    http()


if __name__ == "__main__":
    http() if os.environ.get("BENCH_PROOFS_ONLY") == "http" else run()
