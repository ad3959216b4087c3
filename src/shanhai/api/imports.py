"""Excel in over JSON: a register's template, and a file previewed (commit false) or imported all or nothing
(commit true) through the one import pipeline (`imports.pipeline`) — the answer lists every problem at its
row and column."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from shanhai.http.deps import ActorDep, CommitRoute, SessionDep
from shanhai.http.errors import ERROR_RESPONSES
from shanhai.http.lists import xlsx_response
from shanhai.imports import pipeline, sheets
from shanhai.imports.template import for_download
from shanhai.registers import catalogue

router = APIRouter(route_class=CommitRoute, prefix="/api/v1", responses=ERROR_RESPONSES, tags=["导入"])
KindPath = Annotated[
    str, Path(max_length=32, pattern="^[a-z]+$", description="台账：" + "、".join(catalogue.types()))
]


@router.get("/imports", summary="可导入的台账")
def kinds(actor: ActorDep) -> list[dict[str, Any]]:
    return [
        {"kind": t.name, "noun": t.noun, "template": f"/api/v1/imports/{t.name}/template"}
        for t in pipeline.importable(actor)
    ]


@router.get("/imports/{kind}/template", summary="下载导入模板（.xlsx）")
def template(kind: KindPath, session: SessionDep, actor: ActorDep) -> Response:
    return xlsx_response(*for_download(session, actor, kind))


@router.post("/imports/{kind}", summary="预览或导入一个 Excel/CSV 文件（全部成功才写入）")
def run(
    kind: KindPath,
    session: SessionDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File()],
    commit: Annotated[bool, Query(description="true：导入；false（默认）：只预览")] = False,
) -> Response:
    data = file.file.read(sheets.MAX_BYTES + 1)
    outcome = pipeline.run(
        session=session, actor=actor, kind=kind, file_name=file.filename or "", data=data, commit=commit
    )
    body = outcome.as_dict()
    if commit and not outcome.committed:
        message = f"文件中有 {outcome.problem_count} 处问题，未导入任何数据"
        return JSONResponse({"error": {"message": message, "field": "file"}, **body}, status_code=422)
    return JSONResponse(body)
