"""Data entry: one grid per data set × unit × period, validated, saved as draft or submitted; approved or
returned with a comment by the city office; overdue reports listed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.audit.models import AuditLog
from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor, check_visible, unit_visible
from shanhai.datasets.models import STATUS_LABELS, DataSet, DataSetElement, Submission, SubmissionStatus
from shanhai.db import find_one, unique_or, utcnow
from shanhai.documents.service import manual_source
from shanhai.errors import Conflict, Forbidden, Invalid, NotFound
from shanhai.indicators import formula
from shanhai.indicators import service as indicators
from shanhai.indicators.facts import set_approved
from shanhai.indicators.facts_table import AnalyticsValue
from shanhai.indicators.models import DataElement, DataValue, Period, ValueKind
from shanhai.indicators.service import check_number
from shanhai.lib import cnnum, periods
from shanhai.lib.beijing import today as beijing_today
from shanhai.lib.cnnum import Qualifier, normalize
from shanhai.lifecycle.service import Machine, Move, move
from shanhai.orgunits.models import OrgUnit

MODULE = "数据填报"
OPERATORS = {"<=": "≤", ">=": "≥", "<": "<", ">": ">", "==": "="}
LOCKED = (SubmissionStatus.SUBMITTED.value, SubmissionStatus.APPROVED.value)
_D, _S, _A, _R = (s.value for s in SubmissionStatus)
SUBMISSION = Machine(
    kind="submission",
    module=MODULE,
    field="status",
    labels={s.value: label for s, label in STATUS_LABELS.items()},
    moves=(
        Move(None, _D, "暂存", "indicators:edit"),
        Move(None, _S, "提交审核", "indicators:edit"),
        Move(_D, _S, "提交审核", "indicators:edit"),
        Move(_R, _D, "暂存", "indicators:edit"),
        Move(_R, _S, "重新提交审核", "indicators:edit"),
        Move(_S, _A, "审核通过", "indicators:approve"),
        Move(_S, _R, "退回", "indicators:approve", needs_note=True),
    ),
)


def get_data_set(*, session: Session, data_set_id: int) -> DataSet:
    data_set = session.get(DataSet, data_set_id)
    if data_set is None:
        raise NotFound(f"报表不存在：{data_set_id}", field="data_set_id")
    return data_set


def list_data_sets(*, session: Session, actor: Actor) -> list[DataSet]:
    actor.require("indicators:view")
    return list(session.scalars(select(DataSet).order_by(DataSet.id)))


def fields(data_set: DataSet) -> list[tuple[str, str, DataSetElement]]:
    """The grid's inputs: (key, label, element); a disaggregated element gives one input per option
    ("MONTHLY_MIGRANT_WORKERS:男")."""
    out: list[tuple[str, str, DataSetElement]] = []
    for dse in data_set.elements:
        element = dse.data_element
        if element.options:
            out.extend((f"{element.code}:{o}", f"{element.name}（{o}）", dse) for o in element.options)
        else:
            out.append((element.code, element.name, dse))
    return out


def due_date(data_set: DataSet, period: periods.Period) -> date:
    return period.end + timedelta(days=data_set.due_day)


@dataclass
class EntryForm:
    data_set: DataSet
    unit: OrgUnit
    period: periods.Period
    submission: Submission | None
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    rule_errors: list[str] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)  # element code → what the records say (台账参考)
    agreements: dict[str, str] = field(default_factory=dict)  # element code → the typed figure beside it
    may_edit: bool = True  # the asker may enter data, and the unit is not closed

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else SubmissionStatus.DRAFT.value

    @property
    def status_label(self) -> str:
        """未填报 for a report nobody has started yet."""
        return STATUS_LABELS[SubmissionStatus(self.status)] if self.submission else "未填报"

    @property
    def fields(self) -> list[tuple[str, str, DataSetElement]]:
        return fields(self.data_set)

    @property
    def editable(self) -> bool:
        return self.may_edit and self.status not in LOCKED


def _unit(session: Session, actor: Actor, data_set: DataSet, org_unit_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None or unit not in data_set.units:
        raise Invalid(f"单位不在报表“{data_set.name}”的填报范围内：{org_unit_id}", field="org_unit_id")
    check_visible(actor, unit, what="报表")
    return unit


def _period(data_set: DataSet, period_id: str) -> periods.Period:
    try:
        period = periods.parse(period_id)
    except periods.PeriodFormatError as exc:
        raise Invalid(str(exc), field="period") from exc
    if period.type.value != data_set.period_type:
        raise Invalid(
            f"报表“{data_set.name}”按{periods.TYPE_LABELS[periods.PeriodType(data_set.period_type)]}填报，"
            f"期间“{period.name}”不符",
            field="period",
        )
    if period.start > beijing_today():
        raise Invalid(f"{period.name}尚未开始，不能填报", field="period")
    return period


def _submission(session: Session, data_set: DataSet, unit: OrgUnit, period_id: str) -> Submission | None:
    return find_one(session, Submission, data_set_id=data_set.id, org_unit_id=unit.id, period_id=period_id)


def entry_form(
    *, session: Session, actor: Actor, data_set_id: int, org_unit_id: int, period_id: str
) -> EntryForm:
    actor.require("indicators:view")
    data_set = get_data_set(session=session, data_set_id=data_set_id)
    unit = _unit(session, actor, data_set, org_unit_id)
    period = _period(data_set, period_id)
    values = {}
    stored = session.scalars(
        select(DataValue).where(
            DataValue.org_unit_id == unit.id,
            DataValue.data_element_id.in_([d.data_element_id for d in data_set.elements]),
            DataValue.period_id == period.id,
            DataValue.programme_id.is_(None),
            DataValue.kind == "actual",
            *indicators.approved_only(actor),  # a viewer sees a report's values once it is approved
        )
    )
    for dv in stored:
        key = f"{dv.data_element.code}:{dv.category_option}" if dv.category_option else dv.data_element.code
        values[key] = str(normalize(dv.value))
    form = EntryForm(data_set, unit, period, _submission(session, data_set, unit, period.id), values)
    form.may_edit = actor.can("indicators:edit") and not unit.closed
    return form


def validate(
    data_set: DataSet, raw: dict[str, str], *, complete: bool
) -> tuple[dict[str, Decimal], dict[str, str], list[str]]:
    """Types, min/max, required (when submitting) and cross-field rules → (numbers, errors, rule errors)."""
    numbers: dict[str, Decimal] = {}
    errors: dict[str, str] = {}
    for code, name, dse in fields(data_set):
        text = (raw.get(code) or "").strip()
        if not text:
            if complete and dse.required:
                errors[code] = f"“{name}”为必填项"
            continue
        try:
            number = cnnum.parse_plain(text)
        except cnnum.NumberFormatError:
            errors[code] = f"“{name}”应为数字（半角 0–9，可带小数点），而不是“{text[:20]}”"
            continue
        try:
            check_number(number, code)
        except Invalid as exc:
            errors[code] = f"“{name}”{exc.message}"
            continue
        broken = _broken_rule(dse, name, number)
        if broken:
            errors[code] = broken
        else:
            numbers[code] = number

    def operand(o: formula.Operand) -> Decimal | None:
        """#{CODE} is the field, or for a disaggregated element the sum of its options that are filled."""
        if o.code in numbers:
            return numbers[o.code]
        parts = [v for key, v in numbers.items() if key.partition(":")[0] == o.code and ":" in key]
        return sum(parts, Decimal(0)) if parts else None

    rule_errors = []
    for rule in data_set.rules:
        left = formula.evaluate(formula.parse(rule.left), operand)
        right = formula.evaluate(formula.parse(rule.right), operand)
        if left is None or right is None:
            continue  # a rule over empty fields is checked once they are filled
        ok = {
            "<=": left <= right,
            ">=": left >= right,
            "<": left < right,
            ">": left > right,
            "==": left == right,
        }
        if not ok[rule.operator]:
            rule_errors.append(
                f"{rule.message}（{normalize(left)} {OPERATORS[rule.operator]} {normalize(right)} 不成立）"
            )
    return numbers, errors, rule_errors


