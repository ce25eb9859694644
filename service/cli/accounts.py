"""`onboard users` and `onboard api-keys`: through the same service functions as the
accounts routes (``service.accounts.service``), with the same password policy."""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from collections.abc import Callable, Iterable
from typing import TypeVar

from service.accounts import service as accounts
from service.accounts.models import ApiKey, Role, Scope, User
from service.cli.common import Commands, OperandParser, session
from service.core.errors import OnboardError

# Revoking a key stops its webhooks: that module registers the follow-up when imported.
from service.webhooks import service as _webhooks  # noqa: F401

T = TypeVar("T")


def register(commands: Commands) -> None:
    users = commands.add_parser("users", help="accounts").add_subparsers()
    uc = users.add_parser("create", help="create an account")
    uc.add_argument("username")
    uc.add_argument("--role", required=True, choices=[r.value for r in Role])
    uc.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    uc.set_defaults(func=_users_create)
    up = users.add_parser("set-password", help="set an account's password")
    up.add_argument("username")
    up.add_argument("--password-stdin", action="store_true")
    up.set_defaults(func=_users_set_password)
    users.add_parser("list", help="list accounts").set_defaults(
        func=_lister(accounts.list_users, _user_line)
    )

    keys = commands.add_parser(
        "api-keys", help="API keys for integrators and the bot"
    ).add_subparsers(parser_class=OperandParser)
    kc = keys.add_parser("create", help="create a key; prints only the key")
    kc.add_argument("name")
    kc.add_argument("--scope", action="append", required=True, choices=[s.value for s in Scope])
    kc.set_defaults(func=_keys_create)
    keys.add_parser("list", help="list keys (no secrets)").set_defaults(
        func=_lister(accounts.list_api_keys, _key_line)
    )
    kr = keys.add_parser("revoke", help="revoke a key by id or prefix")
    kr.add_argument("key")
    kr.set_defaults(func=_keys_revoke)


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            raise OnboardError("the passwords differ")
        return first
    return None


def _users_create(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    generated = password is None
    if password is None:
        password = secrets.token_urlsafe(15)
    accounts.check_password(password)  # before migrating: a refusal changes nothing
    with session() as db:
        # The API's rule (NFKC, ASCII letters, digits, . _ -), so `Ｏlga` is created as olga.
        username = accounts.create_user(
            session=db, username=args.username, password=password, role=Role(args.role)
        ).username
    if generated:
        print(password)
        print(f"user {username} created; the password above is shown once", file=sys.stderr)
    else:
        print(f"user {username} created", file=sys.stderr)
    return 0


def _users_set_password(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    if password is None:
        raise OnboardError("give the password on stdin with --password-stdin")
    accounts.check_password(password)
    with session() as db:
        accounts.set_password(session=db, username=args.username, password=password)
    print("password changed", file=sys.stderr)
    return 0


def _lister(
    listing: Callable[..., Iterable[T]], line: Callable[[T], str]
) -> Callable[[argparse.Namespace], int]:
    """A listing command: one line per row that ``listing(session=...)`` gives."""

    def command(args: argparse.Namespace) -> int:
        with session() as db:
            for row in listing(session=db):
                print(line(row))
        return 0

    return command


def _user_line(user: User) -> str:
    state = "active" if user.is_active else "disabled"
    return f"{user.username}\t{user.role}\t{state}"


def _keys_create(args: argparse.Namespace) -> int:
    with session() as db:
        row, key = accounts.create_api_key(
            session=db, name=args.name, scopes=[Scope(s) for s in args.scope]
        )
        key_id = row.id
    print(key)
    print(f"API key {key_id} created; the key above is shown once", file=sys.stderr)
    return 0


def _key_line(row: ApiKey) -> str:
    state = "revoked" if row.revoked_at else "active"
    return f"{row.id}\t{row.prefix}\t{row.name}\t{','.join(row.scopes)}\t{state}"


def _keys_revoke(args: argparse.Namespace) -> int:
    with session() as db:
        row = accounts.find_api_key(session=db, key=args.key)
        accounts.revoke_api_key(session=db, key_id=row.id)
    print("revoked", file=sys.stderr)
    return 0
