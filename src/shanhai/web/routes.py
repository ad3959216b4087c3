"""Server-rendered pages in Chinese. Each page calls the same flow as its JSON twin under /api/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shanhai.datasets import service as datasets
from shanhai.documents.service import TextCache
from shanhai.errors import Invalid, ShanhaiError
from shanhai.flows import dashboard as flows
from shanhai.flows import values as values_flow
from shanhai.flows.projects import project_page
from shanhai.http.deps import ActorDep, CommitRoute, IdPath, SessionDep, SettingsDep
from shanhai.indicators import service as indicators
from shanhai.indicators.present import value_read
from shanhai.lib.cnnum import QUALIFIER_LABELS, Qualifier
from shanhai.lib.types import MAX_ID, Text
from shanhai.lists import catalogue
from shanhai.operations import registers as records
from shanhai.web.lists import load_page, render_list
from shanhai.web.render import recoverable, render

router = APIRouter(route_class=CommitRoute, default_response_class=HTMLResponse, include_in_schema=False)


@router.get("/", summary="首页概览")
def dashboard_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
) -> HTMLResponse:
    data = flows.build_dashboard(session=session, actor=actor, year=year, sources_dir=settings.sources_dir)
    return render(
        request,
        "dashboard.html",
        data=data,
        json_url=f"/api/v1/dashboard?year={data.year or ''}",
    )


@router.get("/programmes", summary="重点工作")
def programmes_page(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    actions = [("新增重点工作", "/admin/programmes/new")] if actor.can("programmes:create") else []
    return render_list(request, session, actor, catalogue.PROGRAMMES, actions=actions)


@router.get("/projects", summary="项目")
def projects_page(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    return render_list(request, session, actor, catalogue.PROJECTS, heading="项目库")


@router.get("/datasets/submissions", summary="报表")
def submissions_page(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    return render_list(
        request,
        session,
        actor,
        catalogue.SUBMISSIONS,
        heading="报表查询",
        intro="各单位各期报表的状态：草稿、已提交、已退回、已审核。",
    )


@router.get("/programmes/{programme_id}", summary="重点工作详情")
def programme_page(
    request: Request, programme_id: IdPath, session: SessionDep, settings: SettingsDep, actor: ActorDep
) -> HTMLResponse:
    data = flows.programme_detail(
        session=session, actor=actor, programme_id=programme_id, sources_dir=settings.sources_dir
    )
    return render(request, "programmes/detail.html", data=data, json_url=f"/api/v1/programmes/{programme_id}")


@router.get("/values", summary="指标数据")
def values_page(
    request: Request, session: SessionDep, settings: SettingsDep, actor: ActorDep
) -> HTMLResponse:
    page, error = load_page(catalogue.VALUES, request, session, actor)
    cache = TextCache(settings.sources_dir)
    reads = {v.id: value_read(v, cache) for v in page.items}
    return render_list(
        request, session, actor, catalogue.VALUES, template="values.html", reads=reads, loaded=(page, error)
    )


def _edit_form(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    value_id: int,
    error: ShanhaiError | None = None,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    value = indicators.get_value(session=session, actor=actor, value_id=value_id)
    read = value_read(value, TextCache(None))
    shown = {"value": str(read.value), "qualifier": read.qualifier, "comment": read.comment, **(typed or {})}
    owner = datasets.owning_report(
        session=session, element=value.data_element, org_unit_id=value.org_unit_id, period_id=value.period_id
    )
    return render(
        request,
        "values_edit.html",
        status_code=error.status if error else 200,
        value=read,
        shown=shown,
        owner=owner if value.kind == "actual" and value.programme_id is None else None,
        history=values_flow.history(session=session, actor=actor, value_id=value_id),
        qualifiers=[(q.value, label) for q, label in QUALIFIER_LABELS.items()],
        error=error,
        json_url=f"/api/v1/values/{value_id}",
    )


@router.get("/values/{value_id}/edit", summary="修改指标数据")
def edit_value_page(value_id: IdPath, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    actor.require("indicators:edit")
    return _edit_form(request, session, actor, value_id)


@router.post("/values/{value_id}/edit", summary="保存指标数据")
def edit_value(
    value_id: IdPath,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    version: Annotated[int, Form(ge=0, le=MAX_ID)],
    value: Annotated[Text, Form(max_length=40)] = "",
    qualifier: Annotated[Text, Form()] = "exact",
    comment: Annotated[Text, Form(max_length=500)] = "",
) -> Response:
    try:
        number = indicators.parse_number(value)
        try:
            qual = Qualifier(qualifier)
        except ValueError as exc:
            raise Invalid("请选择限定词", field="qualifier") from exc
        values_flow.update_value(
            session=session,
            actor=actor,
            value_id=value_id,
            version=version,
            value=number,
            qualifier=qual,
            comment=comment,
        )
    except ShanhaiError as exc:
        recoverable(exc, session)
        typed = {"value": value, "qualifier": qualifier, "comment": comment}
        return _edit_form(request, session, actor, value_id, exc, typed)
    return RedirectResponse(f"/values/{value_id}/edit?saved=1", status_code=303)


def project_page_response(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    project_id: int,
    error: ShanhaiError | None = None,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    data = project_page(
        session=session, actor=actor, project_id=project_id, sources=TextCache(settings.sources_dir)
    )
    return render(
        request,
        "projects/detail.html",
        status_code=error.status if error else 200,
        data=data,
        error=error,
        typed=typed or {},
        json_url=f"/api/v1/projects/{project_id}",
    )


@router.get("/projects/{project_id}", summary="项目详情")
def project_detail_page(
    request: Request, project_id: IdPath, session: SessionDep, settings: SettingsDep, actor: ActorDep
) -> HTMLResponse:
    return project_page_response(request, session, settings, actor, project_id)


@router.post("/projects/{project_id}/moves", summary="推进项目阶段")
def move_project_form(
    request: Request,
    project_id: IdPath,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    to: Annotated[Text, Form(max_length=16)] = "",
    note: Annotated[Text, Form(max_length=2000)] = "",
    version: Annotated[int, Form(ge=0, le=MAX_ID)] = 0,
) -> Response:
    try:
        records.move_project(
            session=session, actor=actor, project_id=project_id, to=to, note=note, version=version
        )
    except ShanhaiError as exc:
        recoverable(exc, session)
        return project_page_response(
            request, session, settings, actor, project_id, exc, {"to": to, "note": note}
        )
    return RedirectResponse(f"/projects/{project_id}?moved=1", status_code=303)
