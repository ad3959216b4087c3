"""One declared list spec per list: its filters (the search bar above the table and the API's query
parameters), sortable columns, paging and total, the data scope, and export of exactly what is shown.

A spec says what a list is; `run` and `export` (lists.run, lists.export) do the rest the same way for every
list, so that a page, its JSON twin and its export cannot disagree about which rows a user may see."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, or_
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor
from shanhai.errors import Invalid
from shanhai.lib.beijing import beijing, day_start
from shanhai.lib.cnnum import format_money, normalize

PAGE_SIZES = (20, 50, 100, 200)
DEFAULT_PAGE_SIZE = 20
MAX_TEXT = 100  # characters of a text filter


class Kind(StrEnum):
    """How a cell is shown, sorted and exported."""

    TEXT = "text"
    INT = "int"
    NUMBER = "number"
    MONEY = "money"  # 元: shown as 1.18亿元, exported as a number formatted in 万元
    DATE = "date"
    DATETIME = "datetime"  # stored in UTC, shown and exported in Beijing time


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    get: Callable[[Any], Any]  # the cell's value from the row object
    sort: Any = None  # the SQL expression to sort by; None: not sortable
    kind: Kind = Kind.TEXT
    width: int = 14  # characters, for the exported sheet
    show: Callable[[Any], str] | None = None  # the display text, when it is not the plain value (数值+单位)
    link: Callable[[Any], str | None] | None = None  # the page the cell links to
    joins: tuple[Any, ...] = ()  # relationships the sort needs joined (only when sorting by this column)


class FilterKind(StrEnum):
    TEXT = "text"  # contains, case-insensitive
    CHOICE = "choice"  # one of the choices
    INT = "int"
    DATE = "date"  # YYYY-MM-DD
    YEAR = "year"


@dataclass(frozen=True)
class Filter:
    key: str
    label: str
    apply: Callable[[Select[Any], Any], Select[Any]]  # the parsed value narrows the select
    kind: FilterKind = FilterKind.TEXT
    # (value, label) pairs for a choice; a function of the session and actor (units, programmes, roles …)
    choices: Callable[[Session, Actor], Sequence[tuple[str, str]]] | Sequence[tuple[str, str]] = ()
    placeholder: str = ""
    joins: tuple[Any, ...] = ()  # relationships the filter needs joined (only when it is used)

    def options(self, session: Session, actor: Actor) -> list[tuple[str, str]]:
        found = self.choices(session, actor) if callable(self.choices) else self.choices
        return [(str(value), label) for value, label in found]


@dataclass(frozen=True)
class ListSpec:
    name: str  # the list's id: /api/v1/lists/{name}
    title: str  # 操作日志
    module: str  # the audit log's module for an export
    permission: str  # to see the list
    export_permission: str  # to export it
    base: Callable[[Actor], Select[Any]]  # the rows of the list, before scope, filters, sort and page
    columns: tuple[Column, ...]
    default_sort: str  # a column key, "-" first for descending
    tiebreak: Any  # a unique column: pages never repeat or skip a row
    filters: tuple[Filter, ...] = ()
    # the data scope: the row's org unit column and creator column (or None) — see lists.scopes
    scope: tuple[Any, Any] | None = None
    page_url: str = ""  # the HTML page of the list
    max_export: int = 200_000

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


@dataclass
class Query:
    """A list request, parsed: filter values (typed), sort, page."""

    values: dict[str, Any] = field(default_factory=dict)  # filter key → parsed value
    raw: dict[str, str] = field(default_factory=dict)  # filter key → what was typed (kept in the form)
    sort: str = ""
    offset: int = 0
    limit: int = DEFAULT_PAGE_SIZE

    def params(self, **override: Any) -> dict[str, str]:
        """The query string of this request (for links: sort, pages, export), with some keys changed."""
        out = {k: v for k, v in self.raw.items() if v != ""}
        out |= {"sort": self.sort, "offset": str(self.offset), "limit": str(self.limit)}
        out |= {k: str(v) for k, v in override.items()}
        return {k: v for k, v in out.items() if v not in ("", None)}


def _parse_value(flt: Filter, text: str, session: Session, actor: Actor) -> Any:
    if flt.kind is FilterKind.TEXT:
        if len(text) > MAX_TEXT:
            raise Invalid(f"“{flt.label}”最多 {MAX_TEXT} 个字符", field=flt.key)
        return text
    if flt.kind is FilterKind.CHOICE:
        if text not in {value for value, _ in flt.options(session, actor)}:
            raise Invalid(f"“{flt.label}”没有选项“{text[:40]}”", field=flt.key)
        return text
    if flt.kind in (FilterKind.INT, FilterKind.YEAR):
        low, high = (1900, 2199) if flt.kind is FilterKind.YEAR else (0, 2**31 - 1)
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            what = f"{low}–{high} 之间的年份" if flt.kind is FilterKind.YEAR else "整数"
            raise Invalid(f"“{flt.label}”应为{what}：{text[:40]}", field=flt.key)
        return int(text)
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise Invalid(f"“{flt.label}”应为日期（如 2025-06-30）：{text[:40]}", field=flt.key) from exc
    if not 1900 <= day.year <= 2199:
        raise Invalid(f"“{flt.label}”应在 1900–2199 年之间：{text[:40]}", field=flt.key)
    return day


def parse(spec: ListSpec, params: Mapping[str, str], *, session: Session, actor: Actor) -> Query:
    """Read filters, sort and page from query parameters; a bad one is Invalid naming its field (what was
    typed is kept in `raw`, so that a form can show it again)."""
    query = Query()
    for flt in spec.filters:
        text = (params.get(flt.key) or "").strip()
        query.raw[flt.key] = text[: MAX_TEXT * 2]
    for flt in spec.filters:
        text = query.raw[flt.key]
        if text:
            query.values[flt.key] = _parse_value(flt, text, session, actor)
    sort = (params.get("sort") or spec.default_sort).strip()
    column = spec.column(sort.removeprefix("-"))
    if column is None or column.sort is None:
        raise Invalid(f"不能按“{sort[:40]}”排序", field="sort")
    query.sort = sort
    for key, label, low, high in (("offset", "起始行", 0, 10**9), ("limit", "每页行数", 1, max(PAGE_SIZES))):
        text = (params.get(key) or "").strip()
        if text:
            if not (text.isascii() and text.isdigit()):
                raise Invalid(f"{label}（{key}）应为整数：{text[:20]}", field=key)
            if not low <= int(text) <= high:
                raise Invalid(f"{label}（{key}）应在 {low}–{high} 之间", field=key)
            setattr(query, key, int(text))
    return query


def display(column: Column, row: Any) -> str:
    """A cell as the page shows it."""
    if column.show is not None:
        return column.show(row)
    value = column.get(row)
    if value is None:
        return ""
    if column.kind is Kind.DATETIME and isinstance(value, datetime):
        return beijing(value, "%Y-%m-%d %H:%M:%S")
    if column.kind is Kind.MONEY:
        return format_money(Decimal(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return str(normalize(value))
    return str(value)


def contains(column: Any) -> Callable[[Select[Any], Any], Select[Any]]:
    """A text filter: the column contains the typed text (LIKE with the wildcards escaped)."""
    return lambda query, text: query.where(column.contains(text, autoescape=True))


def search(
    key: str, label: str, columns: tuple[Any, ...], placeholder: str = "", joins: tuple[Any, ...] = ()
) -> Filter:
    """A search box: rows where any of the columns contains the typed text (wildcards escaped); Latin letters
    in either case (a credit code is kept in capitals, pinyin initials in small letters)."""

    def apply(query: Select[Any], text: str) -> Select[Any]:
        typed = dict.fromkeys((text, text.lower(), text.upper()) if text.isascii() else (text,))
        return query.where(
            or_(*(column.contains(variant, autoescape=True) for column in columns for variant in typed))
        )

    return Filter(key, label, apply, placeholder=placeholder, joins=joins)


def equals(column: Any) -> Callable[[Select[Any], Any], Select[Any]]:
    """The column equals the chosen value (a choice's value is text: an id column gets it as an integer)."""
    try:
        as_int = column.type.python_type is int
    except NotImplementedError:
        as_int = False
    return lambda query, value: query.where(column == (int(value) if as_int else value))


def between_dates(
    column: Any, *, upper: bool, moments: bool = True
) -> Callable[[Select[Any], Any], Select[Any]]:
    """A date bound: from that day, or until the end of that day. On a column of moments (stored in UTC) the
    days are Beijing days, as the page shows them."""

    def start(day: date) -> Any:
        return day_start(day) if moments else day

    def apply(query: Select[Any], day: date) -> Select[Any]:
        if upper:
            return query.where(column < start(day + timedelta(days=1)))
        return query.where(column >= start(day))

    return apply
