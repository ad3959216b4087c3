"""Keep the analytics table in step with data values, inside the same transaction as the change, and note
each change in the feed that DuckDB replicas read."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, delete, event, func, insert, or_, select, update
from sqlalchemy.orm import Session

from shanhai.db import serialize, utcnow
from shanhai.documents.models import Source
from shanhai.indicators.facts_table import MAX_LEVELS, QUALIFIER_BITS, AnalyticsChange, AnalyticsValue
from shanhai.indicators.models import DataElement, DataValue
from shanhai.lib import periods
from shanhai.lib.summaries import residual

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
    "qualifier_bit",
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
        QUALIFIER_BITS.get(qualifier, QUALIFIER_BITS["approx"]),
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
        row = AnalyticsValue(data_value_id=value.id, **fields)
        session.add(row)
    else:
        for key, field_value in fields.items():
            setattr(row, key, field_value)
    _changed(session, [value.id])
    settle(session=session, cell=_cell_of(row))


# --- one figure per fact: a value that covers others counts only what they do not (lib.summaries) ---------

AV = AnalyticsValue
_LEVELS = [getattr(AV, f"ou_l{i + 1}") for i in range(MAX_LEVELS)]
_CELL = (AV.data_element_id, AV.kind, AV.org_unit_id, *_LEVELS, AV.start_date, AV.end_date)
_CELL += (AV.category_option, AV.programme_id)


def _cell_of(row: AnalyticsValue) -> tuple[Any, ...]:
    return tuple(getattr(row, c.key) for c in _CELL)


def _summed(session: Session, element_id: int) -> bool:
    element = session.get(DataElement, element_id)
    return element is not None and element.summed


def _level(cell: tuple[Any, ...]) -> int:
    """The org-tree level (1-based) of a cell's unit: how many ancestor columns are filled."""
    return sum(1 for v in cell[3 : 3 + MAX_LEVELS] if v is not None)


def _inside(cell: tuple[Any, ...], *, strict_id: int | None = None) -> list[Any]:
    """The conditions of the facts a cell covers: its element and kind, its unit's subtree, its span, its
    category option (a total covers every option) and its programme (none covers every programme)."""
    element, kind, unit = cell[0], cell[1], cell[2]
    start, end, option, programme = cell[-4:]
    conditions = [
        AV.data_element_id == element,
        AV.kind == kind,
        _LEVELS[_level(cell) - 1] == unit,
        AV.start_date >= start,
        AV.end_date <= end,
        AV.approved.is_(True),
    ]
    if option:
        conditions.append(AV.category_option == option)
    if programme is not None:
        conditions.append(AV.programme_id == programme)
    if strict_id is not None:
        conditions.append(AV.data_value_id != strict_id)
    return conditions


def settle(*, session: Session, cell: tuple[Any, ...]) -> int:
    """After the fact of `cell` changed, appeared or went: every value that covers that cell (itself
    included) counts its residual over the facts inside it, from the inside out. Values kept by registers
    are left alone (their derivation applies the rule to the records). Returns how many facts changed."""
    element, kind, unit = cell[0], cell[1], cell[2]
    if not _summed(session, element):
        return 0
    # writers of one element × kind settle one after another, each reading the others' committed facts
    # (PostgreSQL reads committed rows per statement: without this, two months entered at once under one
    # year would each leave the year's residual computed without the other)
    serialize(session, f"settle:{element}:{kind}")
    session.flush()  # the fact just written is one of those read below
    start, end, option, programme = cell[-4:]
    ancestors = [v for v in cell[3 : 3 + MAX_LEVELS] if v is not None] or [unit]
    return _settle_each(
        session,
        _entered(
            session,
            element,
            kind,
            AV.org_unit_id.in_(ancestors),
            AV.start_date <= start,
            AV.end_date >= end,
            AV.category_option.in_(["", option]),
            or_(AV.programme_id.is_(None), AV.programme_id == programme),
        ),
    )


Entered = tuple[tuple[Any, ...], int, Decimal, str]  # cell, value id, the value and qualifier as entered


