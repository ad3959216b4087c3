"""One answer to “which report owns a value”, for the write path and the rebuild alike: a value entered before
its cell belonged to a report waits for that report's approval as soon as the data set takes the element,
and a rebuild of the analytics table then changes nothing (the figures issue: a rebuild and the incremental
table could disagree)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.analytics.engine import analytics
from shanhai.flows.rebuild import rebuild_analytics
from shanhai.indicators import service as indicators
from shanhai.indicators.facts_table import AnalyticsValue
from shanhai.indicators.models import DataElement, DataValue, ValueKind
from shanhai.lib.cnnum import Qualifier
from shanhai.orgunits.models import OrgUnit
from shanhai.setup import datasets as ds_setup
from tests.conftest import actor_of


def _facts(session: Session) -> dict[int, bool]:
    return dict(session.execute(select(AnalyticsValue.data_value_id, AnalyticsValue.approved)).tuples().all())


def _letters(session: Session) -> Decimal | None:
    result = analytics(
        session=session, actor=actor_of(session, "city_admin"), dx="LETTERS_SENT", ou="XZ-QS", pe="203001"
    )
    return result.value("LETTERS_SENT", "XZ-QS", "203001")


def test_a_value_that_a_report_comes_to_own_waits_for_its_approval(session: Session) -> None:
    admin = actor_of(session, "admin")
    unit = session.scalars(select(OrgUnit).where(OrgUnit.code == "XZ-QS")).one()
    element = session.scalars(select(DataElement).where(DataElement.code == "LETTERS_SENT")).one()
    indicators.create_value(
        session=session,
        actor=admin,
        element_code="LETTERS_SENT",
        org_unit_id=unit.id,
        period_id="203001",
        programme_id=None,
        kind=ValueKind.ACTUAL,
        value=Decimal(7),
        qualifier=Qualifier.EXACT,
    )
    assert _letters(session) == 7
    data_set = ds_setup.create_data_set(
        session=session,
        actor=admin,
        code_="DS_LETTERS",
        name="书信月报",
        period_type="monthly",
        due_day=10,
        programme_id=None,
        element_ids=[element.id],
        required_ids=[],
        unit_ids=[unit.id],
        rules="",
    )
    assert _letters(session) is None  # the report owns the cell now, and nobody approved it
    before = _facts(session)
    rebuild_analytics(session=session)
    assert _facts(session) == before  # one rule: the rebuild agrees with the incremental table
    ds_setup.delete_data_set(session=session, actor=admin, data_set_id=data_set.id)
    assert _letters(session) == 7
    before = _facts(session)
    rebuild_analytics(session=session)
    assert _facts(session) == before


def test_a_reports_values_before_approval_are_not_the_viewers(
    as_persona: Callable[[str], TestClient], session: Session
) -> None:
    """Viewers saw the values of drafts, returned and submitted reports in /api/v1/values."""
    unit = session.scalars(select(OrgUnit).where(OrgUnit.code == "XZ-QS")).one()
    officer, viewer, city = as_persona("quanshan_officer"), as_persona("viewer"), as_persona("city_admin")
    r = officer.put(
        "/api/v1/datasets/1/entry",
        params={"org_unit_id": unit.id, "period": "202504"},
        json={"values": {"MONTHLY_TRAINED": "40", "MONTHLY_PLACED": "30"}},
    )
    assert r.status_code == 200, r.text
    draft = set(
        session.scalars(
            select(DataValue.id).where(DataValue.period_id == "202504", DataValue.org_unit_id == unit.id)
        )
    )
    assert draft

    def ids(client: TestClient) -> set[int]:
        items = client.get("/api/v1/values", params={"limit": 200, "year": 2025}).json()["items"]
        listed = client.get("/api/v1/lists/values", params={"limit": 200, "year": 2025}).json()["items"]
        return {v["id"] for v in items} | {v["id"] for v in listed}

    assert not draft & ids(viewer)
    assert draft <= ids(officer) and draft <= ids(city)  # who enters and who approves see the draft
    one = next(iter(draft))
    assert viewer.get(f"/api/v1/values/{one}").status_code == 404
    assert officer.get(f"/api/v1/values/{one}").status_code == 200
    export = viewer.get("/api/v1/lists/values/export", params={"format": "csv", "year": 2025}).text
    assert officer.get("/api/v1/lists/values/export", params={"format": "csv", "year": 2025}).text != export
