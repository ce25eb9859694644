"""ES256 (P-256) proof-signing keys, kept as files and loaded into key objects once.

Layout of the key directory (``<data dir>/proof-keys`` unless configured):
``<kid>.pem`` (PKCS#8 private key, mode 0600) and ``keys.json`` listing every key with
its state: ``active`` (signs new proofs; exactly one), ``previous`` (no longer signs, old
proofs still verify) and ``retired`` (proofs signed by it no longer verify; its public key
leaves the JWKS; its private file is deleted: at once when retired now, or at the first
reload after a scheduled ``retire_after`` has passed). ``kid`` is the RFC 7638 JWK
thumbprint, base64url, first 6 characters (enough to tell a handful of keys apart, and
short: it travels in every QR code).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwk
from jose.backends.base import Key

from service.core import clock, files
from service.core.errors import NotFound, OnboardError

log = logging.getLogger("onboard.keys")
_KID_LENGTH = 6
_MANIFEST = "keys.json"
_RELOAD_CHECK_SECONDS = 2.0


class KeyError_(OnboardError):
    code = "key-error"
    title = "Signing key problem"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    state: str  # active | previous | retired
    created_at: str
    retired_at: str | None
    retire_after: datetime | None  # scheduled retirement: proofs never outlive it
    private: Key  # python-jose key object, built once
    public: Key
    public_jwk: dict[str, str]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk_of(private: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    numbers = private.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64(numbers.x.to_bytes(32, "big")),
        "y": _b64(numbers.y.to_bytes(32, "big")),
    }


def thumbprint_kid(public: dict[str, str]) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order, no spaces."""
    canonical = json.dumps(
        {k: public[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True
    )
    return _b64(hashlib.sha256(canonical.encode()).digest())[:_KID_LENGTH]


@dataclass(frozen=True)
class KeyRecord:
    """A key as the manifest lists it (retired keys too, whose private files are gone)."""

    kid: str
    state: str
    created_at: str
    retired_at: str | None
    retire_after: datetime | None


def _retire_after(meta: dict[str, Any]) -> datetime | None:
    return datetime.fromisoformat(meta["retire_after"]) if meta.get("retire_after") else None


def _past_retirement(meta: dict[str, Any], now: datetime) -> bool:
    """Retired, or (unless it is the active key, which still signs) past its schedule."""
    if meta["state"] == "retired":
        return True
    when = _retire_after(meta)
    return meta["state"] != "active" and when is not None and now >= when


class KeyStore:
    """The proof keys of one key directory. Reloads itself when another process rotates."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._keys: dict[str, SigningKey] = {}
        self._stamp: float | None = None
        self._checked = 0.0

    # -- reading ---------------------------------------------------------------------

    def _manifest_path(self) -> Path:
        return self.directory / _MANIFEST

    def _fresh(self) -> dict[str, SigningKey]:
        now = time.monotonic()
        if now - self._checked < _RELOAD_CHECK_SECONDS and self._keys:
            return self._keys
        with self._lock:
            self._checked = now
            try:
                stamp = self._manifest_path().stat().st_mtime_ns
            except FileNotFoundError:
                stamp = None
            if stamp != self._stamp or not self._keys:
                self._keys = self._load()
                self._stamp = stamp
            elif self._retirement_passed():
                self._keys = self._load()
        return self._keys

    def _delete_private(self, kid: str) -> None:
        try:
            (self.directory / f"{kid}.pem").unlink(missing_ok=True)
        except OSError as exc:  # a read-only secret mount: the operator removes it
            log.warning("retired proof key %s: its private file stays (%s)", kid, exc.strerror)

    def _retirement_passed(self) -> bool:
        """A held key's scheduled retirement has passed (its file is to be deleted)."""
        moment = clock.now()
        return any(
            k.state != "active" and k.retire_after is not None and moment >= k.retire_after
            for k in self._keys.values()
        )

    def _load(self) -> dict[str, SigningKey]:
        """The keys that may still sign or verify. A retired key's private file is deleted
        here, in whichever process notices first (deleting is idempotent)."""
        manifest = self._read_manifest()
        keys: dict[str, SigningKey] = {}
        now = clock.now()
        for kid, meta in manifest.items():
            if _past_retirement(meta, now):
                self._delete_private(kid)
                continue
            pem = (self.directory / f"{kid}.pem").read_bytes()
            private_obj = serialization.load_pem_private_key(pem, password=None)
            if not isinstance(private_obj, ec.EllipticCurvePrivateKey):
                raise KeyError_(f"{kid}.pem is not an EC private key")
            public = public_jwk_of(private_obj)
            private = jwk.construct(pem, "ES256")
            keys[kid] = SigningKey(
                kid=kid,
                state=meta["state"],
                created_at=meta["created_at"],
                retired_at=meta.get("retired_at"),
                retire_after=_retire_after(meta),
                private=private,
                public=private.public_key(),
                public_jwk=public,
            )
        return keys

    def _read_manifest(self) -> dict[str, dict[str, Any]]:
        try:
            return dict(json.loads(self._manifest_path().read_text()))
        except FileNotFoundError:
            return {}

    def all_keys(self) -> list[SigningKey]:
        """The keys still held (active, previous, not yet past a scheduled retirement)."""
        return sorted(self._fresh().values(), key=lambda k: k.created_at)

    def records(self) -> list[KeyRecord]:
        """Every key the manifest lists, retired ones included."""
        return sorted(
            (_record(kid, meta) for kid, meta in self._read_manifest().items()),
            key=lambda r: r.created_at,
        )

    def active(self) -> SigningKey:
        for key in self._fresh().values():
            if key.state == "active":
                return key
        raise KeyError_("no active proof-signing key; run `onboard keys rotate`")

    def verifying(self, kid: str) -> SigningKey | None:
        """The key that may verify proofs with this kid (active or previous), or None."""
        key = self._fresh().get(kid)
        if key is None or key.state == "retired":
            return None
        if key.retire_after is not None and clock.now() >= key.retire_after:
            return None
        return key

    def jwks(self) -> dict[str, Any]:
        """Public keys that verify proofs: active and previous, never retired."""
        return {
            "keys": [
                {**k.public_jwk, "kid": k.kid, "use": "sig", "alg": "ES256"}
                for k in self.all_keys()
                if self.verifying(k.kid) is not None
            ]
        }

    # -- changing (CLI; one process at a time) -----------------------------------------

    def ensure(self) -> SigningKey:
        """Create the first key when there is none (first start)."""
        if not self._read_manifest():
            self.rotate()
        self._checked = 0.0
        return self.active()

    def rotate(self) -> SigningKey:
        """Make a new active key; the old active one becomes previous and keeps verifying."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        private = ec.generate_private_key(ec.SECP256R1())
        kid = thumbprint_kid(public_jwk_of(private))
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        files.write_private(self.directory / f"{kid}.pem", pem, replace=False)
        manifest = self._read_manifest()
        for meta in manifest.values():
            if meta["state"] == "active":
                meta["state"] = "previous"
        manifest[kid] = {"state": "active", "created_at": _stamp(clock.now())}
        self._write_manifest(manifest)
        return self._reload()[kid]

    def retire(self, kid: str, *, at: datetime | None = None) -> KeyRecord:
        """Retire a key now (its private file is deleted), or schedule it (``at``): proofs
        it signs then expire by ``at``, and its file goes at the first reload after."""
        manifest = self._read_manifest()
        if kid not in manifest:
            raise NotFound(f"no proof key {kid!r}")
        if at is not None and at > clock.now():
            manifest[kid]["retire_after"] = _stamp(at)
        else:
            if manifest[kid]["state"] == "active":
                raise KeyError_("the active key cannot be retired; rotate first")
            manifest[kid]["state"] = "retired"
            manifest[kid]["retired_at"] = _stamp(clock.now())
        self._write_manifest(manifest)
        self._reload()
        return _record(kid, manifest[kid])

    def _write_manifest(self, manifest: dict[str, dict[str, Any]]) -> None:
        files.write_private(self._manifest_path(), json.dumps(manifest, indent=2, sort_keys=True))

    def _reload(self) -> dict[str, SigningKey]:
        with self._lock:
            self._keys = self._load()
            self._checked = time.monotonic()
            try:
                self._stamp = self._manifest_path().stat().st_mtime_ns
            except FileNotFoundError:
                self._stamp = None
        return self._keys


def _record(kid: str, meta: dict[str, Any]) -> KeyRecord:
    return KeyRecord(
        kid=kid,
        state=meta["state"],
        created_at=meta["created_at"],
        retired_at=meta.get("retired_at"),
        retire_after=_retire_after(meta),
    )


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
