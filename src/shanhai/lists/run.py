"""Run a list spec: one page of rows with the total, or every row of the same request exported to CSV or
XLSX (streamed: rows are read in batches and written to a temporary file, so memory stays bounded)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import xlsxwriter
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor, visible
from shanhai.errors import Invalid
from shanhai.lib.beijing import BEIJING
from shanhai.lib.cnnum import normalize
from shanhai.lib.csvout import FORMULA_START, to_csv
from shanhai.lists.spec import Column, Kind, ListSpec, Query, display

BATCH = 1_000  # rows fetched at a time for an export


def filtered_rows(spec: ListSpec, query: Query, actor: Actor) -> tuple[Select[Any], list[Any]]:
    """The spec's rows for this actor and request, unsorted (what the total counts): scope, then each filter
    with the joins it needs. Returns the select and the relationships joined."""
    actor.require(spec.permission)
    stmt = spec.base(actor)
    if spec.scope is not None:
        unit_column, creator_column = spec.scope
        stmt = stmt.where(visible(actor, unit_column, creator_column))
    used = [f for f in spec.filters if f.key in query.values]
    joined: list[Any] = []
    stmt = _join(stmt, joined, [j for f in used for j in f.joins])
    for flt in used:
        stmt = flt.apply(stmt, query.values[flt.key])
    return stmt, joined


def _join(stmt: Select[Any], joined: list[Any], relations: list[Any]) -> Select[Any]:
    for relation in relations:
        if not any(relation is seen for seen in joined):  # a join only when a filter or the sort needs it
            joined.append(relation)
            stmt = stmt.join(relation)
    return stmt


def select_rows(spec: ListSpec, query: Query, actor: Actor) -> Select[Any]:
    """The rows in the requested order (the sort's joins added, the tiebreak last): what a page shows."""
    stmt, joined = filtered_rows(spec, query, actor)
    column = spec.column(query.sort.removeprefix("-"))
    assert column is not None and column.sort is not None  # parse() checked it
    stmt = _join(stmt, joined, list(column.joins))
    order = column.sort.desc() if query.sort.startswith("-") else column.sort.asc()
    if _nullable(
        column.sort
    ):  # empty cells last; a NOT NULL column keeps its plain order (an index serves it)
        order = order.nulls_last()
    tiebreak = spec.tiebreak.desc() if query.sort.startswith("-") else spec.tiebreak.asc()
    return stmt.order_by(order, tiebreak)


def count(spec: ListSpec, query: Query, *, session: Session, actor: Actor) -> int:
    stmt, _ = filtered_rows(spec, query, actor)
    return int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def _nullable(expression: Any) -> bool:
    try:
        return bool(expression.expression.nullable)
    except AttributeError:
        return True


@dataclass
class ListPage:
    spec: ListSpec
    query: Query
    items: list[Any]
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.limit))

    @property
    def page(self) -> int:
        return self.query.offset // self.query.limit + 1

    def cells(self, row: Any) -> list[tuple[Column, str, str | None]]:
        """(column, display text, link) for each column of a row: what the HTML table shows."""
        return [(c, display(c, row), c.link(row) if c.link else None) for c in self.spec.columns]

    def records(self) -> list[dict[str, Any]]:
        """The rows as JSON: each column's key → its value (numbers as numbers, moments in ISO form)."""
        return [{c.key: _json(c.get(row)) for c in self.spec.columns} for row in self.items]


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def run(spec: ListSpec, query: Query, *, session: Session, actor: Actor) -> ListPage:
    stmt = select_rows(spec, query, actor)
    total = count(spec, query, session=session, actor=actor)
    items = list(session.scalars(stmt.offset(query.offset).limit(query.limit)).unique())
    return ListPage(spec=spec, query=query, items=items, total=total)


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


MEDIA_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class Export:
    path: str  # a temporary file: the caller sends it and removes it
    filename: str
    media_type: str
    rows: int


def _stream(session: Session, stmt: Select[Any]) -> Iterator[Any]:
    yield from session.execute(stmt.execution_options(yield_per=BATCH)).scalars()


