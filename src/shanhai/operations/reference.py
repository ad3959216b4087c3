"""What the registers say for a work group's month: the figures its monthly report (援疆工作组月报) asks for,
counted from the records of its place, shown beside the entry form as 台账参考 (the member still types and
submits the report; the records only remind what they hold)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor, visible
from shanhai.indicators.claims import consistent
from shanhai.lib import periods
from shanhai.lib.cnnum import format_quantity, normalize, parse_plain
from shanhai.lib.summaries import Part, counted, dated_span
from shanhai.lifecycle.models import StageChange
from shanhai.operations.models import Activity, Disbursement, Person, WorkGroup
from shanhai.orgunits.models import OrgUnit
from shanhai.projects.models import DONE_STAGES, Project


def _group(session: Session, unit: OrgUnit, on: periods.Period) -> WorkGroup | None:
    return session.scalar(
        select(WorkGroup)
        .where(WorkGroup.org_unit_id == unit.id, WorkGroup.started_on <= on.end)
        .order_by(WorkGroup.started_on.desc())
        .limit(1)
    )


def references(
    *, session: Session, actor: Actor, unit: OrgUnit, period: periods.Period
) -> dict[str, tuple[Decimal, str]]:
    """Element code → the records' figure for the month and how it reads ("3人"), for the work group `unit`;
    empty for other units or periods that are not months. Only records within the actor's scope count; a
    全年合计 row counts only what it adds to the other rows of its year (lib.summaries)."""
    if period.type is not periods.PeriodType.MONTHLY:
        return {}
    group = _group(session, unit, period)
    if group is None:
        return {}
    place, start, end = group.place_unit_id, period.start, period.end

    def scoped(model: type, *conditions: ColumnElement[bool]) -> list[ColumnElement[bool]]:
        return [visible(actor, model.org_unit_id, model.created_by_id), *conditions]  # type: ignore[attr-defined]

    in_post = session.scalar(
        select(func.count())
        .select_from(Person)
        .where(
            *scoped(Person, (Person.work_group_id == group.id) | (Person.org_unit_id == place)),
            Person.start_on <= end,
            Person.end_on >= end,
            Person.status != "轮换",
        )
    )
    year_start = start.replace(month=1, day=1)
    payments = list(
        session.scalars(
            select(Disbursement).where(
                *scoped(Disbursement, Disbursement.org_unit_id == place),
                Disbursement.paid_on >= year_start,
                Disbursement.paid_on <= end,
            )
        )
    )
    # a 全年合计 payment sums up its programme's payments of its plan's year, as the FUNDS figures count it
    paid = _in_month(
        [((p.programme_id, p.plan_year), p.paid_on, p.amount, p.summary, p.plan_year) for p in payments],
        start,
    )
    activities = list(
        session.scalars(
            select(Activity).where(
                *scoped(Activity, Activity.org_unit_id == place),
                Activity.held_on >= year_start,
                Activity.held_on <= end,
            )
        )
    )

    def of_activities(measure: Callable[[Activity], int | None]) -> Decimal:
        """A 全年合计 activity sums up its programme's activities of its own kind, as the derivations do."""
        rows = [
            ((a.programme_id, a.kind), a.held_on, Decimal(measure(a) or 0), a.summary, None)
            for a in activities
        ]
        return _in_month(rows, start)

    sessions = of_activities(lambda a: a.sessions)
    reached = of_activities(lambda a: (a.participants or 0) + (a.patients or 0))
    projects = select(Project.id).where(*scoped(Project, Project.org_unit_id == place), Project.kind == "aid")
    moved = session.scalar(
        select(func.count(func.distinct(StageChange.record_id))).where(
            StageChange.kind == "project_aid",
            StageChange.record_id.in_(projects),
            StageChange.from_stage.is_not(None),
            func.date(StageChange.at) >= start,
            func.date(StageChange.at) <= end,
        )
    )
    done = session.scalar(
        select(func.count())
        .select_from(Project)
        .where(
            *scoped(Project, Project.org_unit_id == place),
            Project.kind == "aid",
            Project.stage.in_(DONE_STAGES),
            Project.completed_on >= start,
            Project.completed_on <= end,
        )
    )

    def show(value: Decimal | int | None, unit_name: str) -> tuple[Decimal, str]:
        number = normalize(Decimal(value or 0))
        return number, format_quantity(number, unit_name)

    return {
        "WG_IN_POST": show(in_post, "人"),
        "WG_PROJECTS_ADVANCED": show(moved, "个"),
        "WG_PROJECTS_DONE": show(done, "个"),
        "WG_FUNDS_PAID": show(paid, "元"),
        "WG_ACTIVITIES": show(sessions, "场次"),
        "WG_BENEFICIARIES": show(reached, "人次"),
    }


def _in_month(rows: Sequence[tuple[Hashable, date, Decimal, bool, int | None]], month_start: date) -> Decimal:
    """What a month's rows count beside the rows of their year so far: rows as (group, day, amount,
    summary, year); a 全年合计 row counts its residual over the rows of its group (lib.summaries)."""
    parts = [
        Part(i, *dated_span(day, summary=summary, year=year), amount, summary)
        for i, (group, day, amount, summary, year) in enumerate(rows)
    ]
    groups: dict[Hashable, list[Part]] = defaultdict(list)
    for part, row in zip(parts, rows, strict=True):
        groups[row[0]].append(part)
    found = {key: value for members in groups.values() for key, value in counted(members).items()}
    return sum((found[i] for i, row in enumerate(rows) if row[1] >= month_start), Decimal(0))


def agreement(recorded: Decimal, typed: str) -> str:
    """How a typed figure stands beside the records' by the one comparison of 对账 (indicators.claims):
    与台账一致, or the difference."""
    try:
        entered = parse_plain(typed)
    except ValueError:
        return ""
    if consistent(claimed=entered, qualifier="exact", figure_text=typed.strip(), recorded=recorded):
        return "与台账一致"
    return f"与台账相差 {format_quantity(normalize(entered - recorded), '')}".rstrip()
