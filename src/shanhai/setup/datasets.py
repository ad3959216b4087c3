"""数据集管理: what a unit reports periodically — the elements (and which are required), the period type, the
due day, the units that report, and the cross-field rules checked on entry."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shanhai.audit.service import Action
from shanhai.auth.scope import Actor
from shanhai.datasets.models import DataSet, DataSetElement, Submission, ValidationRule
from shanhai.datasets.service import refresh_approval
from shanhai.db import same_version, savepoint, unique_or
from shanhai.errors import Conflict, Invalid, NotFound
from shanhai.indicators import formula
from shanhai.indicators.models import DataElement
from shanhai.lib.periods import PeriodType
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme
from shanhai.registers import catalogue
from shanhai.setup.common import audit, code, number, text

MODULE = "数据集管理"
PERIOD_TYPES = (PeriodType.MONTHLY, PeriodType.QUARTERLY, PeriodType.YEARLY)
RULE = re.compile(r"^(?P<left>.+?)\s*(?P<op><=|>=|==|<|>)\s*(?P<right>[^|]+?)\s*\|\s*(?P<message>.+)$")


@dataclass(frozen=True)
class RuleLine:
    left: str
    operator: str
    right: str
    message: str


def rule_text(rule: ValidationRule) -> str:
    return f"{rule.left} {rule.operator} {rule.right} | {rule.message}"


def parse_rules(text_: str, element_codes: set[str]) -> list[RuleLine]:
    """One rule a line: `#{A} <= #{B} | message`. Each side must parse and use only the set's elements."""
    rules = []
    for number_, line in enumerate((text_ or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = RULE.match(line)
        if match is None:
            raise Invalid(f"第 {number_} 条规则应写成“#{{甲}} <= #{{乙}} | 提示”：{line[:60]}", field="rules")
        left, op, right, message = (match[k].strip() for k in ("left", "op", "right", "message"))
        for side in (left, right):
            try:
                tree = formula.parse(side)
            except Invalid as exc:
                raise Invalid(f"第 {number_} 条规则：{exc.message}", field="rules") from exc
            unknown = sorted({o.code for o in formula.operands(tree)} - element_codes)
            if unknown:
                raise Invalid(
                    f"第 {number_} 条规则用了本数据集没有的数据元：{'、'.join(unknown)}", field="rules"
                )
        if len(left) > 256 or len(right) > 256 or len(message) > 256:
            raise Invalid(f"第 {number_} 条规则过长（每部分最多 256 个字符）", field="rules")
        rules.append(RuleLine(left, op, right, message))
    return rules


def _snapshot(d: DataSet) -> dict[str, object]:
    return {
        "code": d.code,
        "name": d.name,
        "period_type": d.period_type,
        "due_day": d.due_day,
        "programme_id": d.programme_id,
        "elements": [(e.data_element_id, e.required) for e in d.elements],
        "units": [u.code for u in d.units],
        "rules": [rule_text(r) for r in d.rules],
    }


def get_data_set(*, session: Session, actor: Actor, data_set_id: int) -> DataSet:
    actor.require("datasets:view")
    data_set = session.get(DataSet, data_set_id)
    if data_set is None:
        raise NotFound(f"数据集不存在：编号 {data_set_id}", field="data_set_id")
    return data_set


def _submissions(session: Session, data_set: DataSet) -> int:
    return int(session.scalar(select(func.count()).where(Submission.data_set_id == data_set.id)) or 0)


def _fill(
    session: Session,
    data_set: DataSet,
    *,
    name: str,
    period_type: str,
    due_day: int | None,
    programme_id: int | None,
    element_ids: list[int],
    required_ids: list[int],
    unit_ids: list[int],
    rules: str,
) -> None:
    data_set.name = text(name, field="name", label="名称", max_length=128)
    if period_type not in {p.value for p in PERIOD_TYPES}:
        raise Invalid("报送周期应为按月、按季或按年", field="period_type")
    reported = data_set.id is not None and _submissions(session, data_set) > 0
    if reported and period_type != data_set.period_type:
        raise Invalid("该数据集已有报表，不能改变报送周期", field="period_type")
    data_set.period_type = period_type
    data_set.due_day = number(due_day, field="due_day", label="截止日", low=1, high=28, required=True) or 10
    if programme_id and session.get(Programme, programme_id) is None:
        raise Invalid("所选重点工作不存在", field="programme_id")
    data_set.programme_id = programme_id or None
    ids = list(dict.fromkeys(element_ids))
    if not ids:
        raise Invalid("请至少选择一个数据元", field="element_ids")
    elements = {e.id: e for e in session.scalars(select(DataElement).where(DataElement.id.in_(ids)))}
    if len(elements) != len(ids):
        raise Invalid("所选数据元不存在", field="element_ids")
    kept = sorted(
        {e.name for e in elements.values() if e.code in {d.element for d in catalogue.derivations()}}
    )
    if kept:  # a register's sum is no report's field: entered beside the records it would count them twice
        raise Invalid(
            f"“{'、'.join(kept)}”由工作台账汇总，不能作为报表的填报项（报告中的数字请作为报告数对账）",
            field="element_ids",
        )
    if not set(required_ids) <= set(ids):
        raise Invalid("必填项须是本数据集的数据元", field="required_ids")
    current = {e.data_element_id: e for e in data_set.elements}
    dropped = set(current) - set(ids)
    if reported and dropped:
        names = "、".join(current[i].data_element.name for i in dropped)
        raise Invalid(f"该数据集已有报表，不能移除数据元：{names}", field="element_ids")
    lines = []
    for order, element_id in enumerate(ids):
        line = current.get(element_id) or DataSetElement(data_element_id=element_id)
        line.sort_order, line.required = order, element_id in set(required_ids)
        lines.append(line)
    data_set.elements = lines
    units = list(session.scalars(select(OrgUnit).where(OrgUnit.id.in_(unit_ids)))) if unit_ids else []
    if len(units) != len(set(unit_ids)):
        raise Invalid("所选填报单位不存在", field="unit_ids")
    if not units:
        raise Invalid("请至少选择一个填报单位", field="unit_ids")
    if any(u.closed for u in units if u not in data_set.units):
        raise Invalid("不能把已撤销的单位设为填报单位", field="unit_ids")
    data_set.units = units
    parsed = parse_rules(rules, {elements[i].code for i in ids})
    data_set.rules = [
        ValidationRule(left=r.left, operator=r.operator, right=r.right, message=r.message) for r in parsed
    ]


def _element_ids(data_set: DataSet) -> set[int]:
    return {dse.data_element_id for dse in data_set.elements}


def create_data_set(*, session: Session, actor: Actor, code_: str, **fields: object) -> DataSet:
    actor.require("datasets:create")
    data_set = DataSet(code=code(code_))
    with (
        unique_or(Conflict(f"编码“{data_set.code}”已被其他数据集使用", field="code")),
        savepoint(session),
    ):
        session.add(data_set)
        _fill(session, data_set, **fields)  # type: ignore[arg-type]
        session.flush()
    refresh_approval(session=session, element_ids=_element_ids(data_set))
    audit(
        session,
        actor,
        MODULE,
        Action.CREATE,
        "data_set",
        data_set.id,
        f"新增数据集 {data_set.name}",
        after=_snapshot(data_set),
    )
    return data_set


def update_data_set(
    *, session: Session, actor: Actor, data_set_id: int, version: int | None, **fields: object
) -> DataSet:
    actor.require("datasets:edit")
    data_set = get_data_set(session=session, actor=actor, data_set_id=data_set_id)
    same_version(data_set.version, version, "数据集")
    before = _snapshot(data_set)
    elements_before = _element_ids(data_set)
    _fill(session, data_set, **fields)  # type: ignore[arg-type]
    session.flush()
    refresh_approval(session=session, element_ids=elements_before | _element_ids(data_set))
    audit(
        session,
        actor,
        MODULE,
        Action.UPDATE,
        "data_set",
        data_set.id,
        f"修改数据集 {data_set.name}",
        before=before,
        after=_snapshot(data_set),
    )
    return data_set


def delete_data_set(*, session: Session, actor: Actor, data_set_id: int) -> None:
    actor.require("datasets:delete")
    data_set = get_data_set(session=session, actor=actor, data_set_id=data_set_id)
    reports = _submissions(session, data_set)
    if reports:
        raise Conflict(f"“{data_set.name}”已有 {reports} 份报表，不能删除", field="data_set_id")
    before = _snapshot(data_set)
    elements_before = _element_ids(data_set)
    session.delete(data_set)
    session.flush()
    refresh_approval(session=session, element_ids=elements_before)
    audit(
        session,
        actor,
        MODULE,
        Action.DELETE,
        "data_set",
        data_set_id,
        f"删除数据集 {before['name']}",
        before=before,
    )
