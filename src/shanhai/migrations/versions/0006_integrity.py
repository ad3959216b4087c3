"""Integrity: stage history for every record with stages (submissions first), who submitted a report, the
per-address login throttle counted in one row, and (SQLite) data value ids that are never re-used: without
AUTOINCREMENT SQLite gives a deleted newest row's id to the next one, and a client that still holds the old
id and version could overwrite an unrelated value, and one audit object id would name two records.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shanhai.migrations.sqlite import sqlite_autoincrement

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stage_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=16), nullable=True),
        sa.Column("to_stage", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_stage_changes_actor_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_changes")),
    )
    op.create_index("ix_stage_changes_record", "stage_changes", ["kind", "record_id"], unique=False)
    op.create_table(
        "login_throttle",
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ip", name=op.f("pk_login_throttle")),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_submissions_submitted_by_id_users"),
            "users",
            ["submitted_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    if op.get_bind().dialect.name == "sqlite":
        sqlite_autoincrement("data_values")


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_submissions_submitted_by_id_users"), type_="foreignkey")
        batch_op.drop_column("submitted_by_id")
    op.drop_table("login_throttle")
    op.drop_index("ix_stage_changes_record", table_name="stage_changes")
    op.drop_table("stage_changes")
