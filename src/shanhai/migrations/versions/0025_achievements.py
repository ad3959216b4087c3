"""科技成果 and their pushes to enterprises (with what a matcher will need: field, industry, keywords,
maturity; each push's outcome), and what the pushes count towards (推送科技成果, 签约转化): an actual value of
推送科技成果 typed or accepted before becomes a claim (the derivation as it stands at this revision).

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shanhai.migrations.claims import move_values_into_claims

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORD_KEPT = (("ACHIEVEMENTS_PUSHED", "actual"), ("ACHIEVEMENT_DEALS", "actual"))


def upgrade() -> None:
    op.create_table(
        "achievements",
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("industry_code", sa.String(length=4), nullable=True),
        sa.Column("keywords", sa.String(length=256), nullable=False),
        sa.Column("owner_institution", sa.String(length=128), nullable=False),
        sa.Column("maturity", sa.String(length=16), nullable=False),
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
            name=op.f("fk_achievements_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_achievements_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_achievements_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_achievements_source_id_sources"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievements")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_achievements_created_by_id"), "achievements", ["created_by_id"], unique=False)
    op.create_index(op.f("ix_achievements_org_unit_id"), "achievements", ["org_unit_id"], unique=False)
    op.create_index(op.f("ix_achievements_programme_id"), "achievements", ["programme_id"], unique=False)
    op.create_table(
        "achievement_pushes",
        sa.Column("achievement_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("pushed_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("summary", sa.Boolean(), nullable=False),
        sa.Column("pushes", sa.Integer(), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievements.id"],
            name=op.f("fk_achievement_pushes_achievement_id_achievements"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_achievement_pushes_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_achievement_pushes_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_achievement_pushes_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_achievement_pushes_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_achievement_pushes_source_id_sources"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievement_pushes")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_achievement_pushes_achievement_id"), "achievement_pushes", ["achievement_id"], unique=False
    )
    op.create_index(
        "ix_achievement_pushes_cell", "achievement_pushes", ["org_unit_id", "pushed_on"], unique=False
    )
    op.create_index(
        op.f("ix_achievement_pushes_created_by_id"), "achievement_pushes", ["created_by_id"], unique=False
    )
    op.create_index(
        op.f("ix_achievement_pushes_enterprise_id"), "achievement_pushes", ["enterprise_id"], unique=False
    )
    op.create_index(
        op.f("ix_achievement_pushes_org_unit_id"), "achievement_pushes", ["org_unit_id"], unique=False
    )
    op.create_index(
        op.f("ix_achievement_pushes_programme_id"), "achievement_pushes", ["programme_id"], unique=False
    )
    move_values_into_claims(RECORD_KEPT)
    config = op.get_context().config  # the derived values, from the records, once the schema is the newest
    if config is not None:
        config.attributes["recount"] = True


def downgrade() -> None:
    op.drop_table("achievement_pushes")
    op.drop_table("achievements")
