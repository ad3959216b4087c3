"""Values entered or corrected by hand (API, value pages). A value that a data set's report owns changes only
through that report: here it is refused, naming the report and its state. Everything else goes through the
one write path, `indicators.service.set_value`, with its rules."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.audit.models import AuditLog
from shanhai.auth.scope import Actor
from shanhai.datasets import service as datasets
from shanhai.documents.models import Source
from shanhai.documents.schemas import SourceRead
from shanhai.documents.service import TextCache
from shanhai.errors import Conflict
from shanhai.indicators import service as indicators
from shanhai.indicators.models import DataElement, DataValue, ValueKind
from shanhai.indicators.present import source_read
from shanhai.lib.cnnum import Qualifier, format_quantity
from shanhai.operations.keepers import keeper_of
from shanhai.registers import catalogue, derive


def _refuse_report_owned(session: Session, element: DataElement, unit_id: int, period_id: str) -> None:
    owner = datasets.owning_report(session=session, element=element, org_unit_id=unit_id, period_id=period_id)
    if owner is not None:
        raise Conflict(owner.refusal, field="data_element")


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
    actor.require("indicators:create")
    element = indicators.get_element(session=session, code=element_code)
    kept = keeper_of(session=session, element=element, kind=kind)
    if kept is not None and kept.kind == "records":  # a register's sum takes no hand value, whatever the door
        raise Conflict(kept.refusal, field="data_element")
    if kind is ValueKind.ACTUAL:  # whatever the programme: analytics adds every programme's values up
        _refuse_report_owned(session, element, org_unit_id, period_id.strip())
    else:  # a target of a data-set element obeys the data set's rules for that element
        datasets.check_field(session=session, element=element, value=value)
    return indicators.create_value(
        session=session,
        actor=actor,
        element_code=element_code,
        org_unit_id=org_unit_id,
        period_id=period_id,
        programme_id=programme_id,
        kind=kind,
        value=value,
        qualifier=qualifier,
        comment=comment,
        category_option=category_option,
        source=source,
    )


def _owned_check(session: Session, current: DataValue, value: Decimal | None = None) -> None:
    if current.kind == ValueKind.ACTUAL.value:
        _refuse_report_owned(session, current.data_element, current.org_unit_id, current.period_id)
    elif value is not None:
        datasets.check_field(session=session, element=current.data_element, value=value)


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
    actor.require("indicators:edit")
    current = indicators.get_value(session=session, actor=actor, value_id=value_id)
    _owned_check(session, current, value)
    return indicators.update_value(
        session=session,
        actor=actor,
        value_id=value_id,
        version=version,
        value=value,
        qualifier=qualifier,
        comment=comment,
    )


def delete_value(*, session: Session, actor: Actor, value_id: int, version: int) -> None:
    actor.require("indicators:delete")
    current = indicators.get_value(session=session, actor=actor, value_id=value_id)
    _owned_check(session, current)
    indicators.delete_value(session=session, actor=actor, value_id=value_id, version=version)


def history(*, session: Session, actor: Actor, value_id: int) -> list[AuditLog]:
    """Every change of one value (who, when, from, to), oldest first, from the audit log."""
    indicators.get_value(session=session, actor=actor, value_id=value_id)  # scope and existence
    return list(
        session.scalars(
            select(AuditLog)
            .where(AuditLog.object_type == "data_value", AuditLog.object_id == str(value_id))
            .order_by(AuditLog.at, AuditLog.id)
        )
    )


class RecordRef(BaseModel):
    id: int
    title: str
    url: str
    when: str  # the date, year or period that places the record in the value's period
    part: Decimal  # what the record adds to the value
    part_display: str
    source: SourceRead | None  # the report span the record was read from


class RecordsBehind(BaseModel):
    """A derived value's records: the page /values/{id}/records and its JSON twin."""

    value_id: int
    derivation: str
    label: str
    says: str  # what the derivation counts, in words
    records: list[RecordRef]


def records_behind(
    *, session: Session, actor: Actor, value_id: int, sources_dir: Path | None
) -> RecordsBehind:
    d, rows, parts = derive.records_behind(session=session, actor=actor, value_id=value_id)
    rtype = catalogue.type_of(d.model)
    cache = TextCache(sources_dir)
    unit = indicators.get_value(session=session, actor=actor, value_id=value_id).data_element.unit
    placed_by = d.date or d.year or d.period or ""
    return RecordsBehind(
        value_id=value_id,
        derivation=d.code,
        label=d.label,
        says=d.explained,
        records=[
            RecordRef(
                id=r.id,
                title=rtype.title(r),
                url=f"{d.link}/{r.id}",
                when=str(getattr(r, placed_by, "")) if placed_by else "",
                part=parts.get(r.id, d.part(r)),
                part_display=format_quantity(parts.get(r.id, d.part(r)), unit),
                source=source_read(r.source, cache) if r.source is not None else None,
            )
            for r in rows
        ],
    )
