"""Short-lived access tokens (python-jose, HS256) for officer and admin accounts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from jose import JWTError, jwt

from service.core import clock

ALGORITHM = "HS256"
AUDIENCE = "onboard-api"
TOKEN_TYPE = "access"  # noqa: S105 - a claim value, not a secret
_HEADER_TYP = "at+jwt"


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    role: str


def issue_access_token(
    *, user_id: uuid.UUID, role: str, secret: str, issuer: str, minutes: int
) -> str:
    issued = clock.now()
    claims = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": str(user_id),
        "role": role,
        "typ": TOKEN_TYPE,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(minutes=minutes)).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM, headers={"typ": _HEADER_TYP})


def read_access_token(token: str, *, secret: str, issuer: str) -> AccessClaims | None:
    """The claims of a valid access token, or None for anything else."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM or header.get("typ") != _HEADER_TYP:
            return None
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=issuer,
            options={
                "require_sub": True,
                "require_aud": True,
                "require_iss": True,
                # exp and iat are required and checked below against the service clock
                # (one clock for the whole service), not the wall clock. python-jose's
                # require_exp would force its own wall-clock check, so it is not used.
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
        if claims.get("typ") != TOKEN_TYPE:
            return None
        now = clock.now().timestamp()
        if int(claims["exp"]) <= now or int(claims["iat"]) > now + 60:
            return None
        return AccessClaims(user_id=uuid.UUID(claims["sub"]), role=str(claims["role"]))
    except (JWTError, KeyError, ValueError, TypeError):
        return None


def expiry(token: str) -> float | None:
    """A token's ``exp`` (epoch seconds) without checking it: only for a token that
    ``read_access_token`` has just accepted."""
    try:
        return float(jwt.get_unverified_claims(token)["exp"])
    except (JWTError, KeyError, ValueError, TypeError):
        return None
