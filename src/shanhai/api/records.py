"""The programme-work registers over JSON: one record read, created, changed (with its version) or deleted
through the same service as the pages; a plan's 按时足额 status, who is in post, the records behind a derived
value, and project attachments. The lists themselves are /api/v1/lists/records_{name}."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Path, Query, Response, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from shanhai.errors import Invalid
from shanhai.flows import values as values_flow
from shanhai.http.deps import ActorDep, CommitRoute, IdPath, SessionDep, SettingsDep
from shanhai.http.errors import ERROR_RESPONSES
from shanhai.lib.cnnum import normalize
from shanhai.operations import attachments, funds, people
from shanhai.registers import catalogue
from shanhai.registers import kit as reg

router = APIRouter(route_class=CommitRoute, prefix="/api/v1", responses=ERROR_RESPONSES, tags=["工作台账"])
KindPath = Annotated[
    str, Path(max_length=32, pattern="^[a-z]+$", description="台账：" + "、".join(catalogue.types()))
]
RecordBody = Annotated[dict[str, Any], Body(description="字段：见各台账的表单；修改时须带 version")]


def _shown(kind: str, obj: Any, actor: Any) -> dict[str, Any]:
    shown = {
        k: str(normalize(v)) if isinstance(v, Decimal) else v
        for k, v in reg.shown(reg.get_type(kind), obj, actor).items()
    }
    encoded: dict[str, Any] = jsonable_encoder(shown)  # amounts as exact text, as everywhere in the API
    return encoded


@router.get("/records/{kind}/{record_id}", summary="读取一条台账记录")
def read_record(kind: KindPath, record_id: IdPath, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    rtype = reg.get_type(kind)
    return _shown(kind, reg.get_record(session=session, actor=actor, rtype=rtype, record_id=record_id), actor)


@router.post("/records/{kind}", status_code=201, summary="新增台账记录")
def create_record(kind: KindPath, body: RecordBody, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    rtype = reg.get_type(kind)
    return _shown(kind, reg.create(session=session, actor=actor, rtype=rtype, raw=body), actor)


@router.put("/records/{kind}/{record_id}", summary="修改台账记录（须带 version）")
def update_record(
    kind: KindPath, record_id: IdPath, body: RecordBody, session: SessionDep, actor: ActorDep
) -> dict[str, Any]:
    rtype = reg.get_type(kind)
    obj = reg.update(session=session, actor=actor, rtype=rtype, record_id=record_id, raw=body)
    return _shown(kind, obj, actor)


class RecordMove(BaseModel):
    to: str = Field(max_length=16, description="目标阶段，如 进行中、已完成")
    note: str = Field(default="", max_length=2000, description="原因（重新打开等须填写）")
    version: int = Field(ge=1, le=2**31 - 1)


@router.post("/records/{kind}/{record_id}/moves", summary="推进台账记录的阶段（如招商任务）")
def move_record(
    kind: KindPath, record_id: IdPath, body: RecordMove, session: SessionDep, actor: ActorDep
) -> dict[str, Any]:
    rtype = reg.get_type(kind)
    obj = reg.move(
        session=session,
        actor=actor,
        rtype=rtype,
        record_id=record_id,
        to=body.to,
        note=body.note,
        version=body.version,
    )
    return _shown(kind, obj, actor)


@router.delete("/records/{kind}/{record_id}", status_code=204, summary="删除台账记录")
def delete_record(
    kind: KindPath,
    record_id: IdPath,
    session: SessionDep,
    actor: ActorDep,
    version: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> Response:
    reg.delete(session=session, actor=actor, rtype=reg.get_type(kind), record_id=record_id, version=version)
    return Response(status_code=204)


@router.get("/funds/plans/{plan_id}", response_model=funds.PlanStatus, summary="资金计划执行情况（按时足额）")
def plan_status(plan_id: IdPath, session: SessionDep, actor: ActorDep) -> funds.PlanStatus:
    return funds.plan_page(session=session, actor=actor, plan_id=plan_id)


@router.get("/people/overview", response_model=people.PeopleOverview, summary="在岗干部人才与即将期满")
def people_overview(
    session: SessionDep,
    actor: ActorDep,
    on: Annotated[date | None, Query(description="哪一天在岗（默认今天）")] = None,
) -> people.PeopleOverview:
    if on is not None and not 1990 <= on.year <= 2100:
        raise Invalid("日期应在 1990–2100 年之间", field="on")
    return people.overview(session=session, actor=actor, on=on)


@router.get(
    "/values/{value_id}/records", response_model=values_flow.RecordsBehind, summary="汇总成该数值的台账记录"
)
def records_behind(
    value_id: IdPath, session: SessionDep, settings: SettingsDep, actor: ActorDep
) -> values_flow.RecordsBehind:
    return values_flow.records_behind(
        session=session, actor=actor, value_id=value_id, sources_dir=settings.sources_dir
    )


class AttachmentRead(BaseModel):
    id: int
    file_name: str
    content_type: str
    size: int
    sha256: str
    caption: str
    url: str


def attachment_read(a: Any) -> AttachmentRead:
    return AttachmentRead(
        id=a.id,
        file_name=a.file_name,
        content_type=a.content_type,
        size=a.size,
        sha256=a.sha256,
        caption=a.caption,
        url=f"/api/v1/attachments/{a.id}",
    )


@router.post(
    "/projects/{project_id}/attachments",
    status_code=201,
    response_model=AttachmentRead,
    summary="上传项目附件",
)
def upload_attachment(
    project_id: IdPath,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="JPEG/PNG 图片、PDF、Word、Excel，最大 10 MB")],
    caption: Annotated[str, Form(max_length=200)] = "",
) -> AttachmentRead:
    data = file.file.read(attachments.MAX_ATTACHMENT + 1)
    saved = attachments.add(
        session=session,
        actor=actor,
        data_dir=settings.data_dir,
        project_id=project_id,
        file_name=file.filename or "",
        data=data,
        caption=caption,
    )
    return attachment_read(saved)


@router.get("/attachments/{attachment_id}", summary="下载附件", response_class=FileResponse)
def download_attachment(
    attachment_id: IdPath, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> FileResponse:
    a = attachments.get(session=session, actor=actor, attachment_id=attachment_id)
    return FileResponse(
        attachments.blob_path(settings.data_dir, a.sha256), media_type=a.content_type, filename=a.file_name
    )


@router.delete("/attachments/{attachment_id}", status_code=204, summary="删除附件")
def delete_attachment(
    attachment_id: IdPath, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> Response:
    attachments.remove(session=session, actor=actor, attachment_id=attachment_id, data_dir=settings.data_dir)
    return Response(status_code=204)
