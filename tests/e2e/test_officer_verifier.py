"""The officer page's own verifier (service/static/officer/verify.js) in real Chromium: the
committed proof vectors give exactly the verdicts the server and the CLI give, at the
vectors' fixed clock, with the vectors' keys and status list."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import CHROMIUM, FLAGS, require_chromium
from tests.e2e.server import serve

require_chromium()

from playwright.sync_api import Page, sync_playwright  # noqa: E402

VECTORS_DIR = Path(__file__).resolve().parents[1] / "vectors"
VECTORS = json.loads((VECTORS_DIR / "proofs.json").read_text())
CLOCK_MS = int(datetime.fromisoformat(VECTORS["clock"]).timestamp() * 1000)
JWKS = json.loads((VECTORS_DIR / "jwks.json").read_text())
STATUS = (VECTORS_DIR / "status.jwt").read_text().strip()

RUN = """async ([jwks, statusJwt, clock, issuer, payloads, fetchedAt]) => {
  const v = await import("/officer/app/verify.js");
  const trust = await v.loadTrust({ jwks, statusJwt, fetchedAt, validHours: 24, issuer });
  const out = [];
  for (const p of payloads) out.push(await v.verifyProof(p, trust, clock));
  return out;
}"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    with serve(tmp_path_factory.mktemp("verifier") / "data") as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        # The page's own origin and CSP: the module loads as the page loads it.
        page.goto(server.url + "/officer")
        yield page
        browser.close()


def run(page: Page, payloads: list[str], *, fetched_at: int = CLOCK_MS, clock: int = CLOCK_MS,
        jwks: Any = JWKS, status: str = STATUS) -> list[dict[str, Any]]:  # fmt: skip
    return page.evaluate(RUN, [jwks, status, clock, VECTORS["issuer"], payloads, fetched_at])


def test_vectors_give_the_servers_verdicts(page: Page) -> None:
    results = run(page, [v["payload"] for v in VECTORS["vectors"]])
    got = {v["name"]: r["verdict"] for v, r in zip(VECTORS["vectors"], results, strict=True)}
    assert got == {v["name"]: v["verdict"] for v in VECTORS["vectors"]}
    # Fresh trust data: every verdict is confirmed.
    assert all(r["confirmed"] for r in results)
    valid = results[0]
    assert valid["facts"]["name_latin"] == "KARIMOV SHUKHRAT"
    assert (
        valid["facts"]["number"]
        == VECTORS["cards"][0]["number"][:5] + "-" + VECTORS["cards"][0]["number"][5:]
    )


def test_old_trust_data_cannot_confirm_a_good_signature(page: Page) -> None:
    """Fetched 25 h before the check (limit 24 h): good signatures are not confirmed, but a
    revocation the old list already knows, and a forgery, are still reported as such."""
    names = ["valid", "revoked card", "tampered signature", "card not yet entered"]
    by_name = {v["name"]: v for v in VECTORS["vectors"]}
    results = run(
        page, [by_name[n]["payload"] for n in names], fetched_at=CLOCK_MS - 25 * 3600 * 1000
    )
    assert [(r["verdict"], r["confirmed"]) for r in results] == [
        ("valid", False),
        ("revoked", True),
        ("invalid", True),
        ("pending_entry", False),
    ]
    # Past the status list's own exp (24 h after its iat), even if fetched just now.
    later = CLOCK_MS + 25 * 3600 * 1000
    [late] = run(page, [by_name["valid"]["payload"]], fetched_at=later, clock=later)
    assert late["confirmed"] is False


def test_a_status_list_not_signed_by_a_published_key_is_refused(page: Page) -> None:
    head, body, sig = STATUS.split(".")
    forged = f"{head}.{body}.{sig[:5]}{'A' if sig[5] != 'A' else 'B'}{sig[6:]}"
    with pytest.raises(Exception, match="signature does not verify"):
        run(page, [VECTORS["vectors"][0]["payload"]], status=forged)
    with pytest.raises(Exception, match="not signed by a published key"):
        run(page, [VECTORS["vectors"][0]["payload"]], jwks={"keys": []})


def test_a_clock_set_back_before_the_fetch_cannot_confirm(page: Page) -> None:
    """The phone's clock reads earlier than when the trust data was fetched (set back, or a
    flat battery reset it): how old the data really is cannot be known, so a good signature
    is not confirmed, while a revocation the list knows is still reported."""
    by_name = {v["name"]: v for v in VECTORS["vectors"]}
    fetched = CLOCK_MS + 30 * 60 * 1000
    results = run(
        page,
        [by_name["valid"]["payload"], by_name["revoked card"]["payload"]],
        fetched_at=fetched,
        clock=CLOCK_MS + 60 * 1000,
    )
    assert [(r["verdict"], r["confirmed"]) for r in results] == [
        ("valid", False),
        ("revoked", True),
    ]
    # A clock a few seconds behind the fetch (within the 60 s leeway) still confirms.
    [ok] = run(page, [by_name["valid"]["payload"]], fetched_at=fetched, clock=fetched - 30_000)
    assert ok["confirmed"] is True
