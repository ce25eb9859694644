"""What the command groups share: migrations first, one transaction per command."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlmodel import Session

from service.core.config import get_settings
from service.core.db import get_engine, transaction

if TYPE_CHECKING:
    # argparse's type for what add_subparsers() returns is private.
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Commands = argparse._SubParsersAction


class OperandParser(argparse.ArgumentParser):
    """A subcommand whose operand may be a generated identifier: a key id is base64url, so
    one in 64 starts with '-'. A word that starts with '-' and is none of the subcommand's
    options is read as its operand (as if written after '--'), so the id `onboard keys list`
    printed can be pasted as it is."""

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if args is not None:
            args = self._dash_operands_last(list(args))
        return super().parse_known_args(args, namespace)

    def _dash_operands_last(self, args: list[str]) -> list[str]:
        words: list[str] = []
        operands: list[str] = []
        rest = iter(args)
        for word in rest:
            if word == "--":
                operands.extend(rest)
                break
            option = self._option_string_actions.get(word.split("=", 1)[0])
            if option is not None:
                words.append(word)
                value = next(rest, None) if "=" not in word and option.nargs is None else None
                if value is not None:
                    words.append(value)  # the option's value, whatever it looks like
            elif word.startswith("-") and len(word) > 1:
                operands.append(word)
            else:
                words.append(word)
        return words + ["--", *operands] if operands else words


def migrate() -> None:
    from service.core.migrate import upgrade

    upgrade(get_settings().resolved_database_url)


@contextmanager
def session() -> Iterator[Session]:
    """A session for one CLI command, after migrations; commits when the command succeeds."""
    migrate()
    with transaction(get_engine()) as db:
        yield db
