"""指标体系: data elements (what is reported: name, unit, how it rolls up, category options) and indicators
(formulas over elements: checked on save, with a preview of their value from the analytics engine)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shanhai.analytics.engine import run
from shanhai.analytics.replica import replica_store
from shanhai.analytics.request import RELATIVE_PERIODS, Item, Request, compile_indicator
from shanhai.analytics.statements import session_store
from shanhai.audit.service import Action
from shanhai.auth.scope import Actor
from shanhai.datasets.models import DataSetElement
from shanhai.db import same_version, serialize
from shanhai.errors import Conflict, Invalid, NotFound, ShanhaiError
from shanhai.indicators import formula as formulas
from shanhai.indicators.models import (
    AGGREGATION_LABELS,
    NATURE_AGGREGATIONS,
    NATURE_LABELS,
    Aggregation,
    DataElement,
    DataValue,
    Indicator,
    Nature,
    Period,
    nature_of,
)
from shanhai.indicators.service import latest_year
from shanhai.lib import periods
from shanhai.lib.beijing import today
from shanhai.lib.periods import PeriodType, finer
from shanhai.orgunits.models import OrgUnit
from shanhai.registers import catalogue
from shanhai.setup.common import audit, code, insert_unique, number, text

MODULE = "指标体系"
UNITS_HINT = "如 元、人、个、家、%、人次"


def _element_snapshot(e: DataElement) -> dict[str, object]:
    return {
        "code": e.code,
        "name": e.name,
        "unit": e.unit,
        "aggregation": e.aggregation,
        "group": e.group,
        "category": e.category,
        "options": e.category_options,
        "nature": e.nature,
        "grain": e.grain,
        "target_grain": e.target_grain,
        "aliases": e.aliases,
    }


def get_element(*, session: Session, actor: Actor, element_id: int) -> DataElement:
    actor.require("elements:view")
    element = session.get(DataElement, element_id)
    if element is None:
        raise NotFound(f"数据元不存在：编号 {element_id}", field="element_id")
    return element


ALIAS_MARKS = "（）()·-“”"
LIST_SEPARATORS = re.compile(r"[,，、;；\n]")  # between the words of a list typed into one field


def _fill_element(
    element: DataElement,
    *,
    name: str,
    unit: str,
    aggregation: str,
    group: str,
    description: str,
    category: str,
    options: str,
    nature: str = "",
    grain: str = "",
    target_grain: str = "",
    aliases: str = "",
) -> None:
    element.name = text(name, field="name", label="名称", max_length=128)
    element.aliases = _aliases(aliases)
    element.unit = text(unit, field="unit", label=f"计量单位（{UNITS_HINT}）", max_length=16)
    try:
        element.aggregation = Aggregation(aggregation).value
    except ValueError as exc:
        raise Invalid(f"没有这种汇总方式：{aggregation[:20]}", field="aggregation") from exc
    element.group = text(group, field="group", label="分组", max_length=32, required=False)
    element.description = text(
        description, field="description", label="说明", max_length=2000, required=False
    )
    element.category = text(category, field="category", label="分类名称", max_length=32, required=False)
    parts = [p.strip() for p in LIST_SEPARATORS.split(options or "") if p.strip()]
    if len(set(parts)) != len(parts):
        raise Invalid("分类选项有重复", field="options")
    if parts and not element.category:
        raise Invalid("填写了分类选项，请同时填写分类名称（如 性别）", field="category")
    if any(len(p) > 32 or ":" in p for p in parts):
        raise Invalid("每个分类选项最多 32 个字符，且不能含冒号", field="options")
    joined = ",".join(parts)
    if len(joined) > 256:
        raise Invalid("分类选项合计最多 256 个字符", field="options")
    element.category_options = joined
    _declare(element, nature=nature, grain=grain, target_grain=target_grain)


def _aliases(raw: str) -> str:
    """同义词: words of 2–16 characters, separated by commas, 顿号 or line breaks, kept without repeats."""
    words = list(dict.fromkeys(w.strip() for w in LIST_SEPARATORS.split(raw or "") if w.strip()))
    bad = next((w for w in words if not 2 <= len(w) <= 16), None)
    if bad is not None:
        raise Invalid(f"同义词每个 2–16 个字：“{bad[:20]}”", field="aliases")
    odd = next((w for w in words if not all(ch.isalnum() or ch in ALIAS_MARKS for ch in w)), None)
    if odd is not None:  # words as reports write them: no control, direction or markup characters
        raise Invalid(f"同义词只能由汉字、字母、数字和（）·-“”组成：“{odd[:20]!r}”", field="aliases")
    joined = "、".join(words)
    if len(joined) > 512:
        raise Invalid("同义词合计最多 512 个字", field="aliases")
    return joined


def _declare(element: DataElement, *, nature: str, grain: str, target_grain: str) -> None:
    """The element's nature and grains (issue 19): empty keeps what it has (a new one: the nature its
    aggregation implies, 月 for both grains); the nature must allow the aggregation."""
    if nature:
        try:
            element.nature = Nature(nature).value
        except ValueError as exc:
            raise Invalid(f"没有这种数据性质：{nature[:20]}", field="nature") from exc
    elif (
        not element.nature
        or Aggregation(element.aggregation) not in NATURE_AGGREGATIONS[Nature(element.nature)]
    ):
        element.nature = nature_of(element.aggregation).value  # not given: what the aggregation implies
    allowed = NATURE_AGGREGATIONS[Nature(element.nature)]
    if Aggregation(element.aggregation) not in allowed:
        names = "、".join(AGGREGATION_LABELS[a] for a in allowed)
        raise Invalid(
            f"{NATURE_LABELS[Nature(element.nature)]}的数据元，汇总方式应为：{names}", field="aggregation"
        )
    for key, value in (("grain", grain), ("target_grain", target_grain)):
        if not value:
            if getattr(element, key) is None:
                setattr(element, key, PeriodType.MONTHLY.value)
            continue
        try:
            setattr(element, key, PeriodType(value).value)
        except ValueError as exc:
            raise Invalid(f"没有这种统计期间：{value[:20]}", field=key) from exc


def _is_period(text: str) -> bool:
    try:
        periods.parse(text)
    except periods.PeriodFormatError:
        return False
    return True


def metadata_code(session: Session, value: str | None) -> str:
    """A new data element's or indicator's code: one code space over both tables, read by the analytics
    query beside unit codes and relative periods — so a code is refused when it differs from a taken one
    only in case (funds / FUNDS), carries a modifier's dot (FUNDS.target), or is a unit's code (XZ), a
    relative period (THIS_YEAR), a period (2025, 2025Q1) or a unit keyword (LEVEL-2, USER_ORGUNIT)."""
    new = code(value)
    if "." in new:
        raise Invalid(f"指标编码不能含点号（“.target”“.last_year”是公式里的写法）：{new[:40]}", field="code")
    upper = new.upper()
    if upper in RELATIVE_PERIODS:
        raise Invalid(f"“{new}”是相对期间的名称，不能用作编码", field="code")
    if _is_period(new):
        raise Invalid(f"“{new}”是期间的写法（年、半年、季度、月），不能用作编码", field="code")
    if upper.startswith(("LEVEL-", "USER_ORGUNIT", "OU_GROUP")) or upper == "CHILDREN":
        raise Invalid(f"“{new}”是分析查询里组织单位的关键字，不能用作编码", field="code")
    if session.scalar(select(OrgUnit.id).where(func.upper(OrgUnit.code) == upper)) is not None:
        raise Conflict(f"“{new}”已是一个组织单位的编码，分析查询会混淆，请换一个", field="code")
    serialize(session, "metadata-code")  # one code space over two tables: elements and indicators
    for model, what in ((DataElement, "数据元"), (Indicator, "指标")):
        taken = session.scalar(select(model.code).where(func.upper(model.code) == upper))
        if taken is not None:
            raise Conflict(
                f"编码“{new}”与{what}“{taken}”相同（不分大小写，数据元与指标共用一套编码）", field="code"
            )
    return new


def create_element(*, session: Session, actor: Actor, code_: str, **fields: str) -> DataElement:
    actor.require("elements:create")
    element = DataElement(code=metadata_code(session, code_))
    _fill_element(element, **fields)
    insert_unique(session, element, Conflict(f"编码“{element.code}”已被其他数据元使用", field="code"))
    audit(
        session,
        actor,
        MODULE,
        Action.CREATE,
        "data_element",
        element.id,
        f"新增数据元 {element.name}",
        after=_element_snapshot(element),
    )
    return element


def _values_of(session: Session, element: DataElement) -> int:
    return int(session.scalar(select(func.count()).where(DataValue.data_element_id == element.id)) or 0)


def update_element(
    *, session: Session, actor: Actor, element_id: int, version: int | None, **fields: str
) -> DataElement:
    """Name, unit, grouping and options can change; the roll-up of an element that has values cannot (the
    figures already reported were entered for it), nor can options in use be dropped."""
    actor.require("elements:edit")
    element = get_element(session=session, actor=actor, element_id=element_id)
    same_version(element.version, version, "数据元")
    before = _element_snapshot(element)
    _fill_element(element, **fields)
    kept = [d.label for d in catalogue.derivations() if d.element == element.code]
    if kept and (element.grain, element.target_grain) != (before["grain"], before["target_grain"]):
        raise Invalid(
            f"“{element.name}”由台账“{'、'.join(dict.fromkeys(kept))}”汇总，其统计期间由台账决定",
            field="grain",
        )
    if _values_of(session, element):
        if element.aggregation != before["aggregation"]:
            raise Invalid("已有数据的数据元不能改变汇总方式，请新建一个数据元", field="aggregation")
        if element.nature != before["nature"]:
            raise Invalid("已有数据的数据元不能改变数据性质，请新建一个数据元", field="nature")
        for key, kind in (("grain", "actual"), ("target_grain", "target")):
            shorter = session.scalar(
                select(Period.name)
                .join(DataValue, DataValue.period_id == Period.id)
                .where(
                    DataValue.data_element_id == element.id,
                    DataValue.kind == kind,
                    Period.type.in_([t.value for t in PeriodType if finer(t.value, getattr(element, key))]),
                )
                .limit(1)
            )
            if shorter is not None:
                raise Invalid(f"已有{shorter}等更短期间的数据，统计期间不能改得更长", field=key)
        used = set(
            session.scalars(
                select(DataValue.category_option)
                .where(DataValue.data_element_id == element.id, DataValue.category_option != "")
                .distinct()
            )
        )
        dropped = used - set(element.options)
        if dropped:
            raise Invalid(f"分类选项“{'、'.join(sorted(dropped))}”已有数据，不能删除", field="options")
    session.flush()
    audit(
        session,
        actor,
        MODULE,
        Action.UPDATE,
        "data_element",
        element.id,
        f"修改数据元 {element.name}",
        before=before,
        after=_element_snapshot(element),
    )
    return element


def delete_element(*, session: Session, actor: Actor, element_id: int) -> None:
    actor.require("elements:delete")
    element = get_element(session=session, actor=actor, element_id=element_id)
    values = _values_of(session, element)
    in_sets = session.scalar(select(func.count()).where(DataSetElement.data_element_id == element.id)) or 0
    in_formulas = [
        i.code
        for i in session.scalars(select(Indicator))
        if any(o.code == element.code for o in formulas.operands(formulas.parse(i.formula)))
    ]
    reasons = [f"{values} 条数据" if values else "", f"{in_sets} 个数据集" if in_sets else ""]
    reasons.append(f"指标 {'、'.join(in_formulas)} 的公式" if in_formulas else "")
    used = "、".join(r for r in reasons if r)
    if used:
        raise Conflict(f"“{element.name}”仍被 {used} 使用，不能删除", field="element_id")
    before = _element_snapshot(element)
    session.delete(element)
    session.flush()
    audit(
        session,
        actor,
        MODULE,
        Action.DELETE,
        "data_element",
        element_id,
        f"删除数据元 {before['name']}",
        before=before,
    )


# --- indicators ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """An indicator's value for the whole tree in one year, computed as the saved indicator would be."""

    unit: str
    year: int
    value: Decimal | None
    operands: list[str]  # the element codes the formula uses