def save(
    *,
    session: Session,
    actor: Actor,
    data_set_id: int,
    org_unit_id: int,
    period_id: str,
    raw: dict[str, str],
    submit: bool,
) -> EntryForm:
    """Save the grid as a draft, or submit it. Nothing is written unless every check passes."""
    actor.require("indicators:edit")
    form = entry_form(
        session=session, actor=actor, data_set_id=data_set_id, org_unit_id=org_unit_id, period_id=period_id
    )
    if form.unit.closed:  # closing means no new entries anywhere: the registers and the grid alike
        raise Invalid(f"“{form.unit.name}”已撤销，不能再填报", field="org_unit_id")
    if not form.editable:
        raise Conflict(f"该报表已{form.status_label}，不能再修改；如需更正请由审核人退回", field="status")
    known = {key for key, _label, _dse in fields(form.data_set)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise Invalid(f"报表《{form.data_set.name}》没有填报项“{unknown[0][:40]}”", field=unknown[0][:40])
    numbers, errors, rule_errors = validate(form.data_set, raw, complete=submit)
    form.values = {k: v for k, v in raw.items() if v}
    if errors or rule_errors:
        form.errors, form.rule_errors = errors, rule_errors
        first = next(iter(errors.values()), None) or rule_errors[0]
        raise EntryInvalid(first, form)
    period = indicators.ensure_period(session=session, period_id=form.period.id)
    source = manual_source(session=session, username=actor.display_name, note=f"{form.data_set.name} 填报")
    written = []
    for key, _label, dse in fields(form.data_set):
        if key in numbers:
            value = indicators.set_value(
                session=session,
                actor=actor,
                org_unit=form.unit,
                element=dse.data_element,
                period=period,
                programme=None,
                kind=ValueKind.ACTUAL,
                value=numbers[key],
                qualifier=Qualifier.EXACT,
                source=source,
                category_option=key.partition(":")[2],
            )
            written.append(value.id)
    set_approved(session=session, value_ids=written, approved=False)
    submission = form.submission
    new = submission is None
    if submission is None:
        submission = Submission(data_set_id=form.data_set.id, org_unit_id=form.unit.id, period_id=period.id)
        session.add(submission)
        with unique_or(Conflict("该报表刚被他人同时保存，请刷新后重试", field="status")):
            session.flush()
    target = (SubmissionStatus.SUBMITTED if submit else SubmissionStatus.DRAFT).value
    what = f"{form.unit.name}{form.period.name}《{form.data_set.name}》"
    if new or submission.status != target:
        move(session=session, actor=actor, machine=SUBMISSION, obj=submission, to=target, what=what, new=new)
    else:  # another save of a draft: the values changed, the stage did not
        record(
            session=session,
            actor=actor,
            module=MODULE,
            action=Action.UPDATE,
            object_type="submission",
            object_id=submission.id,
            summary=f"暂存{what}",
        )
    if submit:
        submission.submitted_at = utcnow()
        submission.submitted_by_id = actor.user_id
    session.flush()
    form.submission = submission
    return form


class EntryInvalid(Invalid):
    """The grid did not validate; carries the form with its errors for re-display."""

    def __init__(self, message: str, form: EntryForm) -> None:
        super().__init__(message, field=next(iter(form.errors), "rules"))
        self.form = form


def _decide(*, session: Session, actor: Actor, submission_id: int, approve: bool, comment: str) -> Submission:
    actor.require("indicators:approve")
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"填报记录不存在：{submission_id}", field="submission_id")
    check_visible(actor, submission.org_unit, what="报表")
    if submission.status != SubmissionStatus.SUBMITTED.value:
        label = STATUS_LABELS[SubmissionStatus(submission.status)]
        raise Conflict(f"只有已提交的报表可以审核或退回，当前状态：{label}", field="status")
    value_ids = [str(i) for i in _report_value_ids(session, submission)]
    entrants = set(
        session.scalars(
            select(AuditLog.actor).where(
                AuditLog.object_type == "data_value", AuditLog.object_id.in_(value_ids)
            )
        )
    )
    if (submission.submitted_by_id is not None and submission.submitted_by_id == actor.user_id) or (
        actor.username in entrants
    ):
        raise Forbidden("不能审核自己提交或填写的报表，请由其他审核人审核", field="status")
    if approve:
        set_approved(session=session, value_ids=_report_value_ids(session, submission), approved=True)
    to = (SubmissionStatus.APPROVED if approve else SubmissionStatus.RETURNED).value
    period_name = periods.parse(submission.period_id).name
    what = f"{submission.org_unit.name}{period_name}《{submission.data_set.name}》"
    move(session=session, actor=actor, machine=SUBMISSION, obj=submission, to=to, note=comment, what=what)
    submission.comment = comment.strip()
    submission.decided_at = utcnow()
    submission.decided_by = actor.username
    session.flush()
    return submission


