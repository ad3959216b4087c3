"""JSON API under /api/v1: each route parses input, calls one service or flow, returns a schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shanhai.api.deps import SessionDep, SettingsDep
from shanhai.flows import dashboard as flows
from shanhai.indicators.models import ValueKind
from shanhai.indicators.schemas import DataElementRead, ValueRead
from shanhai.indicators.service import ValueFilter
from shanhai.pagination import MAX_LIMIT, Page
from shanhai.programmes import service as programmes
from shanhai.programmes.schemas import ProgrammeRead

router = APIRouter(prefix="/api/v1")


@router.get("/health", summary="健康检查")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/dashboard", response_model=flows.Dashboard, summary="首页概览（与 / 页面同源）")
def dashboard(
    session: SessionDep,
    settings: SettingsDep,
    year: Annotated[int | None, Query(ge=1949, le=2100, description="年度，默认为有数据的最近一年")] = None,
) -> flows.Dashboard:
    return flows.build_dashboard(session=session, year=year, sources_dir=settings.sources_dir)


@router.get("/programmes", response_model=list[ProgrammeRead], summary="重点工作列表")
def list_programmes(session: SessionDep) -> list[ProgrammeRead]:
    return [ProgrammeRead.model_validate(p) for p in programmes.list_programmes(session=session)]


@router.get("/programmes/{programme_id}", response_model=flows.ProgrammeDetail, summary="重点工作详情")
def programme_detail(programme_id: int, session: SessionDep, settings: SettingsDep) -> flows.ProgrammeDetail:
    return flows.programme_detail(
        session=session, programme_id=programme_id, sources_dir=settings.sources_dir
    )


@router.get("/values", response_model=Page[ValueRead], summary="指标数据（含出处）")
def list_values(
    session: SessionDep,
    settings: SettingsDep,
    programme_id: int | None = None,
    org_unit_id: int | None = None,
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
    kind: ValueKind | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[ValueRead]:
    flt = ValueFilter(programme_id=programme_id, org_unit_id=org_unit_id, year=year, kind=kind)
    return flows.list_values(
        session=session, flt=flt, offset=offset, limit=limit, sources_dir=settings.sources_dir
    )


@router.get("/data-elements", response_model=list[DataElementRead], summary="指标定义")
def list_elements(session: SessionDep) -> list[DataElementRead]:
    return [DataElementRead.model_validate(e) for e in flows.list_elements(session=session)]
