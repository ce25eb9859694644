"""Tables of the statistics roll-up (see rollup.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from service.core.types import UTCDateTime


class CardStatsDaily(SQLModel, table=True):
    """Cards created per UTC day, per grouping and key, up to the watermark."""

    __tablename__ = "card_stats_daily"

    dimension: str = Field(max_length=16, primary_key=True)
    day: date = Field(primary_key=True)
    key: str = Field(max_length=120, primary_key=True)
    cards: int = Field(sa_column=Column(BigInteger, nullable=False))


class CardStatsState(SQLModel, table=True):
    """One row: cards created at or before ``folded_through`` are in the roll-up."""

    __tablename__ = "card_stats_state"

    id: int = Field(default=1, primary_key=True)
    folded_through: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    folded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
