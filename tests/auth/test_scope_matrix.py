"""Persona × route matrix. The app's routes are enumerated from the app itself: a route that is not in
CASES fails the suite, so every new route must say how its scope is checked. For each persona and each
route, a read returns exactly the rows in the persona's scope (computed here independently, by walking
parent links rather than paths); without the permission a route answers 403, and a record outside the
persona's scope answers 404 (as if it were not there) and changes nothing."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.analytics.models import SavedView
from shanhai.audit.models import AuditLog
from shanhai.auth.models import DataScope, Role, User, UserSession
from shanhai.datasets.models import DataSet, DataSetElement, Submission
from shanhai.documents.models import Candidate, Document, Source
from shanhai.flows import review
from shanhai.indicators.models import DataValue
from shanhai.lists.records import ALL_SPECS as SPECS
from shanhai.operations import attachments, registers
from shanhai.operations.models import Activity, FundPlan
from shanhai.orgunits.models import OrgUnit
from shanhai.projects.models import Project
from tests.conftest import PERSONAS, TEST_DATA_DIR, actor_of

# --- the expected scope, computed without the application's scoping code ------------------------------


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
    units = visible_units(session, username)
    return {v.id for v in session.scalars(select(DataValue)) if units is None or v.org_unit_id in units}


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


# --- the cases ----------------------------------------------------------------------------------------


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


def list_values(ctx: Ctx) -> None:
    if not ctx.allowed("indicators:view"):
        assert ctx.client.get("/api/v1/values").status_code == 403
        return
    seen: set[int] = set()
    for offset in range(0, 2000, 200):
        r = ctx.client.get("/api/v1/values", params={"limit": 200, "offset": offset})
        assert r.status_code == 200
        seen |= {v["id"] for v in r.json()["items"]}
    assert seen == visible_values(ctx.session, ctx.persona)
    assert r.json()["total"] == len(visible_values(ctx.session, ctx.persona))


def values_page(ctx: Ctx) -> None:
    if not ctx.allowed("indicators:view"):
        assert ctx.client.get("/values").status_code == 403
        return
    shown: set[int] = set()
    for offset in range(0, 2000, 200):
        r = ctx.client.get("/values", params={"limit": 200, "offset": offset})
        assert r.status_code == 200
        page = {int(i) for i in _row_ids_in_html(r.text)}
        if not page:
            break
        shown |= page
    assert shown == visible_values(ctx.session, ctx.persona)


def _value_ids_in_html(html: str) -> list[str]:
    import re

    return re.findall(r'data-value-id="(\d+)"', html)


def _row_ids_in_html(html: str) -> list[str]:
    import re

    return re.findall(r'<tr data-id="(\d+)"', html)


def dashboard(ctx: Ctx, html: bool) -> None:
    r = ctx.client.get("/" if html else "/api/v1/dashboard", params={"year": 2025})
    assert r.status_code == 200
    visible = visible_values(ctx.session, ctx.persona)
    in_2025 = {
        v.id
        for v in ctx.session.scalars(select(DataValue))
        if v.id in visible and v.period.end_date.year == 2025
    }
    if html:
        shown = {int(i) for i in _value_ids_in_html(r.text)}
        assert shown <= in_2025 and len(shown) == min(len(in_2025), 20)
        return
    data = r.json()
    assert {v["id"] for v in data["values"]} <= in_2025 and data["values_total"] == len(in_2025)
    funds = sum(
        (
            v.value
            for v in ctx.session.scalars(select(DataValue))
            if v.id in visible
            and v.period.start_date.year == v.period.end_date.year == 2025
            and v.data_element.code == "FUNDS"
            and v.kind == "actual"
        ),
        Decimal(0),
    )
    total = next(k for k in data["key_counts"] if k["label"] == "资金到位")["total"]
    assert (Decimal(total["value"]) if total else Decimal(0)) == funds


def value_detail(ctx: Ctx) -> None:
    for value in (inside_value(ctx.session, ctx.persona), outside_value(ctx.session, ctx.persona)):
        if value is None:
            continue
        r = ctx.client.get(f"/api/v1/values/{value.id}")
        visible = value.id in visible_values(ctx.session, ctx.persona)
        expected = 200 if visible and ctx.allowed("indicators:view") else refused(ctx, "indicators:view")
        assert r.status_code == expected, (value.id, r.text)
    assert ctx.client.get("/api/v1/values/999999").status_code in (403, 404)


def value_history(ctx: Ctx) -> None:
    for value in (inside_value(ctx.session, ctx.persona), outside_value(ctx.session, ctx.persona)):
        if value is None:
            continue
        r = ctx.client.get(f"/api/v1/values/{value.id}/history")
        visible = value.id in visible_values(ctx.session, ctx.persona)
        expected = 200 if visible and ctx.allowed("indicators:view") else refused(ctx, "indicators:view")
        assert r.status_code == expected, (value.id, r.text)


def value_edit_page(ctx: Ctx, post: bool) -> None:
    for value in (inside_value(ctx.session, ctx.persona), outside_value(ctx.session, ctx.persona)):
        if value is None:
            continue
        before = (value.value, value.version)
        url = f"/values/{value.id}/edit"
        if post:
            r = ctx.client.post(
                url,
                data={"version": value.version, "value": "7", "qualifier": "exact"},
                follow_redirects=False,
            )
        else:
            r = ctx.client.get(url)
        visible = value.id in visible_values(ctx.session, ctx.persona)
        allowed = visible and ctx.allowed("indicators:edit")
        assert r.status_code == ((303 if post else 200) if allowed else refused(ctx, "indicators:edit")), (
            ctx.persona,
            value.id,
            r.status_code,
        )
        ctx.session.refresh(value)
        if not allowed:
            assert (value.value, value.version) == before


def update_value_api(ctx: Ctx) -> None:
    for value in (inside_value(ctx.session, ctx.persona), outside_value(ctx.session, ctx.persona)):
        if value is None:
            continue
        before = (value.value, value.version)
        r = ctx.client.put(f"/api/v1/values/{value.id}", json={"version": value.version, "value": "7"})
        allowed = value.id in visible_values(ctx.session, ctx.persona) and ctx.allowed("indicators:edit")
        expected = 200 if allowed else refused(ctx, "indicators:edit")
        assert r.status_code == expected, (ctx.persona, value.id, r.text)
        ctx.session.refresh(value)
        if not allowed:
            assert (value.value, value.version) == before


def delete_value_api(ctx: Ctx) -> None:
    for value in (outside_value(ctx.session, ctx.persona), inside_value(ctx.session, ctx.persona)):
        if value is None:
            continue
        value_id, version = value.id, value.version
        allowed = value_id in visible_values(ctx.session, ctx.persona) and ctx.allowed("indicators:delete")
        r = ctx.client.delete(f"/api/v1/values/{value_id}", params={"version": version})
        expected = 204 if allowed else refused(ctx, "indicators:delete")
        assert r.status_code == expected, (ctx.persona, value_id, r.text)
        ctx.session.expire_all()
        assert (ctx.session.get(DataValue, value_id) is None) == allowed


def create_value_api(ctx: Ctx) -> None:
    units = visible_units(ctx.session, ctx.persona)
    all_units = [u.id for u in ctx.session.scalars(select(OrgUnit).order_by(OrgUnit.id))]
    outside = next((u for u in all_units if units is not None and u not in units), None)
    inside = next(u for u in all_units if units is None or u in units)
    for unit_id in (outside, inside):
        if unit_id is None:
            continue
        count = len(list(ctx.session.scalars(select(DataValue.id))))
        body = {"data_element": "GAZELLE_FIRMS", "org_unit_id": unit_id, "period": "202611", "value": "3"}
        r = ctx.client.post("/api/v1/values", json=body)
        allowed = (units is None or unit_id in units) and ctx.allowed("indicators:create")
        expected = 201 if allowed else refused(ctx, "indicators:create")
        assert r.status_code == expected, (ctx.persona, unit_id, r.text)
        assert len(list(ctx.session.scalars(select(DataValue.id)))) == count + (1 if allowed else 0)


def programme_detail(ctx: Ctx, html: bool) -> None:
    r = ctx.client.get("/programmes/1" if html else "/api/v1/programmes/1")
    assert r.status_code == 200
    expected = {
        v.id for v in ctx.session.scalars(select(DataValue).where(DataValue.programme_id == 1))
    } & visible_values(ctx.session, ctx.persona)
    if not ctx.allowed("indicators:view"):
        expected = set()
    shown = {int(i) for i in _value_ids_in_html(r.text)} if html else {v["id"] for v in r.json()["values"]}
    assert shown == expected


def other_user_id(ctx: Ctx) -> int:
    return ctx.session.scalars(select(User.id).where(User.username == "viewer")).one()


def viewer_role(ctx: Ctx) -> Role:
    return ctx.session.scalars(select(Role).where(Role.code == "viewer")).one()


def admin_write(kind: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        user = ctx.session.get(User, other_user_id(ctx))
        assert user is not None
        role = viewer_role(ctx)
        before_user, before_role = (
            (user.display_name, user.version, user.password_hash),
            (role.name, role.version),
        )
        if kind == "put_user":
            r = ctx.client.put(
                f"/api/v1/users/{user.id}",
                json={
                    "version": user.version,
                    "display_name": "改名",
                    "org_unit_id": user.org_unit_id,
                    "role_ids": [],
                },
            )
            perm, ok = "users:edit", 200
        elif kind == "post_user_form":
            r = ctx.client.post(
                f"/admin/users/{user.id}",
                data={"version": user.version, "display_name": "改名", "org_unit_id": user.org_unit_id},
                follow_redirects=False,
            )
            perm, ok = "users:edit", 303
        elif kind == "unlock":
            r = ctx.client.post(f"/api/v1/users/{user.id}/unlock")
            perm, ok = "users:edit", 200
        elif kind == "unlock_form":
            r = ctx.client.post(f"/admin/users/{user.id}/unlock", follow_redirects=False)
            perm, ok = "users:edit", 303
        elif kind == "reset_password":
            r = ctx.client.post(f"/api/v1/users/{user.id}/password", json={"new_password": "Reset-2026"})
            perm, ok = "users:edit", 200
        elif kind == "reset_password_form":
            r = ctx.client.post(
                f"/admin/users/{user.id}/password",
                data={"new_password": "Reset-2026"},
                follow_redirects=False,
            )
            perm, ok = "users:edit", 303
        elif kind == "put_role":
            r = ctx.client.put(
                f"/api/v1/roles/{role.id}",
                json={"version": role.version, "name": "改名", "data_scope": "all", "permissions": []},
            )
            perm, ok = "roles:edit", 200
        elif kind == "post_role_form":
            r = ctx.client.post(
                f"/admin/roles/{role.id}",
                data={"version": role.version, "name": "改名", "data_scope": "all"},
                follow_redirects=False,
            )
            perm, ok = "roles:edit", 303
        elif kind == "create_user":
            r = ctx.client.post(
                "/api/v1/users",
                json={"username": "newbie", "password": "Strong-key-2026", "org_unit_id": user.org_unit_id},
            )
            perm, ok = "users:create", 201
        else:
            r = ctx.client.post(
                "/admin/users/new",
                data={"username": "newbie", "password": "Strong-key-2026", "org_unit_id": user.org_unit_id},
                follow_redirects=False,
            )
            perm, ok = "users:create", 303
        allowed = ctx.allowed(perm)
        assert r.status_code == (ok if allowed else 403), (ctx.persona, kind, r.status_code, r.text[:300])
        if not allowed:
            ctx.session.refresh(user)
            ctx.session.refresh(role)
            assert (user.display_name, user.version, user.password_hash) == before_user
            assert (role.name, role.version) == before_role
            assert ctx.session.scalars(select(User).where(User.username == "newbie")).first() is None

    return check


def own_tokens(ctx: Ctx, action: str) -> None:
    if action == "list":
        r = ctx.client.get("/api/v1/tokens")
        assert r.status_code == 200 and len(r.json()) >= 1
    elif action == "create":
        r = ctx.client.post("/api/v1/tokens", json={"name": "脚本"})
        assert r.status_code == 201 and r.json()["token"].startswith("shk_")
    else:  # someone else's token: only a user administrator may revoke it
        from shanhai.auth.models import ApiToken

        other = ctx.session.scalars(select(ApiToken).join(User).where(User.username != ctx.persona)).first()
        if other is None:
            from tests.conftest import token_for

            token_for(ctx.session, "admin" if ctx.persona != "admin" else "viewer")
            other = ctx.session.scalars(
                select(ApiToken).join(User).where(User.username != ctx.persona)
            ).first()
        assert other is not None
        r = ctx.client.delete(f"/api/v1/tokens/{other.id}")
        allowed = ctx.allowed("users:edit")
        assert r.status_code == (204 if allowed else 404)
        ctx.session.refresh(other)
        assert (other.revoked_at is not None) == allowed


def own_session(ctx: Ctx) -> None:
    """Anyone may sign out one of their own browsers; another user's session is not found and stays."""
    from shanhai.auth import service as auth

    me = ctx.session.scalars(select(User).where(User.username == ctx.persona)).one()
    other = ctx.session.scalars(select(User).where(User.username != ctx.persona)).first()
    assert other is not None
    _, mine = auth.start_session(session=ctx.session, user=me, ip="10.0.0.1")
    _, theirs = auth.start_session(session=ctx.session, user=other, ip="10.0.0.2")
    assert ctx.client.post(f"/account/sessions/{theirs.id}/end").status_code == 404
    r = ctx.client.post(f"/account/sessions/{mine.id}/end", follow_redirects=False)
    assert r.status_code == 303, (ctx.persona, r.status_code)
    remaining = set(
        ctx.session.scalars(select(UserSession.id).where(UserSession.id.in_([mine.id, theirs.id])))
    )
    assert remaining == {theirs.id}


