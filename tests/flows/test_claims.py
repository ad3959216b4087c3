"""One figure per fact: what a report claims about a cell the records keep is a claim — shown, cited and
reconciled (对账) — never a value added to the records. The findings of the figures issue, each a test:
1.2亿 from a district briefing raised 资金到位 from 3.37亿 to 4.57亿 and the 苏陕 card to 233.8%; a posted
FUNDS value was added to the payments; a claim for 2026年1月 blocked the real payment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shanhai.analytics.engine import analytics
from shanhai.documents.models import Candidate
from shanhai.indicators.claims import consistent
from shanhai.indicators.models import Claim, DataValue
from shanhai.lib.cnnum import parse_quantity
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme
from shanhai.registers import kit as reg
from tests.conftest import actor_of

BRIEFING = (
    "泉山区东西部协作工作简报\n"
    "2025年，泉山区深化与宝鸡市东西部协作，拨付帮扶资金1.2亿元，组织消费帮扶活动12场次。\n"
    "2026年1月，向奎屯市拨付援疆资金500万元。"
)


def _id(session: Session, model: type, code: str) -> int:
    return session.scalars(select(model.id).where(model.code == code)).one()


def _funds(session: Session, pe: str = "2025") -> Decimal:
    result = analytics(session=session, actor=actor_of(session, "city_admin"), dx="FUNDS", ou="XZ", pe=pe)
    return result.value("FUNDS", "XZ", pe) or Decimal(0)


def _accept(client: TestClient, session: Session, figure: str, **cell: object) -> dict:
    r = client.post("/api/v1/documents/upload", files={"file": ("简报.txt", BRIEFING.encode())})
    assert r.status_code in (200, 201), r.text
    page = client.get(f"/api/v1/documents/{r.json()['id']}").json()
    candidate = next(c for c in page["candidates"] if c["text"] == figure)
    body = {"version": candidate["version"], "element": "FUNDS", **cell}
    r = client.post(f"/api/v1/candidates/{candidate['id']}/accept", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_briefings_funds_figure_is_a_claim_and_the_totals_do_not_move(
    client: TestClient, session: Session
) -> None:
    before = client.get("/api/v1/dashboard", params={"year": 2025}).json()
    funds_before = _funds(session)
    accepted = _accept(
        client,
        session,
        "1.2亿元",
        org_unit_id=_id(session, OrgUnit, "P-SX-BJ"),
        period="2025",
        programme_id=_id(session, Programme, "SSX"),
    )
    assert accepted["claim_id"] is not None and accepted["value_id"] is None
    claim = session.get_one(Claim, accepted["claim_id"])
    assert claim.value == Decimal("1.2e8") and claim.source.figure_text == "1.2亿元"
    assert _funds(session) == funds_before  # not in the analytics table
    after = client.get("/api/v1/dashboard", params={"year": 2025}).json()
    assert after["cards"] == before["cards"] and after["key_counts"] == before["key_counts"]
    # 对账: the claim beside the plan and the payments, flagged by its wording (1.2亿 vs 8970万)
    rows = client.get("/api/v1/reconcile", params={"year": 2025}).json()["rows"]
    row = next(r for r in rows if r["element_code"] == "FUNDS" and r["unit"] == "宝鸡市")
    assert row["recorded"] == "89700000" and row["planned"] == "89700000"
    assert row["status"] == "有差异" and row["claims"][0]["difference"] == "30300000"
    # resolved with a reason by someone with 审核: no longer flagged, and the decision is in the history
    found = row["claims"][0]
    r = client.post(
        f"/api/v1/claims/{found['id']}/resolve",
        json={"version": found["version"], "reason": "简报含区级配套资金，口径不同"},
    )
    assert r.status_code == 200, r.text
    row = next(
        r
        for r in client.get("/api/v1/reconcile", params={"year": 2025}).json()["rows"]
        if r["element_code"] == "FUNDS" and r["unit"] == "宝鸡市"
    )
    assert row["status"] == "已处理" and row["claims"][0]["resolution"].startswith("简报含区级配套资金")
    stale = client.post(f"/api/v1/claims/{found['id']}/resolve", json={"version": found["version"]})
    assert stale.status_code == 409


def test_a_claim_does_not_block_the_payment_it_describes(client: TestClient, session: Session) -> None:
    """A 2026年1月 figure accepted for 奎屯市 blocked the real payment with a 409."""
    kuitun = _id(session, OrgUnit, "P-XJ-KT")
    yj = _id(session, Programme, "YJ")
    _accept(client, session, "500万元", org_unit_id=kuitun, period="202601", programme_id=yj)
    city = actor_of(session, "city_admin")
    plan = reg.create(
        session=session,
        actor=city,
        rtype=reg.get_type("plans"),
        raw={"programme_id": yj, "org_unit_id": kuitun, "year": "2026", "amount": "1000万"},
    )
    reg.create(
        session=session,
        actor=city,
        rtype=reg.get_type("disbursements"),
        raw={"plan_id": plan.id, "paid_on": "2026-01-20", "amount": "500万"},
    )
    assert _funds(session, "202601") >= Decimal(5_000_000)  # the payment counts, once


@pytest.mark.parametrize(
    ("kind", "code"), [("actual", "FUNDS"), ("target", "FUNDS"), ("actual", "PARK_OUTPUT")]
)
def test_a_records_kept_element_takes_no_hand_value(
    client: TestClient, session: Session, kind: str, code: str
) -> None:
    """POST /api/v1/values FUNDS 奎屯 2025 +1 made the year 118,000,001."""
    before = session.scalar(select(func.count()).select_from(DataValue))
    body = {
        "data_element": code,
        "org_unit_id": _id(session, OrgUnit, "P-XJ-KT"),
        "period": "2025",
        "kind": kind,
        "value": "1",
    }
    r = client.post("/api/v1/values", json=body)
    assert r.status_code == 409 and "台账" in r.json()["error"]["message"], r.text
    assert session.scalar(select(func.count()).select_from(DataValue)) == before


def test_reopening_a_claimed_figure_withdraws_the_claim(client: TestClient, session: Session) -> None:
    accepted = _accept(
        client, session, "1.2亿元", org_unit_id=_id(session, OrgUnit, "P-SX-BJ"), period="2025"
    )
    r = client.post(f"/api/v1/candidates/{accepted['id']}/reopen", json={"version": accepted["version"]})
    assert r.status_code == 200 and r.json()["status"] == "待审" and r.json()["claim_id"] is None
    assert session.get(Claim, accepted["claim_id"]) is None
    assert session.get_one(Candidate, accepted["id"]).claim_id is None


@pytest.mark.parametrize(
    ("figure", "recorded", "agrees"),
    [
        ("1.2亿元", "118000000", True),  # within half of 0.1亿
        ("1.2亿元", "112000000", False),
        ("8970万元", "89700000", True),
        ("8970万元", "89710000", False),
        ("超4000万元", "43500000", True),  # 超X: the records reach X
        ("超4000万元", "39000000", False),
        ("近千家", "950", True),  # 近X: just short
        ("近千家", "850", False),
        ("约2600万元", "26004000", True),
        ("1万余人次", "10000", True),
        ("1万余人次", "9999", False),
        ("百亿元", "9600000000", True),  # a bare round figure: half of 100亿
    ],
)
def test_a_claim_agrees_with_the_records_by_its_wording(figure: str, recorded: str, agrees: bool) -> None:
    quantity = parse_quantity(figure)
    assert (
        consistent(
            claimed=quantity.value,
            qualifier=quantity.qualifier.value,
            figure_text=figure,
            recorded=Decimal(recorded),
        )
        is agrees
    )


def test_the_demo_keeps_its_report_figures_for_kept_cells_as_claims(session: Session) -> None:
    """The demo's 超百亿元 for 宝鸡's parks is what seed 000 says about a cell the park records keep; the
    sci-tech figures known by description are what reports say about cells the enterprise registers keep
    (the city's 2025 totals stand as summary records citing seed 003, the 泉山 and bank figures as claims)."""
    claims = [
        (c.data_element.code, c.org_unit.code, c.period_id, c.source.figure_text, c.qualifier)
        for c in session.scalars(select(Claim).order_by(Claim.id))
    ]
    assert claims == [
        ("PARK_OUTPUT", "P-SX-BJ", "2025", "百亿元", "over"),
        ("TECH_LOANS", "XZ-JSBANK", "2025", "10亿元", "under"),
        ("TECH_SME_REGISTERED", "XZ", "2025", "2200家", "over"),
        ("UNICORN_CANDIDATES", "XZ", "2025", "13家", "exact"),
        ("GAZELLE_FIRMS", "XZ", "2025", "50家", "exact"),
        ("SUKEDAI_LOANS", "XZ", "2025", "16.44亿元", "exact"),
        ("SUKEDAI_FIRMS", "XZ", "2025", "384家次", "exact"),
        ("ACHIEVEMENTS_PUSHED", "XZ", "2025", "5100项", "exact"),
        ("HNTE_VALID", "XZ-QS", "2025", "112家", "exact"),
        ("TECH_LOANS", "XZ-QS", "2024-2025", "1.56亿元", "exact"),
        ("TECH_AWARDS", "XZ-QS", "2024-2025", "3000万元", "under"),
        ("SCI_PROJECT_FUNDS", "XZ-QS", "2024-2025", "307万元", "exact"),
        ("RENT_RELIEF", "XZ-QS", "2024-2025", "2000万元", "over"),
    ]
    park_values = session.scalars(select(DataValue).where(DataValue.data_element.has(code="PARK_OUTPUT")))
    assert all((v.source.record_table or "").startswith("derived:") for v in park_values)


def test_the_citys_sci_tech_claims_agree_with_its_summary_records(client: TestClient) -> None:
    rows = client.get("/api/v1/reconcile", params={"year": 2025}).json()["rows"]
    status = {(r["element_code"], r["unit"]): r["status"] for r in rows}
    for code in (
        "SUKEDAI_LOANS",
        "SUKEDAI_FIRMS",
        "TECH_SME_REGISTERED",
        "GAZELLE_FIRMS",
        "ACHIEVEMENTS_PUSHED",
    ):
        assert status[(code, "徐州市")] == "一致", (code, status)


def test_a_sending_districts_claim_is_reconciled_through_its_pairing(
    client: TestClient, session: Session
) -> None:
    """泉山区 says it sent 宝鸡 1.2亿: with the pairing (结对关系) 泉山区—宝鸡市 recorded, the claim stands
    beside 宝鸡's plan and payments, not beside 泉山区's own (empty) records."""
    quanshan, baoji = _id(session, OrgUnit, "XZ-QS"), _id(session, OrgUnit, "P-SX-BJ")
    ssx = _id(session, Programme, "SSX")
    bad = [
        ({"org_unit_id": baoji, "place_unit_id": baoji}, "org_unit_id"),  # a place does not send
        ({"place_unit_id": quanshan}, "place_unit_id"),  # a district is no partner place
        ({"ended_on": "2019-01-01"}, "ended_on"),
    ]
    base = {"org_unit_id": quanshan, "place_unit_id": baoji, "programme_id": ssx, "started_on": "2021-01-01"}
    for change, field in bad:
        r = client.post("/api/v1/records/pairings", json=base | change)
        assert r.status_code == 422 and r.json()["error"]["field"] == field, r.text
    assert client.post("/api/v1/records/pairings", json=base).status_code == 201
    overlapping = client.post("/api/v1/records/pairings", json=base | {"started_on": "2024-01-01"})
    assert overlapping.status_code == 422 and overlapping.json()["error"]["field"] == "started_on"
    _accept(client, session, "1.2亿元", org_unit_id=quanshan, period="2025", programme_id=ssx)
    row = next(
        r
        for r in client.get("/api/v1/reconcile", params={"year": 2025}).json()["rows"]
        if r["element_code"] == "FUNDS" and r["unit"] == "泉山区"
    )
    assert row["through"] == ["宝鸡市"] and row["recorded"] == "89700000" and row["status"] == "有差异"


def test_a_district_paired_with_a_prefecture_and_a_county_inside_it_counts_the_county_once(
    client: TestClient, session: Session
) -> None:
    """From the fresh-eyes look: 新沂市 paired with 伊犁州 and with 奎屯市 inside it; its claim of 1.18亿 was
    read against 2.36亿 of records and plans, 奎屯's 1.18亿 counted twice."""
    xinyi, yili, kuitun = (_id(session, OrgUnit, c) for c in ("XZ-XY", "P-XJ-YL", "P-XJ-KT"))
    yj = _id(session, Programme, "YJ")
    for place in (yili, kuitun):
        body = {"org_unit_id": xinyi, "place_unit_id": place, "programme_id": yj, "started_on": "2024-01-01"}
        assert client.post("/api/v1/records/pairings", json=body).status_code == 201
    _accept(client, session, "1.2亿元", org_unit_id=xinyi, period="2025", programme_id=yj)
    row = next(
        r
        for r in client.get("/api/v1/reconcile", params={"year": 2025}).json()["rows"]
        if r["element_code"] == "FUNDS" and r["unit"] == "新沂市"
    )
    assert sorted(row["through"]) == ["伊犁哈萨克自治州", "奎屯市"], row
    assert row["recorded"] == "118000000" and row["planned"] == "118000000", row
    assert row["status"] != "有差异", row


def test_odd_resolutions_are_refused_on_both_doors(client: TestClient, session: Session) -> None:
    """Found by the attack: a NUL in the form's reason was a 500 on PostgreSQL; a 600-character reason was cut
    silently on the form; a negative certified figure was taken."""
    accepted = _accept(
        client, session, "1.2亿元", org_unit_id=_id(session, OrgUnit, "P-SX-BJ"), period="2025"
    )
    claim = session.get_one(Claim, accepted["claim_id"])
    for reason, certified, field in (
        ("a\x00b", "", "reason"),
        ("长" * 600, "", "reason"),
        ("口径", "-5", "certified"),
    ):
        form = {"version": str(claim.version), "reason": reason, "certified": certified, "year": "2025"}
        r = client.post(f"/reconcile/claims/{claim.id}", data=form, follow_redirects=False)
        assert r.status_code == 422, (reason[:5], r.status_code)
        body = {"version": claim.version, "reason": reason} | ({"certified": certified} if certified else {})
        r = client.post(f"/api/v1/claims/{claim.id}/resolve", json=body)
        assert r.status_code == 422 and r.json()["error"]["field"] == field, r.text
    session.refresh(claim)
    assert claim.resolution == "" and claim.certified is None


def test_the_report_of_highest_standing_decides_a_cells_status(client: TestClient, session: Session) -> None:
    """Two reports claim 奎屯's 2025 funds: a news item says 1.5亿 (differs from the records' 1.18亿), the
    city's own report says 1.18亿. The city's report outranks the news: the cell agrees, the news item is
    shown as outranked and not counted among the differences to resolve. Without the city's report, the
    news item's difference is flagged."""
    kuitun, yj = _id(session, OrgUnit, "P-XJ-KT"), _id(session, Programme, "YJ")
    cell = {"element": "FUNDS", "org_unit_id": kuitun, "period": "2025", "programme_id": yj}

    def claim(text: str, figure: str, standing: str) -> None:
        files = {"file": (f"{standing}.txt", text.encode())}
        r = client.post("/api/v1/documents/upload", files=files, data={"standing": standing})
        assert r.status_code == 201, r.text
        page = client.get(f"/api/v1/documents/{r.json()['id']}").json()
        candidate = next(c for c in page["candidates"] if c["text"] == figure)
        r = client.post(
            f"/api/v1/candidates/{candidate['id']}/accept", json={"version": candidate["version"], **cell}
        )
        assert r.status_code == 200, r.text

    def row() -> dict:
        rows = client.get("/api/v1/reconcile", params={"year": 2025}).json()["rows"]
        return next(r for r in rows if r["element_code"] == "FUNDS" and r["unit"] == "奎屯市")

    claim("报道：2025年徐州向奎屯拨付援疆资金1.5亿元。", "1.5亿元", "news")
    assert row()["status"] == "有差异"
    claim("徐州市对口支援工作通报：2025年拨付奎屯市援疆资金1.18亿元。", "1.18亿元", "city")
    found = row()
    assert found["status"] == "一致"
    assert [(c["standing"], c["status"]) for c in found["claims"]] == [
        ("市级正式报告、通报", "一致"),
        ("新闻报道", "以更高类别报告为准"),
    ]
    bad = client.post(
        "/api/v1/documents/upload",
        files={"file": ("x.txt", "拨付1亿元。".encode())},
        data={"standing": "boss"},
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "standing"


def test_a_figure_finer_than_its_elements_grain_is_a_claim(client: TestClient, session: Session) -> None:
    """GDP declared yearly: a report's 2026年1月 figure for it is a claim (shown on 对账), not a value that
    the write path would refuse."""
    from shanhai.indicators.models import Claim, DataElement

    gdp = session.scalars(select(DataElement).where(DataElement.code == "GDP")).one()
    gdp.grain = "yearly"
    session.flush()
    r = client.post(
        "/api/v1/documents/upload", files={"file": ("gdp.txt", "2026年1月，全市生产总值500亿元。".encode())}
    )
    assert r.status_code == 201, r.text
    page = client.get(f"/api/v1/documents/{r.json()['id']}").json()
    candidate = next(c for c in page["candidates"] if c["text"] == "500亿元")
    body = {
        "version": candidate["version"],
        "element": "GDP",
        "org_unit_id": _id(session, OrgUnit, "XZ"),
        "period": "202601",
    }
    r = client.post(f"/api/v1/candidates/{candidate['id']}/accept", json=body)
    assert r.status_code == 200, r.text
    claim = session.scalars(select(Claim).where(Claim.data_element_id == gdp.id)).one()
    assert claim.period_id == "202601" and claim.value == 50_000_000_000


def test_only_a_city_level_user_files_a_city_report(as_persona, session: Session) -> None:
    """Found by an attack: a district officer uploaded a briefing as 市级正式报告, which outranks every other
    report on 对账."""
    officer = as_persona("quanshan_officer")
    files = {"file": ("q.txt", "泉山区2025年拨付资金1亿元。".encode())}
    r = officer.post("/api/v1/documents/upload", files=files, data={"standing": "city"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "standing"
    r = officer.post("/api/v1/documents/upload", files=files, data={"standing": "district"})
    assert r.status_code == 201, r.text
