"""Every declared list as JSON (/api/v1/lists/{name}) and as a CSV or XLSX download
(/api/v1/lists/{name}/export): the same filters, sort, page and scope as the list's page, from one spec."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from shanhai.http.deps import ActorDep, CommitRoute, SessionDep
from shanhai.http.errors import ERROR_RESPONSES
from shanhai.http.lists import file_response, list_params
from shanhai.lists import run as lists
from shanhai.lists.records import ALL_SPECS as SPECS
from shanhai.lists.spec import ListSpec, parse

router = APIRouter(route_class=CommitRoute, prefix="/api/v1/lists", responses=ERROR_RESPONSES, tags=["列表"])


class ColumnRead(BaseModel):
    key: str
    label: str
    kind: str
    sortable: bool


class ListRead(BaseModel):
    name: str
    title: str
    columns: list[ColumnRead]
    items: list[dict[str, Any]]
    total: int
    offset: int
    limit: int
    sort: str
    filters: dict[str, str]
    page_url: str


def list_read(page: lists.ListPage) -> ListRead:
    spec, query = page.spec, page.query
    return ListRead(
        name=spec.name,
        title=spec.title,
        columns=[
            ColumnRead(key=c.key, label=c.label, kind=c.kind, sortable=c.sort is not None)
            for c in spec.columns
        ],
        items=page.records(),
        total=page.total,
        offset=query.offset,
        limit=query.limit,
        sort=query.sort,
        filters={k: v for k, v in query.raw.items() if v},
        page_url=spec.page_url,
    )


FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}} for media in lists.MEDIA_TYPES.values()
        }
    }
}


def _register(spec: ListSpec) -> None:
    params = Depends(list_params(spec))

    def get_list(session: SessionDep, actor: ActorDep, raw: dict[str, str] = params) -> ListRead:
        query = parse(spec, raw, session=session, actor=actor)
        return list_read(lists.run(spec, query, session=session, actor=actor))

    def export_list(
        session: SessionDep,
        actor: ActorDep,
        raw: dict[str, str] = params,
        format: Annotated[Literal["csv", "xlsx"], Query(description="csv 或 xlsx")] = "xlsx",
    ) -> Any:
        query = parse(spec, raw, session=session, actor=actor)
        done = lists.export(spec, query, lists.Format(format), session=session, actor=actor)
        return file_response(done.path, done.filename, done.media_type)

    router.add_api_route(
        f"/{spec.name}",
        get_list,
        methods=["GET"],
        response_model=ListRead,
        summary=f"{spec.title}列表（筛选、排序、分页）",
        operation_id=f"list_{spec.name}",
    )
    router.add_api_route(
        f"/{spec.name}/export",
        export_list,
        methods=["GET"],
        summary=f"导出{spec.title}（CSV / XLSX，导出当前筛选的全部行）",
        operation_id=f"export_{spec.name}",
        responses=FILE_RESPONSES,
    )


for _spec in SPECS.values():
    _register(_spec)
