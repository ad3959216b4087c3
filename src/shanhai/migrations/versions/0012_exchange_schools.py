"""中小学交流活动 counts what its name says: activities of the new type 教育交流 with schools taking part (the
new column activities.schools), no longer every 交往交流 (a party delegation's visit raised it).

The ledger of this migration: an activity of type 交往交流 whose title names schools (中小学, 学校)
becomes 教育交流 with at least one school (schools = 1, the title being the only evidence); every other
交往交流 record stays as it is and no longer counts. The derived values of 中小学交流活动 are recounted here
in SQL (the rule as it stands at this revision), so that no figure keeps a record that no longer belongs
to it.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHOOL_WORDS = ("%中小学%", "%学校%")


def upgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schools", sa.Integer(), nullable=True))
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE activities SET kind = '教育交流', schools = 1 "
            "WHERE kind = '交往交流' AND (title LIKE :a OR title LIKE :b)"
        ),
        {"a": SCHOOL_WORDS[0], "b": SCHOOL_WORDS[1]},
    )
    _recount_exchanges(bind)


def _recount_exchanges(bind: sa.Connection) -> None:
    derived = bind.execute(
        sa.text(
            "SELECT v.id, v.org_unit_id, v.programme_id, v.value, v.source_id, p.start_date, p.end_date "
            "FROM data_values v JOIN sources s ON s.id = v.source_id JOIN periods p ON p.id = v.period_id "
            "WHERE s.record_table = 'derived:exchanges'"
        )
    ).all()
    for value_id, unit, programme, value, source_id, start, end in derived:
        total = bind.execute(
            sa.text(
                "SELECT sum(sessions) FROM activities WHERE org_unit_id = :u "
                "AND coalesce(programme_id, 0) = :g AND kind = '教育交流' AND schools > 0 "
                "AND held_on >= :start AND held_on <= :end"
            ),
            {"u": unit, "g": programme or 0, "start": start, "end": end},
        ).scalar()
        if total is not None and total == value:
            continue
        if total is None:
            bind.execute(sa.text("DELETE FROM analytics_values WHERE data_value_id = :id"), {"id": value_id})
            bind.execute(sa.text("DELETE FROM data_values WHERE id = :id"), {"id": value_id})
            bind.execute(sa.text("DELETE FROM sources WHERE id = :id"), {"id": source_id})
        else:
            for table, key in (("data_values", "id"), ("analytics_values", "data_value_id")):
                bind.execute(
                    sa.text(f"UPDATE {table} SET value = :v WHERE {key} = :id"), {"v": total, "id": value_id}
                )
        bind.execute(
            sa.text("INSERT INTO analytics_changes (data_value_id, at) VALUES (:id, CURRENT_TIMESTAMP)"),
            {"id": value_id},
        )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE activities SET kind = '交往交流' WHERE kind = '教育交流'"))
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("schools")
