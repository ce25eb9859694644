"""Which address a request is counted against (service.api.clients): the peer, unless the
peer is a trusted proxy, and then the rightmost forwarded hop that is not one of ours."""

from __future__ import annotations

import pytest

from service.api.clients import client_address
from service.core.config import Settings, SettingsError


def _scope(peer: str, *forwarded: str) -> dict[str, object]:
    return {
        "type": "http",
        "client": (peer, 50000),
        "headers": [(b"x-forwarded-for", v.encode()) for v in forwarded],
    }


PROXIES = Settings(trusted_proxies="10.0.0.0/8, 127.0.0.1, ::1").trusted_proxy_networks


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.1", ["198.51.100.9"], "203.0.113.1"),  # not a proxy: header ignored
        ("127.0.0.1", ["198.51.100.9"], "198.51.100.9"),
        ("127.0.0.1", ["1.1.1.1, 198.51.100.9, 10.1.2.3"], "198.51.100.9"),  # rightmost untrusted
        ("127.0.0.1", ["1.1.1.1", "198.51.100.9"], "198.51.100.9"),  # several header lines
        ("127.0.0.1", ["not-an-address, 10.1.2.3"], "10.1.2.3"),  # unreadable: stop there
        ("127.0.0.1", ["10.1.2.3"], "10.1.2.3"),  # all ours: the farthest proxy
        ("127.0.0.1", [], "127.0.0.1"),
        ("::1", ["2001:db8::5"], "2001:db8::5"),
        ("::ffff:127.0.0.1", ["198.51.100.9"], "198.51.100.9"),  # mapped peer is the v4 proxy
    ],
)
def test_client_address(peer: str, forwarded: list[str], expected: str) -> None:
    assert client_address(_scope(peer, *forwarded), PROXIES) == expected


def test_without_trusted_proxies_the_header_is_never_read() -> None:
    assert client_address(_scope("127.0.0.1", "198.51.100.9"), ()) == "127.0.0.1"


def test_a_bad_proxy_list_refuses_to_start() -> None:
    with pytest.raises(SettingsError, match="ONBOARD_TRUSTED_PROXIES"):
        Settings(trusted_proxies="10.0.0.0/8, proxy.internal")


def test_production_refuses_private_webhook_targets() -> None:
    with pytest.raises(SettingsError, match="ONBOARD_WEBHOOK_ALLOW_PRIVATE_TARGETS"):
        Settings(env="production", webhook_allow_private_targets=True)