def _indicator_snapshot(i: Indicator) -> dict[str, object]:
    return {"code": i.code, "name": i.name, "formula": i.formula, "unit": i.unit, "decimals": i.decimals}


def get_indicator(*, session: Session, actor: Actor, indicator_id: int) -> Indicator:
    actor.require("elements:view")
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound(f"指标不存在：编号 {indicator_id}", field="indicator_id")
    return indicator


def check_formula(*, session: Session, indicator: Indicator) -> list[str]:
    """Parse the formula and resolve every reference (elements, other indicators, no cycles); return the
    element codes it uses. Errors name the field `formula`."""
    if len(indicator.formula) > 512:
        raise Invalid("公式最多 512 个字符", field="formula")
    elements = {e.code: e for e in session.scalars(select(DataElement))}
    others = {i.code: i for i in session.scalars(select(Indicator)) if i.code != indicator.code}
    everything = {**others, indicator.code: indicator}
    tree = compile_indicator(indicator, everything, elements)
    if indicator.code in elements:
        raise Conflict(f"编码“{indicator.code}”已是一个数据元的编码", field="code")
    for other in others.values():  # the indicators that use this one must still compile with it changed
        if indicator.code in other.formula:
            try:
                compile_indicator(other, everything, elements)
            except Invalid as exc:
                raise Invalid(
                    f"修改后，引用它的指标 {other.code} 将无法计算：{exc.message}", field="formula"
                ) from exc
    return sorted({o.code for o in formulas.operands(tree)})


