"""Self-service administration: a unit can be closed (撤销) and keep its history; units, data elements,
indicators and data sets carry a version, so that an edit from a stale form is refused. The permissions of the
set-up registers (部门管理, 指标体系, 数据集管理, new and deleted roles, 重点工作 editing, exports of every
list) go to the roles that already administer the system; 重点工作 export to those that export indicators.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SETUP = [
    f"{module}:{action}"
    for module in ("orgunits", "elements", "datasets")
    for action in ("view", "create", "edit", "delete", "export")
] + [
    "roles:create",
    "roles:delete",
    "roles:export",
    "users:export",
    "logins:export",
    "programmes:create",
    "programmes:edit",
    "programmes:delete",
]


def upgrade() -> None:
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    for table in ("data_elements", "indicators", "data_sets"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    grants = sa.table(
        "role_permissions", sa.column("role_id", sa.Integer()), sa.column("permission", sa.String())
    )
    connection = op.get_bind()
    admins = [
        row[0]
        for row in connection.execute(
            sa.text("SELECT role_id FROM role_permissions WHERE permission = 'roles:edit'")
        )
    ]
    exporters = [
        row[0]
        for row in connection.execute(
            sa.text("SELECT role_id FROM role_permissions WHERE permission = 'indicators:export'")
        )
    ]
    rows = [{"role_id": r, "permission": p} for r in admins for p in SETUP]
    rows += [{"role_id": r, "permission": "programmes:export"} for r in exporters]
    if rows:
        op.bulk_insert(grants, rows)


def downgrade() -> None:
    op.execute(
        sa.text("DELETE FROM role_permissions WHERE permission IN :names").bindparams(
            sa.bindparam("names", [*SETUP, "programmes:export"], expanding=True)
        )
    )
    for table in ("data_elements", "indicators", "data_sets"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("closed")