def _report_value_ids(session: Session, submission: Submission) -> list[int]:
    element_ids = [e.data_element_id for e in submission.data_set.elements]
    return list(
        session.scalars(
            select(DataValue.id).where(
                DataValue.org_unit_id == submission.org_unit_id,
                DataValue.period_id == submission.period_id,
                DataValue.data_element_id.in_(element_ids),
                DataValue.programme_id.is_(None),
                DataValue.kind == "actual",
            )
        )
    )


def approve(*, session: Session, actor: Actor, submission_id: int) -> Submission:
    return _decide(session=session, actor=actor, submission_id=submission_id, approve=True, comment="")


def return_for_correction(*, session: Session, actor: Actor, submission_id: int, comment: str) -> Submission:
    return _decide(session=session, actor=actor, submission_id=submission_id, approve=False, comment=comment)


def pending(*, session: Session, actor: Actor) -> list[Submission]:
    actor.require("indicators:view")
    rows = session.scalars(
        select(Submission)
        .where(Submission.status == SubmissionStatus.SUBMITTED.value)
        .order_by(Submission.id)
    )
    return [s for s in rows if unit_visible(actor, s.org_unit)]


@dataclass(frozen=True)
class Overdue:
    data_set: DataSet
    unit: OrgUnit
    period: periods.Period
    due: date
    status: str


