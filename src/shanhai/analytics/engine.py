"""Evaluate an analytics request: element roll-ups from the statements, "last value" per leaf, indicator
formulas over them. `analytics()` is the one function every front door and every page's figures call."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shanhai.analytics.replica import replica_store
from shanhai.analytics.request import Item, Request, parse_request
from shanhai.analytics.statements import (
    _in,
    element_statements,
    in_scope,
    programme_filter,
    qualifier_of,
    scope_key,
    session_store,
)
from shanhai.analytics.store import Store
from shanhai.auth.scope import Actor
from shanhai.indicators import formula
from shanhai.indicators.facts_table import MAX_LEVELS, AnalyticsValue
from shanhai.indicators.models import Aggregation, DataElement
from shanhai.lib import periods
from shanhai.lib.cnnum import normalize
from shanhai.orgunits.models import OrgUnit


@dataclass
class Result:
    headers: list[str]
    rows: list[list[Any]]
    names: dict[str, str] = field(default_factory=dict)
    dimensions: dict[str, list[str]] = field(default_factory=dict)
    # (dx, ou, pe) → over / under / approx, for the cells of data elements whose parts were not all exact
    qualifiers: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def value(self, dx: str, ou: str, pe: str) -> Decimal | None:
        for row in self.rows:
            if row[0] == dx and row[1] == ou and row[2] == pe:
                return Decimal(row[3])
        return None

    def qualifier(self, dx: str, ou: str, pe: str) -> str:
        return self.qualifiers.get((dx, ou, pe), "exact")


def _last_values(
    store: Store,
    actor: Actor,
    element_ids: list[int],
    kind: str,
    option: str,
    units: list[OrgUnit],
    pes: list[periods.Period],
    programme_id: int | None = None,
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
        select(
            av.data_element_id,
            av.org_unit_id,
            av.category_option,
            av.programme_id,
            av.start_date,
            av.end_date,
            av.value,
            *levels,
        ).where(
            *([] if store.approved_only else [av.approved.is_(True)]),
            av.kind == kind,
            _in(av.data_element_id, element_ids),
            or_(*(getattr(av, f"ou_l{level}").in_(ids) for level, ids in by_level.items())),
            av.start_date >= min(p.start for p in pes),
            av.end_date <= max(p.end for p in pes),
            in_scope(scope_key(actor)),
            *([av.category_option == option] if option else []),
            *programme_filter(programme_id),
        )
    )
    parsed = [
        (
            (element_id, leaf, row_option, programme),
            date.fromisoformat(start) if isinstance(start, str) else start,
            date.fromisoformat(end) if isinstance(end, str) else end,
            Decimal(value),
            ancestors,
        )
        for element_id, leaf, row_option, programme, start, end, value, *ancestors in rows
    ]
    out: dict[tuple[int, int, str], Decimal] = {}
    for p in pes:
        # each leaf's latest value per category option and programme: the one whose period ends last (of
        # two that end together, the longer: a year's figure stands for the year, its December's does not)
        latest: dict[tuple[int, int, str, int | None], tuple[tuple[date, date], Decimal, list[Any]]] = {}
        for part, start, end, value, ancestors in parsed:
            if not (start >= p.start and end <= p.end):  # a coarser period never fits in a finer one
                continue
            rank = (end, date.max - (start - date.min))  # later end first, then the earlier start
            if part not in latest or rank > latest[part][0]:
                latest[part] = (rank, value, ancestors)
        for (element_id, *_rest), (_rank, value, ancestors) in latest.items():
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
    programme_id: int | None = None,
) -> tuple[dict[tuple[int, str, int, str], Decimal], dict[tuple[int, str, int, str], str]]:
    """{(element id, key, unit id, period id): value} for the wanted (element id, key, aggregation), where
    key is the kind, or kind:option for one category option ("actual", "target", "actual:男")."""
    out: dict[tuple[int, str, int, str], Decimal] = {}
    qualifiers: dict[tuple[int, str, int, str], str] = {}
    split = [(e, key.partition(":")[0], agg, key.partition(":")[2]) for e, key, agg in wanted]
    plain = [row for row in split if row[2] != Aggregation.LAST.value]
    for (kind, option), keys, stmt, width in element_statements(
        actor=actor,
        elements=plain,
        units=units,
        pes=pes,
        approved_only=store.approved_only,
        programme_id=programme_id,
    ):
        key = f"{kind}:{option}" if option else kind
        for row in store.execute(stmt):
            value, bits = row[2 + width : 4 + width]
            if value is not None:
                period_id = keys[tuple(map(int, row[2 : 2 + width]))]
                cell = (row[0], key, row[1], period_id)
                out[cell] = normalize(_decimal(value))
                qualifier = qualifier_of(bits)
                if qualifier != "exact":
                    qualifiers[cell] = qualifier
    for element_id, kind, _agg, option in (row for row in split if row[2] == Aggregation.LAST.value):
        key = f"{kind}:{option}" if option else kind
        for (eid, unit_id, period_id), value in _last_values(
            store, actor, [element_id], kind, option, units, pes, programme_id
        ).items():
            out[(eid, key, unit_id, period_id)] = normalize(value)
    return out, qualifiers


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
    previous: dict[str, periods.Period] = {}
    for p in request.pe if need_last_year else ():
        try:
            previous[p.id] = periods.previous_year(p)
        except periods.PeriodFormatError:  # the first valid year has no last year: an empty cell
            continue
    pes_all = list(dict.fromkeys([*pes, *previous.values()]))
    values, qualifiers = (
        element_values(store, actor, wanted, request.ou, pes_all, elements, request.programme_id)
        if wanted
        else ({}, {})
    )
    cell_qualifiers: dict[tuple[str, str, str], str] = {}

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
                        qualifier = qualifiers.get((element_id, key, unit_id, p.id))
                        if qualifier:
                            cell_qualifiers[(item.code, unit_code, p.id)] = qualifier
            continue
        for unit_id, unit_code in units:
            for p in request.pe:

                def lookup(o: formula.Operand, unit_id: int = unit_id, pid: str = p.id) -> Decimal | None:
                    element = formula_elements[o.code]
                    if o.modifier == "last_year" and pid not in previous:
                        return None
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
        qualifiers=cell_qualifiers,
    )


def figures(
    *,
    session: Session,
    actor: Actor,
    dx: str,
    ou: str,
    pe: str,
    programme: str | None = None,
    today: date | None = None,
    store: Store | None = None,
) -> Result:
    """The figures of a page (dashboard, programme page, report) whose own permission its caller checked:
    the same roll-up as `analytics`, within the actor's data scope."""
    request = parse_request(session=session, dx=dx, ou=ou, pe=pe, programme=programme, today=today)
    if store is None:
        store = replica_store(session) or session_store(session)
    return run(request=request, actor=actor, store=store)


def analytics(
    *,
    session: Session,
    actor: Actor,
    dx: str,
    ou: str,
    pe: str,
    programme: str | None = None,
    today: date | None = None,
    store: Store | None = None,
) -> Result:
    """The analytics function every front door (API, CLI, pivot page) calls. It reads the DuckDB replica
    attached to the session's engine if there is one, else the main database. `programme` (a programme's
    code) keeps that programme's values only."""
    actor.require("indicators:view")
    return figures(
        session=session, actor=actor, dx=dx, ou=ou, pe=pe, programme=programme, today=today, store=store
    )
