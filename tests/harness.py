"""Test helpers shared by the tests of this folder (imported, not collected; the
fixtures that use them are in conftest.py)."""

from __future__ import annotations

import socket
import uuid


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unique() -> str:
    return uuid.uuid4().hex[:8]
