"""Helpers of the migrations: a value of a cell that records now keep becomes a claim (migrations 0011 and
0022 alike)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

CLAIM_COLUMNS = (
    "org_unit_id, data_element_id, period_id, programme_id, kind, category_option, value, qualifier, "
    "source_id, comment, created_by_id, resolution, version, created_at, updated_at"
)


def move_values_into_claims(kept_cells: Sequence[tuple[str, str]]) -> None:
    """Every value of an element × kind in `kept_cells` ((code, kind) pairs a register now keeps by
    derivation) that did not come from the records — a figure accepted from a report, or typed by hand — moves
    out of the values and the analytics table into the claims, keeping its source; a reviewed figure follows
    it, and a DuckDB replica learns of the removal from the change feed."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT v.id, e.code, v.kind FROM data_values v JOIN data_elements e ON e.id = v.data_element_id "
            "JOIN sources s ON s.id = v.source_id "
            "WHERE s.record_table IS NULL OR s.record_table NOT LIKE 'derived:%' ORDER BY v.id"
        )
    ).all()
    kept = set(kept_cells)
    for value_id, code, kind in rows:
        if (code, kind) not in kept:
            continue
        bind.execute(
            sa.text(
                f"INSERT INTO claims ({CLAIM_COLUMNS}) SELECT org_unit_id, data_element_id, period_id, "
                "programme_id, kind, category_option, value, qualifier, source_id, comment, created_by_id, "
                "'', 1, created_at, updated_at FROM data_values WHERE id = :id"
            ),
            {"id": value_id},
        )
        claim_id = bind.execute(sa.text("SELECT max(id) FROM claims")).scalar()
        bind.execute(
            sa.text("UPDATE candidates SET claim_id = :claim, value_id = NULL WHERE value_id = :id"),
            {"claim": claim_id, "id": value_id},
        )
        bind.execute(sa.text("DELETE FROM analytics_values WHERE data_value_id = :id"), {"id": value_id})
        bind.execute(sa.text("DELETE FROM data_values WHERE id = :id"), {"id": value_id})
        bind.execute(  # a DuckDB replica learns of the removal from the change feed
            sa.text("INSERT INTO analytics_changes (data_value_id, at) VALUES (:id, CURRENT_TIMESTAMP)"),
            {"id": value_id},
        )
