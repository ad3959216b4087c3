"""导入 (Excel in): a register's template, an upload previewed (every problem at its row and column, the rows
that will be created, updated or left as they are), then imported all or nothing. The previewed file waits in
the data directory under the importer's own name, so the preview survives a reload and the import reads the
very file that was previewed (by its SHA-256). The JSON twin is /api/v1/imports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from shanhai.auth.scope import Actor
from shanhai.errors import Forbidden, Invalid, ShanhaiError
from shanhai.http.deps import ActorDep, CommitRoute, SessionDep, SettingsDep
from shanhai.imports import pipeline, sheets, template
from shanhai.registers.kit import get_type
from shanhai.web.render import recoverable, render

router = APIRouter(route_class=CommitRoute, default_response_class=HTMLResponse, include_in_schema=False)
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def xlsx_response(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


def _stash(data_dir: Path, actor: Actor, sha: str) -> Path:
    return data_dir / "imports" / str(actor.user_id or 0) / sha


@router.get("/imports", summary="导入")
def imports_page(request: Request, actor: ActorDep) -> Response:
    kinds = pipeline.importable(actor)
    if not kinds:
        actor.require("records:create")
    return render(request, "imports/index.html", kinds=kinds, outcome=None, error=None)


@router.get("/imports/{kind}/template.xlsx", summary="下载导入模板")
def template_download(kind: str, session: SessionDep, actor: ActorDep) -> Response:
    return xlsx_response(*template.for_download(session, actor, kind[:32]))


@router.post("/imports/{kind}", summary="预览或导入")
def upload(
    request: Request,
    kind: str,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    file: Annotated[UploadFile | None, File()] = None,
    sha256: Annotated[str, Form(max_length=64)] = "",
    file_name: Annotated[str, Form(max_length=200)] = "",
    action: Annotated[str, Form(max_length=16)] = "preview",
) -> Response:
    kinds = pipeline.importable(actor)
    try:
        rtype = get_type(kind[:32])
        if rtype not in kinds:
            raise Forbidden(f"您没有导入{rtype.noun}的权限", field="kind")
        if file is not None and file.filename:
            data = file.file.read(sheets.MAX_BYTES + 1)
            name = file.filename
        elif SHA256.match(sha256) and _stash(settings.data_dir, actor, sha256).is_file():
            data = _stash(settings.data_dir, actor, sha256).read_bytes()
            name = file_name
        else:
            raise Invalid("请选择要导入的文件（.xlsx、.xls 或 .csv）", field="file")
        commit = action == "commit"
        outcome = pipeline.run(
            session=session, actor=actor, kind=rtype.name, file_name=name, data=data, commit=commit
        )
        stash = _stash(settings.data_dir, actor, outcome.sha256)
        if outcome.committed:
            stash.unlink(missing_ok=True)
        elif not stash.exists():
            stash.parent.mkdir(parents=True, exist_ok=True)
            stash.write_bytes(data)
    except ShanhaiError as exc:
        recoverable(exc, session)
        return render(
            request, "imports/index.html", status_code=exc.status, kinds=kinds, outcome=None, error=exc
        )
    return render(
        request,
        "imports/index.html",
        kinds=kinds,
        outcome=outcome,
        rtype=rtype,
        error=None,
        result=_rows(outcome),
    )


def _rows(outcome: pipeline.Outcome) -> dict[str, Any]:
    return {
        "created": len(outcome.created),
        "updated": len(outcome.updated),
        "unchanged": len(outcome.unchanged),
    }
