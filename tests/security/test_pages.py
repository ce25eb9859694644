"""The service's pages under a strict Content-Security-Policy (issue 11, part 9): no inline
script or style anywhere, no framing, no MIME sniffing, no Referer, HSTS in production;
/docs runs Swagger UI from files the service ships, and production can turn it off."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from tests.factories import PASSWORD, card_payload
from tests.security.harness import Live, start_live

CHROMIUM = "/usr/bin/chromium"
PAGES = ("/officer", "/analytics", "/docs")


def _directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _assert_strict_headers(r: httpx.Response) -> None:
    csp = _directives(r.headers["content-security-policy"])
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in csp[directive] and "'unsafe-eval'" not in csp[directive]
        assert not any(s.startswith(("http", "*", "data:")) for s in csp[directive]), csp
    assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_strict_policy_and_no_inline_code(live: Live, path: str) -> None:
    r = httpx.get(live.url + path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    _assert_strict_headers(r)
    assert "strict-transport-security" not in r.headers  # not in development
    html = r.text
    # Every <script> loads a file of ours; no <style>, style="" or on...="" handlers.
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S | re.I)
    assert scripts, "the page has no script at all?"
    for attrs, body in scripts:
        assert re.search(r'\bsrc="/(static|officer/app)/[^"]+\.js"', attrs), attrs
        assert not body.strip(), attrs
    assert not re.search(r"<style\b", html, flags=re.I)
    assert not re.search(r"\sstyle\s*=", html, flags=re.I)
    assert not re.search(r"\son[a-z]+\s*=", html, flags=re.I)
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "loads something from elsewhere"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/cards", "/no/such/page", "/openapi.json", "/officer/app/officer.js", "/healthz"],
)
def test_every_other_answer_has_the_headers_too(live: Live, path: str) -> None:
    _assert_strict_headers(httpx.get(live.url + path))


def test_api_answers_are_not_stored_by_caches_unless_the_route_says_so(live: Live) -> None:
    """Cards, verdicts (the holder's name) and tokens: ``no-store``, as RFC 6749 asks of a
    token answer; the status list and JWKS keep their own public lifetimes."""
    with httpx.Client(base_url=live.url) as http:
        token = http.post(
            "/api/v1/auth/token", data={"username": "officer-user", "password": PASSWORD}
        )
        officer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        card = http.post("/api/v1/cards", json=card_payload(), headers=live.actors["admin"]).json()
        entered = http.post(
            f"/api/v1/cards/{card['id']}/entry",
            json={"crossing_point": "SVO"},
            headers=live.actors["admin"],
        )
        assert entered.status_code == 200, entered.text
        proof = http.get(f"/api/v1/cards/{card['id']}/proof", headers=live.actors["admin"])
        verdict = http.post(
            "/api/v1/verify", json={"payload": proof.json()["payload"]}, headers=officer
        )
        verdict_again = http.post(  # the fast path, once the caller is remembered
            "/api/v1/verify", json={"payload": proof.json()["payload"]}, headers=officer
        )
        answers = {
            "token": token,
            "card": http.get(f"/api/v1/cards/{card['id']}", headers=live.actors["admin"]),
            "verdict": verdict,
            "verdict again": verdict_again,
            "refusal": http.get("/api/v1/cards"),
        }
        for name, r in answers.items():
            assert r.headers.get("cache-control") == "no-store", (name, r.status_code, r.headers)
        assert verdict_again.json()["verdict"] == "valid"
        assert http.get("/api/v1/status-list").headers["cache-control"].startswith("public")
        assert http.get("/.well-known/jwks.json").headers["cache-control"].startswith("public")


def test_an_oversized_body_refused_by_the_outer_layer_has_the_headers(live: Live) -> None:
    r = httpx.post(live.url + "/api/v1/cards", content=b"x" * 70_000, headers=live.actors["admin"])
    assert r.status_code == 413
    _assert_strict_headers(r)


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    yield from start_live(
        tmp_path_factory, extra_env={"ONBOARD_ENV": "production", "ONBOARD_DOCS_ENABLED": "false"}
    )


def test_production_sends_hsts_and_can_turn_the_docs_off(production: Live) -> None:
    r = httpx.get(production.url + "/officer")
    assert r.status_code == 200
    hsts = r.headers["strict-transport-security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31_536_000  # type: ignore[union-attr]
    _assert_strict_headers(r)
    for path in ("/docs", "/redoc", "/openapi.json", "/static/swagger-ui/swagger-ui-bundle.js"):
        r = httpx.get(production.url + path)
        assert r.status_code == 404, path
        assert "swagger" not in r.text.lower()


def test_redoc_is_not_served_from_a_cdn(live: Live) -> None:
    assert httpx.get(live.url + "/redoc").status_code == 404


def test_swagger_ui_files_are_served_by_the_service(live: Live) -> None:
    for path in ("/static/swagger-ui/swagger-ui-bundle.js", "/static/swagger-ui/swagger-ui.css"):
        r = httpx.get(live.url + path)
        assert r.status_code == 200 and len(r.content) > 10_000, path
        _assert_strict_headers(r)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError("CI must have Debian's chromium installed (.ci/run installs it)")
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def _open(browser, url: str, ready: str) -> tuple[set[str], list[str]]:  # type: ignore[no-untyped-def]
    """Open the page; the hosts it asked for and its console errors (CSP reports there)."""
    page = browser.new_page()
    hosts: set[str] = set()
    errors: list[str] = []
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_selector(ready, timeout=20_000)
    page.wait_for_load_state("networkidle")
    page.close()
    return hosts, errors


def test_docs_render_swagger_ui_offline_without_csp_violations(live: Live, browser) -> None:  # type: ignore[no-untyped-def]
    hosts, errors = _open(browser, live.url + "/docs", ".swagger-ui .opblock-summary-path")
    assert hosts == {"127.0.0.1"}, hosts
    assert errors == [], errors


@pytest.mark.parametrize("path, ready", [("/officer", "#login"), ("/analytics", "#login")])
def test_the_pages_run_under_the_policy(live: Live, browser, path: str, ready: str) -> None:  # type: ignore[no-untyped-def]
    hosts, errors = _open(browser, live.url + path, ready)
    assert hosts == {"127.0.0.1"}, hosts
    assert not [e for e in errors if "Content Security Policy" in e], errors