def _entered(session: Session, element: int, kind: str, *where: Any) -> list[Entered]:
    """The facts of an element × kind that are not kept by a register (a derivation applies the rule to its
    records itself), with the further conditions: each with its value as entered."""
    rows = session.execute(
        select(*_CELL, AV.data_value_id, DataValue.value, DataValue.qualifier)
        .join(DataValue, DataValue.id == AV.data_value_id)
        .join(Source, Source.id == DataValue.source_id)
        .where(
            AV.data_element_id == element,
            AV.kind == kind,
            or_(Source.record_table.is_(None), ~Source.record_table.startswith("derived:")),
            *where,
        )
    ).all()
    return [(tuple(r[:-3]), r[-3], Decimal(r[-2]), r[-1]) for r in rows]


def _order(item: Entered) -> tuple[Any, ...]:
    """Inner summaries first: a cell inside another is no larger in any part and smaller in one, so it sorts
    before it."""
    cell = item[0]
    start, end, option, programme = cell[-4:]
    return ((end - start).days, -_level(cell), option == "", programme is None, item[1])


def _settle_each(session: Session, items: list[Entered]) -> int:
    changed = []
    for cell, value_id, raw, raw_qualifier in sorted(items, key=_order):
        covered = session.scalar(
            select(func.coalesce(func.sum(AV.value), 0)).where(*_inside(cell, strict_id=value_id))
        )
        counted = residual(raw, Decimal(covered or 0))
        qualifier = raw_qualifier if counted > 0 or not covered else "exact"
        result = session.execute(
            update(AV)
            .where(AV.data_value_id == value_id, or_(AV.value != counted, AV.qualifier != qualifier))
            .values(value=counted, qualifier=qualifier, qualifier_bit=QUALIFIER_BITS[qualifier])
            .execution_options(synchronize_session="fetch")
        )
        if getattr(result, "rowcount", 0):
            changed.append(value_id)
    if changed:
        _changed(session, changed)
    return len(changed)


def settle_all(*, session: Session, element_ids: list[int] | None = None) -> int:
    """Settle every value that may cover another (after a rebuild, a migration, units moved): only groups of
    an element × kind whose facts mix period types, unit levels, a total with options or values without a
    programme with per-programme ones can nest, so only those are read. Returns how many facts changed."""
    n = func.count()
    mixed: list[Any] = [func.count(c) for c in (AV.month, AV.quarter, AV.year, AV.programme_id)]
    mixed += [func.count(level) for level in _LEVELS[1:]]
    mixed.append(func.sum(case((AV.category_option == "", 1), else_=0)))
    stmt = select(AV.data_element_id, AV.kind, n, *mixed).group_by(AV.data_element_id, AV.kind)
    if element_ids is not None:
        stmt = stmt.where(AV.data_element_id.in_(element_ids))
    changed = 0
    for element, kind, total, *counts in session.execute(stmt).all():
        if not _summed(session, element) or all(c in (0, total) for c in counts):
            continue
        changed += _settle_each(session, _entered(session, element, kind))
    return changed


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
    """Values of a data-set report count in analytics only once the report is approved (and a value that
    covers them counts its residual over the approved ones)."""
    if value_ids:
        session.execute(
            update(AnalyticsValue)
            .where(AnalyticsValue.data_value_id.in_(value_ids))
            .values(approved=approved)
        )
        _changed(session, value_ids)
        cells = session.execute(select(*_CELL).where(AV.data_value_id.in_(value_ids))).all()
        for cell in cells:
            settle(session=session, cell=tuple(cell))


def cell_of(session: Session, value_id: int) -> tuple[Any, ...] | None:
    """The cell a value's fact stands in (read before the value goes: its fact goes with it)."""
    found = session.execute(select(*_CELL).where(AV.data_value_id == value_id)).first()
    return tuple(found) if found is not None else None


def remove_value(*, session: Session, value_id: int, cell: tuple[Any, ...] | None) -> None:
    """A value went: its fact goes, and every value that covered it counts its residual again. `cell`: the
    fact's cell as read before the value was deleted (the database deletes the fact with the value, and a
    summary left with its old residual counted the gone part as still covered: the outside look found a
    year of 100 shown as 70 once a month of 30 was deleted)."""
    session.execute(delete(AnalyticsValue).where(AnalyticsValue.data_value_id == value_id))
    _changed(session, [value_id])
    if cell is not None:
        settle(session=session, cell=cell)


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
    if moved:
        elements = session.scalars(
            select(AV.data_element_id).where(AV.org_unit_id.in_([u for u, _ in units])).distinct()
        )
        settle_all(session=session, element_ids=list(elements))
    return moved
