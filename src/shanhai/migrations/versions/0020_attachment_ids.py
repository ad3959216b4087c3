"""(SQLite) attachment ids that are never re-used: without AUTOINCREMENT SQLite gave a deleted newest
attachment's id to the next upload, so an old /api/v1/attachments/{id} link served a different file.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

from alembic import op

from shanhai.migrations.sqlite import sqlite_autoincrement

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        sqlite_autoincrement("attachments")


def downgrade() -> None:
    """The ids stay never re-used: nothing to undo."""