def web_form(url: str, data: dict[str, str], ok: int = 303) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        r = ctx.client.post(url, data=data, follow_redirects=False)
        assert r.status_code in (ok, 200, 400, 401, 422), (url, r.status_code)

    return check


def public(method: str, url: str, ok: tuple[int, ...] = (200,)) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        assert ctx.client.request(method, url, follow_redirects=False).status_code in ok

    return check


def _projects(ctx: Ctx) -> tuple[Project | None, Project | None]:
    """An open project inside the persona's scope and one outside it (None where there is none)."""
    units = visible_units(ctx.session, ctx.persona)
    rows = ctx.session.scalars(select(Project).where(Project.stage.not_in(("投用", "投产", "终止")))).all()
    inside = next((p for p in rows if units is None or p.org_unit_id in units), None)
    outside = next((p for p in rows if units is not None and p.org_unit_id not in units), None)
    return inside, outside


def project_detail(ctx: Ctx, html: bool) -> None:
    for project in _projects(ctx):
        if project is None:
            continue
        r = ctx.client.get(f"/projects/{project.id}" if html else f"/api/v1/projects/{project.id}")
        units = visible_units(ctx.session, ctx.persona)
        allowed = (units is None or project.org_unit_id in units) and ctx.allowed("projects:view")
        assert r.status_code == (200 if allowed else refused(ctx, "projects:view")), (
            ctx.persona,
            r.text[:200],
        )


