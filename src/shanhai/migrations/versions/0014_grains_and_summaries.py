"""One figure per fact, declared: each data element's nature (flow, stock, ratio, cumulative, since-start)
and the finest period its actual and target values are given for; register rows that sum up others
(“全年合计”: disbursements and activities) are flagged as summaries.

The ledger of this migration:
- every element gets the nature its aggregation implies (求和/计数 → 流量, 期末值 → 存量, others → 比率) and
  the grain 月 for actual and target values (nothing that exists is refused; an administrator declares a
  coarser grain on the element's page, the registers declare theirs in code);
- a disbursement or an activity whose note says it is a year's total (全年合计, 按年末计) becomes a summary:
  it counts only what the other rows of its year up to its date do not;
- a payment counts against its plan's year (disbursements.plan_year): one made after that year counts in
  its December (跨年到位), one made before it in its January;
- a consumption sale for a whole year or several years is a summary of the sales inside its period;
- then the derived values are recounted and every value that covers others (a year beside its months, a
  city beside its districts, a total beside its breakdown, no programme beside per-programme values) counts
  only its residual in the analytics table. Both use the application's own functions (operations.derive,
  indicators.facts), run by shanhai.migrations.upgrade after the last migration, on the newest schema.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMMARY_NOTES = ("%全年合计%", "%按年末计%")


def upgrade() -> None:
    with op.batch_alter_table("data_elements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nature", sa.String(16), server_default="flow", nullable=False))
        batch_op.add_column(sa.Column("grain", sa.String(16), server_default="monthly", nullable=False))
        batch_op.add_column(
            sa.Column("target_grain", sa.String(16), server_default="monthly", nullable=False)
        )
    for table in ("disbursements", "activities"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("summary", sa.Boolean(), server_default=sa.false(), nullable=False))
    bind = op.get_bind()
    with op.batch_alter_table("disbursements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_year", sa.Integer(), nullable=True))
    bind.execute(
        sa.text(
            "UPDATE disbursements SET plan_year = (SELECT year FROM fund_plans WHERE fund_plans.id = plan_id)"
        )
    )
    with op.batch_alter_table("disbursements", schema=None) as batch_op:
        batch_op.alter_column("plan_year", existing_type=sa.Integer(), nullable=False)
    bind.execute(sa.text("UPDATE data_elements SET nature = 'stock' WHERE aggregation = 'last'"))
    bind.execute(
        sa.text("UPDATE data_elements SET nature = 'ratio' WHERE aggregation IN ('average', 'none')")
    )
    for table in ("disbursements", "activities"):
        bind.execute(
            sa.text(f"UPDATE {table} SET summary = :t WHERE note LIKE :a OR note LIKE :b"),
            {"t": True, "a": SUMMARY_NOTES[0], "b": SUMMARY_NOTES[1]},
        )
    # recounted with the application's own functions once the schema is the newest (shanhai.migrations)
    config = op.get_context().config
    if config is not None:
        config.attributes["recount"] = True


def downgrade() -> None:
    with op.batch_alter_table("disbursements", schema=None) as batch_op:
        batch_op.drop_column("plan_year")
    for table in ("activities", "disbursements"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("summary")
    with op.batch_alter_table("data_elements", schema=None) as batch_op:
        batch_op.drop_column("target_grain")
        batch_op.drop_column("grain")
        batch_op.drop_column("nature")
