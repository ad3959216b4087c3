"""导入 (Excel in): a register's template; an upload previewed in the background (a progress bar while it
runs; then every problem at its row and column and the rows that will be created, updated or left as they
are); then imported all or nothing from the very file previewed. Each run is a job (`imports.jobs`) with a
page of its own, so a reload keeps it. The JSON twin is /api/v1/imports."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from shanhai.errors import Conflict, Forbidden, Invalid, ShanhaiError
from shanhai.http.deps import ActorDep, CommitRoute, IdPath, SessionDep, SettingsDep, client_ip
from shanhai.http.lists import xlsx_response
from shanhai.imports import jobs, pipeline, sheets, template
from shanhai.imports.models import DONE, QUEUED
from shanhai.web.render import recoverable, render

router = APIRouter(route_class=CommitRoute, default_response_class=HTMLResponse, include_in_schema=False)


@router.get("/imports", summary="导入")
def imports_page(request: Request, actor: ActorDep) -> Response:
    kinds = pipeline.importable(actor)
    if not kinds:
        actor.require("records:create")
    return render(request, "imports/index.html", kinds=kinds, error=None)


@router.get("/imports/{kind}/template.xlsx", summary="下载导入模板")
def template_download(kind: str, session: SessionDep, actor: ActorDep) -> Response:
    return xlsx_response(*template.for_download(session, actor, kind[:32]))


def _started(request: Request, job_id: int) -> Response:
    """To the job's page; the job runs once the reply (and the transaction that holds the job) is sent."""
    app = request.app
    task = BackgroundTask(
        jobs.start,
        app.state.session_factory,
        job_id,
        app.state.settings.data_dir,
        inline=getattr(app.state, "imports_inline", False),
        ip=client_ip(request),
    )
    return RedirectResponse(f"/imports/jobs/{job_id}", status_code=303, background=task)


@router.post("/imports/{kind}", summary="上传并预览")
def upload(
    request: Request,
    kind: str,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    kinds = pipeline.importable(actor)
    try:
        rtype = pipeline.get_target(kind[:32])
        if not rtype.allowed(actor):
            raise Forbidden(f"您没有导入{rtype.noun}的权限", field="kind")
        if file is None or not file.filename:
            raise Invalid("请选择要导入的文件（.xlsx、.xls 或 .csv）", field="file")
        data = file.file.read(sheets.MAX_BYTES + 1)
        sheets.check(data, file.filename)  # what it is and how big, before it is kept
        sha = hashlib.sha256(data).hexdigest()
        jobs.sweep(settings.data_dir)
        stash = jobs.stash_path(settings.data_dir, actor.user_id, sha)
        stash.parent.mkdir(parents=True, exist_ok=True)
        stash.write_bytes(data)
        job = jobs.create(
            session=session, actor=actor, kind=rtype.name, file_name=file.filename, sha256=sha, commit=False
        )
    except ShanhaiError as exc:
        recoverable(exc, session)
        return render(request, "imports/index.html", status_code=exc.status, kinds=kinds, error=exc)
    return _started(request, job.id)


@router.get("/imports/jobs/{job_id}", summary="导入任务")
def job_page(request: Request, job_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    job = jobs.of(session, actor, job_id)
    return render(
        request,
        "imports/job.html",
        job=job,
        rtype=pipeline.get_target(job.kind),
        rows=jobs.progress(job.id),
        kinds=pipeline.importable(actor),
    )


@router.get("/imports/jobs/{job_id}/progress", summary="导入进度")
def job_progress(request: Request, job_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    job = jobs.of(session, actor, job_id)
    if job.status != QUEUED:  # finished: the page shows the outcome
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return render(request, "imports/_progress.html", job=job, rows=jobs.progress(job.id))


@router.post("/imports/jobs/{job_id}/commit", summary="确认导入")
def job_commit(
    request: Request, job_id: IdPath, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> Response:
    preview = jobs.of(session, actor, job_id)
    outcome = preview.outcome or {}
    if preview.commit or preview.status != DONE or outcome.get("problem_count", 1):
        raise Conflict("只有无问题的预览可以确认导入，请重新上传", field="id")
    if not jobs.stash_path(settings.data_dir, actor.user_id, preview.sha256).is_file():
        raise Conflict("该文件已导入或已过期，请重新上传", field="id")
    if not jobs.confirm(session, preview.id):  # the same button sent twice: one import
        raise Conflict("该预览已确认导入，请勿重复提交", field="id")
    job = jobs.create(
        session=session,
        actor=actor,
        kind=preview.kind,
        file_name=preview.file_name,
        sha256=preview.sha256,
        commit=True,
    )
    return _started(request, job.id)