def _export_value(column: Column, row: Any) -> Any:
    value = column.get(row)
    if value is None:
        return None
    if column.kind is Kind.DATETIME and isinstance(value, datetime):
        return value.astimezone(BEIJING).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, Decimal):
        return normalize(value)  # 112, not 112.0000
    if column.kind in (Kind.INT, Kind.NUMBER, Kind.MONEY) and isinstance(value, int | float):
        return value
    if column.show is not None and column.kind is Kind.TEXT:
        return column.show(row)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value if isinstance(value, date) else str(value)


def export(
    spec: ListSpec, query: Query, fmt: Format, *, session: Session, actor: Actor, filename: str = ""
) -> Export:
    """Every row of this request (all pages), as shown, to CSV or XLSX: needs the export permission, and
    is audited as 导出 with the filters used."""
    actor.require(spec.export_permission)
    stmt = select_rows(spec, query, actor)
    total = count(spec, query, session=session, actor=actor)
    if total > spec.max_export:
        raise Invalid(f"一次最多导出 {spec.max_export:,} 行（本次 {total:,} 行），请先筛选", field="format")
    fd, path = tempfile.mkstemp(prefix="shanhai-export-", suffix=f".{fmt.value}")
    os.close(fd)
    try:
        writer = _write_xlsx if fmt is Format.XLSX else _write_csv
        rows = writer(spec, session, stmt, path)
    except BaseException:
        os.unlink(path)
        raise
    used = {k: v for k, v in query.raw.items() if v}
    record(
        session=session,
        actor=actor,
        module=spec.module,
        action=Action.EXPORT,
        object_type=spec.name,
        summary=f"导出{spec.title} {rows} 行（{fmt.value.upper()}）",
        after={"rows": rows, "format": fmt.value, "filters": used, "sort": query.sort},
    )
    stamp = datetime.now(BEIJING).strftime("%Y%m%d-%H%M")
    return Export(path, filename or f"{spec.title}-{stamp}.{fmt.value}", MEDIA_TYPES[fmt], rows)


def _write_csv(spec: ListSpec, session: Session, stmt: Select[Any], path: str) -> int:
    rows = 0
    header = [c.label + ("（元）" if c.kind is Kind.MONEY else "") for c in spec.columns]
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(to_csv(header, []))
        for row in _stream(session, stmt):
            cells = []
            for column in spec.columns:
                value = _export_value(column, row)
                if isinstance(value, datetime):
                    value = value.strftime("%Y-%m-%d %H:%M:%S")
                cells.append(value)
            out.write(to_csv([], [cells]).removeprefix("\ufeff").removeprefix("\r\n"))
            rows += 1
    return rows


def _write_xlsx(spec: ListSpec, session: Session, stmt: Select[Any], path: str) -> int:
    """A sheet as officials expect it: a bold frozen header with filters, column widths, numbers as numbers
    (amounts in 元 shown in 万元), dates as dates. Text is always written as text, and text that looks like a
    formula (= + - @) also carries Excel's quote prefix, so that no cell ever becomes a formula."""
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tempfile.gettempdir()})
    try:
        sheet = book.add_worksheet(spec.title[:31])
        header = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
        quoted = book.add_format({"quote_prefix": True})
        formats = {
            Kind.INT: book.add_format({"num_format": "0"}),
            Kind.NUMBER: book.add_format({"num_format": "General"}),
            Kind.MONEY: book.add_format({"num_format": '0!.0,"万元"'}),  # the value stays in 元
            Kind.DATE: book.add_format({"num_format": "yyyy-mm-dd"}),
            Kind.DATETIME: book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        }
        for index, column in enumerate(spec.columns):
            sheet.set_column(index, index, column.width)
            sheet.write_string(0, index, column.label, header)
        sheet.freeze_panes(1, 0)
        rows = 0
        for row in _stream(session, stmt):
            rows += 1
            for index, column in enumerate(spec.columns):
                value = _export_value(column, row)
                if value is None:
                    continue
                if isinstance(value, datetime):
                    sheet.write_datetime(rows, index, value, formats[Kind.DATETIME])
                elif isinstance(value, date):
                    sheet.write_datetime(rows, index, value, formats[Kind.DATE])
                elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                    sheet.write_number(
                        rows, index, float(value), formats.get(column.kind, formats[Kind.NUMBER])
                    )
                else:
                    text = str(value)
                    sheet.write_string(rows, index, text, quoted if text.startswith(FORMULA_START) else None)
        sheet.autofilter(0, 0, max(rows, 1), len(spec.columns) - 1)
    finally:
        book.close()
    return rows
