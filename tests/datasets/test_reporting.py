"""Data sets: the entry checks (types, bounds, required, cross-field rules) as pure functions, the overdue
list over a year of periods with its links, and 催报 from the approving office to a late unit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.datasets import service as datasets
from shanhai.datasets.models import DataSet
from shanhai.errors import Conflict, Forbidden, Invalid
from shanhai.flows import reporting
from shanhai.lib import periods
from shanhai.lib.beijing import today as beijing_today
from tests.conftest import actor_of

TODAY = beijing_today()  # the reminder's own moment is now: the same day as the overview's


def _data_set(session: Session) -> DataSet:
    return session.scalars(select(DataSet).where(DataSet.code == "DS_MONTHLY")).one()


def test_validation_types_bounds_required_and_rules(session: Session) -> None:
    data_set = _data_set(session)
    codes = [code for code, _, _ in datasets.fields(data_set)]
    trained, placed = "MONTHLY_TRAINED", "MONTHLY_PLACED"
    assert trained in codes and placed in codes
    numbers, errors, rules = datasets.validate(data_set, {trained: "120", placed: "80"}, complete=False)
    assert numbers == {trained: Decimal(120), placed: Decimal(80)} and not errors and not rules
    _, errors, _ = datasets.validate(data_set, {trained: "一百"}, complete=False)
    assert "应为数字" in errors[trained]
    _, errors, _ = datasets.validate(data_set, {trained: "1e400"}, complete=False)
    assert trained in errors
    _, _, rules = datasets.validate(data_set, {trained: "100", placed: "150"}, complete=False)
    assert rules and "不成立" in rules[0]
    required = [dse.data_element.code for dse in data_set.elements if dse.required]
    if required:
        _, errors, _ = datasets.validate(data_set, {}, complete=True)
        assert set(required) <= set(errors)
    _, errors, _ = datasets.validate(data_set, {trained: "1,200"}, complete=False)
    assert not errors  # thousands separators are accepted


def test_due_dates_follow_the_period_type(session: Session) -> None:
    data_set = _data_set(session)
    due = datasets.due_date(data_set, periods.parse("202510"))
    assert due == date(2025, 11, data_set.due_day)


def test_overdue_looks_back_a_year_with_links_and_days_late(session: Session) -> None:
    data = reporting.overview(session=session, actor=actor_of(session, "city_admin"), today=TODAY)
    assert data.overdue and data.can_remind
    months = {o.period for o in data.overdue}
    assert len(months) > 3  # a year of periods, no longer the last three months only
    first = data.overdue[0]
    assert first.days_late == (TODAY - first.due).days > 0
    assert (
        first.entry_url
        == f"/datasets/{first.data_set_id}/entry?org_unit_id={first.org_unit_id}&period={first.period}"
    )
    assert [o.days_late for o in data.overdue] == sorted((o.days_late for o in data.overdue), reverse=True)


def test_a_reminder_reaches_the_late_unit_once_a_day(session: Session) -> None:
    city = actor_of(session, "city_admin")
    officer = actor_of(session, "quanshan_officer")
    late = next(o for o in reporting.overview(session=session, actor=officer, today=TODAY).overdue)
    assert not reporting.overview(session=session, actor=officer, today=TODAY).reminders
    with pytest.raises(Forbidden):
        reporting.remind(
            session=session,
            actor=officer,
            data_set_id=late.data_set_id,
            org_unit_id=late.org_unit_id,
            period_id=late.period,
            today=TODAY,
        )
    sent = reporting.remind(
        session=session,
        actor=city,
        data_set_id=late.data_set_id,
        org_unit_id=late.org_unit_id,
        period_id=late.period,
        today=TODAY,
    )
    assert sent.reminded_by == "city_admin" and sent.reminded_at is not None
    seen = reporting.overview(session=session, actor=officer, today=TODAY).reminders
    assert [(r.data_set_id, r.org_unit_id, r.period) for r in seen] == [
        (late.data_set_id, late.org_unit_id, late.period)
    ]
    other = actor_of(session, "jingkai_officer")
    assert not reporting.overview(session=session, actor=other, today=TODAY).reminders
    with pytest.raises(Conflict, match="今天已催报"):
        reporting.remind(
            session=session,
            actor=city,
            data_set_id=late.data_set_id,
            org_unit_id=late.org_unit_id,
            period_id=late.period,
            today=TODAY,
        )
    with pytest.raises(Invalid, match="没有逾期"):
        reporting.remind(
            session=session,
            actor=city,
            data_set_id=late.data_set_id,
            org_unit_id=late.org_unit_id,
            period_id="209901",
            today=TODAY,
        )


def test_the_overview_page_and_its_twin_agree(as_persona: Callable[[str], TestClient]) -> None:
    client = as_persona("quanshan_officer")
    page = client.get("/datasets")
    twin = client.get("/api/v1/datasets/overview").json()
    assert page.status_code == 200 and 'href="/api/v1/datasets/overview"' in page.text
    assert len(twin["overdue"]) == page.text.count("打开报表</a>")
    assert all(o["org_unit"] == "泉山区" or "泉山" in o["org_unit"] for o in twin["overdue"])
    assert "催报</button>" not in page.text  # a district officer does not approve, so does not remind


def test_a_period_of_the_wrong_type_is_named_with_the_data_sets_own_type(
    as_persona: Callable[[str], TestClient], session: Session
) -> None:
    from shanhai.orgunits.models import OrgUnit

    unit = session.scalars(select(OrgUnit).where(OrgUnit.code == "XZ-QS")).one()
    data_set = _data_set(session)
    reply = as_persona("quanshan_officer").get(
        f"/api/v1/datasets/{data_set.id}/entry", params={"org_unit_id": unit.id, "period": "2025"}
    )
    message = reply.json()["error"]["message"]
    assert reply.status_code == 422 and "按月填报" in message and "2025年" in message


def test_a_viewer_sees_a_reports_values_only_once_it_is_approved_and_may_not_edit(
    as_persona: Callable[[str], TestClient], session: Session
) -> None:
    """A draft saved for 丰县 (the outside trial): the viewer read its numbers on the entry grid and its JSON
    twin, which also said editable. Values of a report not yet approved are seen by those who enter or
    approve data only (indicators.approved_only, the one rule every list applies); the grid is read-only
    to one who may not edit."""
    from shanhai.orgunits.models import OrgUnit

    unit = session.scalars(select(OrgUnit).where(OrgUnit.code == "XZ-FX")).one()
    data_set = _data_set(session)
    period = periods.shift(periods.containing(TODAY, periods.PeriodType.MONTHLY), -1).id
    element = data_set.elements[0].data_element.code
    params = {"org_unit_id": unit.id, "period": period}
    saved = as_persona("city_admin").put(
        f"/api/v1/datasets/{data_set.id}/entry", params=params, json={"values": {element: "77777"}}
    )
    assert saved.status_code == 200, saved.text
    viewer = as_persona("viewer")
    twin = viewer.get(f"/api/v1/datasets/{data_set.id}/entry", params=params).json()
    assert twin["status"] == "draft" and "77777" not in str(twin["values"]) and twin["editable"] is False
    page = viewer.get(f"/datasets/{data_set.id}/entry", params=params)
    assert page.status_code == 200 and "77777" not in page.text
    mine = as_persona("city_admin").get(f"/api/v1/datasets/{data_set.id}/entry", params=params).json()
    assert mine["values"][element] == "77777" and mine["editable"] is True
