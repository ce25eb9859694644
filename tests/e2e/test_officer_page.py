"""The officer page in real Chromium, scanning QR codes through a fake camera, online and
offline (context set offline, the page reloaded from its service worker).

One served API and one browser for the module; each test has its own browser context (its
own service worker, IndexedDB and storage). Screenshots of each state go to test-artifacts/.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.browser import (
    ARTIFACTS,
    CHROMIUM,
    FLAGS,
    active_card,
    bearer,
    camera_flags,
    make_user,
    qr_png,
    require_chromium,
    wait_until,
    write_y4m,
)
from tests.e2e.server import serve
from tests.factories import card_payload
from tests.harness import free_port

require_chromium()
ROOT = Path(__file__).resolve().parents[2]

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402


@dataclass
class Env:
    url: str
    http: httpx.Client
    admin: dict[str, str]
    browser: Browser
    camera: Path  # the fake camera's video: write a QR code into it before pressing Scan
    passwords: dict[str, str] = field(default_factory=dict)

    def show(self, payload: str) -> None:
        write_y4m(qr_png(payload), self.camera)

    def proof(self, card: dict[str, Any]) -> str:
        r = self.http.get(f"/api/v1/cards/{card['id']}/proof", headers=self.admin)
        assert r.status_code == 200, r.text
        return str(r.json()["payload"])


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    ARTIFACTS.mkdir(exist_ok=True)
    tmp = tmp_path_factory.mktemp("officer")
    camera = tmp / "camera.y4m"
    write_y4m(qr_png("MC1:nothing yet"), camera)
    with (
        serve(tmp / "data") as server,
        httpx.Client(base_url=server.url, timeout=20) as http,
        sync_playwright() as pw,
    ):
        admin = bearer(http, "admin", server.admin_password or "")
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS + camera_flags(camera))
        env = Env(server.url, http, admin, browser, camera)
        for name, role in (("border1", "border"), ("officer1", "officer")):
            env.passwords[name] = make_user(http, admin, name, role)
        yield env
        browser.close()


@dataclass
class Watched:
    context: BrowserContext
    page: Page
    problems: list[str]


@pytest.fixture
def officer(env: Env) -> Iterator[Watched]:
    """A fresh phone: its own context, watched for CSP violations and outside requests."""
    context = env.browser.new_context(
        locale="en-US", permissions=["camera"], viewport={"width": 412, "height": 915}
    )
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    context.on(
        "request",
        lambda r: (
            problems.append("outside request: " + r.url)
            if not r.url.startswith((env.url, "data:", "blob:"))
            else None
        ),
    )
    yield Watched(context, page, problems)
    context.close()
    assert problems == [], problems


def sign_in(env: Env, page: Page, username: str) -> None:
    page.goto(env.url + "/officer")
    expect(page.locator("h1")).to_have_text("E-card check")
    page.fill("#username", username)
    page.fill("#password", env.passwords[username])
    page.click("#login-form button[type=submit]")
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#trust")).to_have_attribute("data-state", "fresh", timeout=10_000)
    # Installed: the service worker controls the page and has cached this version.
    wait_until(page, "navigator.serviceWorker.controller !== null")


def scan(page: Page) -> None:
    page.click("#scan")


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"officer-{name}.png"), full_page=True)


def test_online_server_has_the_last_word(env: Env, officer: Watched) -> None:
    page, http, admin = officer.page, env.http, env.admin
    card = active_card(http, admin)
    pending = http.post("/api/v1/cards", json=card_payload(), headers=admin).json()
    sign_in(env, page, "border1")

    env.show(env.proof(card))
    scan(page)
    verdict = page.locator("#verdict")
    expect(verdict).to_have_attribute("data-source", "server", timeout=20_000)
    expect(verdict).to_have_attribute("data-verdict", "valid")
    expect(page.locator("#v-word")).to_have_text("Valid")
    expect(page.locator("#facts")).to_contain_text("KARIMOV SHUKHRAT")
    expect(page.locator("#border-actions")).to_be_visible()
    expect(page.locator("#entry")).to_be_enabled()
    assert page.evaluate("document.body.dataset.scanPath") in ("zxing-wasm", "barcode-detector")
    shot(page, "online-valid")

    # Revoked after the page fetched its status list: the device still says valid, the
    # server says revoked and wins, and the page fetches fresh trust data.
    before = page.evaluate("document.body.dataset.trustFetchedAt")
    r = http.post(
        f"/api/v1/cards/{card['id']}/revoke", json={"reason": "forged documents"}, headers=admin
    )
    assert r.status_code == 200
    scan(page)
    expect(verdict).to_have_attribute("data-verdict", "revoked", timeout=20_000)
    expect(verdict).to_have_attribute("data-source", "server")
    expect(page.locator("#v-mode")).to_contain_text("this device said: Valid")
    wait_until(page, f"document.body.dataset.trustFetchedAt !== '{before}'")
    shot(page, "online-disagree-revoked")

    # Typed number fallback, in Russian, and recording entry as a border officer.
    page.select_option("#lang", "ru")
    expect(page.locator("h1")).to_have_text("Проверка e-карты")
    page.fill("#number", pending["number"].replace("-", "").lower())
    page.click("#number-form button")
    expect(verdict).to_have_attribute("data-verdict", "pending_entry", timeout=10_000)
    expect(page.locator("#v-word")).to_have_text("Въезд не отмечен")
    page.fill("#crossing", "Pulkovo")
    page.click("#entry")
    expect(page.locator("#action-state")).to_contain_text("Записано")

    status = http.get(f"/api/v1/cards/{pending['id']}", headers=admin).json()["status"]
    assert status == "active"
    scans = http.get(
        "/api/v1/scans", headers=bearer(http, "border1", env.passwords["border1"])
    ).json()["items"]
    assert [(s["verdict"], s["offline"]) for s in scans] == [
        ("pending_entry", False),
        ("revoked", False),
        ("valid", False),
    ]


def test_offline_journey(env: Env, officer: Watched) -> None:
    context, page, http, admin = officer.context, officer.page, env.http, env.admin
    card = active_card(http, admin)
    other = active_card(http, admin)
    payload = env.proof(card)
    sign_in(env, page, "officer1")
    verdict = page.locator("#verdict")

    # Offline: the page reloads from its service worker and checks on the device.
    context.set_offline(True)
    page.reload()
    expect(page.locator("#net")).to_have_attribute("data-net", "offline")
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#trust")).to_contain_text("keys and revocations from")
    env.show(payload)
    scan(page)
    expect(verdict).to_have_attribute("data-verdict", "valid", timeout=20_000)
    expect(verdict).to_have_attribute("data-source", "offline")
    expect(page.locator("#v-word")).to_have_text("Valid")
    expect(page.locator("#v-mode")).to_contain_text("offline")
    expect(page.locator("#v-mode")).to_contain_text("keys and revocations from")
    expect(page.locator("#facts")).to_contain_text("KARIMOV SHUKHRAT")
    expect(page.locator("#queue-state")).to_have_text("Checks waiting to upload: 1")
    assert page.evaluate("document.body.dataset.scanPath") == "zxing-wasm"
    shot(page, "offline-valid")

    # Revoked while the phone is offline; online, the page refreshes its trust data (and
    # uploads its queue); offline again, the device knows the card is revoked.
    r = http.post(f"/api/v1/cards/{card['id']}/revoke", json={"reason": "stolen"}, headers=admin)
    assert r.status_code == 200
    before = page.evaluate("document.body.dataset.trustFetchedAt || ''")
    lost: list[int] = []

    def lose_first_answer(route: Any) -> None:
        """The upload reaches the service but its answer is lost: the page must retry, and
        the service must record each check once."""
        response = route.fetch()
        lost.append(response.status)
        if len(lost) == 1:
            route.abort()
        else:
            route.fulfill(response=response)

    page.route("**/api/v1/scans", lose_first_answer)
    context.set_offline(False)
    wait_until(page, f"document.body.dataset.trustFetchedAt !== '{before}'")
    expect(page.locator("#net")).to_have_attribute("data-net", "online")
    for _ in range(100):  # the upload starts with the trust refresh on the "online" event
        if lost:
            break
        page.wait_for_timeout(100)
    assert lost == [200]
    expect(page.locator("#queue-state")).to_have_text("Checks waiting to upload: 1")
    context.set_offline(True)
    expect(page.locator("#net")).to_have_attribute("data-net", "offline")
    scan(page)
    expect(verdict).to_have_attribute("data-verdict", "revoked", timeout=20_000)
    expect(verdict).to_have_attribute("data-source", "offline")
    shot(page, "offline-revoked")

    # A tampered QR (one character of the signature changed), from a photo: invalid.
    head, body, sig = payload[4:].split(".")
    tampered = f"MC1:{head}.{body}.{sig[:20]}{'A' if sig[20] != 'A' else 'B'}{sig[21:]}"
    photo = env.camera.parent / "tampered.png"
    photo.write_bytes(qr_png(tampered))
    page.set_input_files("#photo", str(photo))
    expect(verdict).to_have_attribute("data-verdict", "invalid", timeout=20_000)
    expect(page.locator("#v-word")).to_have_text("Forged or damaged")
    shot(page, "offline-tampered")

    # Trust data past its age (fetched 25 h ago; the limit is 24 h): a good signature is
    # amber, never green.
    page.evaluate(
        """async () => {
          const store = await import("/officer/app/store.js");
          const record = await store.getValue("trust");
          record.fetchedAt -= 25 * 3600 * 1000;
          await store.setValue("trust", record);
        }"""
    )
    page.reload()
    expect(page.locator("#trust")).to_have_attribute("data-state", "stale")
    expect(page.locator("#trust")).to_contain_text("25 h ago")
    env.show(env.proof(other))
    scan(page)
    expect(verdict).to_have_attribute("data-confirmed", "false", timeout=20_000)
    expect(verdict).to_have_attribute("data-verdict", "valid")
    expect(verdict).to_have_class("v-unconfirmed")
    expect(page.locator("#v-word")).to_have_text("Signature valid — revocation cannot be confirmed")
    shot(page, "offline-stale")
    queued = int(page.evaluate("document.body.dataset.queued"))

    # Online again: the queue is uploaded (the first answer was lost; retried), once each.
    context.set_offline(False)
    expect(page.locator("#queue-state")).to_have_text(f"Offline checks uploaded: {queued}")
    page.unroute("**/api/v1/scans")
    page.reload()
    expect(page.locator("#trust")).to_have_attribute("data-state", "fresh", timeout=10_000)
    shot(page, "back-online")
    scans = http.get(
        "/api/v1/scans", headers=bearer(http, "officer1", env.passwords["officer1"])
    ).json()["items"]
    offline = [
        (s["verdict"], s["card_number"], s["revocation_confirmed"]) for s in scans if s["offline"]
    ]
    assert sorted(offline, key=str) == sorted(
        [
            ("valid", card["number"], True),
            ("revoked", card["number"], True),
            ("invalid", None, True),
            ("valid", other["number"], False),  # the amber one
        ],
        key=str,
    )
    assert len(lost) >= 2 and lost[0] == 200


def test_border_buttons_are_online_only(env: Env, officer: Watched) -> None:
    page, context = officer.page, officer.context
    card = active_card(env.http, env.admin)
    sign_in(env, page, "border1")
    env.show(env.proof(card))
    context.set_offline(True)
    page.reload()
    scan(page)
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "valid", timeout=20_000)
    expect(page.locator("#border-actions")).to_be_visible()
    expect(page.locator("#entry")).to_be_disabled()
    expect(page.locator("#exit")).to_be_disabled()
    expect(page.locator("#border-reason")).to_have_text("Entry and exit are recorded online only")
    shot(page, "offline-border")
    # Signing in needs the network.
    page.click("#logout")
    page.fill("#username", "border1")
    page.fill("#password", env.passwords["border1"])
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("Signing in needs the network")


def test_a_new_version_takes_over_whole(tmp_path: Path, env: Env) -> None:
    """A phone with version 1 installed meets a service with a changed page: the new worker
    caches the new set, takes over, the old cache goes, and the page reloads once saying
    "updated" — with the new files, never a mix."""
    # Version 2: the same service with one style rule added, run from a copy of the code
    # (PYTHONSAFEPATH: not the working directory's copy first).
    app = tmp_path / "app"
    shutil.copytree(ROOT / "service", app / "service", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("content", "locales"):
        (app / name).symlink_to(ROOT / name)
    css = app / "service" / "static" / "officer" / "officer.css"
    css.write_text(css.read_text() + "\n.version-two { color: inherit; }\n")
    port = free_port()
    data = tmp_path / "data"
    context = env.browser.new_context(locale="en-US", viewport={"width": 412, "height": 915})
    page = context.new_page()
    try:
        with serve(data, port=port) as one:
            page.goto(one.url + "/officer")
            wait_until(page, "navigator.serviceWorker.controller !== null")
            first = page.evaluate("caches.keys()")
            assert len(first) == 1 and first[0].startswith("officer-")
            expect(page.locator("#notice")).to_be_hidden()
        with serve(
            data, port=port, extra_env={"PYTHONPATH": str(app), "PYTHONSAFEPATH": "1"}
        ) as two:
            version = httpx.get(two.url + "/officer/config.json").json()["version"]
            assert f"officer-{version}" != first[0]
            page.reload()
            expect(page.locator("#notice")).to_have_text("The page was updated", timeout=30_000)
            assert page.evaluate("caches.keys()") == [f"officer-{version}"]
            css_now = page.evaluate("fetch('/officer/app/officer.css').then((r) => r.text())")
            assert ".version-two" in css_now
            shot(page, "updated")
    finally:
        context.close()


def test_a_304_for_the_status_list_keeps_the_stored_list(env: Env, officer: Watched) -> None:
    """With an ETag on the list (a cache in front, or the service's own), a refresh that gets
    304 keeps the stored list and counts as fresh; the page still verifies with it."""
    page, context = officer.page, officer.context
    seen: list[str | None] = []

    def with_etag(route: Any) -> None:
        tag = route.request.headers.get("if-none-match")
        seen.append(tag)
        if tag == '"list-1"':
            route.fulfill(status=304, headers={"ETag": '"list-1"'})
            return
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "ETag": '"list-1"'})

    page.route("**/api/v1/status-list", with_etag)
    card = active_card(env.http, env.admin)
    sign_in(env, page, "officer1")
    before = page.evaluate("document.body.dataset.trustFetchedAt")
    context.set_offline(True)
    context.set_offline(False)  # back online: the page refreshes its trust data
    wait_until(page, f"document.body.dataset.trustFetchedAt !== '{before}'")
    assert seen[0] is None and seen[-1] == '"list-1"'
    expect(page.locator("#trust")).to_have_attribute("data-state", "fresh")
    context.set_offline(True)
    env.show(env.proof(card))
    scan(page)
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "valid", timeout=20_000)
    expect(page.locator("#verdict")).to_have_attribute("data-source", "offline")


def _end_session(page) -> None:  # type: ignore[no-untyped-def]
    """The signed-in officer's token as it is 15 minutes later: expired."""
    page.evaluate(
        """() => {
          const s = JSON.parse(localStorage.getItem("officer-session"));
          s.expiresAt = Date.now() - 1000;
          localStorage.setItem("officer-session", JSON.stringify(s));
        }"""
    )


def test_an_ended_session_still_checks_on_the_device(env: Env, officer: Watched) -> None:
    """The token lives 15 minutes: after that the page says to sign in again, and checks go
    on with the public trust data, queued until the officer is back."""
    page, context = officer.page, officer.context
    card = active_card(env.http, env.admin)
    sign_in(env, page, "officer1")
    _end_session(page)
    context.set_offline(True)
    page.reload()
    expect(page.locator("#session")).to_contain_text("Session expired: sign in again")
    expect(page.locator("#app")).to_be_visible()
    env.show(env.proof(card))
    scan(page)
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "valid", timeout=20_000)
    expect(page.locator("#queue-state")).to_have_text("Checks waiting to upload: 1")
    shot(page, "session-ended")
    # Back online and signed in again: the check is uploaded.
    context.set_offline(False)
    page.click("#session button")
    page.fill("#password", env.passwords["officer1"])
    page.click("#login-form button[type=submit]")
    expect(page.locator("#session")).to_be_hidden()
    expect(page.locator("#queue-state")).to_have_text("Offline checks uploaded: 1")


