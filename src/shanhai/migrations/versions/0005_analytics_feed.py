"""The analytics change feed (read by DuckDB replicas), and bucket columns filled only as far as a period type
reaches: a span of years (2021—2025) has no year, so the bucket filters alone keep coarser values out and the
period_rank column goes.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RANK = {"monthly": 1, "quarterly": 2, "yearly": 3, "multi_year": 4}  # as in 0003


def upgrade() -> None:
    op.create_table(
        "analytics_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("data_value_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_changes")),
    )
    with op.batch_alter_table("analytics_values", schema=None) as batch_op:
        batch_op.alter_column("year", existing_type=sa.Integer(), nullable=True)
    op.execute(f"UPDATE analytics_values SET year = NULL WHERE period_rank = {RANK['multi_year']}")
    with op.batch_alter_table("analytics_values", schema=None) as batch_op:
        batch_op.drop_column("period_rank")


def downgrade() -> None:
    values = sa.table(
        "analytics_values",
        sa.column("data_value_id", sa.Integer()),
        sa.column("start_date", sa.Date()),
        sa.column("year", sa.Integer()),
        sa.column("period_id", sa.String()),
        sa.column("period_rank", sa.Integer()),
    )
    periods = sa.table("periods", sa.column("id", sa.String()), sa.column("type", sa.String()))
    bind = op.get_bind()
    with op.batch_alter_table("analytics_values", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period_rank", sa.Integer(), nullable=True))
    type_of = sa.select(periods.c.type).where(periods.c.id == values.c.period_id).scalar_subquery()
    bind.execute(values.update().values(period_rank=sa.case(RANK, value=type_of)))
    for value_id, start in bind.execute(
        sa.select(values.c.data_value_id, values.c.start_date).where(values.c.year.is_(None))
    ):
        bind.execute(values.update().where(values.c.data_value_id == value_id).values(year=start.year))
    with op.batch_alter_table("analytics_values", schema=None) as batch_op:
        batch_op.alter_column("year", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("period_rank", existing_type=sa.Integer(), nullable=False)
    op.drop_table("analytics_changes")
