"""企业库 and 招商引资 over JSON beyond the registers' own routes (/api/v1/records/enterprises …): a merge of
two near-duplicate firms, the near-duplicates themselves, certificates that end within 90 days, and the
two views (招商引资: funnel, targets, stalled leads; 科技创新: qualified firms, loans and subsidies)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from shanhai.enterprises import registers as firms
from shanhai.enterprises.models import Enterprise
from shanhai.flows import pipelines
from shanhai.http.deps import ActorDep, CommitRoute, IdPath, SessionDep
from shanhai.http.errors import ERROR_RESPONSES

router = APIRouter(route_class=CommitRoute, prefix="/api/v1", responses=ERROR_RESPONSES, tags=["企业库"])


class MergeBody(BaseModel):
    target_id: int = Field(ge=1, le=2**31 - 1, description="并入的企业")
    version: int = Field(ge=1, le=2**31 - 1, description="被合并企业的 version")


class MergeResult(BaseModel):
    kept: int
    gone: int
    moved: dict[str, int]


class FirmRef(BaseModel):
    id: int
    name: str
    credit_code: str | None
    unit: str
    version: int


class DuplicatePair(BaseModel):
    first: FirmRef
    second: FirmRef


class Expiring(BaseModel):
    id: int
    enterprise_id: int
    enterprise: str
    unit: str
    kind: str
    certificate_no: str
    expires_on: date | None
    days_left: int


def _ref(firm: Enterprise) -> FirmRef:
    unit = firm.org_unit.name
    return FirmRef(id=firm.id, name=firm.name, credit_code=firm.credit_code, unit=unit, version=firm.version)


@router.post("/enterprises/{enterprise_id}/merge", response_model=MergeResult, summary="合并重复企业")
def merge(
    enterprise_id: IdPath, body: Annotated[MergeBody, Body()], session: SessionDep, actor: ActorDep
) -> MergeResult:
    done = firms.merge(
        session=session, actor=actor, source_id=enterprise_id, target_id=body.target_id, version=body.version
    )
    return MergeResult(kept=done.kept, gone=done.gone, moved=done.moved)


@router.get("/enterprises/duplicates", response_model=list[DuplicatePair], summary="疑似重复的企业")
def duplicates(session: SessionDep, actor: ActorDep) -> list[DuplicatePair]:
    pairs = firms.near_duplicates(session=session, actor=actor)
    return [DuplicatePair(first=_ref(p.first), second=_ref(p.second)) for p in pairs]


@router.get("/enterprises/expiring", response_model=list[Expiring], summary="90 天内到期的企业资质")
def expiring(session: SessionDep, actor: ActorDep) -> list[Expiring]:
    actor.require("enterprises:view")
    return [
        Expiring(
            id=q.id,
            enterprise_id=q.enterprise_id,
            enterprise=q.enterprise.name if q.enterprise else "",
            unit=q.org_unit.name,
            kind=q.kind,
            certificate_no=q.certificate_no,
            expires_on=q.expires_on,
            days_left=firms.days_left(q),
        )
        for q in firms.expiring(session=session, actor=actor)
    ]


YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="年度（默认今年）")]


@router.get("/investment", response_model=pipelines.Investment, summary="招商引资：漏斗、目标完成与停滞线索")
def investment(session: SessionDep, actor: ActorDep, year: YearQuery = None) -> pipelines.Investment:
    return pipelines.investment(session=session, actor=actor, year=year)


@router.get("/scitech", response_model=pipelines.SciTech, summary="科技创新：资质企业与科技金融")
def scitech(session: SessionDep, actor: ActorDep, year: YearQuery = None) -> pipelines.SciTech:
    return pipelines.scitech(session=session, actor=actor, year=year)
