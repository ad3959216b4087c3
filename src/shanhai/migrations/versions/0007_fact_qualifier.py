"""The analytics table keeps each value's qualifier (exact, over, under, approx), so that a roll-up that is
exactly one reported value is quoted as it was reported (1万余人次), and a sum of "over" values stays "over".

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analytics_values", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("qualifier", sa.String(length=8), server_default="exact", nullable=False)
        )
    op.execute(
        "UPDATE analytics_values SET qualifier = (SELECT data_values.qualifier FROM data_values"
        " WHERE data_values.id = analytics_values.data_value_id)"
        " WHERE EXISTS (SELECT 1 FROM data_values WHERE data_values.id = analytics_values.data_value_id"
        " AND data_values.qualifier <> 'exact')"
    )


def downgrade() -> None:
    with op.batch_alter_table("analytics_values", schema=None) as batch_op:
        batch_op.drop_column("qualifier")
