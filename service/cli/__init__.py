"""The `onboard` command: one module per command group, each calling the same service
functions the HTTP routes call (``service.<domain>.service``)."""

from __future__ import annotations

import argparse
import sys

from service.cli import accounts, archive, chatbot, content, database, proof_keys, serving
from service.cli.chatbot import BOT_KEY_FILE, ensure_bot_api_key
from service.core.config import SettingsError
from service.core.errors import OnboardError

__all__ = ["BOT_KEY_FILE", "ensure_bot_api_key", "main"]

# In the order `onboard --help` lists them.
_GROUPS = (serving, database, accounts, archive, chatbot, proof_keys, content)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except SettingsError as exc:
        print(f"onboard: {exc}", file=sys.stderr)
        return 2
    except OnboardError as exc:
        print(f"onboard: {exc.detail}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onboard", description="Onboard service administration")
    commands = parser.add_subparsers()
    for group in _GROUPS:
        group.register(commands)
    return parser
