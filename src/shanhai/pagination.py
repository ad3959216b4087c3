"""One pagination helper for every list (API and web)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


def paginate(
    session: Session, query: Select[Any], *, offset: int = 0, limit: int = 50
) -> tuple[list[Any], int]:
    """Return (rows, total) for a select of ORM entities; limit is capped at MAX_LIMIT."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(session.scalars(query.offset(offset).limit(limit)))
    return rows, total
