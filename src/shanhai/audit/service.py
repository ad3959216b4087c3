"""Write and read the audit log. Callers pass the session of the change, so the entry commits with it."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.audit.models import AuditLog


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
