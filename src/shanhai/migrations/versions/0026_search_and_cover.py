"""企业库 search and the support register's summaries at volume: the trigram indexes take new entries
directly (fastupdate off: a search never reads a pending list waiting for vacuum), pinyin initials without
brackets or dots, and an index from which what a summary over the units below covers is read without the
table.

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHED = ("name", "former_names", "credit_code", "initials")


def upgrade() -> None:
    from shanhai.enterprises.registers import initials

    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    firms = sa.table("enterprises", sa.column("id", sa.Integer), sa.column("name"), sa.column("initials"))
    for firm_id, name, was in bind.execute(sa.select(firms.c.id, firms.c.name, firms.c.initials)).all():
        if initials(name) != was:
            bind.execute(sa.update(firms).where(firms.c.id == firm_id).values(initials=initials(name)))
    if postgresql:
        for column in SEARCHED:
            index = f"ix_enterprises_{column}_trgm"
            gin = bind.execute(
                sa.text(
                    "SELECT count(*) FROM pg_class c JOIN pg_am a ON a.oid = c.relam "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relname = :i AND a.amname = 'gin' AND n.nspname = current_schema()"
                ),
                {"i": index},
            ).scalar()
            if gin:  # trigram indexes only where pg_trgm could be had (0021)
                op.execute(sa.text(f"ALTER INDEX {index} SET (fastupdate = off)"))
                op.execute(sa.text(f"SELECT gin_clean_pending_list('{index}'::regclass)"))
    op.create_index(
        "ix_enterprise_support_covered",
        "enterprise_support",
        ["programme_id", "kind", "granted_on"],
        postgresql_include=["product", "org_unit_id", "amount", "times"],
        postgresql_where=sa.text("NOT summary"),
        sqlite_where=sa.text("NOT summary"),
    )


def downgrade() -> None:
    op.drop_index("ix_enterprise_support_covered", table_name="enterprise_support")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for column in SEARCHED:
            index = f"ix_enterprises_{column}_trgm"
            op.execute(sa.text(f"ALTER INDEX IF EXISTS {index} RESET (fastupdate)"))
