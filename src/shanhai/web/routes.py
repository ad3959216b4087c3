"""Server-rendered pages in Chinese. Each page calls the same flow as its JSON twin under /api/v1."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from shanhai.api.deps import SessionDep, SettingsDep
from shanhai.flows import dashboard as flows
from shanhai.indicators.service import ValueFilter
from shanhai.programmes import service as programmes
from shanhai.programmes.schemas import ProgrammeRead

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(default_response_class=HTMLResponse)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


@router.get("/", summary="首页概览")
def dashboard_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
) -> HTMLResponse:
    data = flows.build_dashboard(session=session, year=year, sources_dir=settings.sources_dir)
    return render(request, "dashboard.html", data=data, json_url=f"/api/v1/dashboard?year={data.year or ''}")


@router.get("/programmes", summary="重点工作")
def programmes_page(request: Request, session: SessionDep) -> HTMLResponse:
    items = [ProgrammeRead.model_validate(p) for p in programmes.list_programmes(session=session)]
    return render(request, "programmes/list.html", items=items, json_url="/api/v1/programmes")


@router.get("/programmes/{programme_id}", summary="重点工作详情")
def programme_page(
    request: Request, programme_id: int, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    data = flows.programme_detail(
        session=session, programme_id=programme_id, sources_dir=settings.sources_dir
    )
    return render(request, "programmes/detail.html", data=data, json_url=f"/api/v1/programmes/{programme_id}")


@router.get("/values", summary="指标数据")
def values_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    programme_id: int | None = None,
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> HTMLResponse:
    flt = ValueFilter(programme_id=programme_id, year=year)
    page = flows.list_values(
        session=session, flt=flt, offset=offset, limit=limit, sources_dir=settings.sources_dir
    )
    query = "&".join(f"{k}={v}" for k, v in (("programme_id", programme_id), ("year", year)) if v is not None)
    return render(
        request,
        "values.html",
        page=page,
        query=query,
        json_url=f"/api/v1/values?{query}&offset={offset}&limit={limit}",
    )
