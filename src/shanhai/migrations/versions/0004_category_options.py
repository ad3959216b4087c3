"""Category options: a data element may be disaggregated by one category (性别: 男, 女); data values and
analytics rows carry the option, and the unique key of a value includes it.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY: list[Any] = ["org_unit_id", "data_element_id", "period_id", sa.text("coalesce(programme_id, 0)"), "kind"]


def upgrade() -> None:
    with op.batch_alter_table("data_elements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=32), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("category_options", sa.String(length=256), server_default="", nullable=False)
        )
    op.drop_index("uq_data_values_key", table_name="data_values")
    with op.batch_alter_table("data_values", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("category_option", sa.String(length=32), server_default="", nullable=False)
        )
    op.create_index("uq_data_values_key", "data_values", [*KEY, "category_option"], unique=True)
    with op.batch_alter_table("analytics_values", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("category_option", sa.String(length=32), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("analytics_values", schema=None) as batch_op:
        batch_op.drop_column("category_option")
    op.drop_index("uq_data_values_key", table_name="data_values")
    op.execute("DELETE FROM data_values WHERE category_option <> ''")  # the old key cannot hold them
    with op.batch_alter_table("data_values", schema=None) as batch_op:
        batch_op.drop_column("category_option")
    op.create_index("uq_data_values_key", "data_values", KEY, unique=True)
    with op.batch_alter_table("data_elements", schema=None) as batch_op:
        batch_op.drop_column("category_options")
        batch_op.drop_column("category")
