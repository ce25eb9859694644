"""A delivery connects to the address its check resolved (no second DNS lookup) and still
speaks TLS to the name: SNI and Host carry the name, and the certificate is verified for it.

A real TLS receiver on 127.0.0.1 with a certificate from a throw-away CA made here.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from service.webhooks.worker import Worker, WorkerSettings
from tests.factories import card_payload


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca_and_leaf(tmp: Path, dns_name: str) -> tuple[Path, Path, Path]:
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("test CA"))
        .issuer_name(_name("test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(dns_name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = tmp / "ca.pem", tmp / "leaf.pem", tmp / "leaf.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


class TlsReceiver:
    def __init__(self, cert: Path, key: Path) -> None:
        self.sni: list[str | None] = []
        self.hosts: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.hosts.append(self.headers["Host"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)

        def on_sni(sock: Any, server_name: str | None, ctx: Any) -> None:
            receiver.sni.append(server_name)

        context.sni_callback = on_sni
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"webhook_allow_private_targets": True})


def _deliver(client, actors, engine, ca: Path, port: int) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/webhooks",
        json={"url": f"https://localhost:{port}/hook?x=1", "events": ["card.created"]},
        headers=actors["cards:read"],
    )
    assert r.status_code == 201, r.text
    assert client.post("/api/v1/cards", json=card_payload(), headers=actors["cards:write"])
    worker = Worker(
        engine,
        WorkerSettings(allow_private_targets=True, max_attempts=1),
        client=httpx.Client(verify=ssl.create_default_context(cafile=str(ca)), timeout=10),
    )
    deadline = time.monotonic() + 15
    while True:
        worker.fan_out()
        worker.deliver_due()
        items = client.get(
            "/api/v1/webhook-deliveries",
            params={"status": "delivered"},
            headers=actors["admin"],
        ).json()["items"]
        items += client.get("/api/v1/webhook-deliveries", headers=actors["admin"]).json()["items"]
        if items:
            return list(items)
        assert time.monotonic() < deadline, "no delivery settled"
        time.sleep(0.05)


def test_delivery_connects_to_the_checked_address_with_the_name_in_sni_and_host(
    client, actors, engine, tmp_path, monkeypatch
) -> None:
    ca, cert, key = _ca_and_leaf(tmp_path, "localhost")
    receiver = TlsReceiver(cert, key)
    lookups: list[str] = []
    real = socket.getaddrinfo

    def recording(host: Any, *args: Any, **kwargs: Any) -> Any:
        lookups.append(str(host))
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    try:
        [delivery] = _deliver(client, actors, engine, ca, receiver.port)
    finally:
        receiver.close()
    assert delivery["status"] == "delivered", delivery
    assert receiver.sni == ["localhost"]
    assert receiver.hosts == [f"localhost:{receiver.port}"]
    # The name was resolved once, by the check; the connection went to the address it chose.
    assert lookups.count("localhost") == 1
    assert "127.0.0.1" in lookups


def test_the_certificate_must_match_the_name_not_the_address(
    client, actors, engine, tmp_path
) -> None:
    ca, cert, key = _ca_and_leaf(tmp_path, "elsewhere.example")
    receiver = TlsReceiver(cert, key)
    try:
        [delivery] = _deliver(client, actors, engine, ca, receiver.port)
    finally:
        receiver.close()
    assert delivery["status"] == "dead" and delivery["last_error"] == "ConnectError"
    assert receiver.hosts == []  # no request was sent over an unverified connection