def test_installable_and_self_contained(env: Env) -> None:
    """The manifest names icons that exist at their sizes; the page and its worker carry the
    CSP; the worker's list of files to cache is every file of the page, all served here."""
    import io

    from PIL import Image

    page = env.http.get("/officer")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    # No inline script, style or event-handler attribute.
    assert "<script>" not in page.text and "<style" not in page.text
    assert not re.search(r"\son[a-z]+\s*=", page.text) and "style=" not in page.text
    manifest = env.http.get("/officer/app/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    doc = manifest.json()
    assert (doc["display"], doc["start_url"], doc["scope"]) == (
        "standalone",
        "/officer",
        "/officer",
    )
    for icon in doc["icons"]:
        image = Image.open(io.BytesIO(env.http.get(icon["src"]).content))
        assert f"{image.width}x{image.height}" == icon["sizes"]
    worker = env.http.get("/officer/sw.js")
    assert worker.headers["service-worker-allowed"] == "/officer"
    assert worker.headers["content-type"].startswith("text/javascript")
    wasm = env.http.get("/officer/app/vendor/zxing-wasm/zxing_reader.wasm")
    assert wasm.headers["content-type"] == "application/wasm"
    assets = json.loads(worker.text.split("const ASSETS = ", 1)[1].split(";\n", 1)[0])
    assert "/officer/app/vendor/zxing-wasm/zxing_reader.wasm" in assets
    for url in assets:
        assert env.http.get(url).status_code == 200, url


def test_a_queued_check_is_uploaded_as_the_officer_who_made_it(env: Env, officer: Watched) -> None:
    """Officer 1's offline check waits on the phone while someone else signs in on it: it is
    uploaded when officer 1 signs in again, recorded as officer 1's, never as the other's."""
    page, context = officer.page, officer.context
    card = active_card(env.http, env.admin)
    sign_in(env, page, "officer1")
    # Officer 1's token ends while offline: the check waits for officer 1 to sign in again.
    _end_session(page)
    context.set_offline(True)
    page.reload()
    env.show(env.proof(card))
    scan(page)
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "valid", timeout=20_000)
    expect(page.locator("#queue-state")).to_have_text("Checks waiting to upload: 1")
    context.set_offline(False)
    page.click("#logout")
    sign_in(env, page, "border1")
    page.wait_for_timeout(1500)
    expect(page.locator("#queue-state")).to_have_text("Checks waiting to upload: 1")
    other = bearer(env.http, "border1", env.passwords["border1"])
    scans = env.http.get("/api/v1/scans", headers=other).json()["items"]
    assert [s for s in scans if s["card_number"] == card["number"]] == []
    page.click("#logout")
    sign_in(env, page, "officer1")
    expect(page.locator("#queue-state")).to_have_text("Offline checks uploaded: 1")
    own = bearer(env.http, "officer1", env.passwords["officer1"])
    scans = env.http.get("/api/v1/scans", headers=own).json()["items"]
    assert [s["offline"] for s in scans if s["card_number"] == card["number"]] == [True]


