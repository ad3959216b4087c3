"""Document review: an uploaded report keeps its plain text (what figure offsets refer to), its unit (its
data scope), who sent it and its size; each figure found in it is a candidate on the shared lifecycle
(待审 → 采纳 / 驳回 / 已更正) with the suggestion that came with it. 报告文档 view/create/delete go to
the roles holding 指标数据 view/create/delete.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


GRANTS = {
    "documents:view": "indicators:view",
    "documents:create": "indicators:create",
    "documents:delete": "indicators:delete",
}


def upgrade() -> None:
    op.create_table(
        "candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Numeric(precision=30, scale=4), nullable=False),
        sa.Column("value_max", sa.Numeric(precision=30, scale=4), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("qualifier", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("element_id", sa.Integer(), nullable=True),
        sa.Column("suggested_unit_id", sa.Integer(), nullable=True),
        sa.Column("period_id", sa.String(length=16), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("value_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_candidates_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["element_id"],
            ["data_elements.id"],
            name=op.f("fk_candidates_element_id_data_elements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_candidates_programme_id_programmes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["suggested_unit_id"],
            ["org_units.id"],
            name=op.f("fk_candidates_suggested_unit_id_org_units"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["value_id"],
            ["data_values.id"],
            name=op.f("fk_candidates_value_id_data_values"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidates")),
        sa.UniqueConstraint("document_id", "start", "end", name="uq_candidates_span"),
    )
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_candidates_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_candidates_status"), ["status"], unique=False)

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plain_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("org_unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("uploaded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("size", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_documents_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_documents_uploaded_by_id_users"),
            "users",
            ["uploaded_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_documents_org_unit_id_org_units"),
            "org_units",
            ["org_unit_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    connection = op.get_bind()
    rows = []
    for permission, like in GRANTS.items():
        holders = connection.execute(
            sa.text("SELECT role_id FROM role_permissions WHERE permission = :p"), {"p": like}
        )
        rows += [{"role_id": r[0], "permission": permission} for r in holders]
    if rows:
        table = sa.table(
            "role_permissions", sa.column("role_id", sa.Integer()), sa.column("permission", sa.String())
        )
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.execute(
        sa.text("DELETE FROM role_permissions WHERE permission IN :names").bindparams(
            sa.bindparam("names", list(GRANTS), expanding=True)
        )
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_documents_org_unit_id_org_units"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_documents_uploaded_by_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_documents_org_unit_id"))
        batch_op.drop_column("size")
        batch_op.drop_column("uploaded_by_id")
        batch_op.drop_column("org_unit_id")
        batch_op.drop_column("plain_text")

    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidates_status"))
        batch_op.drop_index(batch_op.f("ix_candidates_document_id"))

    op.drop_table("candidates")
