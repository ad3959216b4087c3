"""Other words for a data element (同义词): what reports call it — 援疆资金 and 拨付资金 for
对口支援协作资金 — read by the review suggestions beside its name.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("data_elements") as batch:
        batch.add_column(sa.Column("aliases", sa.String(512), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("data_elements") as batch:
        batch.drop_column("aliases")