def test_a_check_from_a_fast_clock_waits_instead_of_being_dropped(
    env: Env, officer: Watched
) -> None:
    """A phone whose clock ran more than the service's 5 minutes ahead queued a check "in
    the future": the service refuses it for now; the rest of the queue is uploaded and that
    check stays queued (it is taken once the service's clock passes it), never dropped."""
    page, context = officer.page, officer.context
    sign_in(env, page, "officer1")
    context.set_offline(True)
    page.evaluate(
        """async () => {
          const store = await import("/officer/app/store.js");
          const me = JSON.parse(localStorage.getItem("officer-session")).userId;
          const at = (ms) => new Date(Date.now() + ms).toISOString();
          for (const [id, ms] of [["fastclock1", 3600e3], ["rightclock1", -60e3]]) {
            await store.enqueue({ client_id: id + crypto.randomUUID().slice(0, 8),
              verdict: "invalid", checked_at: at(ms), revocation_confirmed: true, officer: me });
          }
        }"""
    )
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(2000)
    page.reload()
    expect(page.locator("#queue-state")).to_have_text("Checks waiting to upload: 1")
    left = page.evaluate(
        """async () => (await (await import("/officer/app/store.js")).queued())
             .map((i) => i.client_id.slice(0, 10))"""
    )
    assert left == ["fastclock1"]
