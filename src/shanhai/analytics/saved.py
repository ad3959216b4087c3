"""Saved analytics views: a named dx/ou/pe query and chart type, private to its owner, optionally pinned
to the owner's dashboard. The query is run afresh (and scoped) every time the view is shown."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlencode

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.analytics.engine import Result, analytics
from shanhai.analytics.models import SavedView
from shanhai.analytics.request import parse_request
from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor
from shanhai.errors import Invalid, NotFound, ShanhaiError
from shanhai.indicators.models import DataElement, Indicator
from shanhai.lib.cnnum import format_quantity

CHARTS = ("bar", "line", "pie")
QUERY_MAX = 1000  # saved_views.query


def split_query(query: str) -> tuple[str, str, str]:
    params = parse_qs(query)
    dx, ou, pe = (params.get(k, [""])[0] for k in ("dx", "ou", "pe"))
    return dx, ou, pe


def create_view(
    *, session: Session, actor: Actor, name: str, dx: str, ou: str, pe: str, chart: str, pinned: bool
) -> SavedView:
    actor.require("indicators:view")
    if not name.strip():
        raise Invalid("请填写视图名称", field="name")
    if chart not in CHARTS:
        raise Invalid(f"图表类型应为 {'、'.join(CHARTS)}", field="chart")
    parse_request(session=session, dx=dx, ou=ou, pe=pe)  # a broken query is refused now, not on the dashboard
    query = urlencode({"dx": dx, "ou": ou, "pe": pe})
    if len(query) > QUERY_MAX:
        raise Invalid(
            f"视图的查询过长（编码后 {len(query)} 字符，最多 {QUERY_MAX}），请减少指标、单位或期间",
            field="pe",
        )
    view = SavedView(
        name=name.strip()[:128],
        query=query,
        chart=chart,
        pinned=pinned,
        owner_id=actor.user_id,
    )
    session.add(view)
    session.flush()
    record(
        session=session,
        actor=actor,
        module="数据分析",
        action=Action.CREATE,
        object_type="saved_view",
        object_id=view.id,
        summary=f"保存分析视图“{view.name}”" + ("并固定到首页" if pinned else ""),
    )
    return view


def list_views(*, session: Session, actor: Actor, pinned_only: bool = False) -> list[SavedView]:
    query = select(SavedView).where(SavedView.owner_id == actor.user_id).order_by(SavedView.id)
    if pinned_only:
        query = query.where(SavedView.pinned.is_(True))
    return list(session.scalars(query))


def delete_view(*, session: Session, actor: Actor, view_id: int) -> None:
    view = session.get(SavedView, view_id)
    if view is None or view.owner_id != actor.user_id:
        raise NotFound(f"视图不存在：{view_id}", field="view_id")
    session.delete(view)
    record(
        session=session,
        actor=actor,
        module="数据分析",
        action=Action.DELETE,
        object_type="saved_view",
        object_id=view_id,
        summary=f"删除分析视图“{view.name}”",
    )


def run_view(*, session: Session, actor: Actor, view: SavedView) -> Result:
    dx, ou, pe = split_query(view.query)
    return analytics(session=session, actor=actor, dx=dx, ou=ou, pe=pe)


class PivotRow(BaseModel):
    dx: str
    ou: str
    values: list[Decimal | None]
    shown: list[str]  # the figures written the Chinese way
    key: str


class Pivot(BaseModel):
    """A result as a table: rows dx × ou, columns pe (the pivot page and the dashboard's pinned panels)."""

    columns: list[str]
    rows: list[PivotRow]


class Panel(BaseModel):
    """A pinned view on the dashboard, run afresh in the actor's scope; `error` says why it cannot be shown
    (an element deleted since it was saved) instead of failing the page."""

    id: int
    name: str
    chart: str
    query: str
    pivot: Pivot | None
    error: str | None = None


def element_units(session: Session) -> dict[str, str]:
    units = {e.code: e.unit for e in session.scalars(select(DataElement))}
    units |= {i.code: i.unit for i in session.scalars(select(Indicator))}
    return units | {f"{code}.target": unit for code, unit in list(units.items())}


def pivot(result: Result, units: dict[str, str]) -> Pivot:
    cells = {(dx, ou, pe): value for dx, ou, pe, value in result.rows}
    rows = []
    for dx in result.dimensions["dx"]:
        for ou in result.dimensions["ou"]:
            values = [cells.get((dx, ou, pe)) for pe in result.dimensions["pe"]]
            shown = [
                format_quantity(Decimal(v), units.get(dx, ""), result.qualifier(dx, ou, pe))
                if v is not None
                else ""
                for v, pe in zip(values, result.dimensions["pe"], strict=True)
            ]
            numbers = [Decimal(v) if v is not None else None for v in values]
            rows.append(
                PivotRow(
                    dx=result.names[dx], ou=result.names[ou], values=numbers, shown=shown, key=f"{dx}|{ou}"
                )
            )
    return Pivot(columns=[result.names[p] for p in result.dimensions["pe"]], rows=rows)


def pinned_panels(*, session: Session, actor: Actor) -> list[Panel]:
    """The actor's pinned views, each run afresh within the actor's scope (for the dashboard)."""
    if not actor.can("indicators:view"):
        return []
    units = element_units(session)
    panels = []
    for view in list_views(session=session, actor=actor, pinned_only=True):
        found = Panel(id=view.id, name=view.name, chart=view.chart, query=view.query, pivot=None)
        try:
            found.pivot = pivot(run_view(session=session, actor=actor, view=view), units)
        except ShanhaiError as exc:
            found.error = exc.message
        except RecursionError:  # an indicator saved before formulas were limited in size
            found.error = "该视图的指标公式过于复杂，无法计算"
        panels.append(found)
    return panels
