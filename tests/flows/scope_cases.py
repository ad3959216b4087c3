"""The matrix's cases for the dashboard and the programmes (their figures are the persona's values only), and
for the routes every signed-in persona reaches alike: the health check, the favicon, the API's docs."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select

from shanhai.indicators.models import DataValue
from tests.scope import Ctx, gated, public, signed_in, visible_values


def _value_ids_in_html(html: str) -> list[str]:
    import re

    return re.findall(r'data-value-id="(\d+)"', html)


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


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("GET", "/api/v1/health"): public("GET", "/api/v1/health"),
    ("GET", "/openapi.json"): signed_in("/openapi.json"),
    ("GET", "/api/docs"): signed_in("/api/docs"),
    ("GET", "/favicon.ico"): public("GET", "/favicon.ico", ok=(204,)),
    ("GET", "/api/v1/dashboard"): lambda ctx: dashboard(ctx, html=False),
    ("GET", "/"): lambda ctx: dashboard(ctx, html=True),
    ("GET", "/api/v1/programmes"): gated("GET", "/api/v1/programmes", "programmes:view"),
    ("GET", "/programmes"): gated("GET", "/programmes", "programmes:view"),
    ("GET", "/api/v1/programmes/{programme_id}"): lambda ctx: programme_detail(ctx, html=False),
    ("GET", "/programmes/{programme_id}"): lambda ctx: programme_detail(ctx, html=True),
}
