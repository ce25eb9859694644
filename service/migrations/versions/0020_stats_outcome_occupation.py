"""Occupation joins the keys of the outcome roll-up, so /stats/outcomes can be narrowed by it.

The roll-up is refilled from ``stats_card``, which keeps every folded card's occupation,
outcome, course completion and obligations (``m1,l0``: an outcome letter and 1 when the
course was completed by the due date). The refill is the sum of those stored facts, exactly
what the folds had added, so the fold watermark stays where it was.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_OBLIGATIONS = {"m": "met_on_time", "l": "late", "x": "missed"}


def _create(keys: list[str]) -> None:
    columns = {
        "kind": sa.String(length=12),
        "citizenship": sa.String(length=3),
        "region": sa.String(length=8),
        "occupation": sa.String(length=120),
        "took": sa.Boolean(),
        "outcome": sa.String(length=16),
    }
    op.create_table(
        "stats_outcome",
        *(sa.Column(k, columns[k], nullable=False) for k in keys),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*keys),
    )


def _refill(dims: str) -> None:
    """Sum the stored facts of ``stats_card`` into ``stats_outcome`` by ``dims``."""
    op.execute(
        f"INSERT INTO stats_outcome (kind, {dims}, took, outcome, n) "  # noqa: S608 (fixed names)
        f"SELECT 'card', {dims}, took, outcome, COUNT(*) FROM stats_card "
        f"WHERE outcome IS NOT NULL GROUP BY {dims}, took, outcome"
    )
    # A token is two characters between commas, so its count is the length it takes away.
    per_row = "(LENGTH(obligations) - LENGTH(REPLACE(obligations, :token, ''))) / 2"
    for code, outcome in _OBLIGATIONS.items():
        for took in (True, False):
            token = code + ("1" if took else "0")
            op.get_bind().execute(
                sa.text(
                    f"INSERT INTO stats_outcome (kind, {dims}, took, outcome, n) "  # noqa: S608
                    f"SELECT 'obligation', {dims}, :took, :outcome, SUM({per_row}) "
                    f"FROM stats_card WHERE obligations LIKE :pattern GROUP BY {dims}"
                ),
                {"took": took, "outcome": outcome, "token": token, "pattern": f"%{token}%"},
            )


def upgrade() -> None:
    op.drop_table("stats_outcome")
    _create(["kind", "citizenship", "region", "occupation", "took", "outcome"])
    _refill("citizenship, region, occupation")


def downgrade() -> None:
    op.drop_table("stats_outcome")
    _create(["kind", "citizenship", "region", "took", "outcome"])
    _refill("citizenship, region")
