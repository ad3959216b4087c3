"""Programme operations: the records behind the totals (work groups and the people they dispatch, fund
plans with tranches and disbursements, park years, activities, consumption-aid sales, project attachments),
the one-time tokens of forms (a form sent twice does its work once), and the projects' category, fund sources,
responsible person, progress and completion date. The new permissions go to the roles that already hold their
counterparts (工作台账 like 项目 and 指标数据; 查看敏感信息 to the roles that approve).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


GRANTS = {  # new permission: the permission whose holders receive it
    "records:view": "projects:view",
    "records:create": "indicators:create",
    "records:edit": "indicators:edit",
    "records:delete": "indicators:delete",
    "records:export": "indicators:export",
    "people:sensitive": "indicators:approve",
}


def _grant() -> None:
    connection = op.get_bind()
    rows = []
    for permission, like in GRANTS.items():
        holders = connection.execute(
            sa.text("SELECT role_id FROM role_permissions WHERE permission = :p"), {"p": like}
        )
        rows += [{"role_id": r[0], "permission": permission} for r in holders]
    if rows:
        grants = sa.table(
            "role_permissions", sa.column("role_id", sa.Integer()), sa.column("permission", sa.String())
        )
        op.bulk_insert(grants, rows)


def upgrade() -> None:
    op.create_table(
        "form_tokens",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("result_url", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_form_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_form_tokens")),
    )
    op.create_table(
        "activities",
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("organiser", sa.String(length=128), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("placements", sa.Integer(), nullable=True),
        sa.Column("patients", sa.Integer(), nullable=True),
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
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_activities_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_activities_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_activities_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_activities_source_id_sources"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_held_on"), ["held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_programme_id"), ["programme_id"], unique=False)

    op.create_table(
        "consumption_sales",
        sa.Column("channel", sa.String(length=128), nullable=False),
        sa.Column("outlets", sa.Integer(), nullable=True),
        sa.Column("period_id", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=24, scale=2), nullable=False),
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
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_consumption_sales_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_consumption_sales_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["periods.id"],
            name=op.f("fk_consumption_sales_period_id_periods"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_consumption_sales_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_consumption_sales_source_id_sources"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumption_sales")),
    )
    with op.batch_alter_table("consumption_sales", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consumption_sales_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consumption_sales_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consumption_sales_period_id"), ["period_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consumption_sales_programme_id"), ["programme_id"], unique=False)

    op.create_table(
        "fund_plans",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=24, scale=2), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fund_plans_amount")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_fund_plans_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_fund_plans_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_fund_plans_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_fund_plans_source_id_sources"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_plans")),
        sa.UniqueConstraint("programme_id", "org_unit_id", "year", name="uq_fund_plans_key"),
    )
    with op.batch_alter_table("fund_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_plans_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fund_plans_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fund_plans_programme_id"), ["programme_id"], unique=False)

    op.create_table(
        "park_years",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("firms", sa.Integer(), nullable=True),
        sa.Column("investment", sa.Numeric(precision=24, scale=2), nullable=True),
        sa.Column("jobs", sa.Integer(), nullable=True),
        sa.Column("output", sa.Numeric(precision=24, scale=2), nullable=True),
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
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_park_years_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_park_years_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_park_years_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_park_years_source_id_sources"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_park_years")),
        sa.UniqueConstraint("org_unit_id", "year", name="uq_park_years_key"),
    )
    with op.batch_alter_table("park_years", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_park_years_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_park_years_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_park_years_programme_id"), ["programme_id"], unique=False)

    op.create_table(
        "work_groups",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("place_unit_id", sa.Integer(), nullable=False),
        sa.Column("leader", sa.String(length=64), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
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
            name=op.f("fk_work_groups_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_work_groups_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["place_unit_id"],
            ["org_units.id"],
            name=op.f("fk_work_groups_place_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_work_groups_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_work_groups_source_id_sources"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_groups")),
    )
    with op.batch_alter_table("work_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_groups_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_groups_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_groups_programme_id"), ["programme_id"], unique=False)

    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=256), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("caption", sa.String(length=256), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_attachments_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_attachments_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_sha256"), ["sha256"], unique=False)

    op.create_table(
        "fund_tranches",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=24, scale=2), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fund_tranches_amount")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_fund_tranches_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_fund_tranches_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["fund_plans.id"],
            name=op.f("fk_fund_tranches_plan_id_fund_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_fund_tranches_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_fund_tranches_source_id_sources"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_tranches")),
    )
    with op.batch_alter_table("fund_tranches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_tranches_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fund_tranches_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fund_tranches_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fund_tranches_programme_id"), ["programme_id"], unique=False)

    op.create_table(
        "people",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("home_org", sa.String(length=128), nullable=False),
        sa.Column("post", sa.String(length=128), nullable=False),
        sa.Column("work_group_id", sa.Integer(), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("full_time", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("id_number", sa.String(length=32), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_on >= start_on", name=op.f("ck_people_term")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_people_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_people_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_people_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_people_source_id_sources"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["work_group_id"],
            ["work_groups.id"],
            name=op.f("fk_people_work_group_id_work_groups"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_people_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_people_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_people_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_people_work_group_id"), ["work_group_id"], unique=False)

    op.create_table(
        "disbursements",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("tranche_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=24, scale=2), nullable=False),
        sa.Column("purpose", sa.String(length=256), nullable=False),
        sa.Column("voucher", sa.String(length=64), nullable=False),
        sa.Column("over_reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_disbursements_amount")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_disbursements_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_disbursements_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["fund_plans.id"],
            name=op.f("fk_disbursements_plan_id_fund_plans"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_disbursements_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_disbursements_project_id_projects"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_disbursements_source_id_sources"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tranche_id"],
            ["fund_tranches.id"],
            name=op.f("fk_disbursements_tranche_id_fund_tranches"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disbursements")),
    )
    with op.batch_alter_table("disbursements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disbursements_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disbursements_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disbursements_paid_on"), ["paid_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_disbursements_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disbursements_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disbursements_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disbursements_tranche_id"), ["tranche_id"], unique=False)

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=16), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("fund_sources", sa.String(length=256), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("responsible_person", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("progress", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("completed_on", sa.Date(), nullable=True))

    _grant()


def downgrade() -> None:
    op.drop_table("form_tokens")
    op.execute(
        sa.text("DELETE FROM role_permissions WHERE permission IN :names").bindparams(
            sa.bindparam("names", list(GRANTS), expanding=True)
        )
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("completed_on")
        batch_op.drop_column("progress")
        batch_op.drop_column("responsible_person")
        batch_op.drop_column("fund_sources")
        batch_op.drop_column("category")

    with op.batch_alter_table("disbursements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disbursements_tranche_id"))
        batch_op.drop_index(batch_op.f("ix_disbursements_project_id"))
        batch_op.drop_index(batch_op.f("ix_disbursements_programme_id"))
        batch_op.drop_index(batch_op.f("ix_disbursements_plan_id"))
        batch_op.drop_index(batch_op.f("ix_disbursements_paid_on"))
        batch_op.drop_index(batch_op.f("ix_disbursements_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_disbursements_created_by_id"))

    op.drop_table("disbursements")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_work_group_id"))
        batch_op.drop_index(batch_op.f("ix_people_programme_id"))
        batch_op.drop_index(batch_op.f("ix_people_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_people_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_people_category"))

    op.drop_table("people")
    with op.batch_alter_table("fund_tranches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_tranches_programme_id"))
        batch_op.drop_index(batch_op.f("ix_fund_tranches_plan_id"))
        batch_op.drop_index(batch_op.f("ix_fund_tranches_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_fund_tranches_created_by_id"))

    op.drop_table("fund_tranches")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_sha256"))
        batch_op.drop_index(batch_op.f("ix_attachments_project_id"))

    op.drop_table("attachments")
    with op.batch_alter_table("work_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_groups_programme_id"))
        batch_op.drop_index(batch_op.f("ix_work_groups_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_work_groups_created_by_id"))

    op.drop_table("work_groups")
    with op.batch_alter_table("park_years", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_park_years_programme_id"))
        batch_op.drop_index(batch_op.f("ix_park_years_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_park_years_created_by_id"))

    op.drop_table("park_years")
    with op.batch_alter_table("fund_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_plans_programme_id"))
        batch_op.drop_index(batch_op.f("ix_fund_plans_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_fund_plans_created_by_id"))

    op.drop_table("fund_plans")
    with op.batch_alter_table("consumption_sales", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consumption_sales_programme_id"))
        batch_op.drop_index(batch_op.f("ix_consumption_sales_period_id"))
        batch_op.drop_index(batch_op.f("ix_consumption_sales_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_consumption_sales_created_by_id"))

    op.drop_table("consumption_sales")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_programme_id"))
        batch_op.drop_index(batch_op.f("ix_activities_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_activities_kind"))
        batch_op.drop_index(batch_op.f("ix_activities_held_on"))
        batch_op.drop_index(batch_op.f("ix_activities_created_by_id"))

    op.drop_table("activities")
