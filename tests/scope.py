"""The harness of the persona × route matrix (tests/auth/test_scope_matrix.py), shared by the cases each
domain declares beside its tests in tests/<domain>/scope_cases.py: the scope a persona should see, computed
here without the application's scoping code (by walking parent links rather than paths), the context a case
runs in, the building blocks of the cases and the helpers more than one domain uses, and the app's routes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.audit.models import AuditLog
from shanhai.auth.models import DataScope, Role, User
from shanhai.datasets.models import DataSet, DataSetElement
from shanhai.indicators.facts_table import AnalyticsValue
from shanhai.indicators.models import DataValue
from shanhai.orgunits.models import OrgUnit
from shanhai.projects.models import Project

# --- the expected scope, computed without the application's scoping code ---------------------------------


def _descendants(session: Session, root_id: int) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for unit in session.scalars(select(OrgUnit)):
        children.setdefault(unit.parent_id, []).append(unit.id)
    found, todo = set(), [root_id]
    while todo:
        current = todo.pop()
        found.add(current)
        todo.extend(children.get(current, []))
    return found


def visible_units(session: Session, username: str) -> set[int] | None:
    """None means every unit."""
    user = session.scalars(select(User).where(User.username == username)).one()
    units: set[int] = set()
    for role in user.roles:
        scope = DataScope(role.data_scope)
        if scope is DataScope.ALL:
            return None
        if scope is DataScope.UNIT:
            units.add(user.org_unit_id)
        elif scope is DataScope.UNIT_AND_BELOW:
            units |= _descendants(session, user.org_unit_id)
        elif scope is DataScope.CUSTOM:
            for unit in role.custom_units:
                units |= _descendants(session, unit.id)
    return units


def permissions(session: Session, username: str) -> set[str]:
    user = session.scalars(select(User).where(User.username == username)).one()
    return {p for role in user.roles for p in role.permissions}


def visible_values(session: Session, username: str) -> set[int]:
    """The values in the persona's scope; a report's values before its approval only for those who enter
    data or approve reports."""
    units = visible_units(session, username)
    perms = permissions(session, username)
    unapproved = (
        set()
        if perms & {"indicators:create", "indicators:approve"}
        else set(
            session.scalars(select(AnalyticsValue.data_value_id).where(AnalyticsValue.approved.is_(False)))
        )
    )
    return {
        v.id
        for v in session.scalars(select(DataValue))
        if (units is None or v.org_unit_id in units) and v.id not in unapproved
    }


def _report_owned(session: Session) -> set[int]:
    """Elements that data sets own: their values change only through the reports (tested with those)."""
    return set(session.scalars(select(DataSetElement.data_element_id)))


def outside_value(session: Session, username: str) -> DataValue | None:
    units = visible_units(session, username)
    if units is None:
        return None
    return session.scalars(
        select(DataValue)
        .where(DataValue.org_unit_id.not_in(units), DataValue.data_element_id.not_in(_report_owned(session)))
        .order_by(DataValue.id)
    ).first()


def inside_value(session: Session, username: str) -> DataValue | None:
    owned = _report_owned(session)
    seen = [
        v
        for v in visible_values(session, username)
        if session.get_one(DataValue, v).data_element_id not in owned
    ]
    return session.get(DataValue, min(seen)) if seen else None


def refused(ctx: Ctx, permission: str) -> int:
    """Without the permission: 403. With it, outside the persona's scope: 404, as if not there."""
    return 404 if ctx.allowed(permission) else 403


# --- the cases' building blocks --------------------------------------------------------------------------


@dataclass
class Ctx:
    session: Session
    client: TestClient
    persona: str

    @property
    def perms(self) -> set[str]:
        return permissions(self.session, self.persona)

    def allowed(self, permission: str) -> bool:
        return permission in self.perms


def gated(method: str, url: str, permission: str, ok: tuple[int, ...] = (200,)) -> Callable[[Ctx], None]:
    """Status only: 403 without the permission, `ok` with it."""

    def check(ctx: Ctx) -> None:
        r = ctx.client.request(method, url, follow_redirects=False)
        expected = ok if ctx.allowed(permission) else (403,)
        assert r.status_code in expected, (ctx.persona, method, url, r.status_code, r.text[:200])

    return check


def web_form(url: str, data: dict[str, str], ok: int = 303) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        r = ctx.client.post(url, data=data, follow_redirects=False)
        assert r.status_code in (ok, 200, 400, 401, 422), (url, r.status_code)

    return check


def public(method: str, url: str, ok: tuple[int, ...] = (200,)) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        assert ctx.client.request(method, url, follow_redirects=False).status_code in ok

    return check


def signed_in(url: str) -> Callable[[Ctx], None]:
    """Any signed-in persona (the API docs and the OpenAPI document); the anonymous case is tested in
    tests/web/test_edges.py."""

    def check(ctx: Ctx) -> None:
        assert ctx.client.get(url, follow_redirects=False).status_code == 200

    return check


def setup_case(
    method: str,
    url: str | Callable[[Ctx], str],
    permission: str,
    body: Any = None,
    ok: tuple[int, ...] = (200, 201, 204, 303),
    form: bool = False,
) -> Callable[[Ctx], None]:
    """Without the permission: 403 and the audit log gains nothing; with it: one of `ok` (or a named 4xx
    for a body the register refuses, never a 500)."""

    def check(ctx: Ctx) -> None:
        target = url(ctx) if callable(url) else url
        before = ctx.session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
        payload = body(ctx) if callable(body) else body
        if form:
            r = ctx.client.request(method, target, data=payload, follow_redirects=False)
        else:
            r = ctx.client.request(method, target, json=payload, follow_redirects=False)
        if not ctx.allowed(permission):
            assert r.status_code == 403, (ctx.persona, method, target, r.status_code, r.text[:200])
            after = ctx.session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
            assert after == before
            return
        assert r.status_code in (*ok, 400, 404, 409, 422), (
            ctx.persona,
            method,
            target,
            r.status_code,
            r.text[:300],
        )

    return check


# --- helpers of more than one domain ---------------------------------------------------------------------


def viewer_role(ctx: Ctx) -> Role:
    return ctx.session.scalars(select(Role).where(Role.code == "viewer")).one()


def _projects(ctx: Ctx) -> tuple[Project | None, Project | None]:
    """An open project inside the persona's scope and one outside it (None where there is none)."""
    units = visible_units(ctx.session, ctx.persona)
    rows = ctx.session.scalars(select(Project).where(Project.stage.not_in(("投用", "投产", "终止")))).all()
    inside = next((p for p in rows if units is None or p.org_unit_id in units), None)
    outside = next((p for p in rows if units is not None and p.org_unit_id not in units), None)
    return inside, outside


def _data_set(ctx: Ctx) -> DataSet:
    return ctx.session.scalars(select(DataSet).where(DataSet.code == "DS_MONTHLY")).one()


# --- the app's routes ------------------------------------------------------------------------------------


def _walk(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # a router included with include_router
            yield from _walk(route.original_router.routes)


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, hidden ones included."""
    return {(m, r.path) for r in _walk(app.routes) for m in r.methods if m != "HEAD"}
