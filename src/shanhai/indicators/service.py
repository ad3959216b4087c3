"""Indicator store services: periods, data elements, data values (upsert with audit) and simple roll-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session, selectinload

from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor, check_can_create, check_visible, visible
from shanhai.db import find_one, insert_ignoring_duplicates, unique_or, upsert, utcnow
from shanhai.documents.models import Source
from shanhai.documents.service import manual_source
from shanhai.errors import Conflict, Invalid, NotFound
from shanhai.indicators.facts import cell_of, remove_value, sync_value
from shanhai.indicators.facts_table import AnalyticsValue
from shanhai.indicators.models import (
    NATURE_AGGREGATIONS,
    Aggregation,
    DataElement,
    DataValue,
    Nature,
    Period,
    ValueKind,
    nature_of,
)
from shanhai.lib import cnnum, periods
from shanhai.lib.changes import Change
from shanhai.lib.cnnum import Qualifier, normalize
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme

MODULE = "指标"
UNIT_EQUIVALENTS = {"名": "人", "位": "人", "场": "场次"}  # one measure written two ways
MAX_ABS = Decimal("1e15")  # 千万亿: beyond any figure of a city's work, and exact on every backend
MAX_DIGITS = 15  # significant digits that SQLite (a double) keeps exactly


def parse_number(text: str, field: str = "value") -> Decimal:
    """A number typed into a form: half-width digits, an optional sign, decimal point and thousands commas."""
    try:
        number = cnnum.parse_plain(text)
    except cnnum.NumberFormatError:
        raise Invalid(f"“{text[:20]}”不是数字（请用半角数字 0–9，可带小数点）", field=field) from None
    check_number(number, field)
    return number


def check_number(value: Decimal, field: str = "value") -> None:
    """The numbers every value write accepts: finite, below MAX_ABS, at most 4 decimal places and
    MAX_DIGITS significant digits (so the figure reads back exactly on SQLite as on PostgreSQL)."""
    if not value.is_finite() or abs(value) >= MAX_ABS:
        raise Invalid(f"数值无效或过大（绝对值须小于 {MAX_ABS:,.0f}）", field=field)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4 and value != value.quantize(Decimal("0.0001")):
        raise Invalid("数值最多保留 4 位小数", field=field)
    digits = value.quantize(Decimal("0.0001")).normalize().as_tuple().digits
    if len(digits) > MAX_DIGITS:
        raise Invalid(f"数值的有效数字不能超过 {MAX_DIGITS} 位", field=field)


def same_unit(a: str, b: str) -> bool:
    return UNIT_EQUIVALENTS.get(a, a) == UNIT_EQUIVALENTS.get(b, b)


def ensure_period(*, session: Session, period_id: str) -> Period:
    try:
        info = periods.parse(period_id)
    except periods.PeriodFormatError as exc:
        raise Invalid(str(exc), field="period") from exc
    period = session.get(Period, info.id)
    if period is None:
        # two requests may be the first to use a period: the key decides, the second simply finds it
        row = {
            "id": info.id,
            "type": info.type.value,
            "start_date": info.start,
            "end_date": info.end,
            "name": info.name,
        }
        session.execute(insert_ignoring_duplicates(session, Period, row))
        period = session.get_one(Period, info.id)
    return period


def get_element(*, session: Session, code: str) -> DataElement:
    element = find_one(session, DataElement, code=code)
    if element is None:
        raise NotFound(f"指标不存在：{code}", field="data_element")
    return element


def upsert_element(
    *,
    session: Session,
    code: str,
    name: str,
    unit: str,
    aggregation: Aggregation,
    group: str,
    description: str = "",
    category: str = "",
    options: list[str] | None = None,
    aliases: str = "",
) -> tuple[DataElement, Change]:
    fields = {
        "aliases": aliases,
        "name": name,
        "unit": unit,
        "aggregation": aggregation.value,
        "group": group,
        "description": description,
        "category": category,
        "category_options": ",".join(options or []),
    }
    element, change = upsert(session, DataElement, key={"code": code}, fields=fields)
    if Aggregation(element.aggregation) not in NATURE_AGGREGATIONS[Nature(element.nature or "flow")]:
        element.nature = nature_of(element.aggregation).value  # declared by an administrator otherwise
        session.flush()
    return element, change


def find_value(
    *,
    session: Session,
    org_unit: OrgUnit,
    element: DataElement,
    period: Period,
    programme: Programme | None,
    kind: ValueKind,
    category_option: str = "",
) -> DataValue | None:
    return session.scalar(
        select(DataValue).where(
            DataValue.org_unit_id == org_unit.id,
            DataValue.data_element_id == element.id,
            DataValue.period_id == period.id,
            func.coalesce(DataValue.programme_id, 0) == (programme.id if programme else 0),
            DataValue.kind == kind.value,
            DataValue.category_option == category_option,
        )
    )


def _snapshot(value: DataValue) -> dict[str, object]:
    return {
        "value": str(normalize(value.value)),
        "qualifier": value.qualifier,
        "source_id": value.source_id,
        "comment": value.comment,
    }


def set_value(
    *,
    session: Session,
    actor: Actor,
    org_unit: OrgUnit,
    element: DataElement,
    period: Period,
    programme: Programme | None,
    kind: ValueKind,
    value: Decimal,
    qualifier: Qualifier,
    source: Source,
    comment: str = "",
    category_option: str = "",
    current: DataValue | None = None,
    create: bool = False,
) -> DataValue:
    """Insert or update one data value and record it in the audit log, in the caller's transaction. With
    `current` (an edit of a row the caller read at a known version) that row is updated and nothing else:
    if it was deleted or changed meanwhile the version check refuses (409); it is never re-created. With
    `create` it is an insert and nothing else: the table's unique key decides between parallel creates of one
    cell (409 naming it), never an update of the row another request made a moment before."""
    check_number(value)
    if value == 0:
        value = Decimal(0)  # not -0
    if category_option and category_option not in element.options:
        choices = "、".join(element.options) or "无"
        raise Invalid(
            f"“{element.name}”没有分类“{category_option}”（可选：{choices}）", field="category_option"
        )
    check_grain(element, kind, period)
    value = value.quantize(Decimal("0.0001"))  # the column keeps 4 decimal places
    existing = (
        None
        if create
        else current
        or find_value(
            session=session,
            org_unit=org_unit,
            element=element,
            period=period,
            programme=programme,
            kind=kind,
            category_option=category_option,
        )
    )
    if existing is not None and source is not existing.source:
        refuse_derived(existing)  # whatever the door: entry grid, import, API, page
    option = f"（{category_option}）" if category_option else ""
    label = f"{org_unit.name} · {element.name}{option} · {period.name}"
    label += f" · {programme.short_name}" if programme else ""
    if existing is None:
        conflict = Conflict(f"{label} 已有数据（可能刚被他人同时录入），请刷新后修改原数据", field="period")
        data_value = DataValue(
            org_unit=org_unit,
            data_element=element,
            period=period,
            programme=programme,
            kind=kind.value,
            value=value,
            qualifier=qualifier.value,
            source=source,
            comment=comment,
            created_by_id=actor.user_id,
            category_option=category_option,
        )
        session.add(data_value)
        with unique_or(conflict):  # the database's unique key decides between parallel creates
            session.flush()
        sync_value(session=session, value=data_value)
        record(
            session=session,
            actor=actor,
            module=MODULE,
            action=Action.CREATE,
            object_type="data_value",
            object_id=data_value.id,
            summary=f"新增{'目标值' if kind is ValueKind.TARGET else '数值'}：{label}",
            after=_snapshot(data_value),
        )
        return data_value
    before = _snapshot(existing)
    existing.value = value
    existing.qualifier = qualifier.value
    existing.source = source
    existing.comment = comment
    existing.updated_at = utcnow()  # always an UPDATE, so the version is checked even for an unchanged save
    session.flush()
    sync_value(session=session, value=existing)
    record(
        session=session,
        actor=actor,
        module=MODULE,
        action=Action.UPDATE,
        object_type="data_value",
        object_id=existing.id,
        summary=f"修改数值：{label}，由 {before['value']} 改为 {normalize(value)}",
        before=before,
        after=_snapshot(existing),
    )
    return existing


def check_grain(element: DataElement, kind: ValueKind, period: Period) -> None:
    """A value is given for the element's declared grain or a coarser period (then it sums up the finer
    ones: indicators.facts.settle), never for a finer one."""
    grain = element.grain_of(kind.value)
    if periods.finer(period.type, grain):
        label = periods.TYPE_LABELS[periods.PeriodType(grain)]
        what = "目标值" if kind is ValueKind.TARGET else "数值"
        raise Invalid(
            f"“{element.name}”的{what}按{label}统计，不能填报{period.name}的数据；请填报按{label}或更长期间的数据",
            field="period_id",
        )


@dataclass(frozen=True)
class ValueFilter:
    programme_id: int | None = None
    org_unit_id: int | None = None
    year: int | None = None  # periods that end within this year
    kind: ValueKind | None = None
    group: str | None = None


def sees_unapproved(actor: Actor) -> bool:
    """Who may read values of a report not yet approved (a draft, a submitted or a returned report): those
    who enter data or approve reports, within their scope. Everyone else sees a report's values once it is
    approved — as they count in analytics."""
    return actor.can("indicators:create") or actor.can("indicators:approve")


def approved_only(actor: Actor) -> list[ColumnElement[bool]]:
    """The condition on DataValue rows that keeps out unapproved report values from those who may not see
    them (`sees_unapproved`): every list, export, page and API of values applies it."""
    if sees_unapproved(actor):
        return []
    unapproved = select(AnalyticsValue.data_value_id).where(
        AnalyticsValue.data_value_id == DataValue.id, AnalyticsValue.approved.is_(False)
    )
    return [~unapproved.exists()]


def values_query(flt: ValueFilter, actor: Actor) -> Select[DataValue]:
    query = (
        select(DataValue)
        .where(visible(actor, DataValue.org_unit_id, DataValue.created_by_id), *approved_only(actor))
        .join(DataValue.period)
        .join(DataValue.data_element)
        .options(
            selectinload(DataValue.org_unit),
            selectinload(DataValue.data_element),
            selectinload(DataValue.period),
            selectinload(DataValue.programme),
            selectinload(DataValue.source).selectinload(Source.document),
        )
        .order_by(DataElement.group, DataElement.code, Period.start_date, DataValue.id)
    )
    if flt.programme_id is not None:
        query = query.where(DataValue.programme_id == flt.programme_id)
    if flt.org_unit_id is not None:
        query = query.where(DataValue.org_unit_id == flt.org_unit_id)
    if flt.year is not None:
        query = query.where(
            and_(Period.end_date >= date(flt.year, 1, 1), Period.end_date <= date(flt.year, 12, 31))
        )
    if flt.kind is not None:
        query = query.where(DataValue.kind == flt.kind.value)
    if flt.group is not None:
        query = query.where(DataElement.group == flt.group)
    return query


def latest_year(*, session: Session) -> int | None:
    """The most recent year that has a yearly value."""
    end = session.scalar(
        select(func.max(Period.end_date))
        .join(DataValue, DataValue.period_id == Period.id)
        .where(Period.type == "yearly")
    )
    return end.year if end else None


def get_value(*, session: Session, actor: Actor, value_id: int) -> DataValue:
    """One value, if it exists (NotFound) and is within the actor's scope (Forbidden)."""
    actor.require("indicators:view")
    value = session.get(DataValue, value_id)
    if value is None:
        raise NotFound("数据不存在或不在您的数据范围内", field="value_id")
    check_visible(actor, value.org_unit, value.created_by_id, what="数据")
    if not sees_unapproved(actor):
        fact = session.get(AnalyticsValue, value.id)
        if fact is not None and not fact.approved:  # a report not yet approved: not there for this reader
            raise NotFound("数据不存在或不在您的数据范围内", field="value_id")
    return value


