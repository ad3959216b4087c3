"""Organisation units: create with a materialised path, read by id or code, select a subtree."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from shanhai.db import find_one
from shanhai.errors import Invalid, NotFound
from shanhai.orgunits.models import MAX_DEPTH, OrgKind, OrgUnit


def get(*, session: Session, org_unit_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None:
        raise NotFound(f"组织单位不存在：{org_unit_id}", field="org_unit_id")
    return unit


def get_by_code(*, session: Session, code: str) -> OrgUnit:
    unit = find_one(session, OrgUnit, code=code)
    if unit is None:
        raise NotFound(f"组织单位编码不存在：{code}", field="org_unit")
    return unit


def create(
    *, session: Session, code: str, name: str, kind: OrgKind, parent: OrgUnit | None, sort_order: int = 0
) -> OrgUnit:
    if not code.strip() or not name.strip():
        raise Invalid("组织单位的编码和名称不能为空", field="code" if not code.strip() else "name")
    if parent is not None and parent.level >= MAX_DEPTH:
        raise Invalid(f"组织层级最多 {MAX_DEPTH} 级：“{parent.name}”之下不能再建下级单位", field="parent_id")
    unit = OrgUnit(code=code, name=name, kind=kind.value, parent=parent, sort_order=sort_order)
    unit.level = 1 if parent is None else parent.level + 1
    session.add(unit)
    session.flush()  # the id is part of the path
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


def subtree_query(root: OrgUnit) -> Select[OrgUnit]:
    """The unit and everything below it: one prefix match on the indexed path."""
    return select(OrgUnit).where(OrgUnit.path.startswith(root.path, autoescape=True)).order_by(OrgUnit.path)


def ancestors(*, session: Session, unit: OrgUnit) -> list[OrgUnit]:
    """Root first, the unit itself last."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    by_id = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [by_id[i] for i in ids]