def recent_periods(data_set: DataSet, today: date, count: int = 12) -> list[periods.Period]:
    """The data set's last `count` periods that have ended, newest first."""
    current = periods.containing(today, periods.PeriodType(data_set.period_type))
    return [periods.shift(current, -i) for i in range(1, count + 1)]


def overdue(*, session: Session, actor: Actor, today: date, lookback: int = 3) -> list[Overdue]:
    """Reports past their due date and not yet submitted (drafts and returned ones included), within scope."""
    actor.require("indicators:view")
    out = []
    for data_set in session.scalars(select(DataSet).order_by(DataSet.id)):
        for period in recent_periods(data_set, today, lookback):
            due = due_date(data_set, period)
            if due >= today:
                continue
            for unit in data_set.units:
                if unit.closed or not unit_visible(actor, unit):  # a closed unit owes no reports
                    continue
                submission = _submission(session, data_set, unit, period.id)
                if submission is None or submission.status not in LOCKED:
                    status = submission.status if submission else "missing"
                    out.append(Overdue(data_set, unit, period, due, status))
    return out


@dataclass(frozen=True)
class Owner:
    """The report that owns a value: the value changes only through it."""

    data_set: DataSet
    unit: OrgUnit | None
    period: periods.Period | None
    submission: Submission | None

    @property
    def refusal(self) -> str:
        name = f"《{self.data_set.name}》"
        if self.unit is None or self.period is None:
            every = periods.TYPE_LABELS[periods.PeriodType(self.data_set.period_type)]
            return f"该指标由各单位通过报表{name}按{every}填报，不能在此直接录入或修改"
        status = STATUS_LABELS[SubmissionStatus(self.submission.status)] if self.submission else "未填报"
        return (
            f"该数据属于{self.unit.name}{self.period.name}的报表{name}（{status}），"
            f"只能在该报表的填报页录入或修改（数据填报 → {self.data_set.name}）"
        )


