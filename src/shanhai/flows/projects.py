"""A project's page: the project, its stage history and the moves open to it — one data function whose
result the page renders as HTML and the API returns as JSON."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor
from shanhai.documents.service import TextCache
from shanhai.flows.dashboard import ProjectRead, project_read
from shanhai.projects import service as projects
from shanhai.projects.models import STAGES, ProjectKind


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
