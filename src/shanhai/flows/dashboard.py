"""The dashboard and programme pages: one call each, shared by the web page and its JSON twin."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shanhai.analytics.engine import figures
from shanhai.analytics.saved import Panel, pinned_panels
from shanhai.analytics.statements import scope_key
from shanhai.audit.models import AuditLog
from shanhai.auth.scope import Actor, visible
from shanhai.documents.service import TextCache
from shanhai.enterprises import registers as firms
from shanhai.flows import pipelines
from shanhai.flows.projects import ProjectRead, project_read
from shanhai.indicators import service as indicators
from shanhai.indicators.models import DataElement, DataValue, Period, ValueKind
from shanhai.indicators.present import total_read, value_read
from shanhai.indicators.schemas import TotalRead, ValueRead
from shanhai.lib.beijing import today
from shanhai.lib.cnnum import (
    combine_qualifiers,
    normalize,
)
from shanhai.lists.catalogue import VALUES
from shanhai.lists.run import run as run_list
from shanhai.lists.spec import parse
from shanhai.operations import funds
from shanhai.operations.funds import MonthPoint, PlanStatus
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes import service as programmes
from shanhai.programmes.models import PAIRING_KINDS, Programme
from shanhai.programmes.schemas import ProgrammeRead
from shanhai.projects.service import list_projects

FUNDS = "FUNDS"
# Key counts on the dashboard: label → the additive elements that make it up.
KEY_COUNTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("资金到位", "元", (FUNDS,)),
    ("选派干部人才", "人", ("TALENT_DISPATCHED", "DOCTORS_DISPATCHED", "MED_EXPERTS", "TEACHERS_DISPATCHED")),
    ("援建项目", "个", ("AID_PROJECTS",)),
    ("消费帮扶销售额", "元", ("CONSUMPTION_SALES",)),
    ("帮助就业", "人", ("LABOUR_EMPLOYMENT", "JOBS_CREATED")),
    ("建成援建项目", "个", ("PROJECTS_COMPLETED",)),
)
CARD_ELEMENTS = (FUNDS, "CONSUMPTION_SALES", "LABOUR_EMPLOYMENT", "JOBS_CREATED")


class KeyCount(BaseModel):
    label: str
    elements: list[str]
    total: TotalRead | None


class ProgrammeCard(BaseModel):
    programme: ProgrammeRead
    funds_planned: TotalRead | None
    funds_delivered: TotalRead | None
    completion_rate: Decimal | None  # delivered / planned, in percent
    on_time_in_full: bool | None
    funds_verdict: str | None = None  # operations.funds: the one wording of 按时足额 for the year's plans
    funds_verdict_ok: bool | None = None
    consumption_sales: TotalRead | None
    jobs: TotalRead | None


class FundsChart(BaseModel):
    """Funds by programme in 万元, ready for an ECharts bar chart."""

    categories: list[str]
    planned: list[Decimal | None]
    delivered: list[Decimal | None]


class Reminder(BaseModel):
    kind: str  # 资质到期 / 线索停滞
    text: str
    url: str
    days: int


def reminders(*, session: Session, actor: Actor) -> list[Reminder]:
    """The actor's to-dos, built for each request (they are the actor's own, like the pinned views): the
    qualifications of firms in its scope that end within 90 days, its stalled investment leads, and the
    tasks of its departments that are overdue or due within 14 days."""
    out = [
        Reminder(
            kind="资质到期",
            text=f"{q.enterprise.name if q.enterprise else q.org_unit.name}的{q.kind}资质"
            f"{'（' + q.certificate_no + '）' if q.certificate_no else ''}将于 {q.expires_on} 到期",
            url=f"/records/qualifications/{q.id}",
            days=firms.days_left(q),
        )
        for q in firms.expiring(session=session, actor=actor)[:20]
    ]
    out += [
        Reminder(
            kind="线索停滞",
            text=f"招商项目“{lead.name}”（{lead.zone}）停留在{lead.stage}阶段已 {lead.days} 天",
            url=f"/projects/{lead.id}",
            days=lead.days,
        )
        for lead in pipelines.stalled_leads(session=session, actor=actor, limit=20)
    ]
    out += [
        Reminder(
            kind="任务逾期" if task.days < 0 else "任务临期",
            text=f"{task.unit}：{task.title}（{task.status}，时限 {task.deadline}）",
            url=f"/records/tasks/{task.id}",
            days=task.days,
        )
        for task in pipelines.tasks_due(session=session, actor=actor, limit=20)
    ]
    return out


class Dashboard(BaseModel):
    year: int | None
    years: list[int]  # the years with data in the actor's scope (years_with_data), newest first
    has_data: bool  # whether the shown year is one of them: an empty year says so in words
    cards: list[ProgrammeCard]
    key_counts: list[KeyCount]
    funds_chart: FundsChart
    values: list[ValueRead]  # the first page of the year's values (the list /values?year= pages through all)
    values_total: int = 0
    values_url: str = ""
    panels: list[Panel] = []  # the actor's pinned analytics views
    reminders: list[
        Reminder
    ] = []  # what needs doing in the actor's scope: certificates ending, stalled leads


class ProgrammeDetail(BaseModel):
    programme: ProgrammeRead
    card: ProgrammeCard | None
    values: list[ValueRead]
    projects: list[ProjectRead]
    plans: list[PlanStatus] = []  # the fund plans with their tranches, newest year first
    plan_year: int | None = None
    plan_months: list[MonthPoint] = []  # the plan year's tranches due and payments, summed over its plans


Figures = dict[str, tuple[Decimal, str]]  # dx → (value, qualifier)


def _figures(
    session: Session, actor: Actor, codes: Iterable[str], year: int, programme: str | None = None
) -> Figures:
    """The year's roll-up of each dx over the whole tree (within the actor's scope), from the analytics
    engine: the same number the pivot page and /api/v1/analytics give. Codes of elements this database does
    not have are left out."""
    known = set(session.scalars(select(DataElement.code)))
    dx = [code for code in dict.fromkeys(codes) if code.partition(".")[0] in known]
    roots = list(
        session.scalars(select(OrgUnit.code).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id))
    )
    if not dx or not roots:
        return {}
    result = figures(
        session=session, actor=actor, dx=";".join(dx), ou=";".join(roots), pe=str(year), programme=programme
    )
    parts: dict[str, list[tuple[Decimal, str]]] = defaultdict(list)
    for code, ou, pe, value in result.rows:
        parts[code].append((Decimal(value), result.qualifier(code, ou, pe)))
    return {code: _sum(found) for code, found in parts.items()}


def _sum(parts: list[tuple[Decimal, str]]) -> tuple[Decimal, str]:
    return (
        normalize(sum((value for value, _ in parts), Decimal(0))),
        combine_qualifiers(q for _, q in parts).value,
    )


def _total(found: Figures, codes: Iterable[str], unit: str) -> TotalRead | None:
    parts = [found[code] for code in codes if code in found]
    if not parts:
        return None
    value, qualifier = _sum(parts)
    return total_read(value, qualifier, unit)


def years_with_data(session: Session, actor: Actor) -> list[int]:
    """The years in which the actor may see an actual value (entered, reported or derived from records) of
    a year, a quarter or a month — newest first. Targets alone do not make a year (a plan for next year is
    no data yet), nor do spans of years (2021—2025), which belong to no one year — unless spans are all the
    actor sees: then the years they end in, so that the page opens on them rather than saying there is no
    data at all (泉山's figures of 2024—2025)."""

    def ends(*types: str) -> set[int]:
        found = session.scalars(
            select(Period.end_date)
            .join(DataValue, DataValue.period_id == Period.id)
            .where(
                Period.type.in_(types) if types else Period.type.is_not(None),
                DataValue.kind == ValueKind.ACTUAL.value,
                visible(actor, DataValue.org_unit_id, DataValue.created_by_id),
            )
            .distinct()
        )
        return {d.year for d in found}

    return sorted(ends("yearly", "sixmonthly", "quarterly", "monthly") or ends(), reverse=True)


def default_year(years: list[int]) -> int | None:
    """The year a page opens on: the current year when it has data, otherwise the latest that has."""
    current = today().year
    return current if current in years else (years[0] if years else None)


CARD_DX = (FUNDS, f"{FUNDS}.target", *CARD_ELEMENTS[1:])


def _card(session: Session, actor: Actor, programme: Programme, year: int) -> ProgrammeCard:
    found = _figures(session, actor, CARD_DX, year, programme=programme.code)
    delivered = _total(found, [FUNDS], "元")
    planned = _total(found, [f"{FUNDS}.target"], "元")
    rate = None
    if delivered and planned and planned.value:
        rate = normalize((delivered.value / planned.value * 100).quantize(Decimal("0.1")))
    plans = funds.programme_plans(session=session, actor=actor, programme_id=programme.id, year=year)
    # computed from the plans' tranches and payments by the one function every page calls, not asserted
    verdict = funds.overall(plans)
    on_time = None if verdict is None else verdict[1] and all(p.in_full for p in plans)
    return ProgrammeCard(
        programme=ProgrammeRead.model_validate(programme),
        funds_planned=planned,
        funds_delivered=delivered,
        completion_rate=rate,
        on_time_in_full=on_time,
        funds_verdict=verdict[0] if verdict else None,
        funds_verdict_ok=verdict[1] if verdict else None,
        consumption_sales=_total(found, ["CONSUMPTION_SALES"], "元"),
        jobs=_total(found, CARD_ELEMENTS[2:], "人"),
    )


def _wan(total: TotalRead | None) -> Decimal | None:
    return normalize((total.value / 10000).quantize(Decimal("0.01"))) if total else None


CACHE_SIZE = 512  # dashboards kept per process (one per scope × permissions × year in practice)
STALE_SECONDS = 2.0  # others' writes show after at most this long; one's own at once
_Key = tuple[object, ...]
_Entry = tuple[float, tuple[int, int], Dashboard]  # built at (monotonic), the audit mark it saw, the page
_cache: OrderedDict[_Key, _Entry] = OrderedDict()
_cache_lock = threading.Lock()
_building: dict[_Key, threading.Lock] = {}  # one build at a time per key; the others wait and take its page
_cache_stats = {"hits": 0, "misses": 0}


def build_dashboard(
    *, session: Session, actor: Actor, year: int | None, sources_dir: Path | None
) -> Dashboard:
    """The dashboard, from a cache keyed by what decides its content — the permissions and the data scope
    (statements.scope_key: users of one scope share it), the year and today — with the asker's pinned views
    run afresh. Every write of the application is audited in its transaction, so the newest audit entries
    tell whether anything may have changed: if they did, a page built less than STALE_SECONDS ago is still
    served unless the asker wrote after it was built (one sees one's own change at once). Requests that
    miss together do not each build the same page: one builds it, and while it does the others are served
    the page it replaces (unless they wrote since: they wait for the new one). Under a steady stream of
    writes a page is built about once per STALE_SECONDS per scope and year, whatever the number of users."""
    actor.require("dashboard:view")
    arrived = time.monotonic()
    key = (actor.permissions, scope_key(actor), year, str(sources_dir), today())
    mark = _audit_mark(session)
    own = session.scalar(select(func.max(AuditLog.id)).where(AuditLog.actor == actor.username)) or 0
    page = _cached(key, mark, own, arrived)
    if page is None:
        with _cache_lock:
            building = _building.setdefault(key, threading.Lock())
        if not building.acquire(blocking=False):  # another request is building this page
            page = _cached(key, mark, own, arrived, stale_ok=True)
            if page is None:
                building.acquire()
        if page is None:
            try:
                page = _cached(key, mark, own, arrived)  # built by another request while this one waited
                if page is None:
                    built_at = time.monotonic()
                    page = _build(session=session, actor=actor, year=year, sources_dir=sources_dir)
                    with _cache_lock:
                        _cache_stats["misses"] += 1
                        _cache[key] = (built_at, mark, page)
                        while len(_cache) > CACHE_SIZE:
                            _building.pop(_cache.popitem(last=False)[0], None)
            finally:
                building.release()
    return page.model_copy(
        update={
            "panels": pinned_panels(session=session, actor=actor),
            "reminders": reminders(session=session, actor=actor),
        }
    )


def _cached(
    key: _Key, mark: tuple[int, int], own: int, arrived: float, *, stale_ok: bool = False
) -> Dashboard | None:
    """The cached page if it may be served to one who arrived at `arrived`, sees the audit mark `mark`
    and whose own newest audit entry is `own`: built at that mark; or built after one arrived (every query
    of the build then saw what was committed before — on both backends a statement reads the latest
    committed rows — one's own writes included); or built less than STALE_SECONDS ago after one's own last
    write (an id the build's mark already counted). With `stale_ok` (a newer page is being built by
    another request) the age does not matter, one's own last write still does: the page is then at most
    STALE_SECONDS and one build old."""
    with _cache_lock:
        found = _cache.get(key)
        if found is None:
            return None
        built_at, built_mark, page = found
        fresh = built_mark == mark or built_at >= arrived
        recent = (stale_ok or time.monotonic() - built_at < STALE_SECONDS) and own <= built_mark[0]
        if not (fresh or recent):
            return None
        _cache.move_to_end(key)
        _cache_stats["hits"] += 1
        return page


def _audit_mark(session: Session) -> tuple[int, int]:
    """The newest audit id, and how many of the last AUDIT_WINDOW ids are there: an entry committed late
    with a lower id (PostgreSQL hands out ids before commit) changes the count."""
    newest = session.scalar(select(func.max(AuditLog.id))) or 0
    recent = session.scalar(select(func.count()).where(AuditLog.id > newest - AUDIT_WINDOW)) or 0
    return newest, recent


AUDIT_WINDOW = 1_000


def clear_cache() -> None:
    """Forget every cached dashboard (tests that roll back their writes reuse audit ids)."""
    with _cache_lock:
        _cache.clear()
        _building.clear()


def cache_stats() -> dict[str, int]:
    with _cache_lock:
        return dict(_cache_stats, size=len(_cache))


def _build(*, session: Session, actor: Actor, year: int | None, sources_dir: Path | None) -> Dashboard:
    years = years_with_data(session, actor)
    if year is None:
        year = default_year(years)
    cards: list[ProgrammeCard] = []
    key_counts: list[KeyCount] = []
    values: list[ValueRead] = []
    values_total = 0
    if year is not None:
        for programme in programmes.list_programmes(
            session=session, kinds=tuple(k.value for k in PAIRING_KINDS)
        ):
            card = _card(session, actor, programme, year)
            if card.funds_delivered or card.funds_planned or card.consumption_sales or card.jobs:
                cards.append(card)
        found = _figures(session, actor, (c for _, _, els in KEY_COUNTS for c in els), year)
        for label, unit, elements in KEY_COUNTS:
            key_counts.append(
                KeyCount(label=label, elements=list(elements), total=_total(found, elements, unit))
            )
        if actor.can("indicators:view"):
            cache = TextCache(sources_dir)
            query = parse(VALUES, {"year": str(year), "sort": "element_code"}, session=session, actor=actor)
            page = run_list(VALUES, query, session=session, actor=actor)
            values = [value_read(v, cache) for v in page.items]
            values_total = page.total
    chart = FundsChart(
        categories=[c.programme.short_name for c in cards],
        planned=[_wan(c.funds_planned) for c in cards],
        delivered=[_wan(c.funds_delivered) for c in cards],
    )
    return Dashboard(
        year=year,
        years=years,
        has_data=year in years,
        cards=cards,
        key_counts=key_counts,
        funds_chart=chart,
        values=values,
        values_total=values_total,
        values_url=f"/values?year={year}" if year is not None else "/values",
    )


def programme_detail(
    *, session: Session, actor: Actor, programme_id: int, sources_dir: Path | None
) -> ProgrammeDetail:
    actor.require("programmes:view")
    programme = programmes.get(session=session, programme_id=programme_id)
    cache = TextCache(sources_dir)
    year = default_year(years_with_data(session, actor))
    card = None
    if year is not None and programme.kind in {k.value for k in PAIRING_KINDS}:
        card = _card(session, actor, programme, year)
    values: list[ValueRead] = []
    if actor.can("indicators:view"):
        query = indicators.values_query(indicators.ValueFilter(programme_id=programme.id), actor)
        values = [value_read(v, cache) for v in session.scalars(query)]
    visible_projects = (
        list_projects(session=session, actor=actor, programme_id=programme.id)
        if actor.can("projects:view")
        else []
    )
    projects = [project_read(p, cache) for p in visible_projects]
    plans = funds.programme_plans(session=session, actor=actor, programme_id=programme.id, year=None)
    plan_year = plans[0].year if plans else None
    months = [
        MonthPoint(
            month=m,
            due=sum((p.months[m - 1].due for p in plans if p.year == plan_year), Decimal(0)),
            paid=sum((p.months[m - 1].paid for p in plans if p.year == plan_year), Decimal(0)),
        )
        for m in range(1, 13)
    ]
    return ProgrammeDetail(
        programme=ProgrammeRead.model_validate(programme),
        card=card,
        values=values,
        projects=projects,
        plans=plans,
        plan_year=plan_year,
        plan_months=months if plans else [],
    )


def list_elements(*, session: Session) -> list[DataElement]:
    return list(session.scalars(select(DataElement).order_by(DataElement.group, DataElement.code)))
