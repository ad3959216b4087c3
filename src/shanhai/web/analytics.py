"""The pivot table (analytics), the data sets with their entry grid, and the approval queue."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from shanhai.analytics import saved as views
from shanhai.analytics.engine import analytics
from shanhai.analytics.request import RELATIVE_PERIODS
from shanhai.datasets import service as datasets
from shanhai.errors import ShanhaiError
from shanhai.flows import reporting
from shanhai.http.deps import ActorDep, CommitRoute, IdPath, SessionDep
from shanhai.indicators.models import DataElement, Indicator
from shanhai.lib.beijing import today as beijing_today
from shanhai.lib.types import MAX_ID, Text
from shanhai.orgunits.models import OrgUnit
from shanhai.web.render import recoverable, render

router = APIRouter(route_class=CommitRoute, default_response_class=HTMLResponse, include_in_schema=False)
CHARTS = {"bar": "柱状图", "line": "折线图", "pie": "饼图"}


@router.get("/analytics", summary="数据分析")
def analytics_page(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    dx: Annotated[Text, Query(max_length=2000)] = "FUNDS;CONSUMPTION_SALES",
    ou: Annotated[Text, Query(max_length=2000)] = "XZ",
    pe: Annotated[Text, Query(max_length=2000)] = "2025",
    chart: str = "bar",
) -> Response:
    actor.require("indicators:view")
    units = views.element_units(session)
    error = None
    pivot = None
    try:
        result = analytics(session=session, actor=actor, dx=dx, ou=ou, pe=pe)
        pivot = views.pivot(result, units)
    except ShanhaiError as exc:
        error = exc
    query = f"dx={dx}&ou={ou}&pe={pe}"
    return render(
        request,
        "analytics.html",
        status_code=error.status if error else 200,
        pivot=pivot,
        error=error,
        dx=dx,
        ou=ou,
        pe=pe,
        chart=chart if chart in CHARTS else "bar",
        charts=CHARTS,
        relative=RELATIVE_PERIODS,
        elements=session.scalars(select(DataElement).order_by(DataElement.group, DataElement.code)).all(),
        indicators=session.scalars(select(Indicator).order_by(Indicator.code)).all(),
        units=session.scalars(select(OrgUnit).where(OrgUnit.level <= 2).order_by(OrgUnit.path)).all(),
        query=query,
        json_url=f"/api/v1/analytics?{query}",
    )


@router.post("/analytics/views", summary="保存分析视图")
def save_view(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    name: Annotated[Text, Form(max_length=128)] = "",
    dx: Annotated[Text, Form(max_length=2000)] = "",
    ou: Annotated[Text, Form(max_length=2000)] = "",
    pe: Annotated[Text, Form(max_length=2000)] = "",
    chart: Annotated[Text, Form(max_length=8)] = "bar",
    pinned: Annotated[Text, Form()] = "",
) -> Response:
    views.create_view(
        session=session, actor=actor, name=name, dx=dx, ou=ou, pe=pe, chart=chart, pinned=bool(pinned)
    )
    return RedirectResponse(
        f"/analytics?{urlencode({'dx': dx, 'ou': ou, 'pe': pe, 'chart': chart})}&saved=1", status_code=303
    )


@router.post("/analytics/views/{view_id}/delete", summary="删除分析视图")
def delete_view(view_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    views.delete_view(session=session, actor=actor, view_id=view_id)
    return RedirectResponse("/analytics", status_code=303)


@router.get("/datasets", summary="数据填报")
def datasets_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    data = reporting.overview(session=session, actor=actor, today=beijing_today())
    return render(request, "datasets/list.html", data=data, json_url="/api/v1/datasets/overview")


@router.post("/datasets/{data_set_id}/remind", summary="催报")
def remind_page(
    data_set_id: IdPath,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    org_unit_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    period: Annotated[Text, Form(max_length=16)],
) -> Response:
    actor.require("indicators:approve")
    try:
        reporting.remind(
            session=session,
            actor=actor,
            data_set_id=data_set_id,
            org_unit_id=org_unit_id,
            period_id=period,
            today=beijing_today(),
        )
    except ShanhaiError as exc:
        recoverable(exc, session)
        data = reporting.overview(session=session, actor=actor, today=beijing_today())
        return render(
            request, "datasets/list.html", status_code=exc.status, data=data, error=exc,
            json_url="/api/v1/datasets/overview",
        )  # fmt: skip
    return RedirectResponse("/datasets?reminded=1#overdue", status_code=303)


def _entry(request: Request, form: datasets.EntryForm, status: int = 200, error: Any = None) -> Response:
    return render(
        request,
        "datasets/entry.html",
        status_code=status,
        form=form,
        error=error,
        json_url=f"/api/v1/datasets/{form.data_set.id}/entry?org_unit_id={form.unit.id}&period={form.period.id}",
    )


@router.get("/datasets/{data_set_id}/entry", summary="填报")
def entry_page(
    data_set_id: IdPath,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    org_unit_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    period: Annotated[Text, Query(max_length=16)],
) -> Response:
    form = reporting.entry_form(
        session=session, actor=actor, data_set_id=data_set_id, org_unit_id=org_unit_id, period_id=period
    )
    return _entry(request, form)


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form as plain strings (read on the event loop; the route itself runs in a thread)."""
    return {k: str(v) for k, v in (await request.form()).items()}


@router.post("/datasets/{data_set_id}/entry", summary="保存填报")
def save_entry(
    data_set_id: IdPath,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    org_unit_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    period: Annotated[Text, Query(max_length=16)],
    form_data: Annotated[dict[str, str], Depends(form_fields)],
) -> Response:
    raw = {k[2:]: v for k, v in form_data.items() if k.startswith("v_")}
    submit = form_data.get("action") == "submit"
    try:
        datasets.save(
            session=session,
            actor=actor,
            data_set_id=data_set_id,
            org_unit_id=org_unit_id,
            period_id=period,
            raw=raw,
            submit=submit,
        )
    except datasets.EntryInvalid as exc:
        session.rollback()
        return _entry(request, exc.form, status=422, error=exc)
    except ShanhaiError as exc:
        recoverable(exc, session)
        form = reporting.entry_form(
            session=session, actor=actor, data_set_id=data_set_id, org_unit_id=org_unit_id, period_id=period
        )
        return _entry(request, form, status=exc.status, error=exc)
    saved = "submitted" if submit else "draft"
    url = f"/datasets/{data_set_id}/entry?org_unit_id={org_unit_id}&period={period}&saved={saved}"
    return RedirectResponse(url, status_code=303)


@router.post("/submissions/{submission_id}/approve", summary="审核通过")
def approve(submission_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    datasets.approve(session=session, actor=actor, submission_id=submission_id)
    return RedirectResponse("/datasets?decided=approved", status_code=303)


@router.post("/submissions/{submission_id}/return", summary="退回")
def return_submission(
    submission_id: IdPath,
    session: SessionDep,
    actor: ActorDep,
    comment: Annotated[Text, Form(max_length=500)] = "",
) -> Response:
    if not comment.strip():  # shown beside the row's form, not as an error page
        return RedirectResponse(f"/datasets?needs_reason={submission_id}#pending", status_code=303)
    datasets.return_for_correction(session=session, actor=actor, submission_id=submission_id, comment=comment)
    return RedirectResponse("/datasets?decided=returned", status_code=303)
