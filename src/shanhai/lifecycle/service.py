"""`move()`: the one way a record changes stage. A `Machine` declares a kind's stages and allowed moves (who
may make each, whether it needs a reason); `move()` checks permission and the move, sets the stage, writes the
history row and the audit entry in the caller's transaction, and refuses an illegal move with 409."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor
from shanhai.errors import Conflict, Invalid
from shanhai.lifecycle.models import StageChange


@dataclass(frozen=True)
class Move:
    frm: str | None  # None: the record is being created in stage `to`
    to: str
    verb: str  # 提交, 审核通过, 退回 …
    permission: str
    needs_note: bool = False


@dataclass(frozen=True)
class Machine:
    kind: str  # the record kind in stage_changes and the audit log
    module: str  # the audit module
    field: str  # the record's attribute that holds its stage
    labels: dict[str, str]  # stage → Chinese label
    moves: tuple[Move, ...]
    note_field: str = "comment"  # the form or API field that carries the reason

    def label(self, stage: str | None) -> str:
        return "新建" if stage is None else self.labels.get(stage, stage)

    def find(self, frm: str | None, to: str) -> Move | None:
        return next((m for m in self.moves if m.frm == frm and m.to == to), None)

    def next_moves(self, frm: str | None) -> list[Move]:
        return [m for m in self.moves if m.frm == frm]


def move(
    *,
    session: Session,
    actor: Actor,
    machine: Machine,
    obj: Any,
    to: str,
    note: str = "",
    what: str,
    new: bool = False,
) -> StageChange:
    """Move `obj` (already read within the actor's scope) to stage `to`. `what` names the record in the
    history and the audit log; `new` says the record is being created (its stage so far counts as none)."""
    frm = None if new else getattr(obj, machine.field)
    step = machine.find(frm, to)
    if step is None:
        raise Conflict(
            f"{what}当前为“{machine.label(frm)}”，不能变为“{machine.label(to)}”", field=machine.field
        )
    actor.require(step.permission)
    note = note.strip()
    if step.needs_note and not note:
        raise Invalid(f"{step.verb}时请填写原因", field=machine.note_field)
    setattr(obj, machine.field, to)
    session.flush()
    change = StageChange(
        kind=machine.kind,
        record_id=obj.id,
        from_stage=frm,
        to_stage=to,
        actor=actor.username,
        actor_id=actor.user_id,
        note=note[:2000],
    )
    session.add(change)
    record(
        session=session,
        actor=actor,
        module=machine.module,
        action=Action.REVIEW if step.permission.endswith(":approve") else Action.UPDATE,
        object_type=machine.kind,
        object_id=obj.id,
        before={machine.field: frm},
        after={machine.field: to},
        summary=f"{step.verb}：{what}，{machine.label(frm)} → {machine.label(to)}"
        + (f"（{note}）" if note else ""),
    )
    return change


def history(*, session: Session, kind: str, record_id: int) -> list[StageChange]:
    return list(
        session.scalars(
            select(StageChange)
            .where(StageChange.kind == kind, StageChange.record_id == record_id)
            .order_by(StageChange.at, StageChange.id)
        )
    )
