"""The data-entry overview (数据填报): the data sets a user reports, the reports waiting for approval, the
overdue ones with a link to each and how late it is, and 催报 — a reminder the approving office sends to a
unit that is late, shown to that unit's users until the report is submitted. One data function for the page
and its JSON twin."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.audit.models import AuditLog
from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor, unit_visible
from shanhai.datasets import service as datasets
from shanhai.datasets.models import STATUS_LABELS, SubmissionStatus
from shanhai.db import serialize
from shanhai.errors import Conflict, Invalid, OutOfScope
from shanhai.lib import periods
from shanhai.lib.beijing import beijing
from shanhai.operations import reference
from shanhai.orgunits.models import OrgUnit

LOOKBACK = 12  # periods of each data set checked for overdue reports (a year of months)
REMINDER = "report_reminder"


class PeriodChoice(BaseModel):
    id: str
    name: str


class UnitChoice(BaseModel):
    id: int
    code: str
    name: str


class DataSetCard(BaseModel):
    id: int
    code: str
    name: str
    period_type: str
    due_day: int
    units: list[UnitChoice]  # the reporting units the user may open
    periods: list[PeriodChoice]  # the last periods, newest first


class PendingRead(BaseModel):
    id: int
    data_set_id: int
    data_set: str
    org_unit_id: int
    org_unit: str
    period: str
    period_name: str
    submitted_at: datetime | None
    entry_url: str


class OverdueRead(BaseModel):
    data_set_id: int
    data_set: str
    org_unit_id: int
    org_unit: str
    period: str
    period_name: str
    due: date
    days_late: int
    status: str
    status_label: str
    entry_url: str
    reminded_at: datetime | None
    reminded_by: str


class Overview(BaseModel):
    today: date
    data_sets: list[DataSetCard]
    pending: list[PendingRead]
    overdue: list[OverdueRead]
    reminders: list[OverdueRead]  # reminders sent to the user's own units, still overdue
    can_remind: bool


def _entry_url(data_set_id: int, unit_id: int, period_id: str) -> str:
    return f"/datasets/{data_set_id}/entry?org_unit_id={unit_id}&period={period_id}"


def _reminder_key(data_set_id: int, unit_id: int, period_id: str) -> str:
    return f"{data_set_id}:{unit_id}:{period_id}"


def _last_reminders(session: Session) -> dict[str, AuditLog]:
    rows = session.scalars(select(AuditLog).where(AuditLog.object_type == REMINDER).order_by(AuditLog.id))
    return {row.object_id: row for row in rows}


def overview(*, session: Session, actor: Actor, today: date) -> Overview:
    actor.require("indicators:view")
    sets = datasets.list_data_sets(session=session, actor=actor)
    cards = [
        DataSetCard(
            id=d.id,
            code=d.code,
            name=d.name,
            period_type=d.period_type,
            due_day=d.due_day,
            units=[UnitChoice(id=u.id, code=u.code, name=u.name) for u in d.units if unit_visible(actor, u)],
            periods=[PeriodChoice(id=p.id, name=p.name) for p in datasets.recent_periods(d, today, LOOKBACK)],
        )
        for d in sets
    ]
    pending = [
        PendingRead(
            id=s.id,
            data_set_id=s.data_set_id,
            data_set=s.data_set.name,
            org_unit_id=s.org_unit_id,
            org_unit=s.org_unit.name,
            period=s.period_id,
            period_name=periods.name_of(s.period_id),
            submitted_at=s.submitted_at,
            entry_url=_entry_url(s.data_set_id, s.org_unit_id, s.period_id),
        )
        for s in datasets.pending(session=session, actor=actor)
    ]
    reminders = _last_reminders(session)
    late = []
    for o in datasets.overdue(session=session, actor=actor, today=today, lookback=LOOKBACK):
        sent = reminders.get(_reminder_key(o.data_set.id, o.unit.id, o.period.id))
        late.append(
            OverdueRead(
                data_set_id=o.data_set.id,
                data_set=o.data_set.name,
                org_unit_id=o.unit.id,
                org_unit=o.unit.name,
                period=o.period.id,
                period_name=o.period.name,
                due=o.due,
                days_late=(today - o.due).days,
                status=o.status,
                status_label="未填报" if o.status == "missing" else STATUS_LABELS[SubmissionStatus(o.status)],
                entry_url=_entry_url(o.data_set.id, o.unit.id, o.period.id),
                reminded_at=sent.at if sent else None,
                reminded_by=sent.actor if sent else "",
            )
        )
    late.sort(key=lambda o: (-o.days_late, o.org_unit, o.data_set))
    own = [o for o in late if o.reminded_at is not None and _is_own(session, actor, o.org_unit_id)]
    return Overview(
        today=today,
        data_sets=cards,
        pending=pending,
        overdue=late,
        reminders=own,
        can_remind=actor.can("indicators:approve"),
    )


def _is_own(session: Session, actor: Actor, unit_id: int) -> bool:
    """A reminder is shown to the users of the late unit (and of the units above it up to their own)."""
    unit = session.get(OrgUnit, unit_id)
    own = session.get(OrgUnit, actor.org_unit_id) if actor.org_unit_id else None
    return unit is not None and own is not None and unit.path.startswith(own.path)


def remind(
    *, session: Session, actor: Actor, data_set_id: int, org_unit_id: int, period_id: str, today: date
) -> OverdueRead:
    """催报: remind a late unit of one report. Only for a report that is overdue now and within the actor's
    scope; at most once a day per report (a second click the same day is a 409)."""
    actor.require("indicators:approve")
    data_set = datasets.get_data_set(session=session, data_set_id=data_set_id)
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None or not unit_visible(actor, unit):
        raise OutOfScope("单位不存在或不在您的数据范围内", field="org_unit_id")
    found = next(
        (
            o
            for o in datasets.overdue(session=session, actor=actor, today=today, lookback=LOOKBACK)
            if o.data_set.id == data_set.id and o.unit.id == unit.id and o.period.id == period_id
        ),
        None,
    )
    if found is None:
        raise Invalid(
            f"{unit.name}{periods.name_of(period_id)}的《{data_set.name}》没有逾期，无需催报", field="period"
        )
    key = _reminder_key(data_set.id, unit.id, period_id)
    serialize(session, f"remind:{key}")  # two clicks at once: one reminder
    last = _last_reminders(session).get(key)
    if last is not None and beijing(last.at, "%Y-%m-%d") == today.isoformat():
        raise Conflict(f"今天已催报过（{last.actor}），请勿重复催报", field="period")
    late = (today - found.due).days
    record(
        session=session,
        actor=actor,
        module="数据填报",
        action=Action.REMIND,
        object_type=REMINDER,
        object_id=key,
        summary=f"催报：{unit.name}{found.period.name}的《{data_set.name}》已逾期 {late} 天",
    )
    session.flush()
    return next(
        o
        for o in overview(session=session, actor=actor, today=today).overdue
        if o.data_set_id == data_set.id and o.org_unit_id == unit.id and o.period == period_id
    )


def entry_form(
    *, session: Session, actor: Actor, data_set_id: int, org_unit_id: int, period_id: str
) -> datasets.EntryForm:
    """A report's entry form with, for a work group's monthly report, what its records say for the month."""
    form = datasets.entry_form(
        session=session, actor=actor, data_set_id=data_set_id, org_unit_id=org_unit_id, period_id=period_id
    )
    found = reference.references(session=session, actor=actor, unit=form.unit, period=form.period)
    form.references = {code: shown for code, (_, shown) in found.items()}
    form.agreements = {
        code: reference.agreement(number, form.values[code])
        for code, (number, _) in found.items()
        if form.values.get(code, "").strip()
    }
    return form
