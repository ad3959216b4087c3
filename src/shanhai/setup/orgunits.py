"""部门管理: add, rename, move and close units of the organisation tree. Moving a unit rebuilds the paths of
its subtree and the ancestors of their facts in the analytics table, in the same transaction; a closed unit
keeps its history but takes no new records."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shanhai.audit.service import Action
from shanhai.auth.models import User
from shanhai.auth.scope import Actor, administers, check_can_create, unit_visible
from shanhai.datasets.models import Submission, SubmissionStatus
from shanhai.db import same_version, savepoint, serialize, unique_or
from shanhai.errors import Conflict, Invalid, OutOfScope
from shanhai.indicators.facts import relocate_units
from shanhai.orgunits import service as orgunits
from shanhai.orgunits.models import MAX_DEPTH, OrgKind, OrgUnit
from shanhai.setup.common import audit, code, number, text

MODULE = "部门管理"


def _snapshot(unit: OrgUnit) -> dict[str, object]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent_id": unit.parent_id,
        "sort_order": unit.sort_order,
        "closed": unit.closed,
    }


def get_unit(*, session: Session, actor: Actor, unit_id: int) -> OrgUnit:
    actor.require("orgunits:view")
    unit = session.get(OrgUnit, unit_id)
    if unit is None or not unit_visible(actor, unit):
        raise OutOfScope("组织单位不存在或不在您的数据范围内", field="unit_id")
    return unit


def _check_administers(actor: Actor, unit: OrgUnit) -> None:
    """An administrator with a subtree scope manages the units below the top of that subtree, not the top
    itself (a district's administrator does not rename or close the district)."""
    below = actor.scope_all or any(unit.path.startswith(p) and unit.path != p for p in actor.subtree_paths)
    if not administers(actor, unit) or not below:
        raise OutOfScope("组织单位不存在或不在您的管理范围内", field="unit_id")


def _kind(value: str) -> OrgKind:
    try:
        return OrgKind(value)
    except ValueError as exc:
        raise Invalid(f"没有这种单位类型：{value[:20]}", field="kind") from exc


def parent_for(session: Session, actor: Actor, parent_id: int | None) -> OrgUnit:
    """The parent a new or moved unit goes under: visible, open, one the actor may create under. Its row is
    locked (PostgreSQL) until the transaction ends, so that closing it and adding a child to it cannot both
    succeed at once. The tree has one root: every other unit has a parent."""
    if not parent_id:
        raise Invalid("请选择上级单位（组织树只有一个根单位）", field="parent_id")
    serialize(session, f"org_unit:{parent_id}")  # against closing it at the same moment
    parent = session.get(OrgUnit, parent_id, populate_existing=True)
    if parent is None or not unit_visible(actor, parent):
        raise Invalid("上级单位不存在或不在您的数据范围内", field="parent_id")
    if parent.closed:
        raise Invalid(f"上级单位“{parent.name}”已撤销", field="parent_id")
    check_can_create(actor, parent, what="下级单位")
    return parent


def create_unit(
    *,
    session: Session,
    actor: Actor,
    code_: str,
    name: str,
    kind: str,
    parent_id: int | None,
    sort_order: int | None = 0,
) -> OrgUnit:
    actor.require("orgunits:create")
    unit_code = code(code_)
    unit_name = text(name, field="name", label="名称", max_length=128)
    order = number(sort_order, field="sort_order", label="排序", low=0, high=99_999) or 0
    parent = parent_for(session, actor, parent_id)
    with unique_or(Conflict(f"编码“{unit_code}”已被其他单位使用", field="code")), savepoint(session):
        unit = orgunits.create(
            session=session, code=unit_code, name=unit_name, kind=_kind(kind), parent=parent, sort_order=order
        )
        session.flush()
    audit(
        session,
        actor,
        MODULE,
        Action.CREATE,
        "org_unit",
        unit.id,
        f"新增单位 {unit.name}（{unit.code}）",
        after=_snapshot(unit),
    )
    return unit


def update_unit(
    *,
    session: Session,
    actor: Actor,
    unit_id: int,
    version: int | None,
    name: str,
    kind: str,
    parent_id: int | None,
    sort_order: int | None,
) -> OrgUnit:
    """Rename, re-kind, re-order, or move under another parent (the subtree and its facts follow)."""
    actor.require("orgunits:edit")
    unit = get_unit(session=session, actor=actor, unit_id=unit_id)
    same_version(unit.version, version, "单位")
    _check_administers(actor, unit)
    before = _snapshot(unit)
    unit.name = text(name, field="name", label="名称", max_length=128)
    unit.kind = _kind(kind).value
    unit.sort_order = number(sort_order, field="sort_order", label="排序", low=0, high=99_999) or 0
    moved = 0
    if unit.parent_id is None and parent_id:
        raise Invalid("根单位不能移动", field="parent_id")
    if unit.parent_id is not None and parent_id != unit.parent_id:
        moved = _move(session, actor, unit, parent_id)
    session.flush()
    what = f"修改单位 {unit.name}（{unit.code}）" + (
        f"，移动后 {moved} 条数据随之汇总到新的上级" if moved else ""
    )
    audit(
        session, actor, MODULE, Action.UPDATE, "org_unit", unit.id, what, before=before, after=_snapshot(unit)
    )
    return unit


def _move(session: Session, actor: Actor, unit: OrgUnit, parent_id: int | None) -> int:
    parent = parent_for(session, actor, parent_id)
    if parent.path.startswith(unit.path):
        raise Invalid("不能把单位移到它自己或它的下级之下", field="parent_id")
    subtree = list(session.scalars(orgunits.subtree_query(unit)))
    depth = max(u.level for u in subtree) - unit.level + 1
    new_level = parent.level + 1
    if new_level + depth - 1 > MAX_DEPTH:
        raise Invalid(f"移动后层级将超过 {MAX_DEPTH} 级", field="parent_id")
    old_path = unit.path
    new_path = f"{parent.path}{unit.id}/"
    shift = new_level - unit.level
    unit.parent_id = parent.id
    for member in subtree:
        member.path = new_path + member.path[len(old_path) :]
        member.level += shift
    session.flush()
    return relocate_units(session=session, units=[(u.id, u.path) for u in subtree])


def _check_nothing_open(session: Session, unit: OrgUnit) -> None:
    """What closing a unit means: it takes no new entries anywhere, so what is open is handled first — its
    reports waiting for approval are decided, and its active users are moved or deactivated (they are told
    by the refusal naming them, through the administrator who closes it)."""
    waiting = session.scalar(
        select(func.count())
        .select_from(Submission)
        .where(Submission.org_unit_id == unit.id, Submission.status == SubmissionStatus.SUBMITTED.value)
    )
    if waiting:
        raise Invalid(f"“{unit.name}”还有 {waiting} 份待审核的报表，请先审核或退回", field="unit_id")
    users = list(
        session.scalars(
            select(User.username).where(User.org_unit_id == unit.id, User.is_active.is_(True)).limit(6)
        )
    )
    if users:
        names = "、".join(users[:5]) + ("等" if len(users) > 5 else "")
        raise Invalid(f"“{unit.name}”还有在用的账号（{names}），请先调整其所属单位或停用", field="unit_id")


def close_unit(
    *, session: Session, actor: Actor, unit_id: int, version: int | None, closed: bool = True
) -> OrgUnit:
    """撤销 (or 恢复) a unit: its values and users stay; it takes no new records. A unit with open units
    below it cannot be closed, and a unit under a closed parent cannot be reopened. The change is written
    first and checked after (the row is then locked), so a child added at the same moment is seen."""
    actor.require("orgunits:delete")
    serialize(session, f"org_unit:{unit_id}")  # against a child being added at the same moment
    unit = get_unit(session=session, actor=actor, unit_id=unit_id)
    session.refresh(unit)
    same_version(unit.version, version, "单位")
    _check_administers(actor, unit)
    if unit.closed == closed:
        raise Invalid(f"“{unit.name}”{'已撤销' if closed else '未撤销'}", field="unit_id")
    if closed and unit.parent_id is None:
        raise Invalid("根单位不能撤销", field="unit_id")
    before = _snapshot(unit)
    with savepoint(session):  # a refusal below undoes the write (the caller's transaction stays usable)
        unit.closed = closed
        session.flush()  # the version check and the row lock
        if closed:
            open_below = session.scalar(
                select(func.count())
                .select_from(OrgUnit)
                .where(
                    OrgUnit.path.startswith(unit.path, autoescape=True),
                    OrgUnit.id != unit.id,
                    OrgUnit.closed.is_(False),
                )
            )
            if open_below:
                raise Invalid(
                    f"“{unit.name}”下还有 {open_below} 个未撤销的单位，请先撤销下级单位", field="unit_id"
                )
            _check_nothing_open(session, unit)
        elif unit.parent is not None and unit.parent.closed:
            raise Invalid(f"上级单位“{unit.parent.name}”已撤销，请先恢复上级", field="unit_id")
    verb = "撤销" if closed else "恢复"
    audit(
        session, actor, MODULE, Action.DELETE if closed else Action.UPDATE, "org_unit", unit.id,
        f"{verb}单位 {unit.name}（{unit.code}）", before=before, after=_snapshot(unit),
    )  # fmt: skip
    return unit
