"""企业库: enterprises (统一社会信用代码 unique when given, district or zone, GB/T 4754 industry,
size, contacts as child rows, pinyin initials and a near-duplicate key for search), their qualifications
with validity and the support they receive; and the permissions of the new menu 企业库, given to the roles
that hold the matching permission of 工作台账 (查看敏感信息 to those who see 干部人才's).

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANTS = {  # new permission: the permission whose holders receive it
    "enterprises:view": "records:view",
    "enterprises:create": "records:create",
    "enterprises:edit": "records:edit",
    "enterprises:delete": "records:delete",
    "enterprises:export": "records:export",
    "enterprises:sensitive": "people:sensitive",
}


def upgrade() -> None:
    op.create_table(
        "enterprises",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("former_names", sa.String(length=500), nullable=False),
        sa.Column("industry_code", sa.String(length=4), nullable=True),
        sa.Column("size", sa.String(length=8), nullable=True),
        sa.Column("founded_on", sa.Date(), nullable=True),
        sa.Column("address", sa.String(length=256), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("initials", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_enterprises_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_enterprises_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_enterprises_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_enterprises_source_id_sources"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_enterprises_credit_code")),
        sqlite_autoincrement=True,  # a deleted firm's id is never given again
    )
    op.create_index(op.f("ix_enterprises_created_by_id"), "enterprises", ["created_by_id"], unique=False)
    trigrams = _trigram_ops()
    for column in ("name", "former_names", "credit_code", "initials"):
        op.create_index(
            f"ix_enterprises_{column}_trgm",
            "enterprises",
            [column],
            unique=False,
            **_gin(column, trigrams),
        )
    op.create_index("ix_enterprises_name_key", "enterprises", ["name_key"], unique=False)
    op.create_index(op.f("ix_enterprises_org_unit_id"), "enterprises", ["org_unit_id"], unique=False)
    op.create_index(op.f("ix_enterprises_programme_id"), "enterprises", ["programme_id"], unique=False)
    op.create_table(
        "enterprise_support",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=128), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Boolean(), nullable=False),
        sa.Column("qualifier", sa.String(length=8), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_enterprise_support_amount_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_enterprise_support_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_support_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_enterprise_support_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_enterprise_support_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_enterprise_support_source_id_sources"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_support")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_enterprise_support_cell", "enterprise_support", ["org_unit_id", "granted_on"])
    op.create_index(
        "ix_enterprise_support_summaries",
        "enterprise_support",
        ["programme_id", "granted_on"],
        postgresql_where=sa.text("summary"),
        sqlite_where=sa.text("summary"),
    )
    op.create_index(
        op.f("ix_enterprise_support_created_by_id"), "enterprise_support", ["created_by_id"], unique=False
    )
    op.create_index(
        op.f("ix_enterprise_support_enterprise_id"), "enterprise_support", ["enterprise_id"], unique=False
    )
    op.create_index(
        op.f("ix_enterprise_support_org_unit_id"), "enterprise_support", ["org_unit_id"], unique=False
    )
    op.create_index(
        op.f("ix_enterprise_support_programme_id"), "enterprise_support", ["programme_id"], unique=False
    )
    op.create_table(
        "qualifications",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("certificate_no", sa.String(length=64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("firms", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Boolean(), nullable=False),
        sa.Column("qualifier", sa.String(length=8), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "expires_on IS NULL OR issued_on IS NULL OR expires_on > issued_on",
            name=op.f("ck_qualifications_expires_after_issue"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_qualifications_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_qualifications_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_qualifications_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_qualifications_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_qualifications_source_id_sources"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualifications")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_qualifications_cell", "qualifications", ["org_unit_id", "year"])
    op.create_index(
        "ix_qualifications_summaries",
        "qualifications",
        ["programme_id", "year"],
        postgresql_where=sa.text("summary"),
        sqlite_where=sa.text("summary"),
    )
    op.create_index(
        op.f("ix_qualifications_created_by_id"), "qualifications", ["created_by_id"], unique=False
    )
    op.create_index(
        op.f("ix_qualifications_enterprise_id"), "qualifications", ["enterprise_id"], unique=False
    )
    op.create_index(op.f("ix_qualifications_expires_on"), "qualifications", ["expires_on"], unique=False)
    op.create_index(op.f("ix_qualifications_org_unit_id"), "qualifications", ["org_unit_id"], unique=False)
    op.create_index(op.f("ix_qualifications_programme_id"), "qualifications", ["programme_id"], unique=False)
    connection = op.get_bind()
    for permission, like in GRANTS.items():
        connection.execute(
            sa.text(
                "INSERT INTO role_permissions (role_id, permission) "
                "SELECT role_id, :new FROM role_permissions WHERE permission = :like"
            ),
            {"new": permission, "like": like},
        )


def _gin(column: str, trigrams: str | None) -> dict[str, Any]:
    return {"postgresql_using": "gin", "postgresql_ops": {column: trigrams}} if trigrams else {}


def _trigram_ops() -> str | None:
    """PostgreSQL's trigram operator class, schema-qualified: search by any part of a name, code or initials
    uses it. pg_trgm is created in the schema public when it is not there yet and the role may (a trusted
    extension, or a superuser), one creator at a time. None elsewhere, or where it cannot be had: the indexes
    are then plain ones and search reads the table."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return None

    def schema() -> str | None:
        found = bind.execute(
            sa.text(
                "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                "WHERE e.extname = 'pg_trgm'"
            )
        ).scalar()
        return None if found is None else str(found)

    bind.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('shanhai:pg_trgm'))"))
    if schema() is None:
        may = bind.execute(
            sa.text(
                "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR coalesce(("
                "SELECT v.trusted FROM pg_available_extension_versions v JOIN pg_available_extensions a "
                "ON a.name = v.name AND a.default_version = v.version WHERE v.name = 'pg_trgm'), false) "
                "AND has_schema_privilege('public', 'CREATE')"
            )
        ).scalar()
        available = bind.execute(
            sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'")
        ).scalar()
        public = bind.execute(sa.text("SELECT count(*) FROM pg_namespace WHERE nspname = 'public'")).scalar()
        if not (may and available and public):
            return None
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    found = schema()
    return f"{found}.gin_trgm_ops" if found else None


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM role_permissions WHERE permission LIKE 'enterprises:%'"))
    op.drop_table("qualifications")
    op.drop_table("enterprise_support")
    op.drop_table("enterprises")
