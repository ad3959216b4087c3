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
from shanhai.operations.models import Activity
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme
from shanhai.registers import catalogue
from shanhai.registers import kit as reg
from tests.conftest import actor_of


def _exchanges(session: Session, period: str = "2025") -> Decimal | None:
    unit = session.scalars(select(OrgUnit.id).where(OrgUnit.code == "P-XJ-KT")).one()
    value = session.scalar(
        select(DataValue.value)
        .join(DataElement)
        .where(
            DataElement.code == "EXCHANGE_EVENTS",
            DataValue.org_unit_id == unit,
            DataValue.period_id == period,
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
        session=session,
        actor=actor_of(session, "city_admin"),
        rtype=reg.get_type("activities"),
        raw=base | raw,
    )


def test_a_delegations_visit_does_not_count_as_a_school_exchange(session: Session) -> None:
    # 2024 has no records: what counts shows plainly (2025's 全年合计 row already covers its year's details)
    assert _exchanges(session, "2024") is None
    _activity(session, title="党政代表团考察交流", kind="交往交流", held_on="2024-06-01")
    assert _exchanges(session, "2024") is None
    _activity(session, title="结对学校教研", kind="教育交流", held_on="2024-06-01")  # no school named
    assert _exchanges(session, "2024") is None
    _activity(session, title="奎屯一中与徐州一中结对交流", kind="教育交流", schools="2", held_on="2024-06-01")
    assert _exchanges(session, "2024") == 2


def test_a_detail_inside_a_years_total_row_is_not_added_to_it(session: Session) -> None:
    """The finding: a record added beside the demo's 全年合计 row made the year bigger than the year's own
    total. The total row (15 场次, 全年合计) covers the year's exchanges up to 12-31: a May exchange of 2 is
    one of them, so the year stays 15, and the total row counts 13 beside it."""
    assert _exchanges(session) == 15
    _activity(session, title="奎屯一中与徐州一中结对交流", kind="教育交流", schools="2")
    assert _exchanges(session) == 15
    for n in range(8):  # the details go beyond the total: the details stand, the total adds nothing
        _activity(session, title=f"结对交流{n}", kind="教育交流", schools="1")
    assert _exchanges(session) == 18


def test_the_form_says_what_a_record_counts_towards(client: TestClient) -> None:
    page = client.get("/records/activities/new").text
    assert (
        "本记录将计入" in page and "中小学交流活动" in page and "党政代表团互访等其他交往交流不计入" in page
    )
    assert (
        "本记录将计入" not in client.get("/records/workgroups/new").text
    )  # work groups count towards nothing
    for d in catalogue.derivations():
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
    assert parts == {("2025-12-31", "13"), ("2025-05-04", "2")}  # the 全年合计 row: beyond the May one
    assert sum(Decimal(r["part"]) for r in data["records"]) == 15
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
    people = reg.get_type("people")
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
    # the outside trial's probe: one day outside the other post's term, then one inside — answered alike,
    # or the refusal would give the dates away day by day
    for day in ("2024-12-31", "2025-01-01", "2027-01-01"):
        with pytest.raises(Invalid) as probe:
            reg.create(
                session=session,
                actor=actor_of(session, "quanshan_officer"),
                rtype=people,
                raw=person | {"name": "李某", "org_unit_id": str(quanshan), "start_on": day, "end_on": day},
            )
        assert probe.value.message == message and probe.value.field == "id_number"


def test_a_park_outside_ones_scope_is_not_named(session: Session) -> None:
    """A park's type was checked before the scope: “宝鸡市”不是产业园 named a unit outside one's scope."""
    baoji = session.scalars(select(OrgUnit.id).where(OrgUnit.code == "P-SX-BJ")).one()
    with pytest.raises(OutOfScope) as refused:
        reg.create(
            session=session,
            actor=actor_of(session, "quanshan_officer"),
            rtype=reg.get_type("parks"),
            raw={"org_unit_id": str(baoji), "year": "2025", "output": "1亿"},
        )
    assert "宝鸡" not in refused.value.message and refused.value.status == 404


def _figure(session: Session, dx: str, ou: str, pe: str) -> Decimal | None:
    from shanhai.analytics.engine import analytics
    from shanhai.auth.scope import SYSTEM

    return analytics(session=session, actor=SYSTEM, dx=dx, ou=ou, pe=pe).value(dx, ou, pe)


def test_a_november_sale_is_not_added_to_the_years_total(session: Session) -> None:
    """The finding: a November sale added to the demo's full-year 消费帮扶 (超4000万元) made the year
    超4350万元, and the demo's 2023–2025 row was added to its 2025 row. A sale for a whole year (or years)
    sums up the sales inside its period: the year stays 超4000万, 2023–2025 stays 1.79亿."""
    assert _figure(session, "CONSUMPTION_SALES", "P-XJ-KT", "2025") == 40_000_000
    assert _figure(session, "CONSUMPTION_SALES", "P-XJ-KT", "2023-2025") == 179_000_000
    kuitun = session.scalars(select(OrgUnit.id).where(OrgUnit.code == "P-XJ-KT")).one()
    yj = session.scalars(select(Programme.id).where(Programme.code == "YJ")).one()
    raw = {"org_unit_id": str(kuitun), "programme_id": str(yj), "channel": "徐州门店", "period_id": "202511"}
    reg.create(
        session=session,
        actor=actor_of(session, "city_admin"),
        rtype=reg.get_type("sales"),
        raw=raw | {"amount": "350万"},
    )
    assert _figure(session, "CONSUMPTION_SALES", "P-XJ-KT", "2025") == 40_000_000
    assert _figure(session, "CONSUMPTION_SALES", "P-XJ-KT", "202511") == 3_500_000
    assert _figure(session, "CONSUMPTION_SALES", "P-XJ-KT", "2023-2025") == 179_000_000


def test_a_payment_inside_a_years_total_row_counts_once(session: Session) -> None:
    """A November payment of 1000万 recorded for 奎屯 beside the demo's 1.18亿 全年合计 payment: it is one of
    the year's payments, so 资金 2025 stays 1.18亿, the plan stays 按时足额到位 and no over-plan reason is
    asked; the total row counts 1.08亿 beside it."""
    from shanhai.operations import funds
    from shanhai.operations.models import FundPlan

    kuitun = session.scalars(select(OrgUnit.id).where(OrgUnit.code == "P-XJ-KT")).one()
    plan = session.scalars(
        select(FundPlan).where(FundPlan.org_unit_id == kuitun, FundPlan.year == 2025)
    ).one()
    before = _figure(session, "FUNDS", "XZ", "2025")
    reg.create(
        session=session,
        actor=actor_of(session, "city_admin"),
        rtype=reg.get_type("disbursements"),
        raw={"plan_id": str(plan.id), "paid_on": "2025-11-20", "amount": "1000万"},
    )
    assert _figure(session, "FUNDS", "P-XJ-KT", "2025") == 118_000_000
    assert _figure(session, "FUNDS", "XZ", "2025") == before
    assert _figure(session, "FUNDS", "P-XJ-KT", "202511") == 10_000_000
    status = funds.status_of(session, plan)
    assert status.paid == 118_000_000 and status.verdict == "按时足额到位"
    assert sorted(d.counted for d in status.disbursements) == [10_000_000, 108_000_000]


def test_a_value_finer_than_its_elements_grain_is_refused(session: Session) -> None:
    from shanhai.auth.scope import SYSTEM
    from shanhai.documents.service import manual_source
    from shanhai.indicators import service as indicators
    from shanhai.indicators.models import ValueKind
    from shanhai.lib.cnnum import Qualifier

    element = session.scalars(select(DataElement).where(DataElement.code == "GDP")).one()
    element.grain = "yearly"
    city = session.scalars(select(OrgUnit).where(OrgUnit.code == "XZ")).one()
    with pytest.raises(Invalid, match="按年统计，不能填报2025年3月"):
        indicators.set_value(
            session=session,
            actor=SYSTEM,
            org_unit=city,
            element=element,
            period=indicators.ensure_period(session=session, period_id="202503"),
            programme=None,
            kind=ValueKind.ACTUAL,
            value=Decimal(1),
            qualifier=Qualifier.EXACT,
            source=manual_source(session=session, username="t"),
        )


def test_a_payment_counts_against_its_plans_year(session: Session) -> None:
    """A 2024 plan paid in February 2025 (跨年到位): the money counts in 2024's funds (its December), not in
    2025's, and the plan's page marks the payment 跨年到位 — the card, the analytics and the plan agree."""
    from shanhai.operations import funds
    from shanhai.operations.models import FundPlan

    admin = actor_of(session, "city_admin")
    kuitun = session.scalars(select(OrgUnit.id).where(OrgUnit.code == "P-XJ-KT")).one()
    yj = session.scalars(select(Programme.id).where(Programme.code == "YJ")).one()
    before_2025 = _figure(session, "FUNDS", "XZ", "2025")
    plan = reg.create(
        session=session,
        actor=admin,
        rtype=reg.get_type("plans"),
        raw={"org_unit_id": str(kuitun), "programme_id": str(yj), "year": "2024", "amount": "100万"},
    )
    reg.create(
        session=session,
        actor=admin,
        rtype=reg.get_type("disbursements"),
        raw={"plan_id": str(plan.id), "paid_on": "2025-02-10", "amount": "100万"},
    )
    assert _figure(session, "FUNDS", "P-XJ-KT", "2024") == 1_000_000
    assert _figure(session, "FUNDS", "P-XJ-KT", "202412") == 1_000_000
    assert _figure(session, "FUNDS", "XZ", "2025") == before_2025
    status = funds.status_of(session, session.get_one(FundPlan, plan.id))
    assert status.paid == 1_000_000 and status.cross_year == 1_000_000
    assert [d.cross_year for d in status.disbursements] == [True]


def test_the_plan_page_and_the_analytics_agree_around_the_years_end(session: Session) -> None:
    """Found by an attack: a payment made in January after a 2025 plan's 12-31 全年合计 row was counted one
    way by the analytics (inside the year's total) and another by the plan page (beyond it): the card said
    1.18亿 and 100% while its verdict and the plan page said 超计划 1.23亿. A 全年合计 row covers its plan's
    year up to its own day, on both sides: the January payment is beyond it, counts against 2025 in its
    December (跨年到位), and every page says 1.23亿, 超计划; a total row dated in January covers it."""
    from shanhai.operations import funds
    from shanhai.operations.models import FundPlan

    admin = actor_of(session, "city_admin")
    kuitun = session.scalars(select(OrgUnit.id).where(OrgUnit.code == "P-XJ-KT")).one()
    plan = session.scalars(
        select(FundPlan).where(FundPlan.org_unit_id == kuitun, FundPlan.year == 2025)
    ).one()
    raw = {"plan_id": str(plan.id), "paid_on": "2026-01-15", "amount": "500万", "over_reason": "跨年补拨"}
    reg.create(session=session, actor=admin, rtype=reg.get_type("disbursements"), raw=raw)
    status = funds.status_of(session, plan)
    assert _figure(session, "FUNDS", "P-XJ-KT", "2025") == status.paid == 123_000_000
    assert status.verdict.startswith("超计划") and status.months[-1].paid == 123_000_000
    later = {"plan_id": str(plan.id), "paid_on": "2026-01-20", "amount": "1.23亿", "summary": "true"}
    reg.create(
        session=session, actor=admin, rtype=reg.get_type("disbursements"), raw=later | {"over_reason": "年报"}
    )
    status = funds.status_of(session, plan)  # the January total covers the year and the January payment
    assert _figure(session, "FUNDS", "P-XJ-KT", "2025") == status.paid == 123_000_000


def test_a_json_update_keeps_the_flags_it_does_not_send_and_reads_yes_and_no(
    session: Session, client: TestClient
) -> None:
    """Found by an attack: a PUT that left out 全年合计 cleared it (renaming a row dropped its summary
    flag), and "否", "no" and "False" were all read as yes."""
    from shanhai.operations.models import Disbursement

    first = session.scalars(
        select(Disbursement.id).where(Disbursement.summary).order_by(Disbursement.id)
    ).first()
    item = client.get(f"/api/v1/records/disbursements/{first}").json()
    assert item["summary"] is True
    r = client.put(
        f"/api/v1/records/disbursements/{item['id']}", json={"purpose": "改名", "version": item["version"]}
    )
    assert r.status_code == 200 and r.json()["summary"] is True, r.text
    for word, meant in (("否", False), ("no", False), ("False", False), ("是", True), ("true", True)):
        r = client.put(
            f"/api/v1/records/disbursements/{item['id']}",
            json={"summary": word, "version": r.json()["version"]},
        )
        assert r.status_code == 200 and r.json()["summary"] is meant, (word, r.text)
    bad = client.put(
        f"/api/v1/records/disbursements/{item['id']}",
        json={"summary": "maybe", "version": r.json()["version"]},
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "summary"


def test_without_an_id_number_a_name_outside_ones_scope_is_no_oracle(session: Session) -> None:
    """The fresh-eyes repeat: leaving the 身份证号 out, a probe on 姓名 + 派出单位 found the other post's
    dates. Without a number only posts within one's scope are compared: the same answer whatever the dates."""
    kuitun = session.scalars(select(OrgUnit.id).where(OrgUnit.code == "P-XJ-KT")).one()
    quanshan = session.scalars(select(OrgUnit.id).where(OrgUnit.code == "XZ-QS")).one()
    person = {
        "name": "张秘密",
        "category": "党政干部",
        "home_org": "市发改委",
        "full_time": "1",
        "status": "在岗",
    }
    people = reg.get_type("people")
    reg.create(
        session=session,
        actor=actor_of(session, "city_admin"),
        rtype=people,
        raw=person
        | {"org_unit_id": str(kuitun), "post": "副市长", "start_on": "2025-03-01", "end_on": "2026-06-30"},
    )
    officer = actor_of(session, "quanshan_officer")
    # before the other post, within it, after it: accepted alike (each its own month: they do not clash)
    for start, end in (
        ("2025-02-01", "2025-02-28"),
        ("2025-03-01", "2025-03-31"),
        ("2026-07-01", "2026-07-30"),
    ):
        reg.create(
            session=session,
            actor=officer,
            rtype=people,
            raw=person | {"org_unit_id": str(quanshan), "post": "挂职", "start_on": start, "end_on": end},
        )
