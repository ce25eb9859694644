"""The committed proof vectors (tests/vectors) through the HTTP verifier and the offline CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col

from service.cards.models import Card
from service.proofs.keys import KeyStore, public_jwk_of, thumbprint_kid
from tests.factories import card_payload

VECTORS_DIR = Path(__file__).resolve().parents[2] / "vectors"
VECTORS = json.loads((VECTORS_DIR / "proofs.json").read_text())
CLOCK = datetime.fromisoformat(VECTORS["clock"])


@pytest.fixture
def vector_registry(client, actors, engine, app, fixed_clock):  # type: ignore[no-untyped-def]
    """The registry state the vectors assume, and the vector key trusted as a previous key."""
    fixed_clock.current = CLOCK
    from cryptography.hazmat.primitives import serialization

    pem = (VECTORS_DIR / "proof_key.pem").read_bytes()
    kid = thumbprint_kid(public_jwk_of(serialization.load_pem_private_key(pem, None)))  # type: ignore[arg-type]
    assert kid == VECTORS["kid"]
    store: KeyStore = app.state.keys
    shutil.copy(VECTORS_DIR / "proof_key.pem", store.directory / f"{kid}.pem")
    manifest = json.loads((store.directory / "keys.json").read_text())
    manifest[kid] = {"state": "previous", "created_at": CLOCK.isoformat()}
    (store.directory / "keys.json").write_text(json.dumps(manifest))
    store._reload()
    steps = {
        "active": ["entry"],
        "revoked": ["revoke"],
        "closed": ["entry", "exit"],
        "pending_entry": [],
    }
    bodies = {
        "entry": {"crossing_point": "SVO"},
        "exit": {"crossing_point": "SVO"},
        "revoke": {"reason": "test vector"},
    }
    for spec in VECTORS["cards"]:
        card = client.post("/api/v1/cards", json=card_payload(), headers=actors["admin"]).json()
        with engine.begin() as conn:  # serials 1..4 may be taken by the other cards: go via +1000
            conn.execute(
                update(Card)
                .where(col(Card.id) == uuid.UUID(card["id"]))
                .values(serial=spec["serial"] + 1000, number=spec["number"])
            )
    with engine.begin() as conn:
        conn.execute(
            update(Card).where(col(Card.serial) > 1000).values(serial=col(Card.serial) - 1000)
        )
    # Serials and numbers were rewritten by hand, without card events: the in-memory registry
    # (proofs.live) follows events, so read it again, as its periodic full reload would.
    app.state.live.load()
    for spec in VECTORS["cards"]:
        card_id = client.get(
            "/api/v1/cards", params={"number": spec["number"]}, headers=actors["admin"]
        ).json()["items"][0]["id"]
        for step in steps[spec["status"]]:
            r = client.post(
                f"/api/v1/cards/{card_id}/{step}", json=bodies[step], headers=actors["admin"]
            )
            assert r.status_code == 200, r.text


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=[v["name"] for v in VECTORS["vectors"]])
def test_http_verifier(client, actors, vector_registry, vector) -> None:
    r = client.post(
        "/api/v1/verify", json={"payload": vector["payload"]}, headers=actors["officer"]
    )
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == vector["verdict"], r.json()


def test_offline_cli() -> None:
    for vector in VECTORS["vectors"]:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "service.cli",
                "verify",
                "-",
                "--jwks",
                str(VECTORS_DIR / "jwks.json"),
                "--status-list",
                str(VECTORS_DIR / "status.jwt"),
                "--now",
                VECTORS["clock"],
                "--issuer",
                VECTORS["issuer"],
            ],
            input=vector["payload"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert out.stdout.split("\n")[0] == vector["verdict"].upper(), (
            vector["name"],
            out.stdout,
            out.stderr,
        )
        assert out.returncode == (0 if vector["verdict"] == "valid" else 1)
