"""JSON API under /api/v1: each route parses input, calls one service or flow, returns a schema."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from shanhai.documents.service import TextCache
from shanhai.flows import dashboard as flows
from shanhai.flows import values as values_flow
from shanhai.flows.projects import ProjectPage, project_page
from shanhai.health import state as health_state
from shanhai.http.deps import ActorDep, CommitRoute, IdPath, SessionDep, SettingsDep
from shanhai.http.errors import ERROR_RESPONSES
from shanhai.http.lists import list_params
from shanhai.indicators import service as indicators
from shanhai.indicators.models import ValueKind
from shanhai.indicators.present import value_read
from shanhai.indicators.schemas import DataElementRead, ValueRead
from shanhai.lib.cnnum import Qualifier
from shanhai.lib.types import MAX_ID, DbId, PlainNumber, Text, Version
from shanhai.lists.catalogue import VALUES
from shanhai.lists.run import run as run_list
from shanhai.lists.spec import parse
from shanhai.operations import registers as records
from shanhai.pagination import Page
from shanhai.programmes import service as programmes
from shanhai.programmes.schemas import ProgrammeRead

router = APIRouter(route_class=CommitRoute, prefix="/api/v1", responses=ERROR_RESPONSES)
Year = Annotated[int | None, Query(ge=1949, le=2100, description="年度")]
MAX_VALUE = Decimal("1e19")  # data_values.value is NUMERIC(24, 4)
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=10**9)]


class ValueCreate(BaseModel):
    data_element: Text = Field(min_length=1, max_length=64, description="指标编码")
    org_unit_id: DbId
    period: Text = Field(
        pattern=r"^\d{4}(Q[1-4]|S[12]|0[1-9]|1[0-2]|-\d{4})?$",
        description="期间编码：2025、2025S1（上半年）、2025Q3、202507、2021-2025",
    )
    programme_id: DbId | None = None
    kind: ValueKind = ValueKind.ACTUAL
    category_option: Text = Field(default="", max_length=32, description="分类选项，如“男”；空为不分类")
    value: PlainNumber = Field(
        ge=-MAX_VALUE, le=MAX_VALUE, allow_inf_nan=False, description="数值（保留4位小数）"
    )
    qualifier: Qualifier = Qualifier.EXACT
    comment: Text = Field(default="", max_length=500)


class ValueUpdate(BaseModel):
    version: Version
    value: PlainNumber = Field(
        ge=-MAX_VALUE, le=MAX_VALUE, allow_inf_nan=False, description="数值（保留4位小数）"
    )
    qualifier: Qualifier = Qualifier.EXACT
    comment: Text = Field(default="", max_length=500)


class DatabaseHealth(BaseModel):
    ok: bool
    backend: str
    revision: str | None
    head: str | None
    message: str = ""


class Health(BaseModel):
    status: str = Field(
        description="ok；unavailable（数据库不可用，HTTP 503）；read_only（可读但写入无法提交，"
        "如磁盘已满，HTTP 503）"
    )
    database: DatabaseHealth
    writable: bool = Field(
        default=True, description="最近的写入能否提交（磁盘已满时为 false，直到写入再次成功）"
    )


@router.get(
    "/health",
    response_model=Health,
    summary="健康检查（含数据库状态；数据库不可用或无法写入时 503）",
    responses={503: {"model": Health, "description": "数据库不可用"}},
)
def health(request: Request) -> JSONResponse:
    db = health_state(request.app.state.engine)
    writable = request.app.state.outage.writable
    status = "unavailable" if not db.ok else ("ok" if writable else "read_only")
    detail = DatabaseHealth(**asdict(db))
    if db.ok and not writable:
        detail.message = "数据库可读，但写入无法提交（磁盘可能已满）：请腾出磁盘空间"
    body = Health(status=status, database=detail, writable=writable)
    return JSONResponse(body.model_dump(), status_code=200 if status == "ok" else 503)


@router.get("/dashboard", response_model=flows.Dashboard, summary="首页概览（与 / 页面同源）")
def dashboard(
    session: SessionDep, settings: SettingsDep, actor: ActorDep, year: Year = None
) -> flows.Dashboard:
    return flows.build_dashboard(session=session, actor=actor, year=year, sources_dir=settings.sources_dir)


@router.get("/programmes", response_model=list[ProgrammeRead], summary="重点工作列表")
def list_programmes(session: SessionDep, actor: ActorDep) -> list[ProgrammeRead]:
    actor.require("programmes:view")
    return [ProgrammeRead.model_validate(p) for p in programmes.list_programmes(session=session)]


@router.get("/programmes/{programme_id}", response_model=flows.ProgrammeDetail, summary="重点工作详情")
def programme_detail(
    programme_id: IdPath, session: SessionDep, settings: SettingsDep, actor: ActorDep
) -> flows.ProgrammeDetail:
    return flows.programme_detail(
        session=session, actor=actor, programme_id=programme_id, sources_dir=settings.sources_dir
    )


@router.get(
    "/values", response_model=Page[ValueRead], summary="指标数据（含出处；筛选与排序同 /api/v1/lists/values）"
)
def list_values(
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    raw: dict[str, str] = Depends(list_params(VALUES)),  # noqa: B008 (the kit's parameters, declared)
) -> Page[ValueRead]:
    """The values list of the kit (its filters, sort, page and scope), each value with its source sentence:
    the same rows as /values and /api/v1/lists/values; export with /api/v1/lists/values/export."""
    page = run_list(VALUES, parse(VALUES, raw, session=session, actor=actor), session=session, actor=actor)
    cache = TextCache(settings.sources_dir)
    return Page[ValueRead](
        items=[value_read(v, cache) for v in page.items],
        total=page.total,
        offset=page.query.offset,
        limit=page.query.limit,
    )


@router.get("/values/{value_id}", response_model=ValueRead, summary="一条指标数据")
def get_value(value_id: IdPath, session: SessionDep, settings: SettingsDep, actor: ActorDep) -> ValueRead:
    value = indicators.get_value(session=session, actor=actor, value_id=value_id)
    return value_read(value, TextCache(settings.sources_dir))


class ValueChange(BaseModel):
    at: datetime
    actor: str
    action: str
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    model_config = {"from_attributes": True}


@router.get("/values/{value_id}/history", response_model=list[ValueChange], summary="一条指标数据的修改历史")
def value_history(value_id: IdPath, session: SessionDep, actor: ActorDep) -> list[ValueChange]:
    rows = values_flow.history(session=session, actor=actor, value_id=value_id)
    return [ValueChange.model_validate(r) for r in rows]


@router.post("/values", response_model=ValueRead, status_code=201, summary="录入指标数据")
def create_value(body: ValueCreate, session: SessionDep, actor: ActorDep) -> ValueRead:
    value = values_flow.create_value(
        session=session,
        actor=actor,
        element_code=body.data_element,
        org_unit_id=body.org_unit_id,
        period_id=body.period,
        programme_id=body.programme_id,
        kind=body.kind,
        value=body.value,
        qualifier=body.qualifier,
        comment=body.comment,
        category_option=body.category_option,
    )
    return value_read(value, TextCache(None))


@router.put(
    "/values/{value_id}", response_model=ValueRead, summary="修改指标数据（带版本号，防止覆盖他人修改）"
)
def update_value(value_id: IdPath, body: ValueUpdate, session: SessionDep, actor: ActorDep) -> ValueRead:
    value = values_flow.update_value(
        session=session,
        actor=actor,
        value_id=value_id,
        version=body.version,
        value=body.value,
        qualifier=body.qualifier,
        comment=body.comment,
    )
    return value_read(value, TextCache(None))


@router.delete("/values/{value_id}", status_code=204, summary="删除指标数据")
def delete_value(
    value_id: IdPath,
    session: SessionDep,
    actor: ActorDep,
    version: Annotated[int, Query(ge=1, le=MAX_ID, description="版本号")],
) -> Response:
    values_flow.delete_value(session=session, actor=actor, value_id=value_id, version=version)
    return Response(status_code=204)


@router.get("/data-elements", response_model=list[DataElementRead], summary="指标定义")
def list_elements(session: SessionDep, actor: ActorDep) -> list[DataElementRead]:
    actor.require("indicators:view")
    return [DataElementRead.model_validate(e) for e in flows.list_elements(session=session)]


class ProjectMove(BaseModel):
    to: Text = Field(max_length=16, description="目标阶段：立项、开工、完工、投用、终止……")
    note: Text = Field(default="", max_length=2000, description="说明；终止时必填")
    version: Version


@router.get(
    "/projects/{project_id}", response_model=ProjectPage, summary="项目详情（与 /projects/{id} 页面同源）"
)
def project_detail(
    project_id: IdPath, session: SessionDep, settings: SettingsDep, actor: ActorDep
) -> ProjectPage:
    return project_page(
        session=session, actor=actor, project_id=project_id, sources=TextCache(settings.sources_dir)
    )


@router.post("/projects/{project_id}/moves", response_model=ProjectPage, summary="推进项目阶段（或终止）")
def move_project(
    project_id: IdPath, body: ProjectMove, session: SessionDep, settings: SettingsDep, actor: ActorDep
) -> ProjectPage:
    records.move_project(
        session=session, actor=actor, project_id=project_id, to=body.to, note=body.note, version=body.version
    )
    return project_page(
        session=session, actor=actor, project_id=project_id, sources=TextCache(settings.sources_dir)
    )
