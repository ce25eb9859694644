"""Where a webhook may be sent: public https addresses only, checked by what the name resolves to.

The URL is parsed (``urlsplit``), never matched as a string. No userinfo. The host is resolved
and every address it resolves to must be global: loopback, private, link-local, CGNAT
(100.64/10), multicast, reserved, unspecified, unique-local and IPv6 forms that embed such an
IPv4 address (IPv4-mapped, 6to4, Teredo, NAT64) are refused, and so is a name that does not
resolve. The check runs at registration (``422``) and again before every delivery, and the
delivery connects to the address that was checked (the name goes in ``Host`` and TLS SNI, and
the certificate is verified against the name), so a second DNS answer cannot redirect it.

``ONBOARD_WEBHOOK_ALLOW_PRIVATE_TARGETS=true`` (tests with a receiver on loopback; refused in
production) skips the address rules and allows ``http``; userinfo is refused even then, and
the delivery still connects to the address resolved for the check.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., list[tuple[Any, ...]]]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class TargetRefused(ValueError):
    """Why a URL may not receive webhooks (safe to show: it names no address we resolved)."""


@dataclass(frozen=True)
class Target:
    url: str  # as registered
    host: str  # the name, for Host and SNI
    port: int
    address: IPAddress  # the checked address to connect to
    parts: SplitResult

    def connect_url(self) -> str:
        """The URL with the checked address in place of the name."""
        ip = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return urlunsplit(self.parts._replace(netloc=f"{ip}:{self.port}", fragment=""))

    def host_header(self) -> str:
        default = 443 if self.parts.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def forbidden(ip: IPAddress) -> bool:
    """Whether an address is anything but a global unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL or any(forbidden(e) for e in _embedded(ip)):
            return True
        if ip.ipv4_mapped is not None:
            return False  # judged by the IPv4 address it carries
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return True
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)
    )


def _embedded(ip: ipaddress.IPv6Address) -> list[IPAddress]:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    embedded: list[IPAddress] = []
    if ip.ipv4_mapped is not None:
        embedded.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        embedded.append(ip.sixtofour)
    if ip.teredo is not None:
        embedded.extend(ip.teredo)
    if ip in _NAT64 or ip in _NAT64_LOCAL:
        embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return embedded


def literal(host: str) -> IPAddress | None:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    return ip


def check(url: str, *, allow_private: bool, resolve: Resolver = socket.getaddrinfo) -> Target:
    """The target to connect to, or ``TargetRefused`` with the reason."""
    parts, host, port = _parse(url, allow_private)
    given = literal(host)
    addresses = [given] if given is not None else _resolve(host, port, resolve)
    if not allow_private and any(forbidden(ip) for ip in addresses):
        raise TargetRefused("must resolve only to public addresses")
    return Target(url=url, host=host, port=port, address=addresses[0], parts=parts)


def _parse(url: str, allow_private: bool) -> tuple[SplitResult, str, int]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("is not a valid URL") from exc
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise TargetRefused("must be an https:// address")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise TargetRefused("must not contain a user name or password")
    host = parts.hostname or ""
    if not host:
        raise TargetRefused("has no host")
    local = host.endswith(".") or host == "localhost" or host.endswith(".localhost")
    if not allow_private and local:
        raise TargetRefused("must be a public host name")
    return parts, host, port or (443 if parts.scheme == "https" else 80)


def _resolve(host: str, port: int, resolve: Resolver) -> list[IPAddress]:
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise TargetRefused("has an invalid host name") from exc
    try:
        infos = resolve(ascii_host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
        raise TargetRefused("host name does not resolve") from exc
    addresses = []
    for info in infos:
        ip = literal(str(info[4][0]).split("%", 1)[0])
        if ip is None:
            raise TargetRefused("host name resolves to something that is not an address")
        addresses.append(ip)
    if not addresses:
        raise TargetRefused("host name does not resolve")
    return addresses
