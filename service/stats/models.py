"""Tables of the statistics roll-up (see rollup.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, Text
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


# --------------------------------------------------- monthly and outcome roll-ups (cube.py)


class StatsMonthly(SQLModel, table=True):
    """Cards issued (``measure`` 'issued', Moscow month of creation) and entries recorded
    ('arrivals', month of the entry date) per month and combination of the four groupings."""

    __tablename__ = "stats_monthly"
    __table_args__ = (
        # Filtered monthly queries (region=RU-SVE, citizenship=UZB) read a narrow slice.
        Index("ix_stats_monthly_region", "region", "month"),
        Index("ix_stats_monthly_citizenship", "citizenship", "month"),
    )

    measure: str = Field(max_length=8, primary_key=True)
    month: str = Field(max_length=7, primary_key=True)
    region: str = Field(max_length=8, primary_key=True)
    citizenship: str = Field(max_length=3, primary_key=True)
    purpose: str = Field(max_length=16, primary_key=True)
    occupation: str = Field(max_length=120, primary_key=True)
    cards: int = Field(sa_column=Column(BigInteger, nullable=False))


class StatsOutcome(SQLModel, table=True):
    """Outcomes of ended stays (``kind`` 'card', ``item`` empty) and of their obligations
    ('obligation', ``item`` the obligation's policy id) per citizenship, region, occupation and
    whether the course was completed by the deadline."""

    __tablename__ = "stats_outcome"

    kind: str = Field(max_length=12, primary_key=True)
    item: str = Field(max_length=64, primary_key=True)
    citizenship: str = Field(max_length=3, primary_key=True)
    region: str = Field(max_length=8, primary_key=True)
    occupation: str = Field(max_length=120, primary_key=True)
    took: bool = Field(primary_key=True)
    outcome: str = Field(max_length=16, primary_key=True)
    n: int = Field(sa_column=Column(BigInteger, nullable=False))


class StatsCard(SQLModel, table=True):
    """What each card adds to ``stats_monthly`` and ``stats_outcome`` as last folded, so a
    change is folded as the difference between its new and its counted contribution."""

    __tablename__ = "stats_card"

    card_id: uuid.UUID = Field(primary_key=True)
    issued: str = Field(max_length=7)
    entered: str | None = Field(default=None, max_length=7)
    region: str = Field(max_length=8)
    citizenship: str = Field(max_length=3)
    purpose: str = Field(max_length=16)
    occupation: str = Field(max_length=120)
    outcome: str | None = Field(default=None, max_length=16)
    took: bool = False
    # "id:m1,id:l0" (cube.py): as long as the policy's list of obligations makes it
    obligations: str = Field(default="", sa_column=Column(Text, nullable=False))
    recheck_on: date | None = Field(default=None, index=True)


class StatsRollupState(SQLModel, table=True):
    """One row (absent: nothing folded): the changes up to these ids are in the roll-ups,
    computed with this policy version; ``checked_on`` is the day the facts were computed."""

    __tablename__ = "stats_rollup_state"

    id: int = Field(default=1, primary_key=True)
    events_through: int = Field(sa_column=Column(BigInteger, nullable=False))
    dones_through: int = Field(sa_column=Column(BigInteger, nullable=False))
    completions_through: int = Field(sa_column=Column(BigInteger, nullable=False))
    policy: str = Field(max_length=64)
    folded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
