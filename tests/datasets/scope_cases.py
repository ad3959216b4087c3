"""The matrix's cases for data sets: entry, submissions and their approval, the overdue list and overview,
and 催报 — a unit outside the persona's scope is not found, and nothing is written without the permission."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from shanhai.datasets.models import DataSet, Submission
from shanhai.indicators.models import DataValue
from shanhai.orgunits.models import OrgUnit
from tests.scope import Ctx, _data_set, gated, refused, visible_units


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


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("GET", "/api/v1/datasets"): gated("GET", "/api/v1/datasets", "indicators:view"),
    ("GET", "/datasets"): gated("GET", "/datasets", "indicators:view"),
    ("GET", "/api/v1/datasets/overdue"): overdue_case,
    ("GET", "/api/v1/datasets/overview"): overview_case,
    ("POST", "/api/v1/datasets/{data_set_id}/remind"): lambda ctx: remind_case(ctx, api=True),
    ("POST", "/datasets/{data_set_id}/remind"): lambda ctx: remind_case(ctx, api=False),
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