def project_move(ctx: Ctx, html: bool) -> None:
    for project in _projects(ctx):
        if project is None:
            continue
        stage, version = project.stage, project.version
        nxt = {"开工": "投产", "签约": "开工", "立项": "开工", "储备": "立项", "线索": "洽谈", "洽谈": "签约"}
        body = {"to": nxt.get(stage, "完工"), "note": "", "version": version}
        if html:
            r = ctx.client.post(f"/projects/{project.id}/moves", data=body, follow_redirects=False)
        else:
            r = ctx.client.post(f"/api/v1/projects/{project.id}/moves", json=body)
        units = visible_units(ctx.session, ctx.persona)
        visible = units is None or project.org_unit_id in units
        allowed = visible and ctx.allowed("projects:edit")
        expected = (303 if html else 200) if allowed else refused(ctx, "projects:edit")
        if not ctx.allowed("projects:view"):
            expected = 403
        assert r.status_code == expected, (ctx.persona, project.code, r.status_code, r.text[:200])
        ctx.session.refresh(project)
        assert (project.stage != stage) == allowed


def signed_in(url: str) -> Callable[[Ctx], None]:
    """Any signed-in persona (the API docs and the OpenAPI document); the anonymous case is tested in
    tests/web/test_edges.py."""

    def check(ctx: Ctx) -> None:
        assert ctx.client.get(url, follow_redirects=False).status_code == 200

    return check


# --- analytics and data entry ------------------------------------------------------------------------


def analytics_api(ctx: Ctx) -> None:
    r = ctx.client.get(
        "/api/v1/analytics", params={"dx": "FUNDS;CONSUMPTION_SALES", "ou": "XZ", "pe": "2025"}
    )
    if not ctx.allowed("indicators:view"):
        assert r.status_code == 403
        return
    visible = visible_values(ctx.session, ctx.persona)
    for code in ("FUNDS", "CONSUMPTION_SALES"):
        expected = sum(
            (
                v.value
                for v in ctx.session.scalars(select(DataValue))
                if v.id in visible
                and v.period.start_date.year == v.period.end_date.year == 2025  # the year and its months
                and v.data_element.code == code
                and v.kind == "actual"
            ),
            Decimal(0),
        )
        got = [Decimal(row[3]) for row in r.json()["rows"] if row[0] == code]
        assert (got[0] if got else Decimal(0)) == expected, (ctx.persona, code)
    # the CSV export of the same query needs 导出 and leaves an audit entry
    exports = ctx.session.scalars(select(AuditLog).where(AuditLog.object_type == "analytics")).all()
    csv_r = ctx.client.get(
        "/api/v1/analytics", params={"dx": "FUNDS", "ou": "XZ", "pe": "2025", "format": "csv"}
    )
    allowed = ctx.allowed("indicators:export")
    assert csv_r.status_code == (200 if allowed else 403), (ctx.persona, csv_r.status_code)
    after = ctx.session.scalars(select(AuditLog).where(AuditLog.object_type == "analytics")).all()
    assert len(after) == len(exports) + (1 if allowed else 0)


def _data_set(ctx: Ctx) -> DataSet:
    return ctx.session.scalars(select(DataSet).where(DataSet.code == "DS_MONTHLY")).one()


def _entry_units(ctx: Ctx) -> tuple[OrgUnit | None, OrgUnit | None]:
    """A data-set unit inside the persona's scope and one outside it (None where there is none)."""
    units = visible_units(ctx.session, ctx.persona)
    members = _data_set(ctx).units
    inside = next((u for u in members if units is None or u.id in units), None)
    outside = next((u for u in members if units is not None and u.id not in units), None)
    return inside, outside


def entry_case(ctx: Ctx, method: str, api: bool) -> None:
    data_set = _data_set(ctx)
    for unit in _entry_units(ctx):
        if unit is None:
            continue
        inside = unit.id in (visible_units(ctx.session, ctx.persona) or {unit.id})
        base = f"/api/v1/datasets/{data_set.id}/entry" if api else f"/datasets/{data_set.id}/entry"
        params = {"org_unit_id": unit.id, "period": "202601"}
        before = len(list(ctx.session.scalars(select(DataValue.id))))
        if method == "GET":
            r = ctx.client.get(base, params=params)
            ok, permission = 200, "indicators:view"
            allowed = inside and ctx.allowed("indicators:view")
        elif api:
            r = ctx.client.put(
                base, params=params, json={"values": {"MONTHLY_TRAINED": "10", "MONTHLY_PLACED": "4"}}
            )
            ok, allowed, permission = 200, inside and ctx.allowed("indicators:edit"), "indicators:edit"
        else:
            r = ctx.client.post(
                base,
                params=params,
                data={"v_MONTHLY_TRAINED": "10", "v_MONTHLY_PLACED": "4", "action": "draft"},
                follow_redirects=False,
            )
            ok, allowed, permission = 303, inside and ctx.allowed("indicators:edit"), "indicators:edit"
        assert r.status_code == (ok if allowed else refused(ctx, permission)), (
            ctx.persona,
            unit.code,
            r.status_code,
            r.text[:200],
        )
        after = len(list(ctx.session.scalars(select(DataValue.id))))
        assert after == before + (2 if allowed and method != "GET" else 0)


def overdue_case(ctx: Ctx) -> None:
    r = ctx.client.get("/api/v1/datasets/overdue")
    if not ctx.allowed("indicators:view"):
        assert r.status_code == 403
        return
    units = visible_units(ctx.session, ctx.persona)
    members = {u for data_set in ctx.session.scalars(select(DataSet)) for u in data_set.units}
    expected = {u.code for u in members if units is None or u.id in units}
    assert {row["org_unit"] for row in r.json()} == expected


def _submitted(ctx: Ctx, unit: OrgUnit) -> Submission:
    from shanhai.indicators.service import ensure_period

    ensure_period(session=ctx.session, period_id="202601")
    submission = Submission(
        data_set_id=_data_set(ctx).id, org_unit_id=unit.id, period_id="202601", status="submitted"
    )
    ctx.session.add(submission)
    ctx.session.flush()
    return submission


def pending_case(ctx: Ctx) -> None:
    for unit in _entry_units(ctx):
        if unit is not None:
            _submitted(ctx, unit)
    r = ctx.client.get("/api/v1/submissions")
    units = visible_units(ctx.session, ctx.persona)
    expected = {u.code for u in _entry_units(ctx) if u is not None and (units is None or u.id in units)}
    assert {row["org_unit"] for row in r.json()} == expected


def decide_case(ctx: Ctx, verb: str, api: bool) -> None:
    for unit in _entry_units(ctx):
        if unit is None:
            continue
        submission = _submitted(ctx, unit)
        inside = unit.id in (visible_units(ctx.session, ctx.persona) or {unit.id})
        allowed = inside and ctx.allowed("indicators:approve")
        url = f"{'/api/v1' if api else ''}/submissions/{submission.id}/{verb}"
        if api:
            r = ctx.client.post(url, json={"comment": "请核实"} if verb == "return" else None)
        else:
            r = ctx.client.post(url, data={"comment": "请核实"}, follow_redirects=False)
        expected = (200 if api else 303) if allowed else refused(ctx, "indicators:approve")
        assert r.status_code == expected, (ctx.persona, unit.code, r.text[:200])
        ctx.session.refresh(submission)
        expected = {"approve": "approved", "return": "returned"}[verb] if allowed else "submitted"
        assert submission.status == expected
        ctx.session.delete(submission)
        ctx.session.flush()


def _others_view(ctx: Ctx) -> SavedView:
    owner = "viewer" if ctx.persona != "viewer" else "admin"
    user_id = ctx.session.scalars(select(User.id).where(User.username == owner)).one()
    view = SavedView(
        name="别人的视图", query="dx=FUNDS&ou=XZ&pe=2025", chart="bar", pinned=True, owner_id=user_id
    )
    ctx.session.add(view)
    ctx.session.flush()
    return view