def preview(
    *, session: Session, actor: Actor, code_: str, formula: str, unit: str, decimals: int | None
) -> Preview:
    """What the indicator would show for the whole tree this year (or the latest year with values), before
    it is saved: the formula is checked, then evaluated by the analytics engine."""
    actor.require("elements:view")
    draft = Indicator(
        code=(code_ or "").strip() or "PREVIEW",
        name="预览",
        formula=formula or "",
        unit=unit or "",
        decimals=decimals if decimals is not None else 1,
    )
    operands = check_formula(session=session, indicator=draft)
    root = session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id)).first()
    year = min(today().year, latest_year(session=session) or today().year)
    value = None
    if root is not None:
        elements = {
            e.code: e for e in session.scalars(select(DataElement).where(DataElement.code.in_(operands)))
        }
        saved = {i.code: i for i in session.scalars(select(Indicator)) if i.code != draft.code}
        request = Request(
            dx=[
                Item(
                    draft.code,
                    draft.name,
                    indicator=draft,
                    tree=compile_indicator(draft, {**saved, draft.code: draft}, elements),
                )
            ],
            ou=[root],
            pe=[periods.parse(str(year))],
            formula_elements=elements,
        )
        result = run(request=request, actor=actor, store=replica_store(session) or session_store(session))
        value = result.value(draft.code, root.code, str(year))
    return Preview(unit=draft.unit, year=year, value=value, operands=operands)


