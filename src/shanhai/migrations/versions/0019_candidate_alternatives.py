"""The review suggestions ranked: each figure keeps its best three elements, units and programmes with the
words that led to each (JSON), beside the one preselected; and whether it is an actual figure or a target.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("candidates") as batch:
        batch.add_column(sa.Column("alternatives", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("kind", sa.String(8), nullable=False, server_default="actual"))


def downgrade() -> None:
    with op.batch_alter_table("candidates") as batch:
        batch.drop_column("kind")
        batch.drop_column("alternatives")
