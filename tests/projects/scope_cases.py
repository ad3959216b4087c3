"""The matrix's cases for projects: another unit's project is not found, and only 编辑 moves one."""

from __future__ import annotations

from collections.abc import Callable

from tests.scope import Ctx, _projects, refused, visible_units


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


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("GET", "/projects/{project_id}"): lambda ctx: project_detail(ctx, html=True),
    ("GET", "/api/v1/projects/{project_id}"): lambda ctx: project_detail(ctx, html=False),
    ("POST", "/projects/{project_id}/moves"): lambda ctx: project_move(ctx, html=True),
    ("POST", "/api/v1/projects/{project_id}/moves"): lambda ctx: project_move(ctx, html=False),
}
