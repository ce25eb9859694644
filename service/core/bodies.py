"""The base of every request body model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Input(BaseModel):
    """A request body: a field the API does not know is refused (422 naming it), never
    silently dropped, so a client's typo or a field from a newer API version is seen."""

    model_config = ConfigDict(extra="forbid")
