"""The client's address: the direct peer, or what a trusted proxy says it saw.

``X-Forwarded-For`` is read only when the direct peer is one of ONBOARD_TRUSTED_PROXIES, and
then from the right: each proxy appends the address it saw, so the rightmost hop that is not
one of our proxies is the client (everything left of it was written by the client and proves
nothing). Uvicorn's own proxy-header handling stays off (``onboard serve``), so nobody else
rewrites the peer address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import Scope

from service.core.config import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(value: str) -> IPAddress | None:
    try:
        ip = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _trusted(ip: IPAddress, proxies: Iterable[IPNetwork]) -> bool:
    return any(ip.version == net.version and ip in net for net in proxies)


def client_address(scope: Scope, proxies: tuple[IPNetwork, ...]) -> str:
    """The address to count a request against (a string; ``unknown`` without a peer)."""
    client = scope.get("client")
    peer = _parse(str(client[0])) if client else None
    if peer is None:
        return str(client[0]) if client else "unknown"
    if not proxies or not _trusted(peer, proxies):
        return str(peer)
    hops: list[str] = []
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            hops.extend(value.decode("latin-1").split(","))
    nearest = peer
    for hop in reversed(hops):
        ip = _parse(hop)
        if ip is None:
            break  # unreadable: believe nothing further left
        if not _trusted(ip, proxies):
            return str(ip)
        nearest = ip
    return str(nearest)
