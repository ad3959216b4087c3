"""What the registers say for a work group's month: the figures its monthly report (援疆工作组月报) asks for,
counted from the records of its place, shown beside the entry form as 台账参考 (the member still types and
submits the report; the records only remind what they hold)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor, visible
from shanhai.lib import periods
from shanhai.lib.cnnum import format_quantity, normalize
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


def references(*, session: Session, actor: Actor, unit: OrgUnit, period: periods.Period) -> dict[str, str]:
    """Element code → the records' figure for the month ("3人（台账）"), for the work group `unit`; empty for
    other units or periods that are not months. Only records within the actor's scope count."""
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
    paid = session.scalar(
        select(func.sum(Disbursement.amount)).where(
            *scoped(Disbursement, Disbursement.org_unit_id == place),
            Disbursement.paid_on >= start,
            Disbursement.paid_on <= end,
        )
    )
    sessions, reached = session.execute(
        select(
            func.sum(Activity.sessions),
            func.sum(func.coalesce(Activity.participants, 0) + func.coalesce(Activity.patients, 0)),
        ).where(
            *scoped(Activity, Activity.org_unit_id == place),
            Activity.held_on >= start,
            Activity.held_on <= end,
        )
    ).one()
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

    def show(value: Decimal | int | None, unit_name: str) -> str:
        return format_quantity(normalize(Decimal(value or 0)), unit_name)

    return {
        "WG_IN_POST": show(in_post, "人"),
        "WG_PROJECTS_ADVANCED": show(moved, "个"),
        "WG_PROJECTS_DONE": show(done, "个"),
        "WG_FUNDS_PAID": show(paid, "元"),
        "WG_ACTIVITIES": show(sessions, "场次"),
        "WG_BENEFICIARIES": show(reached, "人次"),
    }
