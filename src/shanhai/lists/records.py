"""The lists of the programme-work registers, generated from each register's declared fields: a column per
field (names for units, programmes and linked records; sensitive fields masked), a search box over its text
fields, filters by unit (with its subtree), programme and each choice, and the register's scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from shanhai.auth.scope import Actor
from shanhai.lists.catalogue import SPECS, _programmes, _under, _units
from shanhai.lists.spec import Column, Filter, FilterKind, Kind, ListSpec, equals, search
from shanhai.operations.models import FundPlan, Tranche
from shanhai.operations.registers import plan_title
from shanhai.registers import catalogue
from shanhai.registers.fields import Field, mask
from shanhai.registers.kit import RecordType

KINDS = {"int": Kind.INT, "money": Kind.MONEY, "date": Kind.DATE}
QUALIFIERS = {"exact": "", "over": "以上", "under": "以下", "approx": "约"}


def _label(obj: Any) -> str:
    if obj is None:
        return ""
    if isinstance(obj, FundPlan):
        return plan_title(obj)
    if isinstance(obj, Tranche):
        return f"{obj.due_on} 到期批次"
    return str(getattr(obj, "short_name", None) or getattr(obj, "name", None) or obj.id)


def _getter(f: Field) -> Callable[[Any], Any]:
    if f.kind in ("unit", "programme", "ref"):
        relation = f.key.removesuffix("_id")
        return lambda row: _label(getattr(row, relation))
    if f.sensitive:
        return lambda row: mask(getattr(row, f.key) or "")
    if f.kind == "bool":
        return lambda row: "是" if getattr(row, f.key) else "否"
    if f.kind == "rows":  # child rows: the first item of each (a contact's name), never a sensitive one
        return lambda row: "、".join(str(r.get(f.rows[0].key) or "") for r in getattr(row, f.key) or [])
    if f.kind == "qualifier":
        return lambda row: QUALIFIERS.get(getattr(row, f.key), "")
    return lambda row: getattr(row, f.key)


def _link(rtype: RecordType) -> Callable[[Any], str]:
    if rtype.name == "plans":
        return lambda row: f"/funds/plans/{row.id}"
    return lambda row: f"/records/{rtype.name}/{row.id}"


def spec_of(rtype: RecordType) -> ListSpec:
    model = rtype.model
    relations = [f.key.removesuffix("_id") for f in rtype.fields if f.kind in ("unit", "programme", "ref")]
    loads = [selectinload(getattr(model, r)) for r in dict.fromkeys(["org_unit", *relations])]

    def base(actor: Actor) -> Select[Any]:
        return select(model).options(*loads)

    columns = [Column("id", "序号", lambda row: row.id, model.id, Kind.INT, 8)]
    first = True
    for f in rtype.fields:
        if f.kind == "textarea":
            continue
        sortable = (
            getattr(model, f.key)
            if f.kind not in ("unit", "programme", "ref", "rows") and not f.sensitive
            else None
        )
        link = _link(rtype) if first else None
        if first and f.kind in ("ref", "programme"):
            columns.append(Column("title", rtype.noun, rtype.title, None, width=30, link=_link(rtype)))
            link = None
        first = False
        columns.append(
            Column(
                f.key,
                f.label.replace("（元）", "") if f.kind == "money" else f.label,
                _getter(f),
                sortable,
                KINDS.get(f.kind, Kind.TEXT),
                16 if f.kind != "text" else 20,
                link=link,
            )
        )
    # the search box looks in the register's declared columns (indexed for it), else in its text fields
    searched = [f for f in rtype.fields if f.kind == "text" and not f.sensitive]
    if rtype.searched:
        searched = [f for f in rtype.fields if f.key in rtype.searched]
    texts = tuple(getattr(model, key) for key in rtype.searched) or tuple(
        getattr(model, f.key) for f in searched
    )
    hint = "、".join(f.label for f in searched)[:30] + (
        "、拼音首字母" if "initials" in rtype.searched else ""
    )
    filters = [search("q", rtype.noun, texts, placeholder=hint)] if texts else []
    filters.append(Filter("unit", "单位", _under(model.org_unit_id), FilterKind.CHOICE, _units))
    if rtype.field("programme_id"):
        filters.append(
            Filter("programme", "重点工作", equals(model.programme_id), FilterKind.CHOICE, _programmes)
        )
    for f in rtype.fields:
        if f.kind == "choice":
            filters.append(
                Filter(f.key, f.label, equals(getattr(model, f.key)), FilterKind.CHOICE, f.choices)
            )
        if f.key == "year":
            filters.append(Filter("year", "年度", equals(model.year), FilterKind.INT))
    return ListSpec(
        name=f"records_{rtype.name}",
        title=rtype.noun,
        module="工作台账",
        permission=f"{rtype.module}:view",
        export_permission=f"{rtype.module}:export",
        page_url=f"/records/{rtype.name}",
        base=base,
        scope=(model.org_unit_id, model.created_by_id),
        columns=tuple(columns),
        filters=tuple(filters),
        default_sort="-id",
        tiebreak=model.id,
    )


RECORD_SPECS: dict[str, ListSpec] = {
    name: spec_of(t) for name, t in catalogue.types().items() if name != "projects"
}
# every list of the product: the catalogue's and the registers'
ALL_SPECS: dict[str, ListSpec] = {**SPECS, **{spec.name: spec for spec in RECORD_SPECS.values()}}
