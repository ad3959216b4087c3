"""A record counts where it belongs, and says so: any 交往交流 activity (a party delegation's visit) raised
中小学交流活动 from 15 to 17, and no form said what a record would count towards (the figures issue)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.errors import Invalid, OutOfScope
from shanhai.indicators.models import DataElement, DataValue
from shanhai.operations import derive
from shanhai.operations import registers as reg
from shanhai.operations.models import Activity
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme
from tests.conftest import actor_of


def _exchanges(session: Session) -> Decimal | None:
    unit = session.scalars(select(OrgUnit.id).where(OrgUnit.code == "P-XJ-KT")).one()
    value = session.scalar(
        select(DataValue.value)
        .join(DataElement)
        .where(
            DataElement.code == "EXCHANGE_EVENTS",
            DataValue.org_unit_id == unit,
            DataValue.period_id == "2025",
        )
    )
    return value


def _activity(session: Session, **raw: Any) -> Activity:
    base = {
        "held_on": "2025-06-01",
        "org_unit_id": str(session.scalars(select(OrgUnit.id).where(OrgUnit.code == "P-XJ-KT")).one()),
        "programme_id": str(session.scalars(select(Programme.id).where(Programme.code == "YJ")).one()),
        "sessions": "2",
    }
    return reg.create(
        session=session, actor=actor_of(session, "city_admin"), rtype=reg.TYPES["activities"], raw=base | raw
    )


def test_a_delegations_visit_does_not_count_as_a_school_exchange(session: Session) -> None:
    assert _exchanges(session) == 15
    _activity(session, title="党政代表团考察交流", kind="交往交流")
    assert _exchanges(session) == 15
    _activity(session, title="结对学校教研", kind="教育交流")  # no school named: not a school exchange
    assert _exchanges(session) == 15
    _activity(session, title="奎屯一中与徐州一中结对交流", kind="教育交流", schools="2")
    assert _exchanges(session) == 17


def test_the_form_says_what_a_record_counts_towards(client: TestClient) -> None:
    page = client.get("/records/activities/new").text
    assert (
        "本记录将计入" in page and "中小学交流活动" in page and "党政代表团互访等其他交往交流不计入" in page
    )
    assert (
        "本记录将计入" not in client.get("/records/workgroups/new").text
    )  # work groups count towards nothing
    for d in derive.DERIVATIONS:
        assert d.says, f"{d.code} does not say what it counts"


def test_the_records_behind_a_value_show_their_date_and_part(session: Session, client: TestClient) -> None:
    _activity(session, title="奎屯一中与徐州一中结对交流", kind="教育交流", schools="2", held_on="2025-05-04")
    unit = session.scalars(select(OrgUnit.id).where(OrgUnit.code == "P-XJ-KT")).one()
    value_id = session.scalar(
        select(DataValue.id)
        .join(DataElement)
        .where(
            DataElement.code == "EXCHANGE_EVENTS",
            DataValue.org_unit_id == unit,
            DataValue.period_id == "2025",
        )
    )
    data = client.get(f"/api/v1/values/{value_id}/records").json()
    assert "教育交流" in data["says"]
    parts = {(r["when"], r["part"]) for r in data["records"]}
    assert parts == {("2025-12-31", "15"), ("2025-05-04", "2")}
    assert sum(Decimal(r["part"]) for r in data["records"]) == 17
    assert "计入数" in client.get(f"/values/{value_id}/records").text


def test_an_id_number_in_use_outside_ones_scope_reveals_nothing(session: Session) -> None:
    """A district user learned from the refusal that someone else holds a full-time post, with its place and
    dates: the message now says only that the number is in use outside the user's scope."""
    kuitun = session.scalars(select(OrgUnit.id).where(OrgUnit.code == "P-XJ-KT")).one()
    quanshan = session.scalars(select(OrgUnit.id).where(OrgUnit.code == "XZ-QS")).one()
    person = {
        "name": "张援疆",
        "category": "党政干部",
        "start_on": "2025-01-01",
        "end_on": "2026-12-31",
        "full_time": "1",
        "status": "在岗",
        "id_number": "11010519491231002X",
    }
    people = reg.TYPES["people"]
    reg.create(
        session=session,
        actor=actor_of(session, "city_admin"),
        rtype=people,
        raw=person | {"org_unit_id": str(kuitun), "post": "奎屯市委副书记"},
    )
    try:
        reg.create(
            session=session,
            actor=actor_of(session, "quanshan_officer"),
            rtype=people,
            raw=person | {"name": "李某", "org_unit_id": str(quanshan)},
        )
    except Invalid as exc:
        message, field = exc.message, exc.field
    else:
        raise AssertionError("a second full-time post was accepted")
    assert field == "id_number" and "数据范围以外" in message
    for secret in ("张援疆", "奎屯", "2025-01-01", "2026-12-31", "副书记"):
        assert secret not in message


def test_a_park_outside_ones_scope_is_not_named(session: Session) -> None:
    """A park's type was checked before the scope: “宝鸡市”不是产业园 named a unit outside one's scope."""
    baoji = session.scalars(select(OrgUnit.id).where(OrgUnit.code == "P-SX-BJ")).one()
    with pytest.raises(OutOfScope) as refused:
        reg.create(
            session=session,
            actor=actor_of(session, "quanshan_officer"),
            rtype=reg.TYPES["parks"],
            raw={"org_unit_id": str(baoji), "year": "2025", "output": "1亿"},
        )
    assert "宝鸡" not in refused.value.message and refused.value.status == 404
