"""The matrix's cases for analytics and saved views: the totals are the sums of the persona's values, the
export needs 导出 and is audited, and another user's view can be neither seen nor deleted."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select

from shanhai.analytics.models import SavedView
from shanhai.audit.models import AuditLog
from shanhai.auth.models import User
from shanhai.indicators.models import DataValue
from tests.scope import Ctx, gated, visible_values


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


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("GET", "/api/v1/analytics"): analytics_api,
    ("GET", "/api/v1/views"): lambda ctx: views_case(ctx, "list"),
    ("POST", "/api/v1/views"): lambda ctx: views_case(ctx, "create_api"),
    ("DELETE", "/api/v1/views/{view_id}"): lambda ctx: views_case(ctx, "delete_api"),
    ("POST", "/analytics/views"): lambda ctx: views_case(ctx, "create_web"),
    ("POST", "/analytics/views/{view_id}/delete"): lambda ctx: views_case(ctx, "delete_web"),
    ("GET", "/analytics"): gated("GET", "/analytics?dx=FUNDS&ou=XZ&pe=2025", "indicators:view"),
}
