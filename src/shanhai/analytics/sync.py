"""Keep the analytics table in step with data values, inside the same transaction as the change."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from shanhai.analytics.models import MAX_LEVELS, PERIOD_RANK, AnalyticsValue
from shanhai.indicators.models import DataValue


def ancestor_levels(path: str) -> list[int | None]:
    """ "/1/4/17/" → [1, 4, 17, None, None, None]: the unit's ancestor id at each level, itself included."""
    ids: list[int | None] = [int(part) for part in path.strip("/").split("/") if part]
    return (ids + [None] * MAX_LEVELS)[:MAX_LEVELS]


def row_fields(value: DataValue) -> dict[str, object]:
    period = value.period
    levels = ancestor_levels(value.org_unit.path)
    month = period.start_date.month if period.type == "monthly" else None
    quarter = (period.start_date.month - 1) // 3 + 1 if period.type in ("monthly", "quarterly") else None
    return {
        "data_element_id": value.data_element_id,
        "programme_id": value.programme_id,
        "kind": value.kind,
        "category_option": value.category_option,
        "org_unit_id": value.org_unit_id,
        **{f"ou_l{i + 1}": levels[i] for i in range(MAX_LEVELS)},
        "period_id": period.id,
        "period_rank": PERIOD_RANK[period.type],
        "start_date": period.start_date,
        "end_date": period.end_date,
        "year": period.start_date.year,
        "quarter": quarter,
        "month": month,
        "value": value.value,
        "created_by_id": value.created_by_id,
    }


def sync_value(*, session: Session, value: DataValue) -> None:
    row = session.get(AnalyticsValue, value.id)
    fields = row_fields(value)
    if row is None:
        session.add(AnalyticsValue(data_value_id=value.id, **fields))
    else:
        for key, field_value in fields.items():
            setattr(row, key, field_value)


def set_approved(*, session: Session, value_ids: list[int], approved: bool) -> None:
    """Values of a data-set report count in analytics only once the report is approved."""
    if value_ids:
        session.execute(
            update(AnalyticsValue)
            .where(AnalyticsValue.data_value_id.in_(value_ids))
            .values(approved=approved)
        )


def remove_value(*, session: Session, value_id: int) -> None:
    session.execute(delete(AnalyticsValue).where(AnalyticsValue.data_value_id == value_id))
