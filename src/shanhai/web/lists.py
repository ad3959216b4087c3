"""A list page of the kit: the spec's search bar, table and pager, from the same data function as its JSON
twin (/api/v1/lists/{name}). A bad filter is shown beside its field, with what was typed kept."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor
from shanhai.errors import Invalid
from shanhai.lists import run as lists
from shanhai.lists.spec import PAGE_SIZES, ListSpec, Query, parse
from shanhai.web.render import TEMPLATES, render

TEMPLATES.env.globals.update(urlencode=urlencode, PAGE_SIZES=PAGE_SIZES)


def load_page(
    spec: ListSpec, request: Request, session: Session, actor: Actor, fixed: dict[str, str] | None = None
) -> tuple[lists.ListPage, Invalid | None]:
    """The page of the list this request asks for (`fixed`: filters the page always applies, such as
    类别 = 目标 on the targets page); a bad parameter gives an empty page and the error."""
    params = dict(request.query_params) | (fixed or {})
    actor.require(spec.permission)
    try:
        query = parse(spec, params, session=session, actor=actor)
    except Invalid as error:
        typed = Query(
            raw={f.key: (params.get(f.key) or "").strip()[:200] for f in spec.filters}, sort=spec.default_sort
        )
        return lists.ListPage(spec=spec, query=typed, items=[], total=0), error
    return lists.run(spec, query, session=session, actor=actor), None


def render_list(
    request: Request,
    session: Session,
    actor: Actor,
    spec: ListSpec,
    *,
    actions: list[tuple[str, str]] | None = None,
    template: str = "lists/page.html",
    loaded: tuple[lists.ListPage, Invalid | None] | None = None,
    fixed: dict[str, str] | None = None,
    base_url: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """The list page: `loaded` is the page if the route has loaded it already (to add to its rows)."""
    page, error = loaded or load_page(spec, request, session, actor, fixed)
    filters = [(f, f.options(session, actor)) for f in spec.filters]
    json_url = f"/api/v1/lists/{spec.name}"
    if request.url.query:
        json_url += f"?{request.url.query}"
    return render(
        request,
        template,
        status_code=422 if error else 200,
        page=page,
        filters=filters,
        error=error,
        base_url=base_url or spec.page_url,
        actions=actions or [],
        json_url=json_url,
        **context,
    )
