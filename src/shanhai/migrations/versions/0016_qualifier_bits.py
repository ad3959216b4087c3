"""The analytics table carries each fact's qualifier as one bit too (exact 1, over 2, under 4, approx 8): a
roll-up's qualifier is the OR of its parts' bits, a cheap aggregate beside the sum, where it took the least,
the greatest and the number of distinct text qualifiers of every group.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analytics_values", schema=None) as batch_op:
        batch_op.add_column(sa.Column("qualifier_bit", sa.Integer(), server_default="1", nullable=False))
    op.get_bind().execute(
        sa.text(
            "UPDATE analytics_values SET qualifier_bit = CASE qualifier WHEN 'exact' THEN 1 "
            "WHEN 'over' THEN 2 WHEN 'under' THEN 4 ELSE 8 END WHERE qualifier <> 'exact'"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("analytics_values", schema=None) as batch_op:
        batch_op.drop_column("qualifier_bit")