@dataclass(frozen=True)
class ReportOwners:
    """Which values a data set's report owns — the one answer, used by the write path (`owning_report`) and
    by the rebuild of the analytics table alike: a value belongs to a report when its element is a field of
    a data set that covers the value's unit at the data set's period type (and it is a plain actual value:
    no programme, not a target). Such a value counts in analytics once its report is approved."""

    owners: dict[int, list[tuple[int, str, frozenset[int]]]]  # element id → (data set, period type, units)
    approved: frozenset[tuple[int, int, str]]  # (data set, unit, period) of approved reports

    @classmethod
    def load(cls, session: Session, element_ids: list[int] | None = None) -> ReportOwners:
        owners: dict[int, list[tuple[int, str, frozenset[int]]]] = {}
        query = select(DataSet).order_by(DataSet.id)
        if element_ids is not None:
            query = query.where(
                DataSet.id.in_(
                    select(DataSetElement.data_set_id).where(DataSetElement.data_element_id.in_(element_ids))
                )
            )
        for data_set in session.scalars(query):
            units = frozenset(u.id for u in data_set.units)
            for dse in data_set.elements:
                owners.setdefault(dse.data_element_id, []).append((data_set.id, data_set.period_type, units))
        approved = frozenset(
            session.execute(
                select(Submission.data_set_id, Submission.org_unit_id, Submission.period_id).where(
                    Submission.status == SubmissionStatus.APPROVED.value
                )
            ).tuples()
        )
        return cls(owners, approved)

    def owner(self, element_id: int, unit_id: int, period_type: str) -> int | None:
        """The data set whose report owns the element's values for this unit at this period type."""
        for data_set_id, ptype, units in self.owners.get(element_id, ()):
            if ptype == period_type and unit_id in units:
                return data_set_id
        return None

    def counts(self, element_id: int, unit_id: int, period_id: str, period_type: str, plain: bool) -> bool:
        """A value counts in analytics unless a report owns it and that report is not approved."""
        if not plain:  # values with a programme or of kind target are not a report's
            return True
        data_set_id = self.owner(element_id, unit_id, period_type)
        return data_set_id is None or (data_set_id, unit_id, period_id) in self.approved


def refresh_approval(*, session: Session, element_ids: Iterable[int]) -> int:
    """After a data set gained or lost elements or units, or changed its period type: each value of those
    elements counts in analytics as `ReportOwners.counts` says (the rebuild's own rule), so that a value
    entered before its cell belonged to a report waits for that report's approval. Returns how many facts
    changed."""
    ids = sorted(set(element_ids))
    if not ids:
        return 0
    owners = ReportOwners.load(session, ids)
    av = AnalyticsValue
    columns = (av.data_value_id, av.data_element_id, av.org_unit_id, av.period_id, Period.type)
    rows = session.execute(
        select(*columns, av.programme_id, av.kind, av.approved)
        .join(Period, Period.id == av.period_id)
        .where(av.data_element_id.in_(ids))
    )
    changed: dict[bool, list[int]] = {True: [], False: []}
    for value_id, element_id, unit_id, period_id, ptype, programme_id, kind, approved in rows:
        plain = programme_id is None and kind == ValueKind.ACTUAL.value
        counts = owners.counts(element_id, unit_id, period_id, ptype, plain)
        if counts != approved:
            changed[counts].append(value_id)
    for approved, value_ids in changed.items():
        set_approved(session=session, value_ids=value_ids, approved=approved)
    return len(changed[True]) + len(changed[False])


def owning_report(
    *, session: Session, element: DataElement, org_unit_id: int, period_id: str
) -> Owner | None:
    """The report that owns a value of `element` at this unit and period (`ReportOwners.owner`), with its
    submission if started; for any other unit or period of a data-set element, the data set alone (such
    elements are entered only through their reports); None for an element no data set has."""
    owners = ReportOwners.load(session, [element.id])
    if element.id not in owners.owners:
        return None
    try:
        period: periods.Period | None = periods.parse(period_id)
    except periods.PeriodFormatError:
        period = None
    data_set_id = owners.owner(element.id, org_unit_id, period.type.value) if period else None
    if data_set_id is None or period is None:
        return Owner(session.get_one(DataSet, owners.owners[element.id][0][0]), None, None, None)
    data_set = session.get_one(DataSet, data_set_id)
    unit = session.get_one(OrgUnit, org_unit_id)
    return Owner(data_set, unit, period, _submission(session, data_set, unit, period.id))


def check_field(*, session: Session, element: DataElement, value: Decimal) -> None:
    """A number for `element` outside any report (a target) obeys the rules of the data set that has the
    element: integer, minimum, maximum."""
    dse = session.scalars(select(DataSetElement).where(DataSetElement.data_element_id == element.id)).first()
    broken = _broken_rule(dse, element.name, value) if dse else None
    if broken:
        raise Invalid(broken, field="value")


def _broken_rule(dse: DataSetElement, name: str, number: Decimal) -> str | None:
    """The data set's rule for one field that `number` breaks (integer, minimum, maximum), or None."""
    if dse.integer_only and number != number.to_integral_value():
        return f"“{name}”应为整数"
    if dse.min_value is not None and number < dse.min_value:
        return f"“{name}”不能小于 {normalize(dse.min_value)}"
    if dse.max_value is not None and number > dse.max_value:
        return f"“{name}”不能大于 {normalize(dse.max_value)}"
    return None
