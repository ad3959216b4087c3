"""The matrix's cases for 导入: a persona sees the import page and a template only for a register they may
create or edit in (403 otherwise); an upload by one who may not import is 403 and writes nothing."""

from __future__ import annotations

from collections.abc import Callable

from tests.scope import Ctx


def _may(ctx: Ctx, module: str) -> bool:
    return ctx.allowed(f"{module}:create") or ctx.allowed(f"{module}:edit")


def _page(url: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        r = ctx.client.get(url, follow_redirects=False)
        may = any(_may(ctx, m) for m in ("records", "enterprises", "projects"))
        assert r.status_code == (200 if may else 403), (ctx.persona, url, r.status_code)

    return check


def _template(url: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        r = ctx.client.get(url, follow_redirects=False)
        assert r.status_code == (200 if _may(ctx, "enterprises") else 403), (ctx.persona, url, r.status_code)
        if r.status_code == 200:
            assert r.content.startswith(b"PK")

    return check


def _listed(ctx: Ctx) -> None:
    """Every signed-in persona gets the list of what they may import (perhaps empty)."""
    r = ctx.client.get("/api/v1/imports")
    assert r.status_code == 200, (ctx.persona, r.status_code)
    kinds = {row["kind"] for row in r.json()}
    assert ("enterprises" in kinds) == _may(ctx, "enterprises"), (ctx.persona, kinds)


def _upload(url: str, api: bool) -> Callable[[Ctx], None]:
    """A CSV of one firm in a district: previewed only (nothing is written either way)."""

    def check(ctx: Ctx) -> None:
        body = "企业名称,所在区县/园区\n矩阵测试科技有限公司,泉山区\n".encode()
        files = {"file": ("firms.csv", body, "text/csv")}
        if api:
            r = ctx.client.post(url, files=files)
        else:
            r = ctx.client.post(url, files=files, follow_redirects=False)
        ok = 200 if api else 303
        assert r.status_code == (ok if _may(ctx, "enterprises") else 403), (ctx.persona, r.status_code)

    return check


def _nobodys_job(method: str, url: str) -> Callable[[Ctx], None]:
    """A job is its starter's alone: one that is not theirs (here: none) is 404 to every persona."""

    def check(ctx: Ctx) -> None:
        r = ctx.client.request(method, url, follow_redirects=False)
        assert r.status_code == 404, (ctx.persona, url, r.status_code)

    return check


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("GET", "/imports"): _page("/imports"),
    ("GET", "/api/v1/imports"): _listed,
    ("GET", "/imports/{kind}/template.xlsx"): _template("/imports/enterprises/template.xlsx"),
    ("GET", "/api/v1/imports/{kind}/template"): _template("/api/v1/imports/enterprises/template"),
    ("POST", "/imports/{kind}"): _upload("/imports/enterprises", api=False),
    ("POST", "/api/v1/imports/{kind}"): _upload("/api/v1/imports/enterprises", api=True),
    ("GET", "/imports/jobs/{job_id}"): _nobodys_job("GET", "/imports/jobs/2147483000"),
    ("GET", "/imports/jobs/{job_id}/progress"): _nobodys_job("GET", "/imports/jobs/2147483000/progress"),
    ("POST", "/imports/jobs/{job_id}/commit"): _nobodys_job("POST", "/imports/jobs/2147483000/commit"),
}
