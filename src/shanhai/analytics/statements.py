"""The SQL of analytics: GROUP BY statements on the analytics table, scoped without a join, the same
statement objects for the main database and for a DuckDB replica."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from shanhai.analytics.store import Store
from shanhai.auth.scope import Actor
from shanhai.indicators.facts_table import MAX_LEVELS, QUALIFIER_BITS, AnalyticsValue
from shanhai.indicators.models import Aggregation
from shanhai.lib import periods
from shanhai.orgunits.models import OrgUnit

STATEMENT_MS = 15_000  # PostgreSQL: an analytics statement is cancelled after this long
_TIMED = "shanhai.statement_timeout"


ScopeKey = tuple[bool, tuple[str, ...], tuple[int, ...], int | None]


def scope_key(actor: Actor) -> ScopeKey:
    """What of the actor decides the rows it sees: everything, subtrees, units, its own rows."""
    return (actor.scope_all, actor.subtree_paths, actor.units, actor.user_id if actor.own_rows else None)


def in_scope(scope: ScopeKey) -> ColumnElement[bool]:
    """The data scope on the analytics table, without a join: a subtree is one ancestor column
    (本单位及下级 of 泉山区 at level 2 → ou_l2 = its id), so the same predicate runs on a replica."""
    av = AnalyticsValue
    scope_all, subtree_paths, units, own_rows_of = scope
    if scope_all:
        return true()
    conditions: list[ColumnElement[bool]] = []
    for path in subtree_paths:
        ids = [int(part) for part in path.strip("/").split("/") if part]
        if 1 <= len(ids) <= MAX_LEVELS:
            conditions.append(getattr(av, f"ou_l{len(ids)}") == ids[-1])
    if units:
        conditions.append(av.org_unit_id.in_(units))
    if own_rows_of is not None:
        conditions.append(av.created_by_id == own_rows_of)
    return or_(*conditions) if conditions else false()


class bit_or(FunctionElement[int]):
    """OR of the parts' qualifier bits: PostgreSQL's and DuckDB's bit_or; SQLite has none, and as every part
    is one bit, the sum of the distinct bits is the same number."""

    type = Integer()
    inherit_cache = True
    name = "bit_or"


@compiles(bit_or)
def _bit_or(element: bit_or, compiler: Any, **kw: Any) -> str:
    return f"bit_or({compiler.process(element.clauses, **kw)})"


@compiles(bit_or, "sqlite")
def _bit_or_sqlite(element: bit_or, compiler: Any, **kw: Any) -> str:
    return f"sum(DISTINCT {compiler.process(element.clauses, **kw)})"


def _aggregate(aggregation: str) -> list[Any]:
    """The value of a group, then the OR of its parts' qualifier bits (see qualifier_of); an average or a
    count is exact by nature."""
    av = AnalyticsValue
    if aggregation == Aggregation.AVERAGE.value:
        return [func.avg(av.value), null()]
    if aggregation == Aggregation.COUNT.value:
        return [func.count(), null()]
    if aggregation == Aggregation.NONE.value:
        return [func.min(av.value), bit_or(av.qualifier_bit)]  # with HAVING count(*) = 1: never added up
    return [func.sum(av.value), bit_or(av.qualifier_bit)]


def qualifier_of(bits: int | None) -> str:
    """The qualifier of a roll-up from the OR of its parts' bits: exact parts stay exact; parts all 'over'
    (超, 余) or all 'under' (近) keep it, also mixed with exact ones; a mix of over and under, or any
    approximate part, makes it approximate (约)."""
    bits = int(bits or 0)
    if not bits or bits == QUALIFIER_BITS["exact"]:
        return "exact"
    if bits & QUALIFIER_BITS["approx"]:
        return "approx"
    over, under = bool(bits & QUALIFIER_BITS["over"]), bool(bits & QUALIFIER_BITS["under"])
    if over and under:
        return "approx"
    return "over" if over else "under"


def _bucket_filter(cols: list[Any], keys: Iterable[tuple[int, ...]]) -> Any:
    keys = list(keys)
    if len(cols) == 1:
        return _in(cols[0], [k[0] for k in keys])
    years, seconds = sorted({k[0] for k in keys}), sorted({k[1] for k in keys})
    if len(keys) == len(years) * len(seconds):  # a full grid (e.g. 12 months of one year): two plain INs
        return and_(_in(cols[0], years), _in(cols[1], seconds))
    return and_(_in(cols[0], years), tuple_(*cols).in_(keys))


Statement = tuple[tuple[str, str], dict[tuple[int, ...], str], Select[Any], int]


def element_statements(
    *,
    actor: Actor,
    elements: Iterable[tuple[int, str, str, str]],
    units: list[OrgUnit],
    pes: list[periods.Period],
    approved_only: bool = False,
    programme_id: int | None = None,
) -> tuple[Statement, ...]:
    """GROUP BY statements for the requested (element id, kind, aggregation, option), units and periods: one
    per kind × aggregation × option × unit level × period type, each returned with its kind and option, its
    bucket → period id map and the bucket's width. Each row: element id, unit id, bucket columns, value, then
    the OR of its parts' qualifier bits (see qualifier_of). `programme_id` keeps one
    programme's values (重点工作) only.
    The same request gives the same statement objects (cached), so a store can compile each once."""
    return _statements(
        scope_key(actor),
        tuple(sorted(set(elements))),
        tuple((u.level, u.id) for u in units),
        tuple(pes),
        approved_only,
        programme_id,
    )


def programme_filter(programme_id: int | None) -> list[ColumnElement[bool]]:
    return [] if programme_id is None else [AnalyticsValue.programme_id == programme_id]


@lru_cache(maxsize=512)
def _statements(
    scope: ScopeKey,
    elements: tuple[tuple[int, str, str, str], ...],
    units: tuple[tuple[int, int], ...],
    pes: tuple[periods.Period, ...],
    approved_only: bool,
    programme_id: int | None,
) -> tuple[Statement, ...]:
    av = AnalyticsValue
    statements: list[Statement] = []
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for element_id, kind, aggregation, option in elements:
        groups[(kind, aggregation, option)].append(element_id)
    by_level: dict[int, list[int]] = defaultdict(list)
    for level, unit_id in units:
        by_level[level].append(unit_id)
    by_type: dict[str, list[periods.Period]] = defaultdict(list)
    for p in pes:
        by_type[p.type.value].append(p)
    for (kind, aggregation, option), element_ids in groups.items():
        aggregate = _aggregate(aggregation)
        for level, unit_ids in by_level.items():
            ou_col = getattr(av, f"ou_l{level}")
            for ptype, plist in by_type.items():
                where = [
                    _in(av.data_element_id, element_ids),
                    _in(ou_col, unit_ids),
                    av.kind == kind,
                    in_scope(scope),
                    *([] if approved_only else [av.approved.is_(True)]),
                    *([av.category_option == option] if option else []),
                    *programme_filter(programme_id),
                ]
                if ptype in periods.BUCKET_COLUMNS:
                    cols = [getattr(av, c) for c in periods.BUCKET_COLUMNS[periods.PeriodType(ptype)]]
                    keys = {periods.bucket_key(p): p.id for p in plist}
                    spans = [(keys, [_bucket_filter(cols, keys)], cols)]
                else:  # spans of years: one statement per span
                    spans = [
                        ({(): p.id}, [av.start_date >= p.start, av.end_date <= p.end], []) for p in plist
                    ]
                for bucket_map, extra, group_cols in spans:
                    # a column with one requested value is selected as that value and not grouped by
                    # (narrower hash keys); the unit column is always grouped, so no match gives no row
                    known = [(av.data_element_id, {e for e in element_ids})]
                    known += [(col, {k[i] for k in bucket_map}) for i, col in enumerate(group_cols)]
                    outputs = [_constant(col, values) for col, values in known]
                    grouped = [col for col, values in known if len(values) > 1]
                    stmt = (
                        select(outputs[0], ou_col, *outputs[1:], *aggregate)
                        .where(*where, *extra)
                        .group_by(ou_col, *grouped)
                    )
                    if aggregation == Aggregation.NONE.value:
                        stmt = stmt.having(func.count() == 1)
                    statements.append(((kind, option), bucket_map, stmt, len(group_cols)))
    return tuple(statements)


def _constant(column: Any, values: set[Any]) -> Any:
    return literal(next(iter(values)), column.type).label(column.key) if len(values) == 1 else column


def _in(column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """column = v, a BETWEEN for a run of consecutive integers (ids 1…10, months 1…12: a range scan uses the
    min/max kept per block), else IN."""
    condition: ColumnElement[bool]
    if len(values) == 1:
        condition = column == values[0]
    elif all(isinstance(v, int) for v in values) and max(values) - min(values) + 1 == len(set(values)):
        condition = column.between(min(values), max(values))
    else:
        condition = column.in_(values)
    return condition


def session_store(session: Session) -> Store:
    """The analytics table of the main database, read in the caller's transaction; on PostgreSQL each
    statement may run STATEMENT_MS at most (a request too big for that is refused, not left running)."""

    def execute(stmt: Any) -> Sequence[Any]:
        connection = session.connection()
        transaction = id(session.get_transaction())
        if connection.dialect.name == "postgresql" and session.info.get(_TIMED) != transaction:
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {STATEMENT_MS}")
            session.info[_TIMED] = transaction  # SET LOCAL lasts until this transaction ends
        return session.execute(stmt).all()

    return Store(execute=execute)