def views_case(ctx: Ctx, action: str) -> None:
    other = _others_view(ctx)
    body = {"name": "我的视图", "dx": "FUNDS", "ou": "XZ", "pe": "2025", "pinned": True}
    if action == "list":
        r = ctx.client.get("/api/v1/views")
        assert r.status_code == 200 and other.id not in {v["id"] for v in r.json()}
    elif action == "create_api":
        r = ctx.client.post("/api/v1/views", json=body)
        assert r.status_code == (201 if ctx.allowed("indicators:view") else 403)
    elif action == "create_web":
        r = ctx.client.post("/analytics/views", data=body | {"pinned": "1"}, follow_redirects=False)
        assert r.status_code == (303 if ctx.allowed("indicators:view") else 403)
    else:  # another user's view can be neither seen nor deleted
        url = f"/api/v1/views/{other.id}" if action == "delete_api" else f"/analytics/views/{other.id}/delete"
        r = ctx.client.delete(url) if action == "delete_api" else ctx.client.post(url, follow_redirects=False)
        assert r.status_code == 404
        ctx.session.expire_all()
        assert ctx.session.get(SavedView, other.id) is not None


# --- the lists of the kit: generated from the specs -----------------------------------------------------


def list_case(name: str, export: bool) -> Callable[[Ctx], None]:
    """A list answers its permission's holders with exactly the rows of their scope (the spec's scope
    columns), refuses others with 403; an export needs the export permission and holds the same rows."""
    spec = SPECS[name]

    def check(ctx: Ctx) -> None:
        url = f"/api/v1/lists/{name}" + ("/export" if export else "")
        permission = spec.export_permission if export else spec.permission
        r = ctx.client.get(url, params={"format": "csv"} if export else {"limit": 200})
        if not ctx.allowed(permission) or (export and not ctx.allowed(spec.permission)):
            assert r.status_code == 403, (ctx.persona, url, r.status_code)
            return
        assert r.status_code == 200, (ctx.persona, url, r.text[:200])
        total = (
            len(list(csv.reader(r.text.lstrip("\ufeff").splitlines()))) - 1 if export else r.json()["total"]
        )
        if name == "values":
            assert total == len(visible_values(ctx.session, ctx.persona))
        elif name == "projects":
            units = visible_units(ctx.session, ctx.persona)
            expected = [
                p for p in ctx.session.scalars(select(Project)) if units is None or p.org_unit_id in units
            ]
            assert total == len(expected)
        elif name == "orgunits":
            units = visible_units(ctx.session, ctx.persona)
            assert total == (len(ctx.session.scalars(select(OrgUnit)).all()) if units is None else len(units))
        elif name.startswith("records_"):
            units = visible_units(ctx.session, ctx.persona)
            model = registers.TYPES[name.removeprefix("records_")].model
            rows = ctx.session.scalars(select(model)).all()
            assert total == len([r for r in rows if units is None or r.org_unit_id in units]), ctx.persona

    return check


def list_page(name: str) -> Callable[[Ctx], None]:
    spec = SPECS[name]

    def check(ctx: Ctx) -> None:
        r = ctx.client.get(spec.page_url)
        assert r.status_code == (200 if ctx.allowed(spec.permission) else 403), (ctx.persona, spec.page_url)

    return check


def overview_case(ctx: Ctx) -> None:
    r = ctx.client.get("/api/v1/datasets/overview")
    if not ctx.allowed("indicators:view"):
        assert r.status_code == 403
        return
    units = visible_units(ctx.session, ctx.persona)
    late = r.json()["overdue"]
    assert all(units is None or o["org_unit_id"] in units for o in late), ctx.persona


def remind_case(ctx: Ctx, api: bool) -> None:
    """催报 needs 审核; a unit outside the scope is not found; a report that is not late is refused."""
    data_set = _data_set(ctx)
    inside, outside = _entry_units(ctx)
    for unit in (inside, outside):
        if unit is None:
            continue
        body = {"org_unit_id": unit.id, "period": "202501"}
        url = f"/datasets/{data_set.id}/remind"
        r = (
            ctx.client.post("/api/v1" + url, json=body)
            if api
            else ctx.client.post(url, data=body, follow_redirects=False)
        )
        if not ctx.allowed("indicators:approve"):
            assert r.status_code == 403, (ctx.persona, r.status_code)
        elif unit is outside:
            assert r.status_code == 404, (ctx.persona, r.status_code)
        else:
            assert r.status_code in ((201, 409, 422) if api else (303, 409, 422)), (ctx.persona, r.text[:200])


def account_case(ctx: Ctx) -> None:
    r = ctx.client.get("/api/v1/account")
    assert r.status_code == 200 and r.json()["me"]["username"] == ctx.persona


LIST_CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    **{("GET", f"/api/v1/lists/{n}"): list_case(n, export=False) for n in SPECS},
    **{("GET", f"/api/v1/lists/{n}/export"): list_case(n, export=True) for n in SPECS},
    **{
        ("GET", SPECS[n].page_url): list_page(n)
        for n in ("projects", "submissions", "orgunits", "elements", "indicators", "datasets", "documents")
    },
    ("GET", "/records/{kind}"): lambda ctx: [
        list_page(f"records_{k}")(ctx) for k in registers.TYPES if k != "projects"
    ],
}


# --- 工作台账: the registers of the programme work ------------------------------------------------------


def _activities(ctx: Ctx) -> list[tuple[Any, bool]]:
    """The demo's activities with whether the persona sees each (P-XJ-KT and 宝鸡: inside for some only)."""
    units = visible_units(ctx.session, ctx.persona)
    rows = ctx.session.scalars(select(Activity).order_by(Activity.id)).all()
    inside = next((a for a in rows if units is None or a.org_unit_id in units), None)
    outside = next((a for a in rows if units is not None and a.org_unit_id not in units), None)
    return [(a, a is inside) for a in (inside, outside) if a is not None]


def record_case(method: str, api: bool) -> Callable[[Ctx], None]:
    """Read, change or delete an activity: 403 without the permission, 404 outside the scope."""
    permission = {"GET": "records:view", "PUT": "records:edit", "POST": "records:edit"}.get(
        method, "records:delete"
    )

    def check(ctx: Ctx) -> None:
        for activity, inside in _activities(ctx):
            url = f"/records/activities/{activity.id}"
            if method == "GET":
                r = ctx.client.get("/api/v1" + url if api else url)
            elif method == "PUT":
                r = ctx.client.put("/api/v1" + url, json={"note": "矩阵", "version": activity.version})
            elif method == "POST":
                r = ctx.client.post(
                    url, data={"note": "矩阵", "version": activity.version}, follow_redirects=False
                )
            elif api:
                r = ctx.client.delete("/api/v1" + url, params={"version": activity.version})
            else:
                r = ctx.client.post(
                    url + "/delete", data={"version": activity.version}, follow_redirects=False
                )
            ok = {"GET": 200, "PUT": 200, "POST": 303}.get(method, 204 if api else 303)
            expected = ok if inside and ctx.allowed(permission) else refused(ctx, permission)
            if not ctx.allowed("records:view"):
                expected = 403
            assert r.status_code == expected, (ctx.persona, method, url, r.status_code, r.text[:200])

    return check


def plan_case(api: bool) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        units = visible_units(ctx.session, ctx.persona)
        for plan in ctx.session.scalars(select(FundPlan).order_by(FundPlan.id)).all()[:3]:
            r = ctx.client.get(f"/api/v1/funds/plans/{plan.id}" if api else f"/funds/plans/{plan.id}")
            inside = units is None or plan.org_unit_id in units
            expected = 200 if inside and ctx.allowed("records:view") else refused(ctx, "records:view")
            assert r.status_code == expected, (ctx.persona, plan.id, r.status_code)

    return check


