"""Programmes and partner places."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shanhai.db import find_one
from shanhai.errors import NotFound
from shanhai.programmes.models import Programme


def list_programmes(*, session: Session, kinds: tuple[str, ...] | None = None) -> list[Programme]:
    query = select(Programme).options(selectinload(Programme.places), selectinload(Programme.lead_org_unit))
    if kinds:
        query = query.where(Programme.kind.in_(kinds))
    return list(session.scalars(query.order_by(Programme.sort_order, Programme.id)))


def get(*, session: Session, programme_id: int) -> Programme:
    programme = session.get(
        Programme,
        programme_id,
        options=[selectinload(Programme.places), selectinload(Programme.lead_org_unit)],
    )
    if programme is None:
        raise NotFound(f"重点工作不存在：编号 {programme_id}", field="programme_id")
    return programme


def get_by_code(*, session: Session, code: str) -> Programme:
    programme = find_one(session, Programme, code=code)
    if programme is None:
        raise NotFound(f"重点工作编码不存在：{code}", field="programme")
    return programme
