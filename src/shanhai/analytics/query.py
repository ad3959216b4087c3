"""One analytics query model, as in DHIS2: dx (data elements, indicators), ou (units, LEVEL-n, CHILDREN),
pe (fixed ids and relative periods). Roll-ups follow each element's aggregation and the actor's scope.

The SQL runs on the analytics table of the main database (SQLite or PostgreSQL) through SQLAlchemy, or —
the same statements compiled once for DuckDB — on an in-process DuckDB replica of that table
(analytics.replica, chosen with SHANHAI_ANALYTICS_ENGINE=duckdb)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, literal, or_, select, true, tuple_
from sqlalchemy.orm import Session

from shanhai.analytics.models import MAX_LEVELS, AnalyticsValue
from shanhai.analytics.replica import replica_store
from shanhai.analytics.store import Store
from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor
from shanhai.errors import Invalid
from shanhai.indicators import formula
from shanhai.indicators.models import Aggregation, DataElement, Indicator
from shanhai.lib import periods
from shanhai.lib.beijing import today as beijing_today
from shanhai.lib.cnnum import normalize
from shanhai.lib.csvout import to_csv as csv_text
from shanhai.orgunits.models import OrgUnit

RELATIVE_PERIODS = (
    "THIS_YEAR", "LAST_YEAR", "LAST_5_YEARS", "THIS_QUARTER", "LAST_QUARTER", "QUARTERS_THIS_YEAR",
    "THIS_MONTH", "LAST_MONTH", "LAST_12_MONTHS", "MONTHS_THIS_YEAR",
)  # fmt: skip


def relative(name: str, today: date) -> list[periods.Period]:
    month = periods.containing(today, periods.PeriodType.MONTHLY)
    quarter = periods.containing(today, periods.PeriodType.QUARTERLY)
    year = periods.containing(today, periods.PeriodType.YEARLY)
    january, first_quarter = periods.parse(f"{today.year}01"), periods.parse(f"{today.year}Q1")
    table: dict[str, Callable[[], list[periods.Period]]] = {
        "THIS_YEAR": lambda: [year],
        "LAST_YEAR": lambda: [periods.shift(year, -1)],
        "LAST_5_YEARS": lambda: [periods.shift(year, -i) for i in range(5, 0, -1)],
        "THIS_QUARTER": lambda: [quarter],
        "LAST_QUARTER": lambda: [periods.shift(quarter, -1)],
        "QUARTERS_THIS_YEAR": lambda: [periods.shift(first_quarter, i) for i in range(4)],
        "THIS_MONTH": lambda: [month],
        "LAST_MONTH": lambda: [periods.shift(month, -1)],
        "LAST_12_MONTHS": lambda: [periods.shift(month, -i) for i in range(12, 0, -1)],
        "MONTHS_THIS_YEAR": lambda: [periods.shift(january, i) for i in range(12)],
    }
    return table[name]()


def parse_periods(pe: str, today: date) -> list[periods.Period]:
    out: list[periods.Period] = []
    for item in _items(pe, "pe"):
        if item.upper() in RELATIVE_PERIODS:
            out.extend(relative(item.upper(), today))
        else:
            try:
                out.append(periods.parse(item))
            except periods.PeriodFormatError as exc:
                raise Invalid(f"{exc}；或使用相对期间 {'、'.join(RELATIVE_PERIODS)}", field="pe") from exc
    return list(dict.fromkeys(out))


MAX_CELLS = 20_000  # dx × ou × pe of one request: a dashboard needs hundreds, a full cube a few thousand
STATEMENT_MS = 15_000  # PostgreSQL: an analytics statement is cancelled after this long
_TIMED = "shanhai.statement_timeout"


def _items(text: str, name: str) -> list[str]:
    items = list(dict.fromkeys(part.strip() for part in (text or "").split(";") if part.strip()))
    if not items:
        raise Invalid(f"缺少维度 {name}", field=name)
    if len(items) > 200:
        raise Invalid(f"维度 {name} 的项目过多（最多 200 个）", field=name)
    return items


@dataclass(frozen=True)
class Item:
    """A dx item: a data element (actual or target) or an indicator."""

    code: str
    name: str
    element: DataElement | None = None
    kind: str = "actual"
    option: str = ""  # a category option (CODE:男); empty for the total over all options
    indicator: Indicator | None = None
    tree: Any = None


@dataclass
class Request:
    dx: list[Item]
    ou: list[OrgUnit]
    pe: list[periods.Period]
    formula_elements: dict[str, DataElement] = field(default_factory=dict)


@dataclass
class Result:
    headers: list[str]
    rows: list[list[Any]]
    names: dict[str, str] = field(default_factory=dict)
    dimensions: dict[str, list[str]] = field(default_factory=dict)

    def value(self, dx: str, ou: str, pe: str) -> Decimal | None:
        for row in self.rows:
            if row[0] == dx and row[1] == ou and row[2] == pe:
                return Decimal(row[3])
        return None


def parse_request(*, session: Session, dx: str, ou: str, pe: str, today: date | None = None) -> Request:
    today = today or beijing_today()
    elements = {e.code: e for e in session.scalars(select(DataElement))}
    indicators = {i.code: i for i in session.scalars(select(Indicator))}
    items: list[Item] = []
    for code in _items(dx, "dx"):
        head, _, option = code.partition(":")
        base, _, modifier = head.partition(".")
        if base in elements and modifier in ("", "target"):
            element = elements[base]
            if option and option not in element.options:
                raise Invalid(f"“{element.name}”没有分类选项“{option}”", field="dx")
            name = element.name + (f"（{option}）" if option else "") + ("（目标）" if modifier else "")
            items.append(Item(code, name, element, modifier or "actual", option))
        elif base in indicators and not modifier and not option:
            ind = indicators[base]
            items.append(
                Item(code, ind.name, indicator=ind, tree=compile_indicator(ind, indicators, elements))
            )
        else:
            raise Invalid(f"未知的指标：{code}", field="dx")
    used = {o.code for item in items if item.tree is not None for o in formula.operands(item.tree)}
    units, pes = _parse_units(session, ou), parse_periods(pe, today)
    cells = len(items) * len(units) * len(pes)
    if cells > MAX_CELLS:
        raise Invalid(
            f"查询范围过大：{len(items)} 个指标 × {len(units)} 个单位 × {len(pes)} 个期间 = "
            f"{cells:,} 个单元格，最多 {MAX_CELLS:,} 个；请减少指标、单位或期间",
            field="dx",
        )
    return Request(dx=items, ou=units, pe=pes, formula_elements={code: elements[code] for code in used})


def compile_indicator(
    ind: Indicator, indicators: dict[str, Indicator], elements: dict[str, DataElement]
) -> Any:
    """Parse the formula and inline referenced indicators; a reference cycle is an error."""

    def expand(node: Any, trail: tuple[str, ...]) -> Any:
        if node[0] == "ref":
            operand = node[1]
            if operand.code in indicators:
                if operand.code in trail:
                    raise Invalid(f"指标公式循环引用：{' → '.join((*trail, operand.code))}", field="formula")
                if operand.modifier:
                    raise Invalid(f"指标 {operand.code} 不能带修饰 .{operand.modifier}", field="formula")
                return expand(formula.parse(indicators[operand.code].formula), (*trail, operand.code))
            if operand.code not in elements:
                raise Invalid(f"公式引用了未知的指标：{operand.code}", field="formula")
            return node
        if node[0] == "num":
            return node
        return (node[0], *(expand(child, trail) for child in node[1:]))

    return expand(formula.parse(ind.formula), (ind.code,))


def _parse_units(session: Session, ou: str) -> list[OrgUnit]:
    roots: list[OrgUnit] = []
    level: int | None = None
    children = False
    for item in _items(ou, "ou"):
        upper = item.upper()
        if upper.startswith("LEVEL-"):
            try:
                level = int(upper[6:])
            except ValueError as exc:
                raise Invalid(f"无效的层级：{item}", field="ou") from exc
            if not 1 <= level <= 6:
                raise Invalid(f"无效的层级：{item}（1–6）", field="ou")
        elif upper == "CHILDREN":
            children = True
        else:
            unit = session.scalar(select(OrgUnit).where(OrgUnit.code == item))
            if unit is None:
                raise Invalid(f"未知的组织单位：{item}", field="ou")
            roots.append(unit)
    if not roots:
        roots = list(session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id)))
    if level is None and not children:
        return roots
    out: list[OrgUnit] = []
    for root in roots:
        query = select(OrgUnit).where(OrgUnit.path.startswith(root.path, autoescape=True))
        query = query.where(OrgUnit.parent_id == root.id) if children else query.where(OrgUnit.level == level)
        out.extend(session.scalars(query.order_by(OrgUnit.sort_order, OrgUnit.id)))
    return list({u.id: u for u in out}.values())


# --- the SQL ------------------------------------------------------------------------------------------


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


_BUCKETS = {"yearly": ("year",), "quarterly": ("year", "quarter"), "monthly": ("year", "month")}


def _bucket_key(p: periods.Period) -> tuple[int, ...]:
    if p.type is periods.PeriodType.QUARTERLY:
        return (p.year, (p.start.month - 1) // 3 + 1)
    if p.type is periods.PeriodType.MONTHLY:
        return (p.year, p.start.month)
    return (p.year,)


def _aggregate(aggregation: str) -> Any:
    av = AnalyticsValue
    if aggregation == Aggregation.AVERAGE.value:
        return func.avg(av.value)
    if aggregation == Aggregation.COUNT.value:
        return func.count()
    if aggregation == Aggregation.NONE.value:
        return func.min(av.value)  # with HAVING count(*) = 1: a ratio is never added up
    return func.sum(av.value)


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
) -> tuple[Statement, ...]:
    """GROUP BY statements for the requested (element id, kind, aggregation, option), units and periods: one
    per kind × aggregation × option × unit level × period type, each returned with its kind and option, its
    bucket → period id map and the bucket's width. Each row: element id, unit id, bucket columns, value.
    The same request gives the same statement objects (cached), so a store can compile each once."""
    return _statements(
        scope_key(actor),
        tuple(sorted(set(elements))),
        tuple((u.level, u.id) for u in units),
        tuple(pes),
        approved_only,
    )


@lru_cache(maxsize=512)
def _statements(
    scope: ScopeKey,
    elements: tuple[tuple[int, str, str, str], ...],
    units: tuple[tuple[int, int], ...],
    pes: tuple[periods.Period, ...],
    approved_only: bool,
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
        value = _aggregate(aggregation)
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
                ]
                if ptype in _BUCKETS:
                    cols = [getattr(av, c) for c in _BUCKETS[ptype]]
                    keys = {_bucket_key(p): p.id for p in plist}
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
                        select(outputs[0], ou_col, *outputs[1:], value)
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


def _last_values(
    store: Store,
    actor: Actor,
    element_ids: list[int],
    kind: str,
    option: str,
    units: list[OrgUnit],
    pes: list[periods.Period],
) -> dict[tuple[int, int, str], Decimal]:
    """'Last value in period': each leaf unit's latest value within each period, summed per requested unit —
    {(element id, unit id, period id): value}. One statement for all units and periods (its rows are the
    values of these elements in the span, few by nature), then sorted out here."""
    if not units or not pes:
        return {}
    av = AnalyticsValue
    by_level: dict[int, list[int]] = defaultdict(list)
    for unit in units:
        by_level[unit.level].append(unit.id)
    levels = [getattr(av, f"ou_l{level}") for level in range(1, MAX_LEVELS + 1)]
    rows = store.execute(
        select(av.data_element_id, av.org_unit_id, av.start_date, av.end_date, av.value, *levels).where(
            *([] if store.approved_only else [av.approved.is_(True)]),
            av.kind == kind,
            _in(av.data_element_id, element_ids),
            or_(*(getattr(av, f"ou_l{level}").in_(ids) for level, ids in by_level.items())),
            av.start_date >= min(p.start for p in pes),
            av.end_date <= max(p.end for p in pes),
            in_scope(scope_key(actor)),
            *([av.category_option == option] if option else []),
        )
    )
    parsed = [
        (
            element_id,
            leaf,
            date.fromisoformat(start) if isinstance(start, str) else start,
            date.fromisoformat(end) if isinstance(end, str) else end,
            Decimal(value),
            ancestors,
        )
        for element_id, leaf, start, end, value, *ancestors in rows
    ]
    out: dict[tuple[int, int, str], Decimal] = {}
    for p in pes:
        latest: dict[tuple[int, int], tuple[date, Decimal, list[Any]]] = {}
        for element_id, leaf, start, end, value, ancestors in parsed:
            if not (start >= p.start and end <= p.end):  # a coarser period never fits in a finer one
                continue
            if (element_id, leaf) not in latest or start > latest[(element_id, leaf)][0]:
                latest[(element_id, leaf)] = (start, value, ancestors)
        for (element_id, _leaf), (_start, value, ancestors) in latest.items():
            for unit in units:
                if ancestors[unit.level - 1] == unit.id:
                    key = (element_id, unit.id, p.id)
                    out[key] = out.get(key, Decimal(0)) + value
    return out


def element_values(
    store: Store,
    actor: Actor,
    wanted: set[tuple[int, str, str]],
    units: list[OrgUnit],
    pes: list[periods.Period],
    elements: dict[int, DataElement],
) -> dict[tuple[int, str, int, str], Decimal]:
    """{(element id, key, unit id, period id): value} for the wanted (element id, key, aggregation), where
    key is the kind, or kind:option for one category option ("actual", "target", "actual:男")."""
    out: dict[tuple[int, str, int, str], Decimal] = {}
    split = [(e, key.partition(":")[0], agg, key.partition(":")[2]) for e, key, agg in wanted]
    plain = [row for row in split if row[2] != Aggregation.LAST.value]
    for (kind, option), keys, stmt, width in element_statements(
        actor=actor, elements=plain, units=units, pes=pes, approved_only=store.approved_only
    ):
        key = f"{kind}:{option}" if option else kind
        for row in store.execute(stmt):
            value = row[-1]
            if value is not None:
                period_id = keys[tuple(map(int, row[2 : 2 + width]))]
                out[(row[0], key, row[1], period_id)] = normalize(_decimal(value))
    for element_id, kind, _agg, option in (row for row in split if row[2] == Aggregation.LAST.value):
        key = f"{kind}:{option}" if option else kind
        for (eid, unit_id, period_id), value in _last_values(
            store, actor, [element_id], kind, option, units, pes
        ).items():
            out[(eid, key, unit_id, period_id)] = normalize(value)
    return out


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))  # SQLite's avg() is a float


def _key(item: Item) -> str:
    return f"{item.kind}:{item.option}" if item.option else item.kind


def run(*, request: Request, actor: Actor, store: Store) -> Result:
    """Evaluate a parsed request against a store of the analytics table."""
    formula_elements = request.formula_elements
    elements: dict[int, DataElement] = {e.id: e for e in formula_elements.values()}
    wanted: set[tuple[int, str, str]] = set()
    need_last_year = False
    for item in request.dx:
        if item.element is not None:
            elements[item.element.id] = item.element
            wanted.add((item.element.id, _key(item), item.element.aggregation))
        else:
            for o in formula.operands(item.tree):
                element = formula_elements[o.code]
                wanted.add(
                    (element.id, "target" if o.modifier == "target" else "actual", element.aggregation)
                )
                need_last_year |= o.modifier == "last_year"
    pes = list(request.pe)
    previous = {p.id: periods.previous_year(p) for p in request.pe} if need_last_year else {}
    pes_all = list(dict.fromkeys([*pes, *previous.values()]))
    values = element_values(store, actor, wanted, request.ou, pes_all, elements) if wanted else {}

    rows: list[list[Any]] = []
    units = [(u.id, u.code) for u in request.ou]  # plain values: no ORM attribute access in the loop
    for item in request.dx:
        if item.element is not None:
            element_id, key = item.element.id, _key(item)
            for unit_id, unit_code in units:
                for p in request.pe:
                    found = values.get((element_id, key, unit_id, p.id))
                    if found is not None:
                        rows.append([item.code, unit_code, p.id, str(found)])  # normalised already
            continue
        for unit_id, unit_code in units:
            for p in request.pe:

                def lookup(o: formula.Operand, unit_id: int = unit_id, pid: str = p.id) -> Decimal | None:
                    element = formula_elements[o.code]
                    period_id = previous[pid].id if o.modifier == "last_year" else pid
                    kind = "target" if o.modifier == "target" else "actual"
                    return values.get((element.id, kind, unit_id, period_id))

                value = formula.evaluate(item.tree, lookup)
                if value is not None and item.indicator is not None:
                    value = value.quantize(Decimal(1).scaleb(-item.indicator.decimals))
                if value is not None:
                    rows.append([item.code, unit_code, p.id, str(normalize(value))])
    names = {i.code: i.name for i in request.dx} | {u.code: u.name for u in request.ou}
    names |= {p.id: p.name for p in request.pe}
    return Result(
        headers=["dx", "ou", "pe", "value"],
        rows=rows,
        names=names,
        dimensions={
            "dx": [i.code for i in request.dx],
            "ou": [u.code for u in request.ou],
            "pe": [p.id for p in request.pe],
        },
    )


def to_csv(result: Result) -> str:
    """The result as CSV for Excel (UTF-8 with BOM): names first, then the codes to query it again."""
    return csv_text(
        ["指标", "单位", "期间", "数值", "dx", "ou", "pe"],
        (
            [result.names.get(dx, dx), result.names.get(ou, ou), result.names.get(pe, pe), value, dx, ou, pe]
            for dx, ou, pe, value in result.rows
        ),
    )


def export_csv(*, session: Session, actor: Actor, dx: str, ou: str, pe: str) -> str:
    """An analytics query exported (API, pivot page, CLI): needs the export permission and is audited."""
    actor.require("indicators:export")
    result = analytics(session=session, actor=actor, dx=dx, ou=ou, pe=pe)
    record(
        session=session,
        actor=actor,
        module="指标",
        action=Action.EXPORT,
        object_type="analytics",
        summary=f"导出分析数据 {len(result.rows)} 行（dx={dx}；ou={ou}；pe={pe}）"[:500],
        after={"rows": len(result.rows), "dx": dx, "ou": ou, "pe": pe},
    )
    return to_csv(result)


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


def analytics(
    *,
    session: Session,
    actor: Actor,
    dx: str,
    ou: str,
    pe: str,
    today: date | None = None,
    store: Store | None = None,
) -> Result:
    """The analytics function every front door (API, CLI, pivot page, dashboard) calls. It reads the
    DuckDB replica attached to the session's engine if there is one, else the main database."""
    actor.require("indicators:view")
    request = parse_request(session=session, dx=dx, ou=ou, pe=pe, today=today)
    if store is None:
        store = replica_store(session) or session_store(session)
    return run(request=request, actor=actor, store=store)