def _fill_indicator(
    indicator: Indicator, *, name: str, formula: str, unit: str, decimals: int | None, description: str
) -> None:
    indicator.name = text(name, field="name", label="名称", max_length=128)
    indicator.formula = text(formula, field="formula", label="公式", max_length=512)
    indicator.unit = text(unit, field="unit", label="单位", max_length=16, required=False)
    indicator.decimals = number(decimals, field="decimals", label="小数位", low=0, high=4, required=True) or 0
    indicator.description = text(
        description, field="description", label="说明", max_length=2000, required=False
    )


def create_indicator(*, session: Session, actor: Actor, code_: str, **fields: object) -> Indicator:
    actor.require("elements:create")
    indicator = Indicator(code=metadata_code(session, code_))
    _fill_indicator(indicator, **fields)  # type: ignore[arg-type]
    check_formula(session=session, indicator=indicator)
    insert_unique(session, indicator, Conflict(f"编码“{indicator.code}”已被其他指标使用", field="code"))
    audit(
        session,
        actor,
        MODULE,
        Action.CREATE,
        "indicator",
        indicator.id,
        f"新增指标 {indicator.name}",
        after=_indicator_snapshot(indicator),
    )
    return indicator


def update_indicator(
    *, session: Session, actor: Actor, indicator_id: int, version: int | None, **fields: object
) -> Indicator:
    actor.require("elements:edit")
    indicator = get_indicator(session=session, actor=actor, indicator_id=indicator_id)
    same_version(indicator.version, version, "指标")
    before = _indicator_snapshot(indicator)
    _fill_indicator(indicator, **fields)  # type: ignore[arg-type]
    check_formula(session=session, indicator=indicator)
    session.flush()
    audit(
        session,
        actor,
        MODULE,
        Action.UPDATE,
        "indicator",
        indicator.id,
        f"修改指标 {indicator.name}",
        before=before,
        after=_indicator_snapshot(indicator),
    )
    return indicator


def delete_indicator(*, session: Session, actor: Actor, indicator_id: int) -> None:
    actor.require("elements:delete")
    indicator = get_indicator(session=session, actor=actor, indicator_id=indicator_id)
    users = []
    for other in session.scalars(select(Indicator).where(Indicator.id != indicator.id)):
        try:
            if any(o.code == indicator.code for o in formulas.operands(formulas.parse(other.formula))):
                users.append(other.code)
        except ShanhaiError:
            continue
    if users:
        raise Conflict(
            f"指标 {'、'.join(users)} 的公式引用了“{indicator.name}”，不能删除", field="indicator_id"
        )
    before = _indicator_snapshot(indicator)
    session.delete(indicator)
    session.flush()
    audit(
        session,
        actor,
        MODULE,
        Action.DELETE,
        "indicator",
        indicator_id,
        f"删除指标 {before['name']}",
        before=before,
    )
