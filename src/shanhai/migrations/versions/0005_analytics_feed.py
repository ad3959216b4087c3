"""The analytics change feed (read by DuckDB replicas), and bucket columns filled only as far as a period type
reaches: a span of years (2021—2025) has no year, so a yearly filter needs no period-rank predicate.

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

MULTI_YEAR = 4  # analytics.models.PERIOD_RANK["multi_year"]


def upgrade() -> None:
    op.create_table(
        "analytics_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("data_value_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_changes")),
    )
    with op.batch_alter_table("analytics_values", schema=None) as batch_op:
        batch_op.alter_column("year", existing_type=sa.Integer(), nullable=True)
    op.execute(f"UPDATE analytics_values SET year = NULL WHERE period_rank = {MULTI_YEAR}")


def downgrade() -> None:
    values = sa.table(
        "analytics_values",
        sa.column("data_value_id", sa.Integer()),
        sa.column("start_date", sa.Date()),
        sa.column("year", sa.Integer()),
    )
    bind = op.get_bind()
    for value_id, start in bind.execute(
        sa.select(values.c.data_value_id, values.c.start_date).where(values.c.year.is_(None))
    ):
        bind.execute(values.update().where(values.c.data_value_id == value_id).values(year=start.year))
    with op.batch_alter_table("analytics_values", schema=None) as batch_op:
        batch_op.alter_column("year", existing_type=sa.Integer(), nullable=False)
    op.drop_table("analytics_changes")
