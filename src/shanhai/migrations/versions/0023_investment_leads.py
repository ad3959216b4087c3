"""Investment leads (招商项目) as the pipeline: who invests, where the lead came from, its industry, the
department that carries it (包挂), its size class by planned investment (百亿级 ≥100亿, 五十亿级 ≥50亿, 十亿级
≥10亿, 亿元级 ≥1亿), the day it was signed and the day it reached its present stage. Signed leads now count
towards 签约招商项目, their planned investment, 百亿级项目 and 五十亿级项目 (operations.registers): an actual
value of those typed or accepted before becomes a claim, as the derivations as they stand at this revision
say (listed here; a migration must not read the code of a later day).

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shanhai.migrations.claims import move_values_into_claims

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORD_KEPT = tuple(
    (code, "actual")
    for code in ("INVEST_SIGNED", "INVEST_SIGNED_AMOUNT", "MEGA_PROJECTS", "INVEST_50YI_PROJECTS")
)


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("investor", sa.String(length=256), server_default="", nullable=False))
        batch_op.add_column(sa.Column("lead_source", sa.String(length=16), server_default="", nullable=False))
        batch_op.add_column(sa.Column("industry_code", sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column("department_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("size_class", sa.String(length=8), server_default="", nullable=False))
        batch_op.add_column(sa.Column("signed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("stage_since", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_projects_department_id_org_units"),
            "org_units",
            ["department_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    op.execute(
        sa.text(
            "UPDATE projects SET size_class = CASE WHEN investment >= 10000000000 THEN '百亿级' "
            "WHEN investment >= 5000000000 THEN '五十亿级' WHEN investment >= 1000000000 THEN '十亿级' "
            "WHEN investment >= 100000000 THEN '亿元级' ELSE '亿元以下' END "
            "WHERE kind = 'investment' AND investment IS NOT NULL"
        )
    )
    move_values_into_claims(RECORD_KEPT)
    config = op.get_context().config  # the derived values, from the records, once the schema is the newest
    if config is not None:
        config.attributes["recount"] = True


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_projects_department_id_org_units"), type_="foreignkey")
        for column in ("stage_since", "signed_on", "size_class", "department_id", "industry_code"):
            batch_op.drop_column(column)
        batch_op.drop_column("lead_source")
        batch_op.drop_column("investor")
