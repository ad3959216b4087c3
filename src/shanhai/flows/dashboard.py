"""The dashboard and programme pages: one call each, shared by the web page and its JSON twin."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor, visible
from shanhai.documents.service import TextCache, citation_label
from shanhai.indicators import service as indicators
from shanhai.indicators.models import DataElement, DataValue, Period, ValueKind
from shanhai.indicators.present import source_read, total_read, value_read
from shanhai.indicators.schemas import TotalRead, ValueRead
from shanhai.lib.cnnum import QUALIFIER_LABELS, Qualifier, format_money, format_quantity, normalize
from shanhai.lib.csvout import to_csv
from shanhai.pagination import Page, paginate
from shanhai.programmes import service as programmes
from shanhai.programmes.models import PAIRING_KINDS, Programme
from shanhai.programmes.schemas import ProgrammeRead
from shanhai.projects.models import KIND_LABELS, Project, ProjectKind
from shanhai.projects.service import list_projects

FUNDS = "FUNDS"
# Key counts on the dashboard: label → the additive elements that make it up.
KEY_COUNTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("资金到位", "元", (FUNDS,)),
    ("选派干部人才", "人", ("TALENT_DISPATCHED", "DOCTORS_DISPATCHED", "MED_EXPERTS", "TEACHERS_DISPATCHED")),
    ("援建项目", "个", ("AID_PROJECTS",)),
    ("消费帮扶销售额", "元", ("CONSUMPTION_SALES",)),
    ("帮助就业", "人", ("LABOUR_EMPLOYMENT", "JOBS_CREATED")),
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
    consumption_sales: TotalRead | None
    jobs: TotalRead | None


class FundsChart(BaseModel):
    """Funds by programme in 万元, ready for an ECharts bar chart."""

    categories: list[str]
    planned: list[Decimal | None]
    delivered: list[Decimal | None]


class Dashboard(BaseModel):
    year: int | None
    years: list[int]
    cards: list[ProgrammeCard]
    key_counts: list[KeyCount]
    funds_chart: FundsChart
    values: list[ValueRead]


class ProjectRead(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    stage: str
    org_unit: str
    investment: Decimal | None
    investment_display: str | None
    partners: str
    description: str
    citation: str | None
    sentence: str | None


def project_read(project: Project, cache: TextCache) -> ProjectRead:
    """A project as a programme page and its own page show it, with its cited sentence."""
    src = source_read(project.source, cache) if project.source else None
    return ProjectRead(
        id=project.id,
        code=project.code,
        name=project.name,
        kind=project.kind,
        kind_label=KIND_LABELS[ProjectKind(project.kind)],
        stage=project.stage,
        org_unit=project.org_unit.name,
        investment=project.investment,
        investment_display=format_money(project.investment) if project.investment is not None else None,
        partners=project.partners,
        description=project.description,
        citation=src.citation if src else None,
        sentence=src.sentence if src else None,
    )


class ProgrammeDetail(BaseModel):
    programme: ProgrammeRead
    card: ProgrammeCard | None
    values: list[ValueRead]
    projects: list[ProjectRead]


def _merge(parts: Iterable[indicators.Total]) -> indicators.Total | None:
    parts = list(parts)
    if not parts:
        return None
    return indicators.Total(
        value=normalize(sum((p.value for p in parts), Decimal(0))),
        qualifier=indicators.combine_qualifiers(p.qualifier.value for p in parts),
        count=sum(p.count for p in parts),
    )


def _years(session: Session, actor: Actor) -> list[int]:
    """The years that have a yearly value the actor may see (another district's years are not listed)."""
    ends = session.scalars(
        select(Period.end_date)
        .join(DataValue, DataValue.period_id == Period.id)
        .where(Period.type == "yearly", visible(actor, DataValue.org_unit_id, DataValue.created_by_id))
        .distinct()
    )
    return sorted({d.year for d in ends}, reverse=True)


def _card(
    programme: Programme,
    actual: dict[tuple[str, int | None], indicators.Total],
    target: dict[tuple[str, int | None], indicators.Total],
) -> ProgrammeCard:
    delivered = actual.get((FUNDS, programme.id))
    planned = target.get((FUNDS, programme.id))
    rate = None
    if delivered and planned and planned.value:
        rate = normalize((delivered.value / planned.value * 100).quantize(Decimal("0.1")))
    jobs = _merge(t for (code, pid), t in actual.items() if pid == programme.id and code in CARD_ELEMENTS[2:])
    return ProgrammeCard(
        programme=ProgrammeRead.model_validate(programme),
        funds_planned=total_read(planned, "元"),
        funds_delivered=total_read(delivered, "元"),
        completion_rate=rate,
        on_time_in_full=(delivered.value >= planned.value) if delivered and planned else None,
        consumption_sales=total_read(actual.get(("CONSUMPTION_SALES", programme.id)), "元"),
        jobs=total_read(jobs, "人"),
    )


def _wan(total: TotalRead | None) -> Decimal | None:
    return normalize((total.value / 10000).quantize(Decimal("0.01"))) if total else None


def build_dashboard(
    *, session: Session, actor: Actor, year: int | None, sources_dir: Path | None
) -> Dashboard:
    actor.require("dashboard:view")
    years = _years(session, actor)
    if year is None:
        year = indicators.latest_year(session=session)
    cards: list[ProgrammeCard] = []
    key_counts: list[KeyCount] = []
    values: list[ValueRead] = []
    if year is not None:
        period = str(year)
        codes = {c for _, _, els in KEY_COUNTS for c in els} | set(CARD_ELEMENTS)
        actual = indicators.totals(session=session, actor=actor, element_codes=codes, period_id=period)
        target = indicators.totals(
            session=session, actor=actor, element_codes=[FUNDS], period_id=period, kind=ValueKind.TARGET
        )
        for programme in programmes.list_programmes(
            session=session, kinds=tuple(k.value for k in PAIRING_KINDS)
        ):
            card = _card(programme, actual, target)
            if card.funds_delivered or card.funds_planned or card.consumption_sales or card.jobs:
                cards.append(card)
        for label, unit, elements in KEY_COUNTS:
            merged = _merge(t for (code, _), t in actual.items() if code in elements)
            key_counts.append(KeyCount(label=label, elements=list(elements), total=total_read(merged, unit)))
        if actor.can("indicators:view"):
            cache = TextCache(sources_dir)
            query = indicators.values_query(indicators.ValueFilter(year=year), actor)
            values = [value_read(v, cache) for v in session.scalars(query)]
    chart = FundsChart(
        categories=[c.programme.short_name for c in cards],
        planned=[_wan(c.funds_planned) for c in cards],
        delivered=[_wan(c.funds_delivered) for c in cards],
    )
    return Dashboard(
        year=year, years=years, cards=cards, key_counts=key_counts, funds_chart=chart, values=values
    )


def programme_detail(
    *, session: Session, actor: Actor, programme_id: int, sources_dir: Path | None
) -> ProgrammeDetail:
    actor.require("programmes:view")
    programme = programmes.get(session=session, programme_id=programme_id)
    cache = TextCache(sources_dir)
    year = indicators.latest_year(session=session)
    card = None
    if year is not None and programme.kind in {k.value for k in PAIRING_KINDS}:
        actual = indicators.totals(
            session=session, actor=actor, element_codes=CARD_ELEMENTS, period_id=str(year)
        )
        target = indicators.totals(
            session=session, actor=actor, element_codes=[FUNDS], period_id=str(year), kind=ValueKind.TARGET
        )
        card = _card(programme, actual, target)
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
    return ProgrammeDetail(
        programme=ProgrammeRead.model_validate(programme), card=card, values=values, projects=projects
    )


def list_values(
    *,
    session: Session,
    actor: Actor,
    flt: indicators.ValueFilter,
    offset: int,
    limit: int,
    sources_dir: Path | None,
) -> Page[ValueRead]:
    actor.require("indicators:view")
    if flt.programme_id is not None:
        programmes.get(session=session, programme_id=flt.programme_id)
    rows, total = paginate(session, indicators.values_query(flt, actor), offset=offset, limit=limit)
    cache = TextCache(sources_dir)
    return Page[ValueRead](
        items=[value_read(v, cache) for v in rows], total=total, offset=offset, limit=limit
    )


EXPORT_COLUMNS = (
    "编号",
    "指标编码",
    "指标",
    "单位（地区）",
    "重点工作",
    "期间",
    "类别",
    "数值",
    "计量单位",
    "限定",
    "显示",
    "出处",
)


def export_values(*, session: Session, actor: Actor, flt: indicators.ValueFilter) -> str:
    """CSV of the values the actor may see (UTF-8 with BOM so that Excel opens it in Chinese). Audited."""
    actor.require("indicators:export")
    values = list(session.scalars(indicators.values_query(flt, actor)))
    body = to_csv(
        EXPORT_COLUMNS,
        (
            [
                v.id,
                v.data_element.code,
                v.data_element.name,
                v.org_unit.name,
                v.programme.short_name if v.programme else "",
                v.period.name,
                "目标" if v.kind == "target" else "实际",
                normalize(v.value),
                v.data_element.unit,
                QUALIFIER_LABELS[Qualifier(v.qualifier)],
                format_quantity(v.value, v.data_element.unit, v.qualifier),
                citation_label(v.source),
            ]
            for v in values
        ),
    )
    rows = len(values)
    record(
        session=session,
        actor=actor,
        module="指标",
        action=Action.EXPORT,
        object_type="data_value",
        summary=f"导出指标数据 {rows} 条",
        after={"rows": rows},
    )
    return body


def list_elements(*, session: Session) -> list[DataElement]:
    return list(session.scalars(select(DataElement).order_by(DataElement.group, DataElement.code)))
