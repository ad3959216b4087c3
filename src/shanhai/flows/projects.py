"""A project's page: the project, its stage history and the moves open to it — one data function whose
result the page renders as HTML and the API returns as JSON."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor, unit_visible
from shanhai.documents.service import TextCache
from shanhai.indicators import present
from shanhai.indicators.present import source_read
from shanhai.lib.cnnum import format_money
from shanhai.operations import attachments
from shanhai.operations.models import Disbursement
from shanhai.projects import service as projects
from shanhai.projects.models import KIND_LABELS, STAGES, Project, ProjectKind
from shanhai.registers import derive


class ProjectRead(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    stage: str
    org_unit: str
    investment: Decimal | None
    investment_display: str | None
    partners: str
    description: str
    citation: str | None
    sentence: str | None


def project_read(project: Project, cache: TextCache) -> ProjectRead:
    """A project as a programme page and its own page show it, with its cited sentence."""
    src = source_read(project.source, cache) if project.source else None
    return ProjectRead(
        id=project.id,
        code=project.code,
        name=project.name,
        kind=project.kind,
        kind_label=KIND_LABELS[ProjectKind(project.kind)],
        stage=project.stage,
        org_unit=project.org_unit.name,
        investment=project.investment,
        investment_display=format_money(project.investment) if project.investment is not None else None,
        partners=project.partners,
        description=project.description,
        citation=src.citation if src else None,
        sentence=src.sentence if src else None,
    )


class StageChangeRead(BaseModel):
    from_stage: str | None
    to_stage: str
    actor: str
    at: datetime
    note: str


class MoveRead(BaseModel):
    to: str
    verb: str
    needs_note: bool


class AttachmentRead(BaseModel):
    id: int
    file_name: str
    content_type: str
    size: int
    caption: str
    url: str


class PaymentRead(BaseModel):
    id: int
    plan_id: int
    paid_on: date
    amount_display: str
    purpose: str


class LinkedValue(BaseModel):
    id: int
    element: str
    period: str
    display: str
    url: str  # the records behind it


class ProjectPage(ProjectRead):
    category: str
    fund_sources: str
    responsible_person: str
    progress: int | None
    completed_on: date | None
    attachments: list[AttachmentRead]
    disbursements: list[PaymentRead]
    values: list[LinkedValue]  # the derived values this project and its payments are part of
    stages: list[str]  # the kind's stages in order (终止 is not among them)
    version: int
    programme: str | None
    history: list[StageChangeRead]
    moves: list[MoveRead]  # what this user may do next (empty for a viewer)


def project_page(
    *, session: Session, actor: Actor, project_id: int, sources: TextCache | None = None
) -> ProjectPage:
    project = projects.get_project(session=session, actor=actor, project_id=project_id)
    payments = list(
        session.scalars(
            select(Disbursement).where(Disbursement.project_id == project.id).order_by(Disbursement.paid_on)
        )
    )
    linked = derive.values_of(session, Project, [project]) + derive.values_of(session, Disbursement, payments)
    return ProjectPage(
        **project_read(project, sources or TextCache(None)).model_dump(),
        category=project.category,
        fund_sources=project.fund_sources,
        responsible_person=project.responsible_person,
        progress=project.progress,
        completed_on=project.completed_on,
        attachments=[
            AttachmentRead(
                id=a.id,
                file_name=a.file_name,
                content_type=a.content_type,
                size=a.size,
                caption=a.caption,
                url=f"/api/v1/attachments/{a.id}",
            )
            for a in attachments.of_project(session=session, project_id=project.id)
        ],
        disbursements=[
            PaymentRead(
                id=d.id,
                plan_id=d.plan_id,
                paid_on=d.paid_on,
                amount_display=format_money(d.amount),
                purpose=d.purpose,
            )
            for d in payments
            if unit_visible(actor, d.org_unit, d.created_by_id)
        ],
        values=[
            LinkedValue(
                id=v.id,
                element=v.data_element.name,
                period=v.period.name,
                display=present.value_read(v, TextCache(None)).display,
                url=f"/values/{v.id}/records",
            )
            for v in linked
            if unit_visible(actor, v.org_unit, v.created_by_id)
        ],
        stages=list(STAGES[ProjectKind(project.kind)]),
        version=project.version,
        programme=project.programme.short_name if project.programme else None,
        history=[
            StageChangeRead.model_validate(c, from_attributes=True)
            for c in projects.stage_history(session=session, project=project)
        ],
        moves=[
            MoveRead(to=m.to, verb=m.verb, needs_note=m.needs_note)
            for m in projects.next_moves(project)
            if actor.can(m.permission)
        ],
    )
