"""A document's standing (市级正式报告 / 区县、部门、工作组报告 / 新闻报道 / 其他): when reports disagree
about one figure, 对账 follows the one of highest standing. Existing documents are 其他 until someone says.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("standing", sa.String(16), server_default="other", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("standing")
