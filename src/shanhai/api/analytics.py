"""Analytics and data entry over JSON: /api/v1/analytics (JSON or CSV), data sets, entry, approval."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from shanhai.analytics import saved as views
from shanhai.analytics.engine import analytics
from shanhai.analytics.export import export_csv
from shanhai.datasets import service as datasets
from shanhai.flows import reporting
from shanhai.http.deps import ActorDep, CommitRoute, SessionDep
from shanhai.http.errors import ERROR_RESPONSES
from shanhai.http.responses import csv_response
from shanhai.lib.beijing import today as beijing_today
from shanhai.lib.types import MAX_ID, DbId, Text

router = APIRouter(route_class=CommitRoute, prefix="/api/v1", responses=ERROR_RESPONSES)
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Dim = Annotated[Text, Query(min_length=1, max_length=2000)]
ProgrammeFilter = Annotated[Text | None, Query(max_length=32, description="重点工作编码：只计该工作的数值")]


class AnalyticsRead(BaseModel):
    headers: list[str]
    rows: list[list[Any]]
    names: dict[str, str]
    dimensions: dict[str, list[str]]
    qualifiers: list[list[str]] = Field(
        default_factory=list,
        description="[dx, ou, pe, 限定]：数值并非全部精确的单元格（over 超/余，under 近，approx 约）",
    )


@router.get(
    "/analytics",
    response_model=AnalyticsRead,
    summary="分析查询（dx 指标 × ou 单位 × pe 期间；format=csv 导出）",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def get_analytics(
    session: SessionDep,
    actor: ActorDep,
    dx: Dim,
    ou: Dim,
    pe: Dim,
    programme: Annotated[
        Text | None, Query(max_length=32, description="重点工作编码：只计该工作的数值")
    ] = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    if format == "csv":  # needs 导出 and is audited
        body = export_csv(session=session, actor=actor, dx=dx, ou=ou, pe=pe, programme=programme)
        return csv_response(body, "shanhai-analytics.csv")
    result = analytics(session=session, actor=actor, dx=dx, ou=ou, pe=pe, programme=programme)
    return AnalyticsRead(
        headers=result.headers,
        rows=result.rows,
        names=result.names,
        dimensions=result.dimensions,
        qualifiers=[[*cell, qualifier] for cell, qualifier in result.qualifiers.items()],
    )


class DataSetRead(BaseModel):
    id: int
    code: str
    name: str
    period_type: str
    due_day: int
    elements: list[dict[str, Any]]
    units: list[str]
    rules: list[str]


class EntryRead(BaseModel):
    data_set: str
    org_unit: str
    period: str
    status: str
    status_label: str
    editable: bool
    submission_id: int | None
    values: dict[str, str]
    references: dict[str, str] = {}  # what the records say for the month (a work group's report)
    agreements: dict[str, str] = {}  # each typed figure beside the records' (与台账一致, or the difference)


class EntryWrite(BaseModel):
    values: dict[Annotated[Text, Field(max_length=64)], Annotated[Text, Field(max_length=40)]] = Field(
        max_length=100
    )
    submit: bool = False


class DecisionWrite(BaseModel):
    comment: Text = Field(default="", max_length=500)


class SubmissionRead(BaseModel):
    id: int
    data_set: str
    org_unit: str
    period: str
    status: str
    comment: str


class OverdueRead(BaseModel):
    data_set: str
    org_unit: str
    period: str
    due: date
    status: str


def entry_read(form: datasets.EntryForm) -> EntryRead:
    return EntryRead(
        data_set=form.data_set.code,
        org_unit=form.unit.code,
        period=form.period.id,
        status=form.status,
        status_label=form.status_label,
        editable=form.editable,
        submission_id=form.submission.id if form.submission else None,
        values=form.values,
        references=form.references,
        agreements=form.agreements,
    )


def submission_read(s: Any) -> SubmissionRead:
    return SubmissionRead(
        id=s.id,
        data_set=s.data_set.code,
        org_unit=s.org_unit.code,
        period=s.period_id,
        status=s.status,
        comment=s.comment,
    )


@router.get(
    "/datasets/overview", response_model=reporting.Overview, summary="数据填报概览（页面 /datasets 的数据）"
)
def datasets_overview(session: SessionDep, actor: ActorDep) -> reporting.Overview:
    return reporting.overview(session=session, actor=actor, today=beijing_today())


class RemindWrite(BaseModel):
    org_unit_id: DbId
    period: Text = Field(max_length=16)


@router.post(
    "/datasets/{data_set_id}/remind", response_model=reporting.OverdueRead, status_code=201, summary="催报"
)
def remind(
    data_set_id: IdPath, body: RemindWrite, session: SessionDep, actor: ActorDep
) -> reporting.OverdueRead:
    return reporting.remind(
        session=session,
        actor=actor,
        data_set_id=data_set_id,
        org_unit_id=body.org_unit_id,
        period_id=body.period,
        today=beijing_today(),
    )


@router.get("/datasets", response_model=list[DataSetRead], summary="填报报表")
def list_data_sets(session: SessionDep, actor: ActorDep) -> list[DataSetRead]:
    return [
        DataSetRead(
            id=d.id,
            code=d.code,
            name=d.name,
            period_type=d.period_type,
            due_day=d.due_day,
            elements=[
                {"code": e.data_element.code, "name": e.data_element.name, "required": e.required}
                for e in d.elements
            ],
            units=[u.code for u in d.units],
            rules=[r.message for r in d.rules],
        )
        for d in datasets.list_data_sets(session=session, actor=actor)
    ]


@router.get("/datasets/overdue", response_model=list[OverdueRead], summary="逾期未报")
def overdue(session: SessionDep, actor: ActorDep) -> list[OverdueRead]:
    return [
        OverdueRead(
            data_set=o.data_set.code, org_unit=o.unit.code, period=o.period.id, due=o.due, status=o.status
        )
        for o in datasets.overdue(session=session, actor=actor, today=beijing_today())
    ]


@router.get("/datasets/{data_set_id}/entry", response_model=EntryRead, summary="读取一张报表")
def get_entry(
    data_set_id: IdPath,
    session: SessionDep,
    actor: ActorDep,
    org_unit_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    period: Annotated[Text, Query(max_length=16)],
) -> EntryRead:
    form = reporting.entry_form(
        session=session, actor=actor, data_set_id=data_set_id, org_unit_id=org_unit_id, period_id=period
    )
    return entry_read(form)


@router.put("/datasets/{data_set_id}/entry", response_model=EntryRead, summary="暂存或提交一张报表")
def put_entry(
    data_set_id: IdPath,
    body: EntryWrite,
    session: SessionDep,
    actor: ActorDep,
    org_unit_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    period: Annotated[Text, Query(max_length=16)],
) -> EntryRead:
    form = datasets.save(
        session=session,
        actor=actor,
        data_set_id=data_set_id,
        org_unit_id=org_unit_id,
        period_id=period,
        raw=body.values,
        submit=body.submit,
    )
    return entry_read(form)


@router.get("/submissions", response_model=list[SubmissionRead], summary="待审核的报表")
def pending(session: SessionDep, actor: ActorDep) -> list[SubmissionRead]:
    return [submission_read(s) for s in datasets.pending(session=session, actor=actor)]


@router.post("/submissions/{submission_id}/approve", response_model=SubmissionRead, summary="审核通过")
def approve(submission_id: IdPath, session: SessionDep, actor: ActorDep) -> SubmissionRead:
    return submission_read(datasets.approve(session=session, actor=actor, submission_id=submission_id))


@router.post("/submissions/{submission_id}/return", response_model=SubmissionRead, summary="退回修改")
def return_submission(
    submission_id: IdPath, body: DecisionWrite, session: SessionDep, actor: ActorDep
) -> SubmissionRead:
    return submission_read(
        datasets.return_for_correction(
            session=session, actor=actor, submission_id=submission_id, comment=body.comment
        )
    )


class ViewWrite(BaseModel):
    name: Text = Field(min_length=1, max_length=128)
    dx: Text = Field(min_length=1, max_length=2000)
    ou: Text = Field(min_length=1, max_length=2000)
    pe: Text = Field(min_length=1, max_length=2000)
    chart: Literal["bar", "line", "pie"] = "bar"
    pinned: bool = False


class ViewRead(BaseModel):
    id: int
    name: str
    query: str
    chart: str
    pinned: bool


def view_read(view: Any) -> ViewRead:
    return ViewRead(id=view.id, name=view.name, query=view.query, chart=view.chart, pinned=view.pinned)


@router.get("/views", response_model=list[ViewRead], summary="我的分析视图")
def list_views(session: SessionDep, actor: ActorDep) -> list[ViewRead]:
    return [view_read(v) for v in views.list_views(session=session, actor=actor)]


@router.post("/views", response_model=ViewRead, status_code=201, summary="保存分析视图（可固定到首页）")
def create_view(body: ViewWrite, session: SessionDep, actor: ActorDep) -> ViewRead:
    view = views.create_view(
        session=session,
        actor=actor,
        name=body.name,
        dx=body.dx,
        ou=body.ou,
        pe=body.pe,
        chart=body.chart,
        pinned=body.pinned,
    )
    return view_read(view)


@router.delete("/views/{view_id}", status_code=204, summary="删除分析视图")
def delete_view(view_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    views.delete_view(session=session, actor=actor, view_id=view_id)
    return Response(status_code=204)
