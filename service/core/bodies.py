"""The base of every request body model."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

# A lone surrogate (JSON "\ud800") is no character: neither database can store it, and
# UTF-8 cannot encode it. Pairs (JSON "\ud83d\ude00") arrive decoded as one character.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, list | tuple | set | frozenset):
        return any(map(_has_lone_surrogate, value))
    if isinstance(value, dict):
        return any(map(_has_lone_surrogate, value)) or any(map(_has_lone_surrogate, value.values()))
    return False


class Input(BaseModel):
    """A request body: a field the API does not know is refused (422 naming it), never
        silently dropped, so a client's typo or a field from a newer API version is seen; and
        text that is not Unicode (a lone surrogate) is refused (422 naming the field), never
        left for the database to fail on. Nested bodies are ``Input`` too and check their own
    fields (a field's value is checked once its own validation has passed)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _unicode_text(cls, value: Any) -> Any:
        if _has_lone_surrogate(value):
            raise ValueError("must be Unicode text (a lone surrogate is not a character)")
        return value
