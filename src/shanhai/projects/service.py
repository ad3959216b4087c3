"""Projects: list them, read one, and move one along its lifecycle (储备→立项→开工→完工→投用 for aid
projects, 线索→洽谈→签约→开工→投产 for investment leads; 终止 from any open stage, with a reason)."""

from __future__ import annotations

from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shanhai.auth.scope import Actor, check_visible, visible
from shanhai.documents.models import Source
from shanhai.errors import Conflict, Invalid, NotFound
from shanhai.lifecycle.models import StageChange
from shanhai.lifecycle.service import Machine, Move, history, move
from shanhai.projects.models import STAGES, Project, ProjectKind

TERMINATED = "终止"
MODULE = "项目"


def _machine(kind: ProjectKind) -> Machine:
    """Each stage moves to the next; any open stage may end in 终止 (with a reason)."""
    stages = STAGES[kind]
    forward = [Move(a, b, f"推进到{b}", "projects:edit") for a, b in pairwise(stages)]
    stop = [Move(a, TERMINATED, "终止项目", "projects:edit", needs_note=True) for a in stages[:-1]]
    forward.insert(0, Move(None, stages[0], "新建项目", "projects:create"))
    labels = {stage: stage for stage in (*stages, TERMINATED)}
    return Machine(
        kind=f"project_{kind.value}",
        module=MODULE,
        field="stage",
        labels=labels,
        moves=(*forward, *stop),
        note_field="note",
    )


MACHINES = {kind: _machine(kind) for kind in ProjectKind}


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


def get_project(*, session: Session, actor: Actor, project_id: int) -> Project:
    """One project within the actor's scope (out of scope reads as not there)."""
    actor.require("projects:view")
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("项目不存在或不在您的数据范围内", field="project_id")
    check_visible(actor, project.org_unit, project.created_by_id, what="项目")
    return project


def stage_history(*, session: Session, project: Project) -> list[StageChange]:
    return history(session=session, kind=MACHINES[ProjectKind(project.kind)].kind, record_id=project.id)


def next_moves(project: Project) -> list[Move]:
    return MACHINES[ProjectKind(project.kind)].next_moves(project.stage)


def move_project(
    *, session: Session, actor: Actor, project_id: int, to: str, note: str, version: int
) -> Project:
    """Move a project one stage on (or end it); a stale version or an illegal move is a 409."""
    actor.require("projects:edit")
    project = get_project(session=session, actor=actor, project_id=project_id)
    if project.version != version:
        raise Conflict("该项目已被他人修改，请刷新后重试", field="version")
    machine = MACHINES[ProjectKind(project.kind)]
    move(
        session=session,
        actor=actor,
        machine=machine,
        obj=project,
        to=to,
        note=note,
        what=f"项目“{project.name}”",
    )
    return project
