"""The two views of the city's campaigns, each a page and its JSON twin:

- 招商引资 (`investment`): the funnel of investment leads by stage and zone, each zone's targets against what
  its signed leads achieved per size class (through the analytics roll-up: targets are the elements' target
  values set in 基础设置 · 年度目标, achievements are derived from the leads by declaration), and the leads
  that have not moved for `STALLED_DAYS`.
- 科技创新 (`scitech`): qualified firms by kind and district for a year, and loans and subsidies over five
  years — every figure from the analytics roll-up of values the enterprise registers derive."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from shanhai.analytics.engine import Result, figures
from shanhai.auth.scope import Actor, visible
from shanhai.errors import Invalid
from shanhai.indicators.models import DataElement
from shanhai.investment import registers as tasks
from shanhai.lib.beijing import today
from shanhai.lib.cnnum import format_quantity
from shanhai.orgunits.models import OrgKind, OrgUnit
from shanhai.projects.models import STAGES, Project, ProjectKind
from shanhai.projects.service import TERMINATED

STALLED_DAYS = 60
SIZE_TARGETS = (  # what a zone's investment targets are set on, largest first
    ("MEGA_PROJECTS", "百亿级项目"),
    ("INVEST_50YI_PROJECTS", "五十亿级项目"),
    ("INVEST_SIGNED", "签约项目（全部）"),
)
QUALIFIED = (
    ("TECH_SME_REGISTERED", "入库科技型中小企业"),
    ("HNTE_NEW", "新认定高新技术企业"),
    ("HNTE_VALID", "有效高新技术企业"),
    ("GAZELLE_FIRMS", "瞪羚企业"),
    ("UNICORN_CANDIDATES", "潜在独角兽企业"),
)
SUPPORT = (
    ("SUKEDAI_LOANS", "苏科贷放款", "元"),
    ("SUKEDAI_FIRMS", "苏科贷支持", "家次"),
    ("TECH_LOANS", "科技企业贷款（全部产品）", "元"),
    ("TECH_AWARDS", "科技奖补资金", "元"),
    ("SCI_PROJECT_FUNDS", "省市科技项目资金", "元"),
    ("RENT_RELIEF", "孵化器减免租金", "元"),
)


class FunnelRow(BaseModel):
    zone: str
    counts: list[int]  # per stage, in `stages` order
    total: int


class Progress(BaseModel):
    element: str
    label: str
    target: str | None  # as the roll-up gives it (exact digits), None: no target set
    achieved: str
    rate: str  # 50% / —


class ZoneTargets(BaseModel):
    zone: str
    progress: list[Progress]


class Lead(BaseModel):
    id: int
    name: str
    zone: str
    stage: str
    since: str
    days: int
    responsible: str


class TaskDue(BaseModel):
    id: int
    title: str
    unit: str
    owner: str
    status: str
    deadline: str
    days: int  # to the deadline: below 0 overdue


class Investment(BaseModel):
    year: int
    stages: list[str]
    funnel: list[FunnelRow]
    targets: list[ZoneTargets]
    stalled: list[Lead]
    stalled_days: int
    tasks: list[TaskDue] = []  # tasks overdue or due within 14 days


def _year(year: int | None) -> int:
    chosen = year or today().year
    if not 2000 <= chosen <= 2100:
        raise Invalid("年度应在 2000–2100 年之间", field="year")
    return chosen


def _zones(session: Session, actor: Actor) -> list[OrgUnit]:
    """The city's districts and zones the actor sees, in the tree's order."""
    return list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.kind == OrgKind.DISTRICT.value, visible(actor, OrgUnit.id, None))
            .order_by(OrgUnit.sort_order, OrgUnit.id)
        )
    )


def _known(session: Session, codes: list[str]) -> list[str]:
    """The codes of elements that exist (a derived element is made when its first record counts)."""
    found = set(session.scalars(select(DataElement.code).where(DataElement.code.in_(codes))))
    return [c for c in codes if c in found]


def _number(value: Decimal | None) -> str:
    """A count as digits (2200, never 2.2E+3)."""
    return "0" if value is None else format(value.normalize(), "f")


def investment(*, session: Session, actor: Actor, year: int | None = None) -> Investment:
    actor.require("projects:view")
    chosen = _year(year)
    stages = [*STAGES[ProjectKind.INVESTMENT], TERMINATED]
    leads = (
        Project.kind == ProjectKind.INVESTMENT.value,
        visible(actor, Project.org_unit_id, Project.created_by_id),
    )
    counted = session.execute(
        select(Project.org_unit_id, Project.stage, func.count())
        .where(*leads)
        .group_by(Project.org_unit_id, Project.stage)
    ).all()
    names = dict(
        session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_({r[0] for r in counted}))).all()
    )
    by_zone: dict[str, list[int]] = {}
    for unit_id, stage, n in counted:
        row = by_zone.setdefault(names[unit_id], [0] * len(stages))
        if stage in stages:
            row[stages.index(stage)] += n
    funnel = [FunnelRow(zone=z, counts=c, total=sum(c)) for z, c in sorted(by_zone.items())]
    zones = _zones(session, actor)
    targets: list[ZoneTargets] = []
    known = _known(session, [code for code, _ in SIZE_TARGETS])
    if zones and known and actor.can("indicators:view"):
        dx = ";".join(f"{code};{code}.target" for code in known)
        result = figures(
            session=session, actor=actor, dx=dx, ou=";".join(z.code for z in zones), pe=str(chosen)
        )
        for zone in zones:
            progress = []
            for code, label in SIZE_TARGETS:
                if code not in known:
                    continue
                goal = result.value(f"{code}.target", zone.code, str(chosen))
                done = result.value(code, zone.code, str(chosen))
                if goal is None and done is None:
                    continue
                rate = f"{(done or 0) / goal:.0%}" if goal else "—"
                progress.append(
                    Progress(
                        element=code,
                        label=label,
                        target=None if goal is None else _number(goal),
                        achieved=_number(done),
                        rate=rate,
                    )
                )
            if progress:
                targets.append(ZoneTargets(zone=zone.name, progress=progress))
    return Investment(
        year=chosen,
        stages=stages,
        funnel=funnel,
        targets=targets,
        stalled=stalled_leads(session=session, actor=actor),
        stalled_days=STALLED_DAYS,
        tasks=tasks_due(session=session, actor=actor),
    )


def tasks_due(*, session: Session, actor: Actor, limit: int = 200) -> list[TaskDue]:
    """The task breakdown's tasks in the actor's scope that are overdue or due within 14 days."""
    return [
        TaskDue(
            id=t.id,
            title=t.title,
            unit=t.org_unit.name,
            owner=t.owner,
            status=t.status,
            deadline=t.deadline.isoformat(),
            days=(t.deadline - today()).days,
        )
        for t in tasks.overdue(session=session, actor=actor, limit=limit)
    ]


def stalled_leads(*, session: Session, actor: Actor, limit: int = 200) -> list[Lead]:
    """Open investment leads in the actor's scope that have stayed in their stage `STALLED_DAYS` or more,
    longest first (the day they reached it; for a lead from before that was kept, the day it was made)."""
    if not actor.can("projects:view"):
        return []
    cutoff = today() - timedelta(days=STALLED_DAYS)
    since = func.coalesce(Project.stage_since, func.date(Project.created_at))
    rows = session.scalars(
        select(Project)
        .where(
            Project.kind == ProjectKind.INVESTMENT.value,
            visible(actor, Project.org_unit_id, Project.created_by_id),
            Project.stage.not_in(("投产", TERMINATED)),
            since <= cutoff,
        )
        .options(selectinload(Project.org_unit))
        .order_by(since, Project.id)
        .limit(limit)
    )
    out = []
    for p in rows:
        day = p.stage_since or p.created_at.date()
        out.append(
            Lead(
                id=p.id,
                name=p.name,
                zone=p.org_unit.name,
                stage=p.stage,
                since=day.isoformat(),
                days=(today() - day).days,
                responsible=p.responsible_person,
            )
        )
    return out


class QualifiedRow(BaseModel):
    zone: str
    counts: list[str]


class SupportRow(BaseModel):
    element: str
    label: str
    by_year: list[str]  # formatted the Chinese way, one per year of `years`


class SciTech(BaseModel):
    year: int
    kinds: list[str]
    qualified: list[QualifiedRow]
    total: list[str]
    years: list[int]
    support: list[SupportRow]


def scitech(*, session: Session, actor: Actor, year: int | None = None) -> SciTech:
    actor.require("enterprises:view")
    actor.require("indicators:view")
    chosen = _year(year)
    zones = _zones(session, actor)
    roots = list(session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id)))
    known = set(_known(session, [code for code, _ in QUALIFIED] + [code for code, _, _ in SUPPORT]))
    kinds = [code for code, _ in QUALIFIED if code in known]

    def count(result: Result | None, code: str, unit: OrgUnit) -> Decimal:
        return (result.value(code, unit.code, str(chosen)) if result and code in known else None) or Decimal(
            0
        )

    result = (
        figures(
            session=session,
            actor=actor,
            dx=";".join(kinds),
            ou=";".join(u.code for u in [*roots, *zones]),
            pe=str(chosen),
        )
        if kinds and roots
        else None
    )
    qualified = []
    for zone in zones:
        counts = [_number(count(result, code, zone)) for code, _ in QUALIFIED]
        if any(c != "0" for c in counts):
            qualified.append(QualifiedRow(zone=zone.name, counts=counts))
    # the whole tree the actor sees (the roll-up keeps to its scope)
    total = [_number(sum((count(result, code, r) for r in roots), Decimal(0))) for code, _ in QUALIFIED]
    years = list(range(chosen - 4, chosen + 1))
    sums = [code for code, _, _ in SUPPORT if code in known]
    money = (
        figures(
            session=session,
            actor=actor,
            dx=";".join(sums),
            ou=";".join(r.code for r in roots),
            pe=";".join(str(y) for y in years),
        )
        if sums and roots
        else None
    )
    support = []
    for code, label, unit in SUPPORT:
        cells = []
        for y in years:
            value = sum(
                (
                    (money.value(code, r.code, str(y)) if money and code in known else None) or Decimal(0)
                    for r in roots
                ),
                Decimal(0),
            )
            cells.append(format_quantity(value, unit) if value else "—")
        support.append(SupportRow(element=code, label=label, by_year=cells))
    return SciTech(
        year=chosen,
        kinds=[label for _, label in QUALIFIED],
        qualified=qualified,
        total=total,
        years=years,
        support=support,
    )
