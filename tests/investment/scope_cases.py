"""The matrix's cases for a register's stage moves (the task breakdown): 403 without 工作台账 · 修改, 404
for a task outside the persona's scope, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from shanhai.investment.models import Task
from shanhai.orgunits.models import OrgUnit
from shanhai.registers import kit as reg
from tests.conftest import actor_of
from tests.scope import Ctx, refused, visible_units


def _tasks(ctx: Ctx) -> list[tuple[Task, bool]]:
    """A task of 泉山区 and one of 经开区, made for the case; whether the persona sees each."""
    admin = actor_of(ctx.session, "admin")
    made = []
    for code in ("XZ-QS", "XZ-JK"):
        unit = ctx.session.scalars(select(OrgUnit.id).where(OrgUnit.code == code)).one()
        raw = {"title": f"矩阵任务{code}", "year": "2026", "org_unit_id": unit, "deadline": "2026-06-30"}
        made.append(reg.create(session=ctx.session, actor=admin, rtype=reg.get_type("tasks"), raw=raw))
    ctx.session.flush()
    units = visible_units(ctx.session, ctx.persona)
    return [(t, units is None or t.org_unit_id in units) for t in made]


def move_case(api: bool) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        for task, inside in _tasks(ctx):
            url = f"/records/tasks/{task.id}/moves"
            if api:
                r = ctx.client.post("/api/v1" + url, json={"to": "进行中", "version": task.version})
            else:
                r = ctx.client.post(
                    url + "?to=进行中", data={"version": task.version}, follow_redirects=False
                )
            ok = 200 if api else 303
            expected = ok if inside and ctx.allowed("records:edit") else refused(ctx, "records:edit")
            if not ctx.allowed("records:view"):
                expected = 403
            assert r.status_code == expected, (ctx.persona, api, r.status_code, r.text[:200])
            ctx.session.refresh(task)
            assert (task.status == "进行中") == (expected == ok)

    return check


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("POST", "/api/v1/records/{kind}/{record_id}/moves"): move_case(api=True),
    ("POST", "/records/{kind}/{record_id}/moves"): move_case(api=False),
}
