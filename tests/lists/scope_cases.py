"""The matrix's cases for the lists of the kit, generated from the specs: each list and its export hold
exactly the rows of the persona's scope, and its page answers its permission's holders only."""

from __future__ import annotations

import csv
from collections.abc import Callable

from sqlalchemy import select

from shanhai.lists.records import ALL_SPECS as SPECS
from shanhai.orgunits.models import OrgUnit
from shanhai.projects.models import Project
from shanhai.registers import catalogue
from shanhai.registers import kit as registers
from tests.scope import Ctx, visible_units, visible_values


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
            model = registers.get_type(name.removeprefix("records_")).model
            rows = ctx.session.scalars(select(model)).all()
            assert total == len([r for r in rows if units is None or r.org_unit_id in units]), ctx.persona

    return check


def list_page(name: str) -> Callable[[Ctx], None]:
    spec = SPECS[name]

    def check(ctx: Ctx) -> None:
        r = ctx.client.get(spec.page_url)
        assert r.status_code == (200 if ctx.allowed(spec.permission) else 403), (ctx.persona, spec.page_url)

    return check


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    **{("GET", f"/api/v1/lists/{n}"): list_case(n, export=False) for n in SPECS},
    **{("GET", f"/api/v1/lists/{n}/export"): list_case(n, export=True) for n in SPECS},
    **{
        ("GET", SPECS[n].page_url): list_page(n)
        for n in ("projects", "submissions", "orgunits", "elements", "indicators", "datasets", "documents")
    },
    ("GET", "/records/{kind}"): lambda ctx: [
        list_page(f"records_{k}")(ctx) for k in catalogue.types() if k != "projects"
    ],
}
