"""The matrix's cases for data values, through the API and the pages: a list holds exactly the values of the
persona's scope; a value outside it is not found and is neither changed nor deleted."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from shanhai.indicators.models import DataValue
from shanhai.orgunits.models import OrgUnit
from tests.scope import Ctx, gated, inside_value, outside_value, refused, visible_units, visible_values


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


def _row_ids_in_html(html: str) -> list[str]:
    import re

    return re.findall(r'<tr data-id="(\d+)"', html)


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
        body = {"data_element": "HNTE_APPLICATIONS", "org_unit_id": unit_id, "period": "202611", "value": "3"}
        r = ctx.client.post("/api/v1/values", json=body)
        allowed = (units is None or unit_id in units) and ctx.allowed("indicators:create")
        expected = 201 if allowed else refused(ctx, "indicators:create")
        assert r.status_code == expected, (ctx.persona, unit_id, r.text)
        assert len(list(ctx.session.scalars(select(DataValue.id)))) == count + (1 if allowed else 0)


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
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
}
