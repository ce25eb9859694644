"""The obligation joins the keys of the outcome roll-up, so /stats/outcomes can answer for one
obligation (migration registration alone, say).

The facts stored in ``stats_card`` name no obligation (``m1,l0``), so the roll-up cannot be
refilled from them as 0020 did: ``stats_outcome`` is emptied, every card's stored
obligations are cleared, and the fold state's policy version is cleared. Under a version
that is not the policy's, a query counts outcomes from scratch (exact, slower) and the next
fold rebuilds every roll-up (service/stats/cube.py), storing the facts in the new shape
(``id:m1,id:l0``). The monthly roll-up does not depend on obligations and keeps answering.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_COLUMNS = {
    "kind": sa.String(length=12),
    "item": sa.String(length=64),
    "citizenship": sa.String(length=3),
    "region": sa.String(length=8),
    "occupation": sa.String(length=120),
    "took": sa.Boolean(),
    "outcome": sa.String(length=16),
}


def _recreate(keys: list[str]) -> None:
    """An empty outcome roll-up with these keys; the next fold rebuilds every roll-up."""
    op.drop_table("stats_outcome")
    op.create_table(
        "stats_outcome",
        *(sa.Column(k, _COLUMNS[k], nullable=False) for k in keys),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*keys),
    )
    op.execute("UPDATE stats_card SET obligations = ''")  # neither shape reads the other
    op.execute("UPDATE stats_rollup_state SET policy = ''")  # no policy's version


def _obligations_column(new: sa.types.TypeEngine, old: sa.types.TypeEngine) -> None:
    """With ids the stored list grows with the policy: no fixed length (on PostgreSQL
    varchar to text rewrites nothing)."""
    with op.batch_alter_table("stats_card") as batch:
        batch.alter_column("obligations", type_=new, existing_type=old, existing_nullable=False)


def upgrade() -> None:
    _recreate(["kind", "item", "citizenship", "region", "occupation", "took", "outcome"])
    _obligations_column(sa.Text(), sa.String(length=400))


def downgrade() -> None:
    _recreate(["kind", "citizenship", "region", "occupation", "took", "outcome"])
    _obligations_column(sa.String(length=400), sa.Text())
