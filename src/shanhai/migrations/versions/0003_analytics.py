"""Indicators (formulas), the analytics table (filled from existing values), data sets with validation
rules, submissions and saved analytics views.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 20:45:59.938314
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("formula", sa.String(length=512), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
        sa.UniqueConstraint("code", name=op.f("uq_indicators_code")),
    )
    op.create_table(
        "data_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("period_type", sa.String(length=16), nullable=False),
        sa.Column("due_day", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_data_sets_programme_id_programmes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_sets")),
        sa.UniqueConstraint("code", name=op.f("uq_data_sets_code")),
    )
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("chart", sa.String(length=8), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_saved_views_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
    )
    with op.batch_alter_table("saved_views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_views_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "analytics_values",
        sa.Column("data_value_id", sa.Integer(), nullable=False),
        sa.Column("data_element_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("ou_l1", sa.Integer(), nullable=True),
        sa.Column("ou_l2", sa.Integer(), nullable=True),
        sa.Column("ou_l3", sa.Integer(), nullable=True),
        sa.Column("ou_l4", sa.Integer(), nullable=True),
        sa.Column("ou_l5", sa.Integer(), nullable=True),
        sa.Column("ou_l6", sa.Integer(), nullable=True),
        sa.Column("period_id", sa.String(length=16), nullable=False),
        sa.Column("period_rank", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=True),
        sa.Column("month", sa.Integer(), nullable=True),
        sa.Column("value", sa.Numeric(precision=24, scale=4), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_value_id"],
            ["data_values.id"],
            name=op.f("fk_analytics_values_data_value_id_data_values"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("data_value_id", name=op.f("pk_analytics_values")),
    )
    with op.batch_alter_table("analytics_values", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analytics_values_element_year", ["data_element_id", "year", "kind"], unique=False
        )
        batch_op.create_index(
            "ix_analytics_values_l2_element", ["ou_l2", "data_element_id", "year"], unique=False
        )
        batch_op.create_index("ix_analytics_values_org_unit", ["org_unit_id"], unique=False)

    op.create_table(
        "data_set_elements",
        sa.Column("data_set_id", sa.Integer(), nullable=False),
        sa.Column("data_element_id", sa.Integer(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("min_value", sa.Numeric(precision=24, scale=4), nullable=True),
        sa.Column("max_value", sa.Numeric(precision=24, scale=4), nullable=True),
        sa.Column("integer_only", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_element_id"],
            ["data_elements.id"],
            name=op.f("fk_data_set_elements_data_element_id_data_elements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["data_set_id"],
            ["data_sets.id"],
            name=op.f("fk_data_set_elements_data_set_id_data_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("data_set_id", "data_element_id", name=op.f("pk_data_set_elements")),
    )
    op.create_table(
        "data_set_units",
        sa.Column("data_set_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_set_id"],
            ["data_sets.id"],
            name=op.f("fk_data_set_units_data_set_id_data_sets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_data_set_units_org_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("data_set_id", "org_unit_id", name=op.f("pk_data_set_units")),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data_set_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_set_id"],
            ["data_sets.id"],
            name=op.f("fk_submissions_data_set_id_data_sets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_submissions_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_submissions_period_id_periods"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint(
            "data_set_id",
            "org_unit_id",
            "period_id",
            name=op.f("uq_submissions_data_set_id_org_unit_id_period_id"),
        ),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submissions_data_set_id"), ["data_set_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submissions_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "validation_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data_set_id", sa.Integer(), nullable=False),
        sa.Column("left", sa.String(length=256), nullable=False),
        sa.Column("operator", sa.String(length=4), nullable=False),
        sa.Column("right", sa.String(length=256), nullable=False),
        sa.Column("message", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_set_id"],
            ["data_sets.id"],
            name=op.f("fk_validation_rules_data_set_id_data_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_validation_rules")),
    )
    with op.batch_alter_table("validation_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_validation_rules_data_set_id"), ["data_set_id"], unique=False)
    _backfill_analytics()


RANK = {"monthly": 1, "quarterly": 2, "yearly": 3, "multi_year": 4}


def _backfill_analytics() -> None:
    """Existing values get their analytics rows (this migration keeps its own copy of the mapping)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "select dv.id, dv.data_element_id, dv.programme_id, dv.kind, dv.org_unit_id, ou.path, p.id, "
            "p.type, p.start_date, p.end_date, dv.value, dv.created_by_id from data_values dv "
            "join org_units ou on ou.id = dv.org_unit_id join periods p on p.id = dv.period_id"
        )
    ).all()
    columns = [
        "data_value_id",
        "data_element_id",
        "programme_id",
        "kind",
        "org_unit_id",
        "ou_l1",
        "ou_l2",
        "ou_l3",
        "ou_l4",
        "ou_l5",
        "ou_l6",
        "period_id",
        "period_rank",
        "start_date",
        "end_date",
        "year",
        "quarter",
        "month",
        "value",
        "created_by_id",
        "approved",
    ]
    table = sa.table(
        "analytics_values",
        *[
            sa.column(
                c, sa.Date() if c in ("start_date", "end_date") else sa.Boolean() if c == "approved" else None
            )
            for c in columns
        ],
    )
    out = []
    for vid, el, prog, kind, ou, path, pid, ptype, start, end, value, creator in rows:
        start = date.fromisoformat(start) if isinstance(start, str) else start
        end = date.fromisoformat(end) if isinstance(end, str) else end
        levels = ([int(x) for x in path.strip("/").split("/") if x] + [None] * 6)[:6]
        out.append(
            {
                "data_value_id": vid,
                "data_element_id": el,
                "programme_id": prog,
                "kind": kind,
                "org_unit_id": ou,
                **{f"ou_l{i + 1}": levels[i] for i in range(6)},
                "period_id": pid,
                "period_rank": RANK[ptype],
                "start_date": start,
                "end_date": end,
                "year": start.year,
                "quarter": (start.month - 1) // 3 + 1 if ptype in ("monthly", "quarterly") else None,
                "month": start.month if ptype == "monthly" else None,
                "value": value,
                "created_by_id": creator,
                "approved": True,
            }
        )
    if out:
        op.bulk_insert(table, out)


def downgrade() -> None:
    with op.batch_alter_table("validation_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_validation_rules_data_set_id"))

    op.drop_table("validation_rules")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_submissions_data_set_id"))

    op.drop_table("submissions")
    op.drop_table("data_set_units")
    op.drop_table("data_set_elements")
    with op.batch_alter_table("analytics_values", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_values_org_unit")
        batch_op.drop_index("ix_analytics_values_l2_element")
        batch_op.drop_index("ix_analytics_values_element_year")

    op.drop_table("analytics_values")
    with op.batch_alter_table("saved_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_views_owner_id"))

    op.drop_table("saved_views")
    op.drop_table("data_sets")
    op.drop_table("indicators")
