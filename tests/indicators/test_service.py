"""Data values: upsert with audit in the same transaction, the unique key, roll-up qualifiers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shanhai.audit.models import AuditLog
from shanhai.documents import service as documents
from shanhai.errors import Invalid
from shanhai.indicators import service as indicators
from shanhai.indicators.models import DataValue, ValueKind
from shanhai.lib.cnnum import Qualifier, combine_qualifiers
from shanhai.orgunits import service as orgunits
from tests.conftest import actor_of


def _source(session: Session):
    doc = documents.get_by_code(session=session, code="tech-2025")
    return documents.document_source(session=session, document=doc, figure_text="7家", span=None)


def test_set_value_writes_value_and_audit_entry_together(session: Session) -> None:
    unit = orgunits.get_by_code(session=session, code="XZ-GL")
    element = indicators.get_element(session=session, code="HNTE_APPLICATIONS")
    period = indicators.ensure_period(session=session, period_id="2025Q4")
    audits = session.scalar(select(func.count()).select_from(AuditLog))
    dv = indicators.set_value(
        session=session,
        actor=actor_of(session, "city_admin"),
        org_unit=unit,
        element=element,
        period=period,
        programme=None,
        kind=ValueKind.ACTUAL,
        value=Decimal(7),
        qualifier=Qualifier.EXACT,
        source=_source(session),
    )
    assert dv.id and period.name == "2025年第四季度"
    assert session.scalar(select(func.count()).select_from(AuditLog)) == audits + 1
    dv2 = indicators.set_value(
        session=session,
        actor=actor_of(session, "city_admin"),
        org_unit=unit,
        element=element,
        period=period,
        programme=None,
        kind=ValueKind.ACTUAL,
        value=Decimal(9),
        qualifier=Qualifier.OVER,
        source=_source(session),
    )
    assert dv2.id == dv.id and dv2.version == 2
    last = session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert last is not None and last.action == "修改" and "由 7 改为 9" in last.summary
    assert last.before == {
        "value": "7",
        "qualifier": "exact",
        "source_id": last.before["source_id"],
        "comment": "",
    }


def test_one_value_per_key_even_without_programme(session: Session) -> None:
    existing = session.scalars(select(DataValue).where(DataValue.programme_id.is_(None))).first()
    assert existing is not None
    duplicate = DataValue(
        org_unit_id=existing.org_unit_id,
        data_element_id=existing.data_element_id,
        period_id=existing.period_id,
        programme_id=None,
        kind=existing.kind,
        value=Decimal(1),
        qualifier="exact",
        source_id=existing.source_id,
    )
    session.add(duplicate)
    with pytest.raises(IntegrityError):
        session.flush()


def test_bad_period_is_invalid_naming_the_field(session: Session) -> None:
    with pytest.raises(Invalid) as info:
        indicators.ensure_period(session=session, period_id="2025Q9")
    assert info.value.field == "period" and "2025Q9" in info.value.message


def test_the_qualifier_of_a_sum() -> None:
    assert combine_qualifiers(["exact", "over"]) is Qualifier.OVER
    assert combine_qualifiers(["exact", "exact"]) is Qualifier.EXACT
    assert combine_qualifiers(["over", "under"]) is Qualifier.APPROX
    assert combine_qualifiers(["exact", "approx"]) is Qualifier.APPROX
