"""Account and API-key operations. Keyword-only; the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from service.accounts.access import Principal
from service.accounts.models import (
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    ApiKey,
    Role,
    Scope,
    User,
    lookup_form,
    normalise_username,
)
from service.core import clock
from service.core.errors import Conflict, NotFound, field_error
from service.core.security import apikeys, passwords


def check_password(password: str) -> None:
    """The password policy (``UserCreate`` states the same to the API's callers)."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise field_error(
            "password",
            f"the password must have at least {PASSWORD_MIN_LENGTH} characters "
            f"(at most {PASSWORD_MAX_LENGTH})",
        )


def set_password(*, session: Session, username: str, password: str) -> User:
    """Set an account's password (operators, through the CLI)."""
    check_password(password)
    user = session.exec(select(User).where(User.username == lookup_form(username))).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    user.password_hash = passwords.hash_password(password)
    session.add(user)
    return user


def any_user(*, session: Session) -> bool:
    """Whether any account exists (a first start creates the administrator)."""
    return session.exec(select(User.id).limit(1)).first() is not None


def list_users(*, session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.username))).all())


def list_api_keys(*, session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.created_at))).all())


def find_api_key(*, session: Session, key: str) -> ApiKey:
    """An API key by its id or its public prefix."""
    try:
        row = session.get(ApiKey, uuid.UUID(key))
    except ValueError:
        row = session.exec(select(ApiKey).where(ApiKey.prefix == key)).first()
    if row is None:
        raise NotFound(f"no API key {key!r}")
    return row


# What other domains do, in the same transaction, when a key is revoked (webhooks: its
# endpoints stop). They register here, so this module imports none of them.
KEY_REVOKED: list[Callable[[Session, uuid.UUID], None]] = []


def create_user(*, session: Session, username: str, password: str, role: Role) -> User:
    check_password(password)
    try:
        username = normalise_username(username)
    except ValueError as exc:
        raise field_error("username", str(exc)) from None
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"user {username!r} already exists")
    user = User(username=username, password_hash=passwords.hash_password(password), role=role)
    session.add(user)
    session.flush()
    return user


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The active user with this password, or None. Same work whether or not they exist."""
    user = session.exec(select(User).where(User.username == lookup_form(username))).first()
    ok = passwords.verify_password(password, user.password_hash if user else None)
    if user is None or not ok or not user.is_active:
        return None
    return user


def set_user_active(*, session: Session, user_id: uuid.UUID, active: bool) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    user.is_active = active
    session.add(user)
    return user


def create_api_key(*, session: Session, name: str, scopes: list[Scope]) -> tuple[ApiKey, str]:
    key, prefix, key_hash = apikeys.new_api_key()
    row = ApiKey(
        name=name, prefix=prefix, key_hash=key_hash, scopes=sorted({s.value for s in scopes})
    )
    session.add(row)
    session.flush()
    return row, key


def revoke_api_key(*, session: Session, key_id: uuid.UUID) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound("no such API key")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        session.add(row)
    for follow_up in KEY_REVOKED:
        follow_up(session, key_id)
    return row


def principal_for_api_key(*, session: Session, key: str) -> Principal | None:
    prefix = apikeys.split_prefix(key)
    if prefix is None:
        return None
    # Every API request runs this: a plain column select, no ORM object to build.
    row = session.execute(_KEY_LOOKUP, {"prefix": prefix}).first()
    if row is None or row.revoked_at is not None or not apikeys.matches(key, row.key_hash):
        return None
    return Principal(
        kind="api_key", id=row.id, name=row.name, scopes=frozenset(Scope(s) for s in row.scopes)
    )


_KEY_LOOKUP = select(  # type: ignore[call-overload]
    col(ApiKey.id),
    col(ApiKey.name),
    col(ApiKey.scopes),
    col(ApiKey.key_hash),
    col(ApiKey.revoked_at),
).where(col(ApiKey.prefix) == bindparam("prefix"))


def principal_for_user(*, session: Session, user_id: uuid.UUID) -> Principal | None:
    row = session.execute(_USER_LOOKUP, {"id": user_id}).first()
    if row is None or not row.is_active:
        return None
    return Principal(kind="user", id=user_id, name=row.username, role=Role(row.role))


_USER_LOOKUP = select(  # type: ignore[call-overload]
    col(User.username), col(User.role), col(User.is_active)
).where(col(User.id) == bindparam("id"))
