"""Write and read the audit log. Callers pass the session of the change, so the entry commits with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from shanhai.audit.models import AuditLog
from shanhai.lib.beijing import beijing, day_start
from shanhai.lib.csvout import to_csv


class Action(StrEnum):
    CREATE = "新增"
    UPDATE = "修改"
    DELETE = "删除"
    IMPORT = "导入"
    EXPORT = "导出"
    GRANT = "授权"
    REVIEW = "审核"
    REMIND = "催报"


class Who(Protocol):
    """Whoever acts: an `Actor` of the auth package, or anything with a username and an IP."""

    @property
    def username(self) -> str: ...

    @property
    def ip(self) -> str: ...


def record(
    *,
    session: Session,
    actor: Who | str,
    module: str,
    action: Action,
    object_type: str,
    object_id: str | int = "",
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str = "",
) -> AuditLog:
    if not isinstance(actor, str):
        ip = ip or actor.ip
    entry = AuditLog(
        actor=actor if isinstance(actor, str) else actor.username,
        ip=ip,
        module=module,
        action=action.value,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


def recent(*, session: Session, limit: int = 50) -> list[AuditLog]:
    return list(session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)))


@dataclass(frozen=True)
class AuditFilter:
    module: str | None = None
    action: str | None = None
    actor: str | None = None
    since: date | None = None
    until: date | None = None
    text: str | None = None


def query(flt: AuditFilter) -> Select[AuditLog]:
    q = select(AuditLog).order_by(AuditLog.id.desc())
    if flt.module:
        q = q.where(AuditLog.module == flt.module)
    if flt.action:
        q = q.where(AuditLog.action == flt.action)
    if flt.actor:
        q = q.where(AuditLog.actor == flt.actor)
    if flt.since:
        q = q.where(AuditLog.at >= day_start(flt.since))  # days are Beijing days, as on the page
    if flt.until:
        q = q.where(AuditLog.at < day_start(flt.until + timedelta(days=1)))
    if flt.text:
        q = q.where(AuditLog.summary.contains(flt.text, autoescape=True))
    return q


def modules(*, session: Session) -> list[str]:
    return list(session.scalars(select(AuditLog.module).distinct().order_by(AuditLog.module)))


def export_csv(*, session: Session, actor: Who, flt: AuditFilter) -> str:
    rows = list(session.scalars(query(flt)))
    body = to_csv(
        ["编号", "时间（北京时间）", "操作人", "IP", "模块", "操作", "对象", "对象编号", "说明"],
        (
            (
                e.id,
                beijing(e.at, "%Y-%m-%d %H:%M:%S"),
                e.actor,
                e.ip,
                e.module,
                e.action,
                e.object_type,
                e.object_id,
                e.summary,
            )
            for e in rows
        ),
    )
    record(
        session=session,
        actor=actor,
        module="系统管理",
        action=Action.EXPORT,
        object_type="audit_log",
        summary=f"导出操作日志 {len(rows)} 条",
    )
    return body