def behind_case(api: bool) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        units = visible_units(ctx.session, ctx.persona)
        derived = ctx.session.scalars(
            select(DataValue)
            .join(Source, DataValue.source_id == Source.id)
            .where(Source.record_table.like("derived:%"))
        ).all()[:2]
        assert derived
        for value in derived:
            r = ctx.client.get(f"/api/v1/values/{value.id}/records" if api else f"/values/{value.id}/records")
            inside = units is None or value.org_unit_id in units
            if not inside or not ctx.allowed("indicators:view"):
                expected = refused(ctx, "indicators:view")
            else:
                expected = 200 if ctx.allowed("records:view") else 403
            assert r.status_code == expected, (ctx.persona, value.id, r.status_code)

    return check


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def attachment_case(action: str, api: bool) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        for project in _projects(ctx):
            if project is None:
                continue
            units = visible_units(ctx.session, ctx.persona)
            inside = units is None or project.org_unit_id in units
            if action == "upload":
                url = f"/projects/{project.id}/attachments"
                r = ctx.client.post(
                    "/api/v1" + url if api else url,
                    files={"file": ("现场.png", PNG, "image/png")},
                    follow_redirects=False,
                )
                ok, permission = (201 if api else 303), "projects:edit"
            else:
                saved = attachments.add(
                    session=ctx.session,
                    actor=actor_of(ctx.session, "admin"),
                    data_dir=TEST_DATA_DIR,
                    project_id=project.id,
                    file_name="批复.png",
                    data=PNG + ctx.persona.encode(),
                )
                if action == "get":
                    r = ctx.client.get(f"/api/v1/attachments/{saved.id}")
                    ok, permission = 200, "projects:view"
                elif api:
                    r = ctx.client.delete(f"/api/v1/attachments/{saved.id}")
                    ok, permission = 204, "projects:edit"
                else:
                    r = ctx.client.post(f"/attachments/{saved.id}/delete", follow_redirects=False)
                    ok, permission = 303, "projects:edit"
            expected = ok if inside and ctx.allowed(permission) else refused(ctx, permission)
            if not ctx.allowed("projects:view"):
                expected = 403
            assert r.status_code == expected, (ctx.persona, action, project.code, r.status_code, r.text[:200])

    return check


def _new_activity(ctx: Ctx) -> dict[str, Any]:
    unit = ctx.session.scalars(select(OrgUnit).where(OrgUnit.code == "P-XJ-KT")).one()
    return {
        "title": "矩阵活动",
        "kind": "其他",
        "held_on": "2026-05-01",
        "org_unit_id": unit.id,
        "sessions": 1,
    }


# --- 报告文档 ----------------------------------------------------------------------------------------------

REPORT = "2025年，泉山区新增高新技术企业45家，帮助53家企业获得贷款1.56亿元。".encode()


def _quanshan_document(ctx: Ctx) -> Document:
    """A report uploaded by the 泉山区 officer: in the scope of 泉山区 and of everyone above it."""
    document, _ = review.upload(
        session=ctx.session,
        actor=actor_of(ctx.session, "quanshan_officer"),
        data_dir=TEST_DATA_DIR,
        file_name="泉山.txt",
        data=REPORT + ctx.persona.encode(),
    )
    return document


def _sees_quanshan(ctx: Ctx) -> bool:
    units = visible_units(ctx.session, ctx.persona)
    quanshan = ctx.session.scalars(select(OrgUnit.id).where(OrgUnit.code == "XZ-QS")).one()
    return units is None or quanshan in units


def document_case(api: bool) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        document = _quanshan_document(ctx)
        r = ctx.client.get(f"/api/v1/documents/{document.id}" if api else f"/documents/{document.id}")
        expected = (
            200 if _sees_quanshan(ctx) and ctx.allowed("documents:view") else refused(ctx, "documents:view")
        )
        assert r.status_code == expected, (ctx.persona, r.status_code)

    return check


def upload_case(api: bool) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        files = {"file": ("报告.txt", REPORT + b"x" + ctx.persona.encode())}
        r = ctx.client.post(
            "/api/v1/documents/upload" if api else "/documents/upload", files=files, follow_redirects=False
        )
        expected = (201 if api else 303) if ctx.allowed("documents:create") else 403
        assert r.status_code == expected, (ctx.persona, r.status_code, r.text[:200])

    return check


def candidate_case(action: str, api: bool) -> Callable[[Ctx], None]:
    permission = "indicators:create" if action == "accept" else "indicators:edit"

    def check(ctx: Ctx) -> None:
        document = _quanshan_document(ctx)
        candidate = ctx.session.scalars(select(Candidate).where(Candidate.document_id == document.id)).first()
        assert candidate is not None
        if action == "reopen":
            candidate.status = "驳回"
            ctx.session.flush()
        quanshan = ctx.session.scalars(select(OrgUnit.id).where(OrgUnit.code == "XZ-QS")).one()
        body = {
            "version": candidate.version,
            "element": "HNTE_NEW",
            "org_unit_id": quanshan,
            "period": "2031",
        }
        if api:
            r = ctx.client.post(f"/api/v1/candidates/{candidate.id}/{action}", json=body)
            ok = 200
        else:
            r = ctx.client.post(
                f"/documents/{document.id}/candidates/{candidate.id}",
                data=body | {"action": action},
                follow_redirects=False,
            )
            ok = 303
        if not ctx.allowed("documents:view"):
            expected = 403
        elif not _sees_quanshan(ctx):
            expected = 404 if ctx.allowed(permission) or not api else 403
        else:
            expected = ok if ctx.allowed(permission) else 403
        assert r.status_code == expected, (ctx.persona, action, r.status_code, r.text[:200])

    return check


DOCUMENT_CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("GET", "/api/v1/documents/{document_id}"): document_case(api=True),
    ("GET", "/documents/{document_id}"): document_case(api=False),
    ("POST", "/api/v1/documents/upload"): upload_case(api=True),
    ("POST", "/documents/upload"): upload_case(api=False),
    ("POST", "/api/v1/candidates/{candidate_id}/accept"): candidate_case("accept", api=True),
    ("POST", "/api/v1/candidates/{candidate_id}/reject"): candidate_case("reject", api=True),
    ("POST", "/api/v1/candidates/{candidate_id}/reopen"): candidate_case("reopen", api=True),
    ("POST", "/documents/{document_id}/candidates/{candidate_id}"): candidate_case("accept", api=False),
}


RECORD_CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("GET", "/api/v1/records/{kind}/{record_id}"): record_case("GET", api=True),
    ("PUT", "/api/v1/records/{kind}/{record_id}"): record_case("PUT", api=True),
    ("DELETE", "/api/v1/records/{kind}/{record_id}"): record_case("DELETE", api=True),
    ("GET", "/records/{kind}/{record_id}"): record_case("GET", api=False),
    ("POST", "/records/{kind}/{record_id}"): record_case("POST", api=False),
    ("POST", "/records/{kind}/{record_id}/delete"): record_case("DELETE", api=False),
    ("POST", "/api/v1/records/{kind}"): lambda ctx: setup_case(
        "POST", "/api/v1/records/activities", "records:create", _new_activity(ctx)
    )(ctx),
    ("GET", "/records/{kind}/new"): gated("GET", "/records/activities/new", "records:create"),
    ("POST", "/records/{kind}/new"): lambda ctx: setup_case(
        "POST", "/records/activities/new", "records:create", _new_activity(ctx), form=True
    )(ctx),
    ("GET", "/api/v1/funds/plans/{plan_id}"): plan_case(api=True),
    ("GET", "/funds/plans/{plan_id}"): plan_case(api=False),
    ("GET", "/api/v1/people/overview"): gated("GET", "/api/v1/people/overview", "records:view"),
    ("GET", "/people"): gated("GET", "/people", "records:view"),
    ("GET", "/api/v1/values/{value_id}/records"): behind_case(api=True),
    ("GET", "/values/{value_id}/records"): behind_case(api=False),
    ("POST", "/api/v1/projects/{project_id}/attachments"): attachment_case("upload", api=True),
    ("POST", "/projects/{project_id}/attachments"): attachment_case("upload", api=False),
    ("GET", "/api/v1/attachments/{attachment_id}"): attachment_case("get", api=True),
    ("DELETE", "/api/v1/attachments/{attachment_id}"): attachment_case("delete", api=True),
    ("POST", "/attachments/{attachment_id}/delete"): attachment_case("delete", api=False),
}


