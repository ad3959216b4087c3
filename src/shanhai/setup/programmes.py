"""重点工作 and their partner places (对口地区): create, edit, delete while unused. A place is a node of the
organisation tree (kind 对口地区) with its province and full name."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shanhai.audit.service import Action
from shanhai.auth.scope import Actor
from shanhai.datasets.models import DataSet
from shanhai.db import same_version, savepoint, unique_or
from shanhai.errors import Conflict, Invalid, NotFound
from shanhai.indicators.models import DataValue
from shanhai.orgunits import service as orgunits
from shanhai.orgunits.models import OrgKind, OrgUnit
from shanhai.programmes.models import Place, Programme, ProgrammeKind
from shanhai.projects.models import Project
from shanhai.setup.common import audit, code, insert_unique, number, text
from shanhai.setup.orgunits import parent_for

MODULE = "重点工作"


def _snapshot(p: Programme) -> dict[str, object]:
    return {
        "code": p.code,
        "name": p.name,
        "short_name": p.short_name,
        "kind": p.kind,
        "lead_org_unit_id": p.lead_org_unit_id,
        "start_year": p.start_year,
        "end_year": p.end_year,
        "sort_order": p.sort_order,
        "places": [pl.code for pl in p.places],
    }


def _fill(
    session: Session,
    programme: Programme,
    *,
    name: str,
    short_name: str,
    kind: str,
    lead_org_unit_id: int | None,
    start_year: int | None,
    end_year: int | None,
    description: str,
    sort_order: int | None,
    place_ids: list[int],
) -> None:
    programme.name = text(name, field="name", label="名称", max_length=128)
    programme.short_name = text(short_name, field="short_name", label="简称", max_length=32)
    try:
        programme.kind = ProgrammeKind(kind).value
    except ValueError as exc:
        raise Invalid(f"没有这种工作类型：{kind[:20]}", field="kind") from exc
    lead = session.get(OrgUnit, lead_org_unit_id) if lead_org_unit_id else None
    if lead is None:
        raise Invalid("请选择牵头单位", field="lead_org_unit_id")
    if lead.closed:
        raise Invalid(f"牵头单位“{lead.name}”已撤销", field="lead_org_unit_id")
    programme.lead_org_unit_id = lead.id
    programme.start_year = number(start_year, field="start_year", label="起始年", low=1949, high=2199)
    programme.end_year = number(end_year, field="end_year", label="结束年", low=1949, high=2199)
    if programme.start_year and programme.end_year and programme.end_year < programme.start_year:
        raise Invalid("结束年不能早于起始年", field="end_year")
    programme.description = text(
        description, field="description", label="说明", max_length=2000, required=False
    )
    programme.sort_order = number(sort_order, field="sort_order", label="排序", low=0, high=99_999) or 0
    places = list(session.scalars(select(Place).where(Place.id.in_(place_ids)))) if place_ids else []
    if len(places) != len(set(place_ids)):
        raise Invalid("所选对口地区不存在", field="place_ids")
    programme.places = sorted(places, key=lambda p: p.id)


def get_programme(*, session: Session, actor: Actor, programme_id: int) -> Programme:
    actor.require("programmes:view")
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(f"重点工作不存在：编号 {programme_id}", field="programme_id")
    return programme


def create_programme(
    *, session: Session, actor: Actor, code_: str, place_ids: list[int], **fields: object
) -> Programme:
    actor.require("programmes:create")
    programme = Programme(code=code(code_))
    _fill(session, programme, place_ids=place_ids, **fields)  # type: ignore[arg-type]
    insert_unique(session, programme, Conflict(f"编码“{programme.code}”已被其他重点工作使用", field="code"))
    audit(
        session,
        actor,
        MODULE,
        Action.CREATE,
        "programme",
        programme.id,
        f"新增重点工作 {programme.name}",
        after=_snapshot(programme),
    )
    return programme


def update_programme(
    *,
    session: Session,
    actor: Actor,
    programme_id: int,
    version: int | None,
    place_ids: list[int],
    **fields: object,
) -> Programme:
    actor.require("programmes:edit")
    programme = get_programme(session=session, actor=actor, programme_id=programme_id)
    same_version(programme.version, version, "重点工作")
    before = _snapshot(programme)
    _fill(session, programme, place_ids=place_ids, **fields)  # type: ignore[arg-type]
    session.flush()
    audit(
        session,
        actor,
        MODULE,
        Action.UPDATE,
        "programme",
        programme.id,
        f"修改重点工作 {programme.name}",
        before=before,
        after=_snapshot(programme),
    )
    return programme


def delete_programme(*, session: Session, actor: Actor, programme_id: int, version: int | None) -> None:
    """Only a programme nothing refers to (values, projects, data sets) can be deleted."""
    actor.require("programmes:delete")
    programme = get_programme(session=session, actor=actor, programme_id=programme_id)
    same_version(programme.version, version, "重点工作")
    uses = {
        "条指标数据": session.scalar(select(func.count()).where(DataValue.programme_id == programme.id)),
        "个项目": session.scalar(select(func.count()).where(Project.programme_id == programme.id)),
        "个数据集": session.scalar(select(func.count()).where(DataSet.programme_id == programme.id)),
    }
    used = "、".join(f"{n} {what}" for what, n in uses.items() if n)
    if used:
        raise Conflict(f"“{programme.name}”仍被 {used} 使用，不能删除", field="programme_id")
    before = _snapshot(programme)
    session.delete(programme)
    session.flush()
    audit(
        session,
        actor,
        MODULE,
        Action.DELETE,
        "programme",
        programme_id,
        f"删除重点工作 {before['name']}",
        before=before,
    )


def create_place(
    *,
    session: Session,
    actor: Actor,
    code_: str,
    name: str,
    full_name: str,
    province: str,
    parent_id: int | None,
) -> Place:
    """A partner place and its node in the organisation tree (kind 对口地区), under the chosen parent."""
    actor.require("programmes:create")
    place_code = code(code_)
    if not parent_id:
        raise Invalid("请选择对口地区在组织树中的上级（如“对口地区”）", field="parent_id")
    parent = parent_for(session, actor, parent_id)  # visible, open, within the actor's scope, locked
    with unique_or(Conflict(f"编码“{place_code}”已被使用", field="code")), savepoint(session):
        unit = orgunits.create(
            session=session,
            code=place_code,
            name=text(name, field="name", label="名称", max_length=128),
            kind=OrgKind.PARTNER,
            parent=parent,
        )
        place = Place(
            code=place_code,
            name=unit.name,
            full_name=text(full_name, field="full_name", label="全称", max_length=256),
            province=text(province, field="province", label="省份", max_length=64),
            org_unit_id=unit.id,
        )
        session.add(place)
        session.flush()
    audit(
        session,
        actor,
        MODULE,
        Action.CREATE,
        "place",
        place.id,
        f"新增对口地区 {place.full_name}",
        after={"code": place.code, "name": place.name, "province": place.province},
    )
    return place
