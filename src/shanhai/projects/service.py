"""Projects: list and count by kind and stage."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shanhai.auth.scope import Actor, visible
from shanhai.documents.models import Source
from shanhai.errors import Invalid
from shanhai.projects.models import STAGES, Project, ProjectKind


def check_stage(*, kind: str, stage: str) -> None:
    try:
        allowed = STAGES[ProjectKind(kind)]
    except ValueError as exc:
        raise Invalid(f"项目类型无效：{kind}", field="kind") from exc
    if stage not in allowed:
        raise Invalid(f"项目阶段“{stage}”无效，应为：{'→'.join(allowed)}", field="stage")


def list_projects(*, session: Session, actor: Actor, programme_id: int | None = None) -> list[Project]:
    actor.require("projects:view")
    query = (
        select(Project)
        .where(visible(actor, Project.org_unit_id, Project.created_by_id))
        .options(
            selectinload(Project.org_unit),
            selectinload(Project.programme),
            selectinload(Project.source).selectinload(Source.document),
        )
    )
    if programme_id is not None:
        query = query.where(Project.programme_id == programme_id)
    return list(session.scalars(query.order_by(Project.kind, Project.id)))