# --- the office's set-up: admin only, and nothing changes for the others ------------------------------


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


def _unit_id(ctx: Ctx) -> int:
    return ctx.session.scalars(select(OrgUnit.id).where(OrgUnit.code == "XZ-QS")).one()


def _element_id(ctx: Ctx) -> int:
    from shanhai.indicators.models import DataElement

    return ctx.session.scalars(select(DataElement.id).where(DataElement.code == "FUNDS")).one()


def _programme_id(ctx: Ctx) -> int:
    from shanhai.programmes.models import Programme

    return ctx.session.scalars(select(Programme.id).order_by(Programme.id)).first() or 1


UNIT_BODY = {"code": "NEW-UNIT", "name": "新单位", "kind": "unit", "parent_id": None, "sort_order": 0}
SETUP_CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("POST", "/api/v1/orgunits"): setup_case(
        "POST", "/api/v1/orgunits", "orgunits:create", lambda ctx: {**UNIT_BODY, "parent_id": _unit_id(ctx)}
    ),
    ("GET", "/api/v1/orgunits/{unit_id}"): lambda ctx: gated(
        "GET", f"/api/v1/orgunits/{_unit_id(ctx)}", "orgunits:view", ok=(200, 404)
    )(ctx),
    ("PUT", "/api/v1/orgunits/{unit_id}"): setup_case(
        "PUT",
        lambda ctx: f"/api/v1/orgunits/{_unit_id(ctx)}",
        "orgunits:edit",
        lambda ctx: {"name": "泉山区", "kind": "district", "parent_id": None, "sort_order": 1, "version": 1},
    ),
    ("POST", "/api/v1/orgunits/{unit_id}/close"): setup_case(
        "POST", lambda ctx: f"/api/v1/orgunits/{_unit_id(ctx)}/close", "orgunits:delete", {"version": 1}
    ),
    ("POST", "/api/v1/orgunits/{unit_id}/reopen"): setup_case(
        "POST", lambda ctx: f"/api/v1/orgunits/{_unit_id(ctx)}/reopen", "orgunits:delete", {"version": 1}
    ),
    ("GET", "/admin/orgunits/new"): gated("GET", "/admin/orgunits/new", "orgunits:create"),
    ("POST", "/admin/orgunits/new"): setup_case(
        "POST",
        "/admin/orgunits/new",
        "orgunits:create",
        {"code": "W-NEW", "name": "新", "kind": "unit"},
        form=True,
    ),
    ("GET", "/admin/orgunits/{unit_id}"): lambda ctx: gated(
        "GET", f"/admin/orgunits/{_unit_id(ctx)}", "orgunits:view", ok=(200, 404)
    )(ctx),
    ("POST", "/admin/orgunits/{unit_id}"): setup_case(
        "POST",
        lambda ctx: f"/admin/orgunits/{_unit_id(ctx)}",
        "orgunits:edit",
        {"name": "泉山区", "kind": "district"},
        form=True,
    ),
    ("POST", "/admin/orgunits/{unit_id}/close"): setup_case(
        "POST", lambda ctx: f"/admin/orgunits/{_unit_id(ctx)}/close", "orgunits:delete", {}, form=True
    ),
    ("POST", "/admin/orgunits/{unit_id}/reopen"): setup_case(
        "POST", lambda ctx: f"/admin/orgunits/{_unit_id(ctx)}/reopen", "orgunits:delete", {}, form=True
    ),
    ("POST", "/api/v1/programmes"): setup_case(
        "POST",
        "/api/v1/programmes",
        "programmes:create",
        lambda ctx: {
            "code": "NEWP",
            "name": "新工作",
            "short_name": "新",
            "kind": "对口支援",
            "lead_org_unit_id": _unit_id(ctx),
        },
    ),
    ("PUT", "/api/v1/programmes/{programme_id}"): setup_case(
        "PUT",
        lambda ctx: f"/api/v1/programmes/{_programme_id(ctx)}",
        "programmes:edit",
        lambda ctx: {
            "name": "改",
            "short_name": "改",
            "kind": "对口支援",
            "lead_org_unit_id": _unit_id(ctx),
            "version": 99,
        },
    ),
    ("DELETE", "/api/v1/programmes/{programme_id}"): setup_case(
        "DELETE", lambda ctx: f"/api/v1/programmes/{_programme_id(ctx)}?version=1", "programmes:delete"
    ),
    ("POST", "/api/v1/places"): setup_case(
        "POST",
        "/api/v1/places",
        "programmes:create",
        lambda ctx: {
            "code": "NEW-PL",
            "name": "新",
            "full_name": "新地",
            "province": "新",
            "parent_id": _unit_id(ctx),
        },
    ),
    ("GET", "/admin/programmes/new"): gated("GET", "/admin/programmes/new", "programmes:create"),
    ("POST", "/admin/programmes/new"): setup_case(
        "POST", "/admin/programmes/new", "programmes:create", {"code": "NP", "name": "x"}, form=True
    ),
    ("GET", "/admin/programmes/{programme_id}"): lambda ctx: gated(
        "GET", f"/admin/programmes/{_programme_id(ctx)}", "programmes:edit"
    )(ctx),
    ("POST", "/admin/programmes/{programme_id}"): setup_case(
        "POST",
        lambda ctx: f"/admin/programmes/{_programme_id(ctx)}",
        "programmes:edit",
        {"name": ""},
        form=True,
    ),
    ("POST", "/admin/programmes/{programme_id}/delete"): setup_case(
        "POST",
        lambda ctx: f"/admin/programmes/{_programme_id(ctx)}/delete",
        "programmes:delete",
        {},
        form=True,
    ),
    ("GET", "/admin/places/new"): gated("GET", "/admin/places/new", "programmes:create"),
    ("POST", "/admin/places/new"): setup_case(
        "POST", "/admin/places/new", "programmes:create", {"code": "PL"}, form=True
    ),
    ("POST", "/api/v1/elements"): setup_case(
        "POST", "/api/v1/elements", "elements:create", {"code": "NEW_EL", "name": "新", "unit": "个"}
    ),
    ("GET", "/api/v1/elements/{element_id}"): lambda ctx: gated(
        "GET", f"/api/v1/elements/{_element_id(ctx)}", "elements:view"
    )(ctx),
    ("PUT", "/api/v1/elements/{element_id}"): setup_case(
        "PUT",
        lambda ctx: f"/api/v1/elements/{_element_id(ctx)}",
        "elements:edit",
        {"name": "资金", "unit": "元", "aggregation": "sum", "group": "资金", "version": 1},
    ),
    ("DELETE", "/api/v1/elements/{element_id}"): setup_case(
        "DELETE", lambda ctx: f"/api/v1/elements/{_element_id(ctx)}", "elements:delete"
    ),
    ("GET", "/admin/elements/new"): gated("GET", "/admin/elements/new", "elements:create"),
    ("POST", "/admin/elements/new"): setup_case(
        "POST",
        "/admin/elements/new",
        "elements:create",
        {"code": "E1", "name": "新", "unit": "个", "aggregation": "sum"},
        form=True,
    ),
    ("GET", "/admin/elements/{record_id}"): lambda ctx: gated(
        "GET", f"/admin/elements/{_element_id(ctx)}", "elements:view"
    )(ctx),
    ("POST", "/admin/elements/{record_id}"): setup_case(
        "POST", lambda ctx: f"/admin/elements/{_element_id(ctx)}", "elements:edit", {"name": ""}, form=True
    ),
    ("POST", "/admin/elements/{record_id}/delete"): setup_case(
        "POST", lambda ctx: f"/admin/elements/{_element_id(ctx)}/delete", "elements:delete", {}, form=True
    ),
    ("POST", "/api/v1/indicators/preview"): setup_case(
        "POST", "/api/v1/indicators/preview", "elements:view", {"formula": "#{FUNDS} / 10000"}, ok=(200,)
    ),
    ("POST", "/api/v1/indicators"): setup_case(
        "POST",
        "/api/v1/indicators",
        "elements:create",
        {"code": "NEW_IND", "name": "新", "formula": "#{FUNDS}"},
    ),
    ("PUT", "/api/v1/indicators/{indicator_id}"): setup_case(
        "PUT", "/api/v1/indicators/1", "elements:edit", {"name": "改", "formula": "#{FUNDS}", "version": 1}
    ),
    ("DELETE", "/api/v1/indicators/{indicator_id}"): setup_case(
        "DELETE", "/api/v1/indicators/999999", "elements:delete"
    ),
    ("GET", "/admin/indicators/new"): gated("GET", "/admin/indicators/new", "elements:create"),
    ("POST", "/admin/indicators/new"): setup_case(
        "POST",
        "/admin/indicators/new",
        "elements:create",
        {"code": "I1", "name": "新", "formula": "#{NOPE}", "decimals": "1"},
        form=True,
    ),
    ("GET", "/admin/indicators/{record_id}"): gated(
        "GET", "/admin/indicators/1", "elements:view", ok=(200, 404)
    ),
    ("POST", "/admin/indicators/{record_id}"): setup_case(
        "POST", "/admin/indicators/1", "elements:edit", {"name": ""}, form=True
    ),
    ("POST", "/admin/indicators/{record_id}/delete"): setup_case(
        "POST", "/admin/indicators/999999/delete", "elements:delete", {}, form=True
    ),
    ("GET", "/admin/targets"): gated("GET", "/admin/targets", "indicators:view"),
    ("GET", "/admin/targets/new"): gated("GET", "/admin/targets/new", "indicators:create"),
    ("POST", "/admin/targets/new"): setup_case(
        "POST", "/admin/targets/new", "indicators:create", {"element_code": "FUNDS", "year": "x"}, form=True
    ),
    ("POST", "/api/v1/datasets"): setup_case(
        "POST",
        "/api/v1/datasets",
        "datasets:create",
        lambda ctx: {
            "code": "NEW_DS",
            "name": "新",
            "period_type": "monthly",
            "element_ids": [_element_id(ctx)],
            "unit_ids": [_unit_id(ctx)],
        },
    ),
    ("PUT", "/api/v1/datasets/{data_set_id}"): setup_case(
        "PUT",
        lambda ctx: f"/api/v1/datasets/{_data_set(ctx).id}",
        "datasets:edit",
        {"name": "", "period_type": "monthly", "element_ids": [], "unit_ids": [], "version": 1},
    ),
    ("DELETE", "/api/v1/datasets/{data_set_id}"): setup_case(
        "DELETE", lambda ctx: f"/api/v1/datasets/{_data_set(ctx).id}", "datasets:delete"
    ),
    ("GET", "/admin/datasets/new"): gated("GET", "/admin/datasets/new", "datasets:create"),
    ("POST", "/admin/datasets/new"): setup_case(
        "POST", "/admin/datasets/new", "datasets:create", {"code": "D1", "name": ""}, form=True
    ),
    ("GET", "/admin/datasets/{record_id}"): lambda ctx: gated(
        "GET", f"/admin/datasets/{_data_set(ctx).id}", "datasets:view"
    )(ctx),
    ("POST", "/admin/datasets/{record_id}"): setup_case(
        "POST", lambda ctx: f"/admin/datasets/{_data_set(ctx).id}", "datasets:edit", {"name": ""}, form=True
    ),
    ("POST", "/admin/datasets/{record_id}/delete"): setup_case(
        "POST", lambda ctx: f"/admin/datasets/{_data_set(ctx).id}/delete", "datasets:delete", {}, form=True
    ),
    ("POST", "/api/v1/roles"): setup_case(
        "POST", "/api/v1/roles", "roles:create", {"code": "new_role", "name": "新角色", "data_scope": "unit"}
    ),
    ("POST", "/api/v1/roles/{role_id}/copy"): setup_case(
        "POST",
        lambda ctx: f"/api/v1/roles/{viewer_role(ctx).id}/copy",
        "roles:create",
        {"code": "viewer_copy", "name": "只读副本"},
    ),
    ("DELETE", "/api/v1/roles/{role_id}"): setup_case(
        "DELETE", lambda ctx: f"/api/v1/roles/{viewer_role(ctx).id}?version=1", "roles:delete"
    ),
    ("GET", "/admin/roles/new"): gated("GET", "/admin/roles/new", "roles:create"),
    ("POST", "/admin/roles/new"): setup_case(
        "POST",
        "/admin/roles/new",
        "roles:create",
        {"code": "r1", "name": "新", "data_scope": "unit"},
        form=True,
    ),
    ("GET", "/admin/roles/{role_id}/copy"): lambda ctx: gated(
        "GET", f"/admin/roles/{viewer_role(ctx).id}/copy", "roles:create"
    )(ctx),
    ("POST", "/admin/roles/{role_id}/copy"): setup_case(
        "POST",
        lambda ctx: f"/admin/roles/{viewer_role(ctx).id}/copy",
        "roles:create",
        {"code": "vc", "name": "副本"},
        form=True,
    ),
    ("POST", "/admin/roles/{role_id}/delete"): setup_case(
        "POST", lambda ctx: f"/admin/roles/{viewer_role(ctx).id}/delete", "roles:delete", {}, form=True
    ),
}


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("GET", "/api/v1/health"): public("GET", "/api/v1/health"),
    ("GET", "/openapi.json"): signed_in("/openapi.json"),
    ("GET", "/projects/{project_id}"): lambda ctx: project_detail(ctx, html=True),
    ("GET", "/api/v1/projects/{project_id}"): lambda ctx: project_detail(ctx, html=False),
    ("POST", "/projects/{project_id}/moves"): lambda ctx: project_move(ctx, html=True),
    ("POST", "/api/v1/projects/{project_id}/moves"): lambda ctx: project_move(ctx, html=False),
    ("GET", "/api/docs"): signed_in("/api/docs"),
    ("GET", "/favicon.ico"): public("GET", "/favicon.ico", ok=(204,)),
    ("GET", "/api/v1/dashboard"): lambda ctx: dashboard(ctx, html=False),
    ("GET", "/"): lambda ctx: dashboard(ctx, html=True),
    ("GET", "/api/v1/programmes"): gated("GET", "/api/v1/programmes", "programmes:view"),
    ("GET", "/programmes"): gated("GET", "/programmes", "programmes:view"),
    ("GET", "/api/v1/programmes/{programme_id}"): lambda ctx: programme_detail(ctx, html=False),
    ("GET", "/programmes/{programme_id}"): lambda ctx: programme_detail(ctx, html=True),
    ("GET", "/api/v1/values"): list_values,
    ("GET", "/values"): values_page,
    ("GET", "/api/v1/values/{value_id}"): value_detail,
    ("GET", "/api/v1/values/{value_id}/history"): value_history,
    ("POST", "/api/v1/values"): create_value_api,
    ("PUT", "/api/v1/values/{value_id}"): update_value_api,
    ("DELETE", "/api/v1/values/{value_id}"): delete_value_api,
    ("GET", "/values/{value_id}/edit"): lambda ctx: value_edit_page(ctx, post=False),
    ("POST", "/values/{value_id}/edit"): lambda ctx: value_edit_page(ctx, post=True),
    ("GET", "/api/v1/data-elements"): gated("GET", "/api/v1/data-elements", "indicators:view"),
    ("GET", "/api/v1/me"): public("GET", "/api/v1/me"),
    ("GET", "/api/v1/tokens"): lambda ctx: own_tokens(ctx, "list"),
    ("POST", "/api/v1/tokens"): lambda ctx: own_tokens(ctx, "create"),
    ("DELETE", "/api/v1/tokens/{token_id}"): lambda ctx: own_tokens(ctx, "revoke_other"),
    ("GET", "/api/v1/permissions"): gated("GET", "/api/v1/permissions", "roles:view"),
    ("POST", "/api/v1/users"): admin_write("create_user"),
    ("GET", "/api/v1/users/{user_id}"): lambda ctx: gated(
        "GET", f"/api/v1/users/{other_user_id(ctx)}", "users:view"
    )(ctx),
    ("PUT", "/api/v1/users/{user_id}"): admin_write("put_user"),
    ("POST", "/api/v1/users/{user_id}/unlock"): admin_write("unlock"),
    ("POST", "/api/v1/users/{user_id}/password"): admin_write("reset_password"),
    ("GET", "/api/v1/roles"): gated("GET", "/api/v1/roles", "roles:view"),
    ("GET", "/api/v1/roles/{role_id}"): lambda ctx: gated(
        "GET", f"/api/v1/roles/{viewer_role(ctx).id}", "roles:view"
    )(ctx),
    ("PUT", "/api/v1/roles/{role_id}"): admin_write("put_role"),
    **LIST_CASES,
    **RECORD_CASES,
    **DOCUMENT_CASES,
    **SETUP_CASES,
    ("GET", "/admin/users"): gated("GET", "/admin/users", "users:view"),
    ("GET", "/admin/users/new"): gated("GET", "/admin/users/new", "users:create"),
    ("POST", "/admin/users/new"): admin_write("create_user_form"),
    ("GET", "/admin/users/{user_id}"): lambda ctx: gated(
        "GET", f"/admin/users/{other_user_id(ctx)}", "users:view"
    )(ctx),
    ("POST", "/admin/users/{user_id}"): admin_write("post_user_form"),
    ("POST", "/admin/users/{user_id}/unlock"): admin_write("unlock_form"),
    ("POST", "/admin/users/{user_id}/password"): admin_write("reset_password_form"),
    ("GET", "/admin/roles"): gated("GET", "/admin/roles", "roles:view"),
    ("GET", "/admin/roles/{role_id}"): lambda ctx: gated(
        "GET", f"/admin/roles/{viewer_role(ctx).id}", "roles:view"
    )(ctx),
    ("POST", "/admin/roles/{role_id}"): admin_write("post_role_form"),
    ("GET", "/admin/audit"): gated("GET", "/admin/audit", "audit:view"),
    ("GET", "/admin/logins"): gated("GET", "/admin/logins", "logins:view"),
    # account pages: every signed-in persona, only their own account
    ("GET", "/account"): public("GET", "/account"),
    ("POST", "/account/password"): web_form(
        "/account/password", {"old_password": "wrong", "new_password": "x"}
    ),
    ("POST", "/account/tokens"): web_form("/account/tokens", {"name": "脚本"}, ok=200),
    ("POST", "/account/sessions/{session_id}/end"): own_session,
    ("POST", "/account/tokens/{token_id}/revoke"): lambda ctx: (
        None
    ),  # covered by the API twin and test_security
    ("GET", "/login"): public("GET", "/login", ok=(200, 303)),
    ("POST", "/login"): lambda ctx: None,  # covered by test_security (CSRF, fixation, lockout)
    ("POST", "/logout"): lambda ctx: None,  # covered by test_security
    ("GET", "/api/v1/analytics"): analytics_api,
    ("GET", "/api/v1/views"): lambda ctx: views_case(ctx, "list"),
    ("POST", "/api/v1/views"): lambda ctx: views_case(ctx, "create_api"),
    ("DELETE", "/api/v1/views/{view_id}"): lambda ctx: views_case(ctx, "delete_api"),
    ("POST", "/analytics/views"): lambda ctx: views_case(ctx, "create_web"),
    ("POST", "/analytics/views/{view_id}/delete"): lambda ctx: views_case(ctx, "delete_web"),
    ("GET", "/analytics"): gated("GET", "/analytics?dx=FUNDS&ou=XZ&pe=2025", "indicators:view"),
    ("GET", "/api/v1/datasets"): gated("GET", "/api/v1/datasets", "indicators:view"),
    ("GET", "/datasets"): gated("GET", "/datasets", "indicators:view"),
    ("GET", "/api/v1/datasets/overdue"): overdue_case,
    ("GET", "/api/v1/datasets/overview"): overview_case,
    ("POST", "/api/v1/datasets/{data_set_id}/remind"): lambda ctx: remind_case(ctx, api=True),
    ("POST", "/datasets/{data_set_id}/remind"): lambda ctx: remind_case(ctx, api=False),
    ("GET", "/api/v1/account"): lambda ctx: account_case(ctx),
    ("GET", "/api/v1/datasets/{data_set_id}/entry"): lambda ctx: entry_case(ctx, "GET", api=True),
    ("PUT", "/api/v1/datasets/{data_set_id}/entry"): lambda ctx: entry_case(ctx, "PUT", api=True),
    ("GET", "/datasets/{data_set_id}/entry"): lambda ctx: entry_case(ctx, "GET", api=False),
    ("POST", "/datasets/{data_set_id}/entry"): lambda ctx: entry_case(ctx, "POST", api=False),
    ("GET", "/api/v1/submissions"): pending_case,
    ("POST", "/api/v1/submissions/{submission_id}/approve"): lambda ctx: decide_case(
        ctx, "approve", api=True
    ),
    ("POST", "/api/v1/submissions/{submission_id}/return"): lambda ctx: decide_case(ctx, "return", api=True),
    ("POST", "/submissions/{submission_id}/approve"): lambda ctx: decide_case(ctx, "approve", api=False),
    ("POST", "/submissions/{submission_id}/return"): lambda ctx: decide_case(ctx, "return", api=False),
}


def _walk(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # a router included with include_router
            yield from _walk(route.original_router.routes)


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, hidden ones included."""
    return {(m, r.path) for r in _walk(app.routes) for m in r.methods if m != "HEAD"}


def test_every_route_is_in_the_matrix(app: FastAPI) -> None:
    routes = app_routes(app)
    missing = routes - set(CASES)
    assert not missing, f"routes without a scope check: {sorted(missing)}"
    stale = set(CASES) - routes
    assert not stale, f"cases for routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", sorted(CASES), ids=lambda r: f"{r[0]} {r[1]}")
def test_persona_route(
    route: tuple[str, str], persona: str, session: Session, as_persona: Callable[[str], TestClient]
) -> None:
    CASES[route](Ctx(session=session, client=as_persona(persona), persona=persona))
