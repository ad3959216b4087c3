"""A project's page: the project, its stage history and the moves open to it — one data function whose
result the page renders as HTML and the API returns as JSON."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor
from shanhai.documents.service import TextCache
from shanhai.indicators.present import source_read
from shanhai.lib.cnnum import format_money
from shanhai.projects import service as projects
from shanhai.projects.models import KIND_LABELS, STAGES, Project, ProjectKind


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


class ProjectPage(ProjectRead):
    stages: list[str]  # the kind's stages in order (终止 is not among them)
    version: int
    programme: str | None
    history: list[StageChangeRead]
    moves: list[MoveRead]  # what this user may do next (empty for a viewer)


def project_page(
    *, session: Session, actor: Actor, project_id: int, sources: TextCache | None = None
) -> ProjectPage:
    project = projects.get_project(session=session, actor=actor, project_id=project_id)
    return ProjectPage(
        **project_read(project, sources or TextCache(None)).model_dump(),
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
