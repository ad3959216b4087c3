"""任务分解表 declared on the register kit: a task is handed to a department or district with a deadline and
an owner; its status moves on the lifecycle (未开始 → 进行中 → 已完成, and back from 已完成 to 进行中 when
reopened); it is done only with its evidence — a linked project, or a note of the material that proves it.
`overdue` lists the tasks past their deadline and those due within `AT_RISK_DAYS` that are not done."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shanhai.auth.scope import Actor, visible
from shanhai.errors import Invalid
from shanhai.investment.models import TASK_STAGES, Task
from shanhai.lib.beijing import today
from shanhai.lifecycle.service import Machine, Move
from shanhai.orgunits.models import OrgKind, OrgUnit
from shanhai.projects.models import Project
from shanhai.registers.derive import Derivation
from shanhai.registers.fields import Field
from shanhai.registers.kit import RecordType

AT_RISK_DAYS = 14
DONE = TASK_STAGES[-1]
MACHINE = Machine(
    kind="investment_task",
    module="招商引资",
    field="status",
    labels={stage: stage for stage in TASK_STAGES},
    moves=(
        Move(None, TASK_STAGES[0], "下达任务", "records:create"),
        *(Move(a, b, f"标记为{b}", "records:edit") for a, b in pairwise(TASK_STAGES)),
        Move(DONE, TASK_STAGES[1], "重新打开", "records:edit", needs_note=True),
    ),
    note_field="note",
)


def _check_task(session: Session, actor: Actor, t: Task, before: dict[str, Any] | None) -> None:
    unit = session.get_one(OrgUnit, t.org_unit_id)
    if unit.kind not in (OrgKind.DEPARTMENT.value, OrgKind.DISTRICT.value, OrgKind.CITY.value):
        raise Invalid(f"“{unit.name}”不是部门或区县/园区，请选择承担任务的单位", field="org_unit_id")
    if abs(t.deadline.year - t.year) > 1:
        raise Invalid(f"完成时限应在 {t.year} 年前后", field="deadline")
    if t.status == DONE and not (t.evidence.strip() or t.project_id):
        raise Invalid("已完成的任务须保留佐证：关联项目或填写佐证材料", field="evidence")


def _moved(session: Session, actor: Actor, t: Task, to: str) -> None:
    if to == DONE:
        if not (t.evidence.strip() or t.project_id):
            raise Invalid("标记为已完成前请先关联项目或填写佐证材料", field="evidence")
        t.done_on = today()
    else:
        t.done_on = None


TASKS = RecordType(
    "tasks",
    "招商任务",
    Task,
    (
        Field("title", "任务内容", required=True, max_length=256),
        Field("year", "年度", "int", required=True, low=2000, high=2100),
        Field("org_unit_id", "承担单位（部门/区县）", "unit", required=True),
        Field("deadline", "完成时限", "date", required=True),
        Field("owner", "责任人", max_length=64),
        Field("project_id", "关联项目（佐证）", "ref", ref=Project),
        Field("evidence", "佐证材料", "textarea", max_length=2000, help="完成时须关联项目或写明佐证材料"),
        Field("note", "备注", "textarea", max_length=2000),
    ),
    title=lambda t: t.title,
    menu="招商引资",
    menu_label="任务分解表",
    check=_check_task,
    machine=MACHINE,
    moved=_moved,
    keys=(("title", "year", "org_unit_id"),),
)

REGISTERS: tuple[RecordType, ...] = (TASKS,)
DERIVATIONS: tuple[Derivation, ...] = ()


def overdue(*, session: Session, actor: Actor, limit: int = 200) -> list[Task]:
    """Tasks in the actor's scope not done and due within `AT_RISK_DAYS` or past due, soonest first."""
    if not actor.can("records:view"):
        return []
    return list(
        session.scalars(
            select(Task)
            .where(
                visible(actor, Task.org_unit_id, Task.created_by_id),
                Task.status != DONE,
                Task.deadline <= today() + timedelta(days=AT_RISK_DAYS),
            )
            .options(selectinload(Task.org_unit))
            .order_by(Task.deadline, Task.id)
            .limit(limit)
        )
    )
