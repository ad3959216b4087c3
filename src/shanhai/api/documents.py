"""Reports over JSON: upload one (multipart), read it with its figures and their suggestions (the same data
as the reading page), and accept, correct or reject a figure. The list is /api/v1/lists/documents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, Field

from shanhai.documents.models import Candidate
from shanhai.flows import reconcile, review
from shanhai.http.deps import ActorDep, CommitRoute, IdPath, SessionDep, SettingsDep
from shanhai.http.errors import ERROR_RESPONSES
from shanhai.indicators import claims
from shanhai.indicators.models import ValueKind
from shanhai.lib.cnnum import Qualifier
from shanhai.lib.types import DbId, PlainNumber, Text, Version

router = APIRouter(route_class=CommitRoute, prefix="/api/v1", responses=ERROR_RESPONSES, tags=["报告文档"])
MAX_UPLOAD = 20 * 1024 * 1024


class Uploaded(BaseModel):
    id: int
    created: bool  # False: the same file was uploaded before, this is that document
    pending: int
    url: str


@router.post(
    "/documents/upload", status_code=201, response_model=Uploaded, summary="上传报告（txt/docx/pdf）"
)
def upload(
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    file: Annotated[
        UploadFile, File(description="报告文件：.txt（UTF-8/GBK）、.docx、.pdf（含文字层），最大 20 MB")
    ],
    title: Annotated[str, Form(max_length=200)] = "",
    publisher: Annotated[str, Form(max_length=128)] = "",
    published_on: Annotated[date | None, Form()] = None,
    standing: Annotated[
        str,
        Form(
            max_length=16,
            description="报告类别（对账时高者为准）：city 市级正式报告、district 区县部门工作组报告、"
            "news 新闻报道、other 其他",
        ),
    ] = "other",
) -> Uploaded:
    document, created = review.upload(
        session=session,
        actor=actor,
        data_dir=settings.data_dir,
        file_name=file.filename or "",
        data=file.file.read(MAX_UPLOAD + 1),
        title=title,
        publisher=publisher,
        published_on=published_on,
        standing=standing,
    )
    if not created:
        response.status_code = 200
    page = review.document_page(session=session, actor=actor, document_id=document.id)
    return Uploaded(id=document.id, created=created, pending=page.pending, url=f"/documents/{document.id}")


@router.get("/documents/{document_id}", response_model=review.DocumentPage, summary="报告原文与其中的数字")
def read(document_id: IdPath, session: SessionDep, actor: ActorDep) -> review.DocumentPage:
    return review.document_page(session=session, actor=actor, document_id=document_id)


class Accept(BaseModel):
    version: Version
    element: Text = Field(max_length=64, description="指标编码")
    org_unit_id: DbId
    period: Text = Field(max_length=16)
    programme_id: DbId | None = None
    value: PlainNumber | None = Field(
        default=None, description="更正后的数值（基本单位）；不填即采用原文数值"
    )
    qualifier: Qualifier | None = None
    note: Text = Field(default="", max_length=500)
    kind: ValueKind | None = Field(default=None, description="actual 实际值 或 target 目标值；不填即采用建议")


class Decision(BaseModel):
    version: Version
    note: Text = Field(default="", max_length=500)


@router.post(
    "/candidates/{candidate_id}/accept", response_model=review.CandidateRead, summary="采纳（或更正后采纳）"
)
def accept(candidate_id: IdPath, body: Accept, session: SessionDep, actor: ActorDep) -> review.CandidateRead:
    candidate = review.accept(
        session=session,
        actor=actor,
        candidate_id=candidate_id,
        version=body.version,
        element_code=body.element,
        org_unit_id=body.org_unit_id,
        period_id=review.check_period(body.period),
        programme_id=body.programme_id,
        value=Decimal(body.value) if body.value is not None else None,
        qualifier=body.qualifier,
        note=body.note,
        kind=body.kind,
    )
    return _read(session, candidate)


@router.post("/candidates/{candidate_id}/reject", response_model=review.CandidateRead, summary="驳回")
def reject(
    candidate_id: IdPath, body: Decision, session: SessionDep, actor: ActorDep
) -> review.CandidateRead:
    candidate = review.reject(
        session=session, actor=actor, candidate_id=candidate_id, version=body.version, note=body.note
    )
    return _read(session, candidate)


@router.post("/candidates/{candidate_id}/reopen", response_model=review.CandidateRead, summary="恢复待审")
def reopen(
    candidate_id: IdPath, body: Decision, session: SessionDep, actor: ActorDep
) -> review.CandidateRead:
    candidate = review.reopen(session=session, actor=actor, candidate_id=candidate_id, version=body.version)
    return _read(session, candidate)


def _read(session: SessionDep, candidate: Candidate) -> review.CandidateRead:
    return review.candidate_read(session=session, candidate=candidate)


@router.get("/reconcile", response_model=reconcile.Reconciliation, summary="对账：报告数与台账数")
def reconciliation(
    session: SessionDep,
    actor: ActorDep,
    year: Annotated[
        int | None, Query(ge=1900, le=2199, description="年度（默认：有报告数的最近一年）")
    ] = None,
) -> reconcile.Reconciliation:
    return reconcile.reconcile(session=session, actor=actor, year=year)


class Resolution(BaseModel):
    version: Version
    reason: Text = Field(
        default="", max_length=500, description="差异的说明（口径不同、跨年拨付……）；空：重新打开"
    )
    certified: PlainNumber | None = Field(default=None, description="核定数（可选，须写明理由）")


class Resolved(BaseModel):
    id: int
    version: int
    resolution: str
    certified: Decimal | None


@router.post("/claims/{claim_id}/resolve", response_model=Resolved, summary="处理对账差异（审核）")
def resolve_claim(claim_id: IdPath, body: Resolution, session: SessionDep, actor: ActorDep) -> Resolved:
    claim = claims.resolve(
        session=session,
        actor=actor,
        claim_id=claim_id,
        version=body.version,
        reason=body.reason,
        certified=body.certified,
    )
    return Resolved(
        id=claim.id, version=claim.version, resolution=claim.resolution, certified=claim.certified
    )
