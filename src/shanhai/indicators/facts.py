"""Keep the analytics table in step with data values, inside the same transaction as the change, and note
each change in the feed that DuckDB replicas read."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import delete, event, insert, select, update
from sqlalchemy.orm import Session

from shanhai.db import utcnow
from shanhai.indicators.facts_table import MAX_LEVELS, AnalyticsChange, AnalyticsValue
from shanhai.indicators.models import DataValue
from shanhai.lib import periods

COLUMNS = [c.name for c in AnalyticsValue.__table__.columns]
UNIT_COLUMNS = COLUMNS[COLUMNS.index("org_unit_id") : COLUMNS.index("period_id")]
PERIOD_COLUMNS = COLUMNS[COLUMNS.index("period_id") : COLUMNS.index("value")]
# a fact is a tuple in the table's column order: the value's own fields around its unit and period parts
assert [
    "data_value_id",
    "data_element_id",
    "programme_id",
    "kind",
    "category_option",
    *UNIT_COLUMNS,
    *PERIOD_COLUMNS,
    "value",
    "qualifier",
    "created_by_id",
    "approved",
] == COLUMNS


def ancestor_levels(path: str) -> list[int | None]:
    """ "/1/4/17/" → [1, 4, 17, None, None, None]: the unit's ancestor id at each level, itself included."""
    ids: list[int | None] = [int(part) for part in path.strip("/").split("/") if part]
    return (ids + [None] * MAX_LEVELS)[:MAX_LEVELS]


def unit_part(unit_id: int, unit_path: str) -> tuple[object, ...]:
    """The unit part of a fact (UNIT_COLUMNS): the unit and its ancestor at each level."""
    return (unit_id, *ancestor_levels(unit_path))


def period_part(period_id: str, period_type: str, start: date, end: date) -> tuple[object, ...]:
    """The period part of a fact (PERIOD_COLUMNS): id, span and buckets (lib/periods.buckets, which the
    query side reads)."""
    return (period_id, start, end, *periods.buckets(period_type, start))


def fact(
    *,
    value_id: int | None,
    element_id: int,
    programme_id: int | None,
    kind: str,
    option: str,
    unit: tuple[object, ...],
    period: tuple[object, ...],
    value: Decimal,
    qualifier: str,
    created_by_id: int | None,
    approved: bool,
) -> tuple[object, ...]:
    """The analytics row of one data value, in the table's column order: the one place that turns a value
    into its fact, used by the incremental writer (`sync_value`) and by the rebuild (flows.rebuild) alike.
    The unit and period parts come from `unit_part` and `period_part`, which the rebuild computes once per
    unit and per period."""
    return (
        value_id,
        element_id,
        programme_id,
        kind,
        option,
        *unit,
        *period,
        value,
        qualifier,
        created_by_id,
        approved,
    )


def row_fields(value: DataValue) -> dict[str, object]:
    """The fact of one data value as column → value, without its id and its approval (kept by the row)."""
    period = value.period
    row = fact(
        value_id=value.id,
        element_id=value.data_element_id,
        programme_id=value.programme_id,
        kind=value.kind,
        option=value.category_option,
        unit=unit_part(value.org_unit_id, value.org_unit.path),
        period=period_part(period.id, period.type, period.start_date, period.end_date),
        value=value.value,
        qualifier=value.qualifier,
        created_by_id=value.created_by_id,
        approved=True,
    )
    fields = dict(zip(COLUMNS, row, strict=True))
    del fields["data_value_id"], fields["approved"]
    return fields


def sync_value(*, session: Session, value: DataValue) -> None:
    row = session.get(AnalyticsValue, value.id)
    fields = row_fields(value)
    if row is None:
        session.add(AnalyticsValue(data_value_id=value.id, **fields))
    else:
        for key, field_value in fields.items():
            setattr(row, key, field_value)
    _changed(session, [value.id])


def _changed(session: Session, value_ids: list[int]) -> None:
    session.execute(insert(AnalyticsChange), [{"data_value_id": i} for i in value_ids])
    session.info[_WROTE] = True
    _writes[0] += 1
    if _writes[0] % PRUNE_EVERY == 0:
        prune_feed(session=session)


FEED_DAYS = 7  # the feed keeps a week; a replica that has not read it for longer loads afresh
PRUNE_EVERY = 1_000  # feed writes of this process between prunings
_writes = [0]


def prune_feed(*, session: Session) -> int:
    """Delete feed rows older than FEED_DAYS (every replica has read them long since); return how many."""
    cutoff = utcnow() - timedelta(days=FEED_DAYS)
    result = session.execute(delete(AnalyticsChange).where(AnalyticsChange.at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


_WROTE = "shanhai.analytics.changed"
_commits = [0]  # analytics-changing commits made by this process


def local_commits() -> int:
    """How many transactions of this process have committed analytics changes: a replica that has seen
    fewer catches up before its next query, so a user always sees their own change."""
    return _commits[0]


@event.listens_for(Session, "after_commit")
def _count_commit(session: Session) -> None:
    if session.info.pop(_WROTE, False):
        _commits[0] += 1


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_WROTE, None)


def set_approved(*, session: Session, value_ids: list[int], approved: bool) -> None:
    """Values of a data-set report count in analytics only once the report is approved."""
    if value_ids:
        session.execute(
            update(AnalyticsValue)
            .where(AnalyticsValue.data_value_id.in_(value_ids))
            .values(approved=approved)
        )
        _changed(session, value_ids)


def remove_value(*, session: Session, value_id: int) -> None:
    session.execute(delete(AnalyticsValue).where(AnalyticsValue.data_value_id == value_id))
    _changed(session, [value_id])


def relocate_units(*, session: Session, units: list[tuple[int, str]]) -> int:
    """After units moved in the tree: give their facts the new ancestors ((unit id, new path) each), one
    UPDATE per unit, and note the changed values in the feed. Returns how many facts moved."""
    moved = 0
    for unit_id, path in units:
        levels = ancestor_levels(path)
        result = session.execute(
            update(AnalyticsValue)
            .where(AnalyticsValue.org_unit_id == unit_id)
            .values({f"ou_l{i + 1}": levels[i] for i in range(MAX_LEVELS)})
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            ids = list(
                session.scalars(
                    select(AnalyticsValue.data_value_id).where(AnalyticsValue.org_unit_id == unit_id)
                )
            )
            for start in range(0, len(ids), 1_000):
                _changed(session, ids[start : start + 1_000])
            moved += count
    return moved
