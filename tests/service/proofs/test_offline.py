"""`onboard verify`: a proof checked offline with published keys and a status list."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.factories import card_payload


def _cli(payload: str, jwks: Path, status: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "service.cli",
            "verify",
            payload,
            "--jwks",
            str(jwks),
            "--status-list",
            str(status),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _trust(client, tmp_path: Path) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    jwks = tmp_path / "jwks.json"
    jwks.write_text(client.get("/.well-known/jwks.json").text)
    status = tmp_path / "status.jwt"
    r = client.get("/api/v1/status-list")
    assert r.status_code == 200 and r.headers["content-type"] == "application/statuslist+jwt"
    status.write_text(r.text)
    return jwks, status


def test_offline_verdicts_follow_the_status_list(client, actors, tmp_path) -> None:
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
    client.post(
        f"/api/v1/cards/{card['id']}/entry",
        json={"crossing_point": "SVO"},
        headers=actors["border"],
    )
    payload = client.get(f"/api/v1/cards/{card['id']}/proof", headers=actors["cards:read"]).json()[
        "payload"
    ]
    jwks, status = _trust(client, tmp_path)
    ok = _cli(payload, jwks, status)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("VALID") and "trust data age: 0.0 h" in ok.stdout
    assert "name_latin: KARIMOV SHUKHRAT" in ok.stdout

    client.post(
        f"/api/v1/cards/{card['id']}/revoke",
        json={"reason": "forged documents"},
        headers=actors["admin"],
    )
    stale = _cli(payload, jwks, status)
    assert stale.returncode == 0  # an old list cannot know about the revocation
    jwks, status = _trust(client, tmp_path)
    revoked = _cli(payload, jwks, status)
    assert revoked.returncode == 1 and revoked.stdout.startswith("REVOKED")

    other = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
    client.post(
        f"/api/v1/cards/{other['id']}/entry",
        json={"crossing_point": "SVO"},
        headers=actors["border"],
    )
    p2 = client.get(f"/api/v1/cards/{other['id']}/proof", headers=actors["cards:read"]).json()[
        "payload"
    ]
    client.post(
        f"/api/v1/cards/{other['id']}/exit",
        json={"crossing_point": "SVO"},
        headers=actors["border"],
    )
    jwks, status = _trust(client, tmp_path)
    closed = _cli(p2, jwks, status)
    assert closed.returncode == 1 and closed.stdout.startswith("CLOSED")
    forged = _cli(p2[:-6] + "AAAAAA", jwks, status)
    assert forged.returncode == 1 and forged.stdout.startswith("INVALID")


def test_old_or_forged_trust_data_is_refused(client, actors, tmp_path) -> None:
    card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
    payload = client.get(f"/api/v1/cards/{card['id']}/proof", headers=actors["cards:read"]).json()[
        "payload"
    ]
    jwks, status = _trust(client, tmp_path)
    time.sleep(1.2)
    old = _cli(payload, jwks, status, "--max-age-hours", "0.0002")
    assert old.returncode == 3 and "fetch a fresh one" in old.stderr
    status.write_text(status.read_text()[:-5] + "AAAAA")
    bad = _cli(payload, jwks, status)
    assert bad.returncode == 3 and "status list" in bad.stderr and "Traceback" not in bad.stderr
    missing = _cli(payload, tmp_path / "nope.json", status)
    assert missing.returncode == 3 and "cannot read" in missing.stderr
