"""What every register of the office's set-up shares: field checks that name the field, the version check
that refuses a stale form, a unique code decided by the database, and the audit entry."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor
from shanhai.db import savepoint, unique_or
from shanhai.errors import Conflict, Invalid

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


def text(value: str | None, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    """A trimmed text field: required, not longer than its column, no control characters."""
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise Invalid(f"请填写{label}", field=field)
    if len(cleaned) > max_length:
        raise Invalid(f"{label}最多 {max_length} 个字符（现 {len(cleaned)} 个）", field=field)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in cleaned):
        raise Invalid(f"{label}含有不可见的控制字符", field=field)
    return cleaned


def code(value: str | None, *, field: str = "code", label: str = "编码") -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise Invalid(f"请填写{label}", field=field)
    if not CODE.match(cleaned):
        raise Invalid(
            f"{label}只能由字母、数字、下划线、点和连字符组成（64 个字符以内）：{cleaned[:40]}", field=field
        )
    return cleaned


def number(
    value: int | None, *, field: str, label: str, low: int, high: int, required: bool = False
) -> int | None:
    if value is None:
        if required:
            raise Invalid(f"请填写{label}", field=field)
        return None
    if not low <= value <= high:
        raise Invalid(f"{label}应在 {low}–{high} 之间", field=field)
    return value


def audit(
    session: Session,
    actor: Actor,
    module: str,
    action: Action,
    object_type: str,
    object_id: int | str,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    record(
        session=session,
        actor=actor,
        module=module,
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:500],
        before=before,
        after=after,
    )


def insert_unique(session: Session, record: Any, error: Conflict) -> None:
    """Add a record whose code must be unique: the database decides between parallel requests, and a clash
    is `error` (409 naming the code) with the rest of the transaction still usable (a savepoint)."""
    with unique_or(error), savepoint(session):
        session.add(record)
        session.flush()
