"""The matrix's cases for 工作台账, the registers of the programme work: records, fund plans, the people
overview, the records behind a derived value, and projects' attachments — 403 without the permission, 404
outside the persona's scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from shanhai.documents.models import Source
from shanhai.indicators.models import DataValue
from shanhai.operations import attachments
from shanhai.operations.models import Activity, FundPlan
from shanhai.orgunits.models import OrgUnit
from tests.conftest import TEST_DATA_DIR, actor_of
from tests.scope import Ctx, _projects, gated, refused, setup_case, visible_units


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


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
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
