"""Pages of 企业库 and 招商引资 beyond the registers' own (/records/enterprises …): near-duplicate firms with
a merge button, certificates that end within 90 days, and the two views (/investment, /scitech). The JSON
twins are under /api/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor
from shanhai.enterprises import registers as firms
from shanhai.errors import ShanhaiError
from shanhai.flows import pipelines
from shanhai.http.deps import ActorDep, CommitRoute, FormDep, IdPath, SessionDep
from shanhai.registers.fields import Field, read_field
from shanhai.web import forms
from shanhai.web.render import recoverable, render

router = APIRouter(route_class=CommitRoute, default_response_class=HTMLResponse, include_in_schema=False)
ID = Field("target_id", "并入的企业", "int", required=True, low=1, high=2**31 - 1)
VERSION = Field("version", "版本", "int", required=True, low=1, high=2**31 - 1)


def _duplicates(
    request: Request, session: Session, actor: Actor, error: ShanhaiError | None = None
) -> Response:
    pairs = firms.near_duplicates(session=session, actor=actor)
    return render(
        request,
        "enterprises/duplicates.html",
        status_code=error.status if error else 200,
        pairs=pairs,
        error=error,
        may_merge=actor.can("enterprises:edit") and actor.can("enterprises:delete"),
        json_url="/api/v1/enterprises/duplicates",
    )


@router.get("/enterprises/duplicates", summary="疑似重复的企业")
def duplicates_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    return _duplicates(request, session, actor)


@router.post("/enterprises/{enterprise_id}/merge", summary="合并重复企业")
def merge(
    enterprise_id: IdPath, request: Request, session: SessionDep, actor: ActorDep, posted: FormDep
) -> Response:
    actor.require("enterprises:edit")
    actor.require("enterprises:delete")
    raw = forms.first_values(posted)
    try:
        done = firms.merge(
            session=session,
            actor=actor,
            source_id=enterprise_id,
            target_id=read_field(session, actor, ID, raw.get("target_id")),
            version=read_field(session, actor, VERSION, raw.get("version")),
        )
    except ShanhaiError as exc:
        recoverable(exc, session)
        return _duplicates(request, session, actor, exc)
    return RedirectResponse(f"/records/enterprises/{done.kept}", status_code=303)


@router.get("/enterprises/expiring", summary="即将到期的企业资质")
def expiring_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    actor.require("enterprises:view")
    return render(
        request,
        "enterprises/expiring.html",
        rows=firms.expiring(session=session, actor=actor),
        days=firms.EXPIRING_DAYS,
        left=firms.days_left,
        json_url="/api/v1/enterprises/expiring",
    )


YearQuery = Annotated[int | None, Query(ge=2000, le=2100)]


@router.get("/investment", summary="招商引资进度")
def investment_page(
    request: Request, session: SessionDep, actor: ActorDep, year: YearQuery = None
) -> Response:
    data = pipelines.investment(session=session, actor=actor, year=year)
    return render(
        request, "enterprises/investment.html", data=data, json_url=f"/api/v1/investment?year={data.year}"
    )


@router.get("/scitech", summary="科技创新概况")
def scitech_page(request: Request, session: SessionDep, actor: ActorDep, year: YearQuery = None) -> Response:
    data = pipelines.scitech(session=session, actor=actor, year=year)
    return render(
        request, "enterprises/scitech.html", data=data, json_url=f"/api/v1/scitech?year={data.year}"
    )
