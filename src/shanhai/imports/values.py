"""Data values as an import target: a row is one value (指标 × 单位 × 期间 × 重点工作 × 类型 × 分类), written
through the same door as the API and the value pages (`flows.values`: a report-owned or register-kept value
is refused there, with its reason) and so through the one write path. A row finds the value it updates by
its 编号 or by that key; the number is read as officials write it (1.2万, 118万元, -3.5), in the element's
unit."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor, check_visible
from shanhai.errors import Invalid, NotFound
from shanhai.flows import values as values_flow
from shanhai.imports.pipeline import Target
from shanhai.indicators import service as indicators
from shanhai.indicators.models import DataElement, DataValue, ValueKind
from shanhai.lib import cnnum
from shanhai.lib.cnnum import Qualifier
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme
from shanhai.registers.fields import Field, read_field

MAX_VALUE = Decimal("1e15")
KINDS = (("actual", "实际值"), ("target", "目标值"))
FIELDS = (
    Field("data_element", "指标", required=True, max_length=128, help="指标编码或名称"),
    Field("org_unit_id", "单位", "unit", required=True),
    Field("period_id", "期间", "period", required=True),
    Field("programme_id", "重点工作", "programme"),
    Field("kind", "类型", "choice", choices=KINDS, help="实际值（默认）或目标值"),
    Field("category_option", "分类", max_length=32, help="如“男”；空为不分类"),
    Field("value", "数值", required=True, max_length=40, help="如 1180000、118万、1.18亿；按指标的计量单位"),
    Field("qualifier", "数值说明", "qualifier"),
    Field("comment", "备注", "textarea", max_length=500),
)
KEY = ("data_element", "org_unit_id", "period_id", "programme_id", "kind", "category_option")


def _field(key: str) -> Field:
    return next(f for f in FIELDS if f.key == key)


def _element(session: Session, text: Any) -> DataElement:
    name = str(text or "").strip()
    found = list(
        session.scalars(
            select(DataElement).where(or_(DataElement.code == name, DataElement.name == name)).limit(2)
        )
    )
    if len(found) != 1:
        raise Invalid(
            f"指标“{name[:40]}”{'不存在' if not found else '有重名'}，请填写指标编码", field="data_element"
        )
    return found[0]


def _read(session: Session, actor: Actor, raw: dict[str, Any]) -> dict[str, Any]:
    """The row's key and figures, read as the form reads them."""
    out: dict[str, Any] = {"element": _element(session, raw.get("data_element"))}
    for key in ("org_unit_id", "period_id", "programme_id", "qualifier", "comment", "category_option"):
        out[key] = read_field(session, actor, _field(key), raw.get(key))
    out["kind"] = ValueKind(read_field(session, actor, _field("kind"), raw.get("kind")) or "actual")
    text = unicodedata.normalize("NFKC", str(raw.get("value") or "")).strip()
    try:
        value = cnnum.parse_entered(text, unit=out["element"].unit or "")
    except (cnnum.NumberFormatError, ArithmeticError):
        raise Invalid(f"数值应为数字，如 1180000 或 118万，而不是“{text[:20]}”", field="value") from None
    if not value.is_finite() or abs(value) >= MAX_VALUE:
        raise Invalid("数值过大，请检查单位", field="value")
    out["value"] = value
    out["qualifier"] = Qualifier(out["qualifier"] or "exact")
    out["comment"] = out["comment"] or ""
    out["category_option"] = out["category_option"] or ""
    return out


def _find(session: Session, actor: Actor, raw: dict[str, Any], record_id: Any) -> DataValue | None:
    if record_id not in (None, ""):
        text = str(record_id).strip().removesuffix(".0")
        if not text.isdigit():
            raise Invalid(f"编号应为整数，而不是“{text[:20]}”", field="id")
        try:
            return indicators.get_value(session=session, actor=actor, value_id=int(text))
        except NotFound:
            raise Invalid(f"编号 {text} 的数据不存在或不在您的数据范围内", field="id") from None
    row = _read(session, actor, raw)
    unit = session.get_one(OrgUnit, row["org_unit_id"])
    found = indicators.find_value(
        session=session,
        org_unit=unit,
        element=row["element"],
        period=indicators.ensure_period(session=session, period_id=row["period_id"]),
        programme=session.get(Programme, row["programme_id"]) if row["programme_id"] else None,
        kind=row["kind"],
        category_option=row["category_option"],
    )
    if found is not None:
        check_visible(actor, found.org_unit, found.created_by_id, what="数据")
    return found


def _create(session: Session, actor: Actor, raw: dict[str, Any]) -> DataValue:
    row = _read(session, actor, raw)
    return values_flow.create_value(
        session=session,
        actor=actor,
        element_code=row["element"].code,
        org_unit_id=row["org_unit_id"],
        period_id=row["period_id"],
        programme_id=row["programme_id"],
        kind=row["kind"],
        value=row["value"],
        qualifier=row["qualifier"],
        comment=row["comment"],
        category_option=row["category_option"],
    )


def _update(session: Session, actor: Actor, current: DataValue, raw: dict[str, Any]) -> bool:
    row = _read(session, actor, raw)
    if (row["element"].id, row["org_unit_id"], row["period_id"]) != (
        current.data_element_id,
        current.org_unit_id,
        current.period_id,
    ):
        raise Invalid("编号所指的数据与本行的指标、单位或期间不一致", field="id")
    if (
        current.value == row["value"]
        and current.qualifier == row["qualifier"].value
        and (current.comment or "") == row["comment"]
    ):
        return False
    values_flow.update_value(
        session=session,
        actor=actor,
        value_id=current.id,
        version=current.version,
        value=row["value"],
        qualifier=row["qualifier"],
        comment=row["comment"],
    )
    return True


def target() -> Target:
    return Target(
        name="values",
        noun="指标数据",
        menu="指标数据",
        link="/values",
        fields=FIELDS,
        keys=(KEY,),
        allowed=lambda actor: actor.can("indicators:create") or actor.can("indicators:edit"),
        find=_find,
        create=_create,
        update=_update,
    )
