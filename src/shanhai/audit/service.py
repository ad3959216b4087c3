"""Write and read the audit log. Callers pass the session of the change, so the entry commits with it."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

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


def record(
    *,
    session: Session,
    actor: str,
    module: str,
    action: Action,
    object_type: str,
    object_id: str | int = "",
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str = "",
) -> AuditLog:
    entry = AuditLog(
        actor=actor,
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
