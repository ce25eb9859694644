"""Proofs end to end through the API: issue, render, decode, verify, rotate, revoke."""

from __future__ import annotations

import base64
import io
import json
from datetime import date, timedelta

import cairosvg
import pytest
from joserfc import jws as rfc_jws
from joserfc.jwk import KeySet
from PIL import Image
from sqlalchemy import text
from sqlmodel import select

from service.proofs import decode, qr, token
from service.proofs.keys import KeyStore
from service.proofs.models import ScanEvent
from tests.factories import card_payload
from tests.scan import read_qr


def _card(client, actors, *, enter: bool = True, **overrides):  # type: ignore[no-untyped-def]
    card = client.post(
        "/api/v1/cards", json=card_payload(**overrides), headers=actors["admin"]
    ).json()
    if enter:
        r = client.post(
            f"/api/v1/cards/{card['id']}/entry",
            json={"crossing_point": "SVO"},
            headers=actors["border"],
        )
        assert r.status_code == 200
    return card


def _proof(client, actors, card_id: str) -> str:
    r = client.get(f"/api/v1/cards/{card_id}/proof", headers=actors["cards:read"])
    assert r.status_code == 200, r.text
    return r.json()["payload"]


def _verify(client, actors, payload: str, who: str = "officer") -> dict:  # type: ignore[type-arg]
    r = client.post("/api/v1/verify", json={"payload": payload}, headers=actors[who])
    assert r.status_code == 200, r.text
    return r.json()


def test_valid_proof_shows_only_what_an_officer_compares(client, actors, fixed_clock) -> None:
    card = _card(client, actors)
    payload = _proof(client, actors, card["id"])
    assert payload.startswith("MC1:")
    result = _verify(client, actors, payload)
    assert result["verdict"] == "valid"
    facts = result["card"]
    assert facts["number"] == card["number"] and facts["name_latin"] == "KARIMOV SHUKHRAT"
    assert facts["document_last4"] == card["holder"]["document"]["number"][-4:]
    assert facts["date_of_birth"] == "1990-05-01" and facts["citizenship"] == "UZB"
    assert facts["status_now"] == "active" and facts["stay_until"] == card["stay_until"]
    # Never the full document number, the address or the host in the token itself.
    claims = json.loads(base64.urlsafe_b64decode(payload.split(".")[1] + "=="))
    blob = json.dumps(claims, ensure_ascii=False)
    for secret in (card["holder"]["document"]["number"], "Ленина", "Стройка", "Каримов"):
        assert secret not in blob


def test_proof_size_for_a_30_character_name(client, actors, engine, fixed_clock) -> None:
    with engine.begin() as conn:  # a registry with ten million cards already
        conn.execute(text("UPDATE card_serial SET next_value = 9999999"))
        if conn.dialect.name == "postgresql":  # serials come from a sequence there
            conn.execute(text("ALTER SEQUENCE card_serial_seq RESTART WITH 9999999"))
    card = _card(
        client,
        actors,
        **{"holder.surname": "Абдурахмонов-Зайниддинов", "holder.given_names": "Искандарбек"},
    )
    assert len(card["holder"]["surname_latin"] + " " + card["holder"]["given_names_latin"]) >= 30
    payload = _proof(client, actors, card["id"])
    assert len(payload.encode()) <= 400, len(payload.encode())
    assert card["serial"] == 9999999


def test_payload_with_course_completion_still_fits(tmp_path) -> None:
    key = KeyStore(tmp_path).ensure()
    facts = token.ProofFacts(
        serial=99_999_999,
        number="7K3QDM2XV9",
        name_latin="A" * 30,
        date_of_birth=date(1990, 5, 1),
        citizenship="UZB",
        document_last4="4567",
        purpose="humanitarian",
        status="pending_entry",
        stay_until=date(2027, 2, 20),
        course_completed_on=date(2026, 12, 1),
    )
    payload, _ = token.sign(facts, key=key, issuer="RU", now=fixed_now(), ttl=timedelta(days=7))
    assert len(payload.encode()) <= 400, len(payload.encode())


def fixed_now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime(2026, 11, 22, 9, tzinfo=UTC)


# A proof (from a CI run, 2026-12-02) whose PNG zxing-cpp, asked for every format, also read
# as a Codabar barcode "B65D": scanners and the service look for QR codes only.
_CODABAR_LOOKALIKE = (
    "MC1:eyJhbGciOiJFUzI1NiIsImtpZCI6IjlHNTVKTCIsInR5cCI6Im1jMSJ9.eyJpc3MiOiJSVSIsImN"
    "pZCI6MSwibiI6Ilc4RVZQUlJSTUgiLCJpYXQiOjE3OTYxNzg3ODIsImV4cCI6MTc5Njc4MzU4Miwibm0"
    "iOiJLQVJJTU9WIFNIVUtIUkFUIiwiZG9iIjo3NDI1LCJjIjoiVVpCIiwiZDQiOiI4NjE2IiwicCI6Inc"
    "iLCJzdCI6ImEiLCJzdSI6MjA4Nzl9.VN7QFg2wwrsn5gcDaBYPXgywWZRzTqLt5qIV8Zv9LE1bvtdiyi"
    "BulvCWrjVmjNB03GR4r7DwOXcWH27haYpfvQ"
)


