"""Claims: what a document says about a cell that a register keeps is evidence, not a value. The table of
claims, the link from a reviewed figure to its claim, and the move of every existing value of an element ×
kind that records keep (by derivation) and that did not come from the records — a figure accepted from a
report, or typed by hand — out of the values and the analytics table into the claims, keeping its source.
The derivations as they stand at this revision are listed here (RECORD_KEPT), as a migration must not read
the code of a later day.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

from shanhai.migrations.claims import move_values_into_claims

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("data_element_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.String(length=16), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("category_option", sa.String(length=32), server_default="", nullable=False),
        sa.Column("value", sa.Numeric(precision=24, scale=4), nullable=False),
        sa.Column("qualifier", sa.String(length=8), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(length=500), server_default="", nullable=False),
        sa.Column("certified", sa.Numeric(precision=24, scale=4), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind in ('actual', 'target')", name=op.f("ck_claims_kind")),
        sa.CheckConstraint(
            "qualifier in ('exact', 'over', 'under', 'approx')", name=op.f("ck_claims_qualifier")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_claims_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["data_element_id"],
            ["data_elements.id"],
            name=op.f("fk_claims_data_element_id_data_elements"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_claims_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_claims_period_id_periods"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_claims_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_claims_resolved_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_claims_source_id_sources"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_data_element_id"), ["data_element_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_period_id"), ["period_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_source_id"), ["source_id"], unique=False)

    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_candidates_claim_id_claims"), "claims", ["claim_id"], ["id"], ondelete="SET NULL"
        )

    move_values_into_claims(RECORD_KEPT)


RECORD_KEPT = (
    ("FUNDS", "actual"),
    ("FUNDS", "target"),
    ("CADRES_IN_POST", "actual"),
    ("PROJECTS_COMPLETED", "actual"),
    ("PARK_OUTPUT", "actual"),
    ("JOBS_CREATED", "actual"),
    ("PARK_FIRMS", "actual"),
    ("PARK_INVESTMENT_ATTRACTED", "actual"),
    ("JOB_FAIRS", "actual"),
    ("JOB_PLACEMENTS", "actual"),
    ("VOCATIONAL_TRAINING", "actual"),
    ("EXCHANGE_EVENTS", "actual"),
    ("PATIENT_VISITS", "actual"),
    ("CONSUMPTION_SALES", "actual"),
)


def downgrade() -> None:
    _claims_back_into_values()
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_candidates_claim_id_claims"), type_="foreignkey")
        batch_op.drop_column("claim_id")

    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claims_source_id"))
        batch_op.drop_index(batch_op.f("ix_claims_period_id"))
        batch_op.drop_index(batch_op.f("ix_claims_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_claims_data_element_id"))
        batch_op.drop_index(batch_op.f("ix_claims_created_by_id"))

    op.drop_table("claims")


FACT_COLUMNS = (
    "data_value_id",
    "data_element_id",
    "programme_id",
    "kind",
    "category_option",
    "org_unit_id",
    *(f"ou_l{i}" for i in range(1, 7)),
    "period_id",
    "start_date",
    "end_date",
    "year",
    "quarter",
    "month",
    "value",
    "qualifier",
    "created_by_id",
    "approved",
)


def _claims_back_into_values() -> None:
    """The release before this one knew no claims: the newest claim of each cell becomes that cell's value
    again (with its analytics row), unless the cell has a value already; the others go with the table."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT c.id, c.org_unit_id, c.data_element_id, c.period_id, c.programme_id, c.kind, "
            "c.category_option, c.value, c.qualifier, c.source_id, c.comment, c.created_by_id, ou.path, "
            "p.type, p.start_date, p.end_date FROM claims c JOIN org_units ou ON ou.id = c.org_unit_id "
            "JOIN periods p ON p.id = c.period_id ORDER BY c.id DESC"
        )
    ).all()
    taken = set()
    for row in rows:
        claim_id, unit, element, period, programme, kind, option, value, qualifier, source = row[:10]
        comment, creator, path, ptype, start, end = row[10:]
        key = (unit, element, period, programme or 0, kind, option)
        exists = bind.execute(
            sa.text(
                "SELECT 1 FROM data_values WHERE org_unit_id = :u AND data_element_id = :e "
                "AND period_id = :p AND coalesce(programme_id, 0) = :g AND kind = :k AND category_option = :o"
            ),
            {"u": unit, "e": element, "p": period, "g": programme or 0, "k": kind, "o": option},
        ).first()
        if key in taken or exists:
            continue
        taken.add(key)
        bind.execute(
            sa.text(
                "INSERT INTO data_values (org_unit_id, data_element_id, period_id, programme_id, kind, "
                "category_option, value, qualifier, source_id, comment, created_by_id, version, created_at, "
                "updated_at) VALUES (:u, :e, :p, :g, :k, :o, :v, :q, :s, :c, :b, 1, CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP)"
            ),
            {
                "u": unit,
                "e": element,
                "p": period,
                "g": programme,
                "k": kind,
                "o": option,
                "v": value,
                "q": qualifier,
                "s": source,
                "c": comment,
                "b": creator,
            },
        )
        value_id = bind.execute(sa.text("SELECT max(id) FROM data_values")).scalar()
        start = date.fromisoformat(start) if isinstance(start, str) else start
        end = date.fromisoformat(end) if isinstance(end, str) else end
        levels = ([int(x) for x in path.strip("/").split("/") if x] + [None] * 6)[:6]
        bind.execute(
            sa.text(
                f"INSERT INTO analytics_values ({', '.join(FACT_COLUMNS)}) "
                f"VALUES ({', '.join(':' + c for c in FACT_COLUMNS)})"
            ),
            {
                "data_value_id": value_id,
                "data_element_id": element,
                "programme_id": programme,
                "kind": kind,
                "category_option": option,
                "org_unit_id": unit,
                **{f"ou_l{i + 1}": levels[i] for i in range(6)},
                "period_id": period,
                "start_date": start,
                "end_date": end,
                "year": None if ptype == "multi_year" else start.year,
                "quarter": (start.month - 1) // 3 + 1 if ptype in ("monthly", "quarterly") else None,
                "month": start.month if ptype == "monthly" else None,
                "value": value,
                "qualifier": qualifier,
                "created_by_id": creator,
                "approved": True,
            },
        )
        bind.execute(
            sa.text("UPDATE candidates SET value_id = :v WHERE claim_id = :c"), {"v": value_id, "c": claim_id}
        )
        bind.execute(
            sa.text("INSERT INTO analytics_changes (data_value_id, at) VALUES (:id, CURRENT_TIMESTAMP)"),
            {"id": value_id},
        )