def create_value(
    *,
    session: Session,
    actor: Actor,
    element_code: str,
    org_unit_id: int,
    period_id: str,
    programme_id: int | None,
    kind: ValueKind,
    value: Decimal,
    qualifier: Qualifier,
    comment: str = "",
    category_option: str = "",
    source: Source | None = None,
) -> DataValue:
    """Enter a value: the unit must be within the actor's scope; the source names who entered it, or is the
    figure of a report a reviewer accepted (`source`)."""
    actor.require("indicators:create")
    element = get_element(session=session, code=element_code)
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None:
        raise Invalid(f"组织单位不存在：{org_unit_id}", field="org_unit_id")
    check_can_create(actor, unit)
    programme = None
    if programme_id is not None:
        programme = session.get(Programme, programme_id)
        if programme is None:
            raise Invalid(f"重点工作不存在：{programme_id}", field="programme_id")
    period = ensure_period(session=session, period_id=period_id)
    if find_value(
        session=session,
        org_unit=unit,
        element=element,
        period=period,
        programme=programme,
        kind=kind,
        category_option=category_option,
    ):
        raise Conflict(f"{unit.name}{period.name}的“{element.name}”已有数据，请修改原数据", field="period")
    if source is None:
        source = manual_source(session=session, username=actor.display_name)
    return set_value(
        session=session,
        actor=actor,
        org_unit=unit,
        element=element,
        period=period,
        programme=programme,
        kind=kind,
        value=value,
        qualifier=qualifier,
        source=source,
        comment=comment,
        category_option=category_option,
        create=True,
    )