def test_a_qr_that_also_passes_for_a_1d_barcode_reads_as_the_proof_alone() -> None:
    png = qr.render(_CODABAR_LOOKALIKE, "png")
    assert read_qr(Image.open(io.BytesIO(png))) == [_CODABAR_LOOKALIKE]
    assert decode.read_qr(png) == _CODABAR_LOOKALIKE


def test_png_and_svg_decode_to_the_exact_payload(client, actors) -> None:
    card = _card(client, actors)
    payload = _proof(client, actors, card["id"])
    png = client.get(f"/api/v1/cards/{card['id']}/proof.png", headers=actors["cards:read"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert read_qr(image) == [payload]
    half = image.resize((image.width // 2, image.height // 2))
    assert read_qr(half) == [payload]
    svg = client.get(f"/api/v1/cards/{card['id']}/proof.svg", headers=actors["cards:read"])
    assert svg.headers["content-type"].startswith("image/svg+xml")
    raster = Image.open(io.BytesIO(cairosvg.svg2png(bytestring=svg.content, output_width=600)))
    assert read_qr(raster.convert("L")) == [payload]
    # The same card unchanged gives the same proof (and so the cached image).
    assert _proof(client, actors, card["id"]) == payload


def test_independent_jose_library_verifies_with_the_jwks_alone(client, actors) -> None:
    card = _card(client, actors)
    payload = _proof(client, actors, card["id"])
    jwks = client.get("/.well-known/jwks.json").json()
    assert all("d" not in k for k in jwks["keys"])  # public keys only
    keyset = KeySet.import_key_set(jwks)
    compact = payload.removeprefix("MC1:")
    header = json.loads(base64.urlsafe_b64decode(compact.split(".")[0] + "=="))
    result = rfc_jws.deserialize_compact(
        compact, keyset.get_by_kid(header["kid"]), algorithms=["ES256"]
    )
    assert json.loads(result.payload)["n"] == card["number"].replace("-", "")


def test_rotation_keeps_old_proofs_until_retired(client, actors, app) -> None:
    card = _card(client, actors)
    old = _proof(client, actors, card["id"])
    store: KeyStore = app.state.keys
    old_kid = store.active().kid
    new_kid = store.rotate().kid
    client.post(
        f"/api/v1/cards/{card['id']}/extend",
        json={"stay_until": "2099-01-01", "basis": "patent"},
        headers=actors["admin"],
    )
    new = _proof(client, actors, card["id"])
    assert json.loads(base64.urlsafe_b64decode(new[4:].split(".")[0] + "=="))["kid"] == new_kid
    assert _verify(client, actors, old)["verdict"] == "valid"
    kids = {k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]}
    assert kids == {old_kid, new_kid}
    store.retire(old_kid)
    assert _verify(client, actors, old)["verdict"] == "unknown_key"
    assert _verify(client, actors, new)["verdict"] == "valid"
    assert {k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]} == {new_kid}


def test_lifecycle_verdicts_online(client, actors, fixed_clock) -> None:
    pending = _card(client, actors, enter=False)
    assert (
        _verify(client, actors, _proof(client, actors, pending["id"]))["verdict"] == "pending_entry"
    )
    card = _card(client, actors)
    payload = _proof(client, actors, card["id"])
    client.post(
        f"/api/v1/cards/{card['id']}/revoke",
        json={"reason": "forged documents"},
        headers=actors["admin"],
    )
    revoked = _verify(client, actors, payload)
    assert revoked["verdict"] == "revoked" and revoked["card"]["status_now"] == "revoked"
    other = _card(client, actors)
    p2 = _proof(client, actors, other["id"])
    client.post(
        f"/api/v1/cards/{other['id']}/exit",
        json={"crossing_point": "SVO"},
        headers=actors["border"],
    )
    assert _verify(client, actors, p2)["verdict"] == "closed"
    third = _card(client, actors)
    p3 = _proof(client, actors, third["id"])
    fixed_clock.advance(days=8)
    assert _verify(client, actors, p3)["verdict"] == "expired"
    # No proof is issued for a closed or revoked card.
    r = client.get(f"/api/v1/cards/{card['id']}/proof", headers=actors["cards:read"])
    assert r.status_code == 409 and r.json()["card_status"] == "revoked"


def test_forgeries_are_refused(client, actors, app) -> None:
    card = _card(client, actors)
    payload = _proof(client, actors, card["id"])
    head, body, sig = payload[4:].split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    tampered_claim = "MC1:" + ".".join(
        [head, b64(json.dumps({**claims, "su": claims["su"] + 365}).encode()), sig]
    )
    tampered_sig = "MC1:" + ".".join(
        [head, body, sig[:-4] + ("AAAA" if sig[-4:] != "AAAA" else "BBBB")]
    )
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    alg_none = "MC1:" + ".".join([b64(json.dumps({**header, "alg": "none"}).encode()), body, ""])
    import hashlib
    import hmac

    pub = json.dumps(app.state.keys.jwks()["keys"][0]).encode()
    hs_head = b64(json.dumps({**header, "alg": "HS256"}).encode())
    hs_sig = b64(hmac.new(pub, f"{hs_head}.{body}".encode(), hashlib.sha256).digest())
    hs256 = f"MC1:{hs_head}.{body}.{hs_sig}"
    unknown_kid = "MC1:" + ".".join(
        [b64(json.dumps({**header, "kid": "zzzzzz"}).encode()), body, sig]
    )
    wrong_typ = "MC1:" + ".".join([b64(json.dumps({**header, "typ": "JWT"}).encode()), body, sig])
    cases = {
        tampered_claim: "invalid",
        tampered_sig: "invalid",
        alg_none: "invalid",
        hs256: "invalid",
        unknown_kid: "unknown_key",
        wrong_typ: "invalid",
        "garbage": "invalid",
        "MC1:" + "A" * 3000: "invalid",
        "MC1:a.b.c": "invalid",
        payload[4:]: "invalid",
    }
    for forged, verdict in cases.items():
        result = _verify(client, actors, forged)
        assert result["verdict"] == verdict, (forged[:40], result)
        assert result["card"] is None


def test_every_check_is_recorded_without_personal_data(client, actors, session, app) -> None:
    card = _card(client, actors)
    payload = _proof(client, actors, card["id"])
    _verify(client, actors, payload)
    _verify(client, actors, "garbage")
    _verify(client, actors, payload, who="border")
    mine = client.get("/api/v1/scans", headers=actors["officer"]).json()["items"]
    assert [s["verdict"] for s in mine] == ["invalid", "valid"]
    assert mine[1]["card_number"] == card["number"]
    app.state.scans.flush()
    rows = session.exec(select(ScanEvent)).all()
    assert len(rows) == 3
    columns = set(ScanEvent.model_fields)
    # offline/client_id: a check made on the officer's device, uploaded later (no names).
    assert columns == {
        "id", "at", "actor", "card_id", "verdict", "offline", "client_id", "revocation_confirmed"
    }  # fmt: skip
    assert all(not r.offline and r.client_id is None for r in rows)
    assert all(r.revocation_confirmed is None for r in rows)


def test_who_may_issue_and_verify(client, actors) -> None:
    card = _card(client, actors)
    assert (
        client.get(f"/api/v1/cards/{card['id']}/proof", headers=actors["officer"]).status_code
        == 403
    )
    payload = _proof(client, actors, card["id"])
    for who in ("bot", "analyst", "cards:read", "stats:read"):
        r = client.post("/api/v1/verify", json={"payload": payload}, headers=actors[who])
        assert r.status_code == 403, who
    assert client.post("/api/v1/verify", json={"payload": payload}).status_code == 401


def test_decode_endpoint_reads_a_photo_of_the_code(client, actors) -> None:
    card = _card(client, actors)
    payload = _proof(client, actors, card["id"])
    png = client.get(f"/api/v1/cards/{card['id']}/proof.png", headers=actors["cards:read"]).content
    qr = Image.open(io.BytesIO(png)).convert("L")
    photo = Image.new("L", (1600, 1200), 200)
    photo.paste(qr.resize((500, 500)), (500, 300))
    buf = io.BytesIO()
    photo.save(buf, format="JPEG", quality=85)
    r = client.post(
        "/api/v1/decode",
        content=buf.getvalue(),
        headers={**actors["officer"], "Content-Type": "image/jpeg"},
    )
    assert r.status_code == 200 and r.json()["text"] == payload
    r = client.post("/api/v1/decode", content=b"not an image", headers=actors["officer"])
    assert r.status_code == 415 and r.headers["content-type"] == "application/problem+json"
    blank = io.BytesIO()
    Image.new("L", (640, 480), 255).save(blank, format="PNG")
    r = client.post("/api/v1/decode", content=blank.getvalue(), headers=actors["officer"])
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["/api/v1/cards/{id}/proof", "/api/v1/cards/{id}/proof.png"])
def test_unknown_card_proof_is_404(client, actors, path) -> None:
    r = client.get(
        path.format(id="01a2027d-08e2-7ba5-9eca-577cbbea47e2"), headers=actors["cards:read"]
    )
    assert r.status_code == 404
