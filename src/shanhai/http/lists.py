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
from fastapi.responses import FileResponse, Response
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


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_headers(filename: str) -> dict[str, str]:
    """A download's headers: a Chinese file name (RFC 5987) with an ASCII fallback."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return {
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    }


def file_response(path: str, filename: str, media_type: str) -> FileResponse:
    """Send a temporary file as a download and remove it afterwards."""
    return FileResponse(
        path,
        media_type=media_type,
        headers=download_headers(filename),
        background=BackgroundTask(os.unlink, path),
    )


def xlsx_response(data: bytes, filename: str) -> Response:
    """A workbook made in memory (an import template) as a download."""
    return Response(data, media_type=XLSX, headers=download_headers(filename))
