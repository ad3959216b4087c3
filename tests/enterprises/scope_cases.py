"""The matrix's cases for 企业库 beyond the registers' routes: near-duplicates, expiring certificates and the
merge — 403 without the permission; a firm outside the persona's scope is 404 as if missing."""

from __future__ import annotations

from collections.abc import Callable

from tests.scope import Ctx, gated


def _merge(api: bool) -> Callable[[Ctx], None]:
    """Merging a firm that does not exist: 403 without the permissions, 404 with them; nothing changes."""

    def check(ctx: Ctx) -> None:
        url = "/enterprises/2147483000/merge"
        body = {"target_id": 2147483001, "version": 1}
        if api:
            r = ctx.client.post("/api/v1" + url, json=body)
        else:
            r = ctx.client.post(url, data={k: str(v) for k, v in body.items()}, follow_redirects=False)
        allowed = ctx.allowed("enterprises:edit") and ctx.allowed("enterprises:delete")
        assert r.status_code == (404 if allowed else 403), (ctx.persona, api, r.status_code, r.text[:200])

    return check


def _both(url: str) -> Callable[[Ctx], None]:
    """The sci-tech view needs both 企业库 · 查看 and 指标数据 · 查看."""

    def check(ctx: Ctx) -> None:
        r = ctx.client.get(url)
        allowed = ctx.allowed("enterprises:view") and ctx.allowed("indicators:view")
        assert r.status_code == (200 if allowed else 403), (ctx.persona, url, r.status_code)

    return check


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("GET", "/api/v1/enterprises/duplicates"): gated(
        "GET", "/api/v1/enterprises/duplicates", "enterprises:view"
    ),
    ("GET", "/api/v1/enterprises/expiring"): gated("GET", "/api/v1/enterprises/expiring", "enterprises:view"),
    ("GET", "/enterprises/duplicates"): gated("GET", "/enterprises/duplicates", "enterprises:view"),
    ("GET", "/enterprises/expiring"): gated("GET", "/enterprises/expiring", "enterprises:view"),
    ("GET", "/api/v1/investment"): gated("GET", "/api/v1/investment", "projects:view"),
    ("GET", "/investment"): gated("GET", "/investment", "projects:view"),
    ("GET", "/api/v1/scitech"): _both("/api/v1/scitech"),
    ("GET", "/scitech"): _both("/scitech"),
    ("POST", "/api/v1/enterprises/{enterprise_id}/merge"): _merge(api=True),
    ("POST", "/enterprises/{enterprise_id}/merge"): _merge(api=False),
}
