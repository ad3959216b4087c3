"""A list spec's request parameters as a FastAPI dependency (so that OpenAPI lists every filter with its
label), and an export as a download that removes its temporary file once sent."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Query as Q
from fastapi import Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from shanhai.lists.spec import PAGE_SIZES, FilterKind, ListSpec

FILTER_TYPES = {
    FilterKind.TEXT: "文字，包含即可",
    FilterKind.CHOICE: "选项值",
    FilterKind.INT: "整数",
    FilterKind.DATE: "日期 YYYY-MM-DD",
    FilterKind.YEAR: "年份",
}


def list_params(spec: ListSpec) -> Callable[..., dict[str, str]]:
    """A dependency that returns the list's raw query parameters (filters, sort, offset, limit); its
    signature declares each of them, so the API's documentation shows the same search bar as the page."""

    def dependency(request: Request, **_: Any) -> dict[str, str]:
        return {k: v for k, v in request.query_params.items()}

    sortable = "、".join(f"{c.key}（{c.label}）" for c in spec.columns if c.sort is not None)
    parameters = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
    for flt in spec.filters:
        description = f"{flt.label}（{FILTER_TYPES[flt.kind]}）"
        parameters.append(
            inspect.Parameter(
                flt.key,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[str | None, Q(max_length=200, description=description)],
            )
        )
    for name, description in (
        ("sort", f"排序列，前加 - 为降序；可选 {sortable}；默认 {spec.default_sort}"),
        ("offset", "从第几行起（0 起）"),
        ("limit", f"每页行数（1–{max(PAGE_SIZES)}）"),
    ):
        parameters.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[str | None, Q(max_length=200, description=description)],
            )
        )
    dependency.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    dependency.__name__ = f"{spec.name}_params"
    return dependency


def file_response(path: str, filename: str, media_type: str) -> FileResponse:
    """Send a temporary file as a download (a Chinese file name, RFC 5987) and remove it afterwards."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return FileResponse(
        path,
        media_type=media_type,
        headers={"Content-Disposition": disposition},
        background=BackgroundTask(os.unlink, path),
    )
