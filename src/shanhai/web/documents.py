"""报告文档: upload a report, read it with every figure highlighted, and accept, correct or reject each figure
(the suggestion preselected, the words that led to it shown). One data function per page (flows.review)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor
from shanhai.documents.models import STANDINGS
from shanhai.errors import Invalid, NotFound, ShanhaiError
from shanhai.flows import reconcile, review
from shanhai.http.deps import ActorDep, CommitRoute, FormDep, IdPath, SessionDep, SettingsDep
from shanhai.indicators import claims
from shanhai.indicators.models import DataElement, ValueKind
from shanhai.indicators.service import parse_number
from shanhai.lib.cnnum import QUALIFIER_LABELS, Qualifier
from shanhai.lib.types import small_int
from shanhai.lists.catalogue import DOCUMENTS
from shanhai.programmes.models import Programme
from shanhai.web import forms
from shanhai.web.lists import render_list
from shanhai.web.render import recoverable, render

router = APIRouter(route_class=CommitRoute, default_response_class=HTMLResponse, include_in_schema=False)
MAX_UPLOAD = 20 * 1024 * 1024
PER_PAGE = 50  # review cards per page (the text shows every figure; a long report's cards come in pages)


@router.get("/documents", summary="报告文档")
def documents_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    return render_list(
        request, session, actor, DOCUMENTS, template="documents/list.html", standings=STANDINGS
    )


def _choices(session: Session, actor: Actor) -> dict[str, Any]:
    elements = session.scalars(select(DataElement).order_by(DataElement.group, DataElement.code))
    programmes = session.scalars(select(Programme).order_by(Programme.sort_order, Programme.id))
    return {
        "elements": [(e.code, f"{e.name}（{e.unit}）") for e in elements],
        "units": forms.unit_choices(session, actor),
        "programmes": [(str(p.id), p.short_name) for p in programmes],
        "qualifiers": [(q.value, label) for q, label in QUALIFIER_LABELS.items()],
    }


def _page(
    request: Request,
    session: Session,
    actor: Actor,
    document_id: int,
    error: ShanhaiError | None = None,
    typed: dict[str, Any] | None = None,
    page: int = 0,
) -> Response:
    data = review.document_page(session=session, actor=actor, document_id=document_id)
    page_of = {c.id: i // PER_PAGE for i, c in enumerate(data.candidates)}
    if typed and typed.get("candidate_id") in page_of:
        page = page_of[typed["candidate_id"]]
    pages = max(1, -(-len(data.candidates) // PER_PAGE))
    page = min(max(page, 0), pages - 1)
    return render(
        request,
        "documents/read.html",
        status_code=error.status if error else 200,
        data=data,
        cards=data.candidates[page * PER_PAGE : (page + 1) * PER_PAGE],
        page_of=page_of,
        page=page,
        pages=pages,
        error=error,
        typed=typed or {},
        json_url=f"/api/v1/documents/{document_id}",
        field_labels=review.FIELD_LABELS,
        **_choices(session, actor),
    )


def _kind(raw: str) -> ValueKind | None:
    if not raw:
        return None
    try:
        return ValueKind(raw)
    except ValueError:
        raise Invalid("类型应为“实际值”或“目标值”", field="kind") from None


@router.get("/documents/{document_id}", summary="阅读与审核报告")
def read_page(
    document_id: IdPath,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    page: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    return _page(request, session, actor, document_id, page=page)


@router.post("/documents/upload", summary="上传报告")
def upload(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
    title: Annotated[str, Form(max_length=200)] = "",
    publisher: Annotated[str, Form(max_length=128)] = "",
    published_on: Annotated[str, Form(max_length=20)] = "",
    standing: Annotated[str, Form(max_length=16)] = "other",
) -> Response:
    actor.require("documents:create")
    try:
        day = date.fromisoformat(published_on.strip()) if published_on.strip() else None
    except ValueError:
        day = None
    try:
        if published_on.strip() and day is None:
            raise Invalid("发布日期应为日期，如 2025-12-31", field="published_on")
        document, _ = review.upload(
            session=session,
            actor=actor,
            data_dir=settings.data_dir,
            file_name=file.filename or "",
            data=file.file.read(MAX_UPLOAD + 1),
            title=title,
            publisher=publisher,
            published_on=day,
            standing=standing,
        )
    except ShanhaiError as exc:
        recoverable(exc, session)
        typed = {"title": title, "publisher": publisher, "published_on": published_on, "standing": standing}
        return render_list(
            request,
            session,
            actor,
            DOCUMENTS,
            template="documents/list.html",
            upload_error=exc,
            typed=typed,
            standings=STANDINGS,
        )
    return RedirectResponse(f"/documents/{document.id}", status_code=303)


def _decimal(text: str) -> Decimal | None:
    return parse_number(text, "value") if text.strip() else None


@router.post("/documents/{document_id}/candidates/{candidate_id}", summary="审核报告中的数字")
def decide(
    document_id: IdPath,
    candidate_id: IdPath,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    posted: FormDep,
) -> Response:
    form = forms.first_values(posted)
    action = form.get("action", "")
    version = small_int(form.get("version", ""))
    try:
        candidate = review.get_candidate(session=session, actor=actor, candidate_id=candidate_id)
        if candidate.document_id != document_id:
            raise NotFound("待审数字不存在或不在您的数据范围内", field="candidate_id")
        if action == "reject":
            review.reject(
                session=session,
                actor=actor,
                candidate_id=candidate_id,
                version=version,
                note=form.get("note", ""),
            )
        elif action == "reopen":
            review.reopen(session=session, actor=actor, candidate_id=candidate_id, version=version)
        elif action == "accept":
            unit = small_int(form.get("org_unit_id", ""))
            if unit is None:
                raise Invalid("请选择单位", field="org_unit_id")
            qualifier = form.get("qualifier", "")
            if qualifier and qualifier not in {q.value for q in Qualifier}:  # never dropped without a word
                raise Invalid("限定应从列表中选择（准确值、超过、接近、约数），或留空", field="qualifier")
            if len(form.get("note", "")) > 500:
                raise Invalid("说明最多 500 字", field="note")
            programme = small_int(form.get("programme_id", ""))
            if programme is None and form.get("programme_id", "").strip():  # ٩ is no id: say so
                raise Invalid("请从列表中选择项目（协作计划），或留空", field="programme_id")
            review.accept(
                session=session,
                actor=actor,
                candidate_id=candidate_id,
                version=version,
                element_code=form.get("element", ""),
                org_unit_id=unit,
                period_id=review.check_period(form.get("period", "")),
                programme_id=programme,
                value=_decimal(form.get("value", "")),
                qualifier=Qualifier(qualifier) if qualifier else None,
                note=form.get("note", ""),
                kind=_kind(form.get("kind", "")),
            )
        else:
            raise Invalid("未知的操作", field="action")
    except NotFound:
        raise
    except ShanhaiError as exc:
        recoverable(exc, session)
        return _page(request, session, actor, document_id, exc, {**form, "candidate_id": candidate_id})
    page = review.position(session=session, candidate=candidate) // PER_PAGE
    return RedirectResponse(f"/documents/{document_id}?page={page}#c{candidate_id}", status_code=303)


@router.get("/reconcile", summary="对账")
def reconcile_page(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    year: Annotated[str, Query(max_length=8)] = "",
) -> Response:
    return _reconcile(request, session, actor, small_int(year))


def _reconcile(
    request: Request,
    session: Session,
    actor: Actor,
    year: int | None,
    error: ShanhaiError | None = None,
    typed: dict[str, Any] | None = None,
) -> Response:
    data = reconcile.reconcile(session=session, actor=actor, year=year)
    return render(
        request,
        "documents/reconcile.html",
        status_code=422 if error else 200,
        data=data,
        error=error,
        typed=typed or {},
        json_url=f"/api/v1/reconcile?year={data.year}" if data.year else "/api/v1/reconcile",
    )


@router.post("/reconcile/claims/{claim_id}", summary="处理对账差异")
def resolve_claim(
    claim_id: IdPath, request: Request, session: SessionDep, actor: ActorDep, posted: FormDep
) -> Response:
    form = forms.first_values(posted)
    year = small_int(form.get("year", ""))
    try:
        certified = _decimal(form.get("certified", ""))
        claims.resolve(
            session=session,
            actor=actor,
            claim_id=claim_id,
            version=small_int(form.get("version", "")),
            reason=form.get("reason", ""),
            certified=certified,
        )
    except ShanhaiError as exc:
        recoverable(exc, session)
        return _reconcile(request, session, actor, year, exc, {**form, "claim_id": claim_id})
    return RedirectResponse(f"/reconcile?year={year or ''}#claim{claim_id}", status_code=303)
