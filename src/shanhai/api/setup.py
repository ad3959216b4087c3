"""JSON API of the office's set-up: the same services as the 基础设置 pages (units, programmes and places,
data elements, indicators with a formula preview, data sets, roles). Lists are /api/v1/lists/{name}."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from shanhai.http.deps import ActorDep, CommitRoute, IdPath, SessionDep
from shanhai.http.errors import ERROR_RESPONSES
from shanhai.lib.types import DbId, Text
from shanhai.setup import datasets as ds_setup
from shanhai.setup import metadata, orgunits, programmes, roles

router = APIRouter(route_class=CommitRoute, prefix="/api/v1", responses=ERROR_RESPONSES, tags=["基础设置"])
Year = Annotated[int | None, Field(ge=1900, le=2199)]
Order = Annotated[int | None, Field(ge=0, le=99_999)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Saved(BaseModel):
    id: int
    code: str
    name: str
    version: int | None = None


def _saved(record: Any) -> Saved:
    return Saved(id=record.id, code=record.code, name=record.name, version=getattr(record, "version", None))


class UnitWrite(Strict):
    name: Text = Field(max_length=128)
    kind: Text = Field(max_length=32)
    parent_id: DbId | None = None
    sort_order: Order = 0


class UnitCreate(UnitWrite):
    code: Text = Field(max_length=64)


class UnitUpdate(UnitWrite):
    version: int = Field(ge=1, le=2**31 - 1)


class Version(Strict):
    version: int = Field(ge=1, le=2**31 - 1)


@router.post("/orgunits", response_model=Saved, status_code=201, summary="新增单位")
def create_unit(body: UnitCreate, session: SessionDep, actor: ActorDep) -> Saved:
    fields = body.model_dump(exclude={"code"})
    return _saved(orgunits.create_unit(session=session, actor=actor, code_=body.code, **fields))


class UnitRead(Saved):
    kind: str
    kind_label: str
    parent_id: int | None
    path: str
    level: int
    sort_order: int
    closed: bool


@router.get("/orgunits/{unit_id}", response_model=UnitRead, summary="单位（修改时所需的各项）")
def get_unit(unit_id: IdPath, session: SessionDep, actor: ActorDep) -> UnitRead:
    unit = orgunits.get_unit(session=session, actor=actor, unit_id=unit_id)
    return UnitRead(
        id=unit.id, code=unit.code, name=unit.name, version=unit.version, kind=unit.kind,
        kind_label=unit.kind_label, parent_id=unit.parent_id, path=unit.path, level=unit.level,
        sort_order=unit.sort_order, closed=unit.closed,
    )  # fmt: skip


@router.put("/orgunits/{unit_id}", response_model=Saved, summary="修改或移动单位")
def update_unit(unit_id: IdPath, body: UnitUpdate, session: SessionDep, actor: ActorDep) -> Saved:
    return _saved(orgunits.update_unit(session=session, actor=actor, unit_id=unit_id, **body.model_dump()))


@router.post("/orgunits/{unit_id}/close", response_model=Saved, summary="撤销单位")
def close_unit(unit_id: IdPath, body: Version, session: SessionDep, actor: ActorDep) -> Saved:
    return _saved(orgunits.close_unit(session=session, actor=actor, unit_id=unit_id, version=body.version))


@router.post("/orgunits/{unit_id}/reopen", response_model=Saved, summary="恢复单位")
def reopen_unit(unit_id: IdPath, body: Version, session: SessionDep, actor: ActorDep) -> Saved:
    unit = orgunits.close_unit(
        session=session, actor=actor, unit_id=unit_id, version=body.version, closed=False
    )
    return _saved(unit)


class ProgrammeWrite(Strict):
    name: Text = Field(max_length=128)
    short_name: Text = Field(max_length=32)
    kind: Text = Field(max_length=32)
    lead_org_unit_id: DbId
    start_year: Year = None
    end_year: Year = None
    description: Text = Field(default="", max_length=2000)
    sort_order: Order = 0
    place_ids: list[DbId] = Field(default_factory=list, max_length=200)


class ProgrammeCreate(ProgrammeWrite):
    code: Text = Field(max_length=64)


class ProgrammeUpdate(ProgrammeWrite):
    version: int = Field(ge=1, le=2**31 - 1)


@router.post("/programmes", response_model=Saved, status_code=201, summary="新增重点工作")
def create_programme(body: ProgrammeCreate, session: SessionDep, actor: ActorDep) -> Saved:
    fields = body.model_dump(exclude={"code"})
    return _saved(programmes.create_programme(session=session, actor=actor, code_=body.code, **fields))


@router.put("/programmes/{programme_id}", response_model=Saved, summary="修改重点工作")
def update_programme(
    programme_id: IdPath, body: ProgrammeUpdate, session: SessionDep, actor: ActorDep
) -> Saved:
    programme = programmes.update_programme(
        session=session, actor=actor, programme_id=programme_id, **body.model_dump()
    )
    return _saved(programme)


@router.delete("/programmes/{programme_id}", status_code=204, summary="删除重点工作（未被使用时）")
def delete_programme(programme_id: IdPath, version: int, session: SessionDep, actor: ActorDep) -> Response:
    programmes.delete_programme(session=session, actor=actor, programme_id=programme_id, version=version)
    return Response(status_code=204)


class PlaceCreate(Strict):
    code: Text = Field(max_length=64)
    name: Text = Field(max_length=128)
    full_name: Text = Field(max_length=256)
    province: Text = Field(max_length=64)
    parent_id: DbId


@router.post("/places", response_model=Saved, status_code=201, summary="新增对口地区")
def create_place(body: PlaceCreate, session: SessionDep, actor: ActorDep) -> Saved:
    fields = body.model_dump(exclude={"code"})
    return _saved(programmes.create_place(session=session, actor=actor, code_=body.code, **fields))


class ElementWrite(Strict):
    name: Text = Field(max_length=128)
    unit: Text = Field(max_length=16)
    aggregation: Text = Field(default="sum", max_length=16)
    group: Text = Field(default="", max_length=32)
    description: Text = Field(default="", max_length=2000)
    category: Text = Field(default="", max_length=32)
    options: Text = Field(default="", max_length=256, description="分类选项，逗号或顿号分隔")
    nature: Text = Field(
        default="",
        max_length=16,
        description="数据性质：flow 流量、stock 存量、ratio 比率、cumulative 年内累计、"
        "since_start 起始以来累计；空：按汇总方式推定",
    )
    grain: Text = Field(
        default="", max_length=16, description="实际值的最短统计期间：monthly、quarterly、yearly、multi_year"
    )
    target_grain: Text = Field(default="", max_length=16, description="目标值的最短统计期间")
    aliases: Text = Field(default="", max_length=512, description="同义词：报告里的其他说法，顿号或逗号分隔")


class ElementCreate(ElementWrite):
    code: Text = Field(max_length=64)


class ElementUpdate(ElementWrite):
    version: int = Field(ge=1, le=2**31 - 1)


@router.post("/elements", response_model=Saved, status_code=201, summary="新增数据元")
def create_element(body: ElementCreate, session: SessionDep, actor: ActorDep) -> Saved:
    fields = body.model_dump(exclude={"code"})
    return _saved(metadata.create_element(session=session, actor=actor, code_=body.code, **fields))


class ElementRead(Saved):
    unit: str
    aggregation: str
    group: str
    description: str
    category: str
    options: list[str]
    nature: str = Field(description="数据性质：flow、stock、ratio、cumulative、since_start")
    grain: str = Field(description="实际值的最短统计期间")
    target_grain: str = Field(description="目标值的最短统计期间")
    aliases: str = Field(description="同义词，顿号分隔")


@router.get("/elements/{element_id}", response_model=ElementRead, summary="数据元")
def get_element(element_id: IdPath, session: SessionDep, actor: ActorDep) -> ElementRead:
    e = metadata.get_element(session=session, actor=actor, element_id=element_id)
    return ElementRead(
        id=e.id,
        code=e.code,
        name=e.name,
        version=e.version,
        unit=e.unit,
        aggregation=e.aggregation,
        group=e.group,
        description=e.description,
        category=e.category,
        options=e.options,
        nature=e.nature,
        grain=e.grain,
        target_grain=e.target_grain,
        aliases=e.aliases,
    )


@router.put("/elements/{element_id}", response_model=Saved, summary="修改数据元")
def update_element(element_id: IdPath, body: ElementUpdate, session: SessionDep, actor: ActorDep) -> Saved:
    return _saved(
        metadata.update_element(session=session, actor=actor, element_id=element_id, **body.model_dump())
    )


@router.delete("/elements/{element_id}", status_code=204, summary="删除数据元（未被使用时）")
def delete_element(element_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    metadata.delete_element(session=session, actor=actor, element_id=element_id)
    return Response(status_code=204)


class IndicatorWrite(Strict):
    name: Text = Field(max_length=128)
    formula: Text = Field(max_length=512)
    unit: Text = Field(default="", max_length=16)
    decimals: int = Field(default=1, ge=0, le=4)
    description: Text = Field(default="", max_length=2000)


class IndicatorCreate(IndicatorWrite):
    code: Text = Field(max_length=64)


class IndicatorUpdate(IndicatorWrite):
    version: int = Field(ge=1, le=2**31 - 1)


class PreviewRead(BaseModel):
    year: int
    value: Decimal | None
    unit: str
    operands: list[str]


class PreviewWrite(Strict):
    code: Text = Field(default="", max_length=64)
    formula: Text = Field(max_length=512)
    unit: Text = Field(default="", max_length=16)
    decimals: int = Field(default=1, ge=0, le=4)


@router.post("/indicators/preview", response_model=PreviewRead, summary="指标公式检查与预览（不保存）")
def preview_indicator(body: PreviewWrite, session: SessionDep, actor: ActorDep) -> PreviewRead:
    found = metadata.preview(
        session=session,
        actor=actor,
        code_=body.code,
        formula=body.formula,
        unit=body.unit,
        decimals=body.decimals,
    )
    return PreviewRead(year=found.year, value=found.value, unit=found.unit, operands=found.operands)


@router.post("/indicators", response_model=Saved, status_code=201, summary="新增指标（公式在保存时检查）")
def create_indicator(body: IndicatorCreate, session: SessionDep, actor: ActorDep) -> Saved:
    fields = body.model_dump(exclude={"code"})
    return _saved(metadata.create_indicator(session=session, actor=actor, code_=body.code, **fields))


@router.put("/indicators/{indicator_id}", response_model=Saved, summary="修改指标")
def update_indicator(
    indicator_id: IdPath, body: IndicatorUpdate, session: SessionDep, actor: ActorDep
) -> Saved:
    indicator = metadata.update_indicator(
        session=session, actor=actor, indicator_id=indicator_id, **body.model_dump()
    )
    return _saved(indicator)


@router.delete("/indicators/{indicator_id}", status_code=204, summary="删除指标（未被引用时）")
def delete_indicator(indicator_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    metadata.delete_indicator(session=session, actor=actor, indicator_id=indicator_id)
    return Response(status_code=204)


class DataSetWrite(Strict):
    name: Text = Field(max_length=128)
    period_type: Text = Field(max_length=16)
    due_day: int = Field(default=10, ge=1, le=28)
    programme_id: DbId | None = None
    element_ids: list[DbId] = Field(max_length=500)
    required_ids: list[DbId] = Field(default_factory=list, max_length=500)
    unit_ids: list[DbId] = Field(max_length=5000)
    rules: Text = Field(default="", max_length=4000, description="每行一条：#{甲} <= #{乙} | 提示语")


class DataSetCreate(DataSetWrite):
    code: Text = Field(max_length=64)


class DataSetUpdate(DataSetWrite):
    version: int = Field(ge=1, le=2**31 - 1)


@router.post("/datasets", response_model=Saved, status_code=201, summary="新增数据集")
def create_data_set(body: DataSetCreate, session: SessionDep, actor: ActorDep) -> Saved:
    fields = body.model_dump(exclude={"code"})
    return _saved(ds_setup.create_data_set(session=session, actor=actor, code_=body.code, **fields))


@router.put("/datasets/{data_set_id}", response_model=Saved, summary="修改数据集")
def update_data_set(data_set_id: IdPath, body: DataSetUpdate, session: SessionDep, actor: ActorDep) -> Saved:
    data_set = ds_setup.update_data_set(
        session=session, actor=actor, data_set_id=data_set_id, **body.model_dump()
    )
    return _saved(data_set)


@router.delete("/datasets/{data_set_id}", status_code=204, summary="删除数据集（没有报表时）")
def delete_data_set(data_set_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    ds_setup.delete_data_set(session=session, actor=actor, data_set_id=data_set_id)
    return Response(status_code=204)


class RoleCreate(Strict):
    code: Text = Field(max_length=64)
    name: Text = Field(max_length=64)
    data_scope: Text = Field(max_length=16)
    description: Text = Field(default="", max_length=500)
    permissions: list[Annotated[Text, Field(max_length=64)]] = Field(default_factory=list, max_length=200)


class RoleCopy(Strict):
    code: Text = Field(max_length=64)
    name: Text = Field(max_length=64)


@router.post("/roles", response_model=Saved, status_code=201, summary="新增角色")
def create_role(body: RoleCreate, session: SessionDep, actor: ActorDep) -> Saved:
    role = roles.create_role(
        session=session,
        actor=actor,
        code_=body.code,
        name=body.name,
        data_scope=body.data_scope,
        description=body.description,
        permissions=set(body.permissions),
    )
    return _saved(role)


@router.post("/roles/{role_id}/copy", response_model=Saved, status_code=201, summary="复制角色")
def copy_role(role_id: IdPath, body: RoleCopy, session: SessionDep, actor: ActorDep) -> Saved:
    return _saved(
        roles.copy_role(session=session, actor=actor, role_id=role_id, code_=body.code, name=body.name)
    )


@router.delete("/roles/{role_id}", status_code=204, summary="删除角色（无人持有时）")
def delete_role(role_id: IdPath, version: int, session: SessionDep, actor: ActorDep) -> Response:
    roles.delete_role(session=session, actor=actor, role_id=role_id, version=version)
    return Response(status_code=204)