def update_value(
    *,
    session: Session,
    actor: Actor,
    value_id: int,
    version: int,
    value: Decimal,
    qualifier: Qualifier,
    comment: str,
) -> DataValue:
    """Change a value; a stale version is a Conflict (409), never a silent overwrite."""
    actor.require("indicators:edit")
    current = get_value(session=session, actor=actor, value_id=value_id)
    if current.version != version:
        raise Conflict("该数据已被他人修改，请刷新后重试", field="version")
    refuse_derived(current)
    # the value keeps where it came from; who changed it, when and from what is in its history (audit log)
    return set_value(
        session=session,
        actor=actor,
        org_unit=current.org_unit,
        element=current.data_element,
        period=current.period,
        programme=current.programme,
        kind=ValueKind(current.kind),
        category_option=current.category_option,
        value=value,
        qualifier=qualifier,
        source=current.source,
        comment=comment,
        current=current,
    )


DERIVED_PREFIX = "derived:"  # Source.record_table of a value that records add up to (registers.derive)


def is_derived(value: DataValue) -> bool:
    return value.source.kind == "record" and (value.source.record_table or "").startswith(DERIVED_PREFIX)


def refuse_derived(value: DataValue) -> None:
    """A value that records add up to changes only with its records."""
    if is_derived(value):
        raise Conflict(
            f"该数据由台账记录自动汇总（{value.source.note}），不能手工修改；请修改其所依据的记录",
            field="value",
        )


def delete_value(*, session: Session, actor: Actor, value_id: int, version: int) -> None:
    actor.require("indicators:delete")
    current = get_value(session=session, actor=actor, value_id=value_id)
    if current.version != version:
        raise Conflict("该数据已被他人修改，请刷新后重试", field="version")
    refuse_derived(current)
    remove_value_row(session=session, actor=actor, current=current)


def remove_value_row(*, session: Session, actor: Actor, current: DataValue) -> None:
    """Delete one value already read and checked, with its analytics row and the audit entry."""
    value_id = current.id
    before = _snapshot(current)
    label = f"{current.org_unit.name} · {current.data_element.name} · {current.period.name}"
    cell = cell_of(session, value_id)
    # the value row first, then its analytics row: the same order as an update (no deadlock between them)
    session.delete(current)
    session.flush()
    remove_value(session=session, value_id=value_id, cell=cell)
    record(
        session=session,
        actor=actor,
        module=MODULE,
        action=Action.DELETE,
        object_type="data_value",
        object_id=value_id,
        summary=f"删除数值：{label}",
        before=before,
    )
