"""An analytics request as DHIS2 states it: dx (data elements, targets, category options, indicators), ou
(units, LEVEL-n, CHILDREN), pe (fixed ids and relative periods), and an optional programme filter — parsed
and checked here, before any statement runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.errors import Invalid
from shanhai.indicators import formula
from shanhai.indicators.models import DataElement, Indicator
from shanhai.lib import periods
from shanhai.lib.beijing import today as beijing_today
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme

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
    programme_id: int | None = None  # keep one programme's values only


def parse_request(
    *,
    session: Session,
    dx: str,
    ou: str,
    pe: str,
    programme: str | None = None,
    today: date | None = None,
) -> Request:
    today = today or beijing_today()
    programme_id = None
    if programme:
        programme_id = session.scalar(select(Programme.id).where(Programme.code == programme.strip()))
        if programme_id is None:
            raise Invalid(f"未知的重点工作：{programme}", field="programme")
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
    return Request(
        dx=items,
        ou=units,
        pe=pes,
        formula_elements={code: elements[code] for code in used},
        programme_id=programme_id,
    )


MAX_NODES = 2_000  # an indicator with every referenced indicator written out: beyond this it is refused
MAX_DEPTH = 200  # nesting of the written-out formula (sums of many terms nest one level per term)


def compile_indicator(
    ind: Indicator, indicators: dict[str, Indicator], elements: dict[str, DataElement]
) -> Any:
    """Parse the formula and inline referenced indicators; a reference cycle, an unknown code, or a formula
    that written out grows beyond MAX_NODES or MAX_DEPTH is an error naming `formula`."""
    size = [0]

    def expand(node: Any, trail: tuple[str, ...], depth: int) -> Any:
        size[0] += 1
        if size[0] > MAX_NODES or depth > MAX_DEPTH:
            raise Invalid(
                f"指标公式展开后过大（引用的指标逐层代入后超过 {MAX_NODES} 项或 {MAX_DEPTH} 层）：{ind.code}",
                field="formula",
            )
        if node[0] == "ref":
            operand = node[1]
            if operand.code in indicators:
                if operand.code in trail:
                    raise Invalid(f"指标公式循环引用：{' → '.join((*trail, operand.code))}", field="formula")
                if operand.modifier:
                    raise Invalid(f"指标 {operand.code} 不能带修饰 .{operand.modifier}", field="formula")
                inner = formula.parse(indicators[operand.code].formula)
                return expand(inner, (*trail, operand.code), depth + 1)
            if operand.code not in elements:
                raise Invalid(f"公式引用了未知的指标：{operand.code}", field="formula")
            return node
        if node[0] == "num":
            return node
        return (node[0], *(expand(child, trail, depth + 1) for child in node[1:]))

    return expand(formula.parse(ind.formula), (ind.code,), 0)


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
