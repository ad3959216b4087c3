"""企业库 on the register kit: the 统一社会信用代码 check (GB 32100), firms, qualifications with validity,
support, near-duplicates and their merge — through the API as a user would, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.audit.models import AuditLog
from shanhai.enterprises.models import Enterprise, Support
from shanhai.enterprises.registers import initials, name_key
from shanhai.lib import uscc
from shanhai.lib.beijing import today
from shanhai.lib.cnnum import format_money
from shanhai.orgunits.models import OrgUnit

# --- GB 32100 ---------------------------------------------------------------------------------------------

ANY = st.sampled_from(uscc.CHARSET)
DIGIT = st.sampled_from("0123456789")
first17 = st.tuples(ANY, ANY, *(DIGIT,) * 6, *(ANY,) * 9).map("".join)


@given(first17)
def test_every_code_with_its_check_character_passes(head: str) -> None:
    assert uscc.problem(head + uscc.check_character(head)) is None


@given(first17, st.integers(0, 17), ANY)
def test_every_single_character_change_fails(head: str, position: int, other: str) -> None:
    code = head + uscc.check_character(head)
    if code[position] == other:
        other = uscc.CHARSET[(uscc.VALUES[other] + 1) % 31]
    changed = code[:position] + other + code[position + 1 :]
    assert uscc.problem(changed) is not None


def test_real_codes_pass_and_a_wrong_one_names_its_position() -> None:
    for code in ("91110108551385082Q", "91440300708461136T"):  # published codes of two listed firms
        assert uscc.problem(code) is None
    assert "第 18 位" in (uscc.problem("91110108551385082R") or "")
    assert "第 5 位" in (uscc.problem("9111A108551385082Q") or "")
    assert "第 9 位“I”" in (uscc.problem("91110108I51385082Q") or "")
    assert "18 位" in (uscc.problem("9111010855138508") or "")


def test_near_duplicate_names_share_a_key_and_initials_read_as_typed() -> None:
    assert name_key("徐州联超光电科技有限公司") == name_key("徐州市联超光电科技有限公司") == "联超光电科技"
    assert name_key("岩旭智能科技（徐州）有限公司") == "岩旭智能科技"
    assert initials("徐州联超光电") == "xzlcgd"
    assert initials("岩旭智能科技（徐州）有限公司") == "yxznkjxzyxgs"  # no brackets kept


CODE = "91320303MA1XYW0ABX"  # a valid code, made up (check character by GB 32100)


# --- the registers ----------------------------------------------------------------------------------------


def _unit(session: Session, code: str) -> int:
    return session.scalars(select(OrgUnit.id).where(OrgUnit.code == code)).one()


def _firm(client: TestClient, session: Session, name: str, **more: object) -> dict:
    body = {"name": name, "org_unit_id": _unit(session, "XZ-QS"), **more}
    r = client.post("/api/v1/records/enterprises", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_bad_firms_are_refused_naming_the_field_and_nothing_is_saved(
    client: TestClient, session: Session
) -> None:
    before = session.scalar(select(Enterprise.id).order_by(Enterprise.id.desc()).limit(1))
    qs = _unit(session, "XZ-QS")
    cases = [
        ({"name": "甲", "org_unit_id": qs, "credit_code": "91110108551385082R"}, "credit_code", "第 18 位"),
        ({"name": "甲", "org_unit_id": qs, "credit_code": "123"}, "credit_code", "18 位"),
        ({"name": "甲", "org_unit_id": _unit(session, "P-XJ-KT")}, "org_unit_id", "区县"),
        ({"name": "甲", "org_unit_id": qs, "industry_code": "Z99"}, "industry_code", "行业"),
        (
            {"name": "甲", "org_unit_id": qs, "contacts": [{"name": "张", "phone": "x"}]},
            "contacts",
            "第 1 行",
        ),
        (
            {"name": "甲", "org_unit_id": qs, "contacts": "张三｜经理｜13800000000｜多余"},
            "contacts",
            "每行最多",
        ),
        ({"name": "", "org_unit_id": qs}, "name", "企业名称"),
    ]
    for body, field, words in cases:
        r = client.post("/api/v1/records/enterprises", json=body)
        assert r.status_code == 422 and r.json()["error"]["field"] == field, (body, r.text)
        assert words in r.json()["error"]["message"], r.text
    assert session.scalar(select(Enterprise.id).order_by(Enterprise.id.desc()).limit(1)) == before
    _firm(client, session, "徐州联超光电科技有限公司", credit_code="91110108551385082q")
    again = client.post(
        "/api/v1/records/enterprises",
        json={"name": "另一家", "org_unit_id": qs, "credit_code": "91110108551385082Q"},
    )
    assert again.status_code == 422 and "已登记" in again.json()["error"]["message"], again.text


def test_contacts_are_child_rows_masked_without_the_sensitive_permission(
    client: TestClient, session: Session, as_persona
) -> None:
    firm = _firm(
        client,
        session,
        "徐州普路通纺织科技有限公司",
        contacts="张三｜总经理｜13812345678\n李四｜财务｜",
        credit_code=CODE,
    )
    assert firm["contacts"] == [
        {"name": "张三", "title": "总经理", "phone": "13812345678"},
        {"name": "李四", "title": "财务", "phone": ""},
    ]
    officer = as_persona("quanshan_officer")
    seen = officer.get(f"/api/v1/records/enterprises/{firm['id']}").json()
    assert seen["contacts"][0]["phone"] == "138****5678" and seen["contacts"][0]["name"] == "张三"
    # what comes back masked is not taken as a new phone number
    r = officer.put(
        f"/api/v1/records/enterprises/{firm['id']}",
        json={"version": seen["version"], "contacts": seen["contacts"], "address": "泉山区"},
    )
    assert r.status_code == 200, r.text
    assert client.get(f"/api/v1/records/enterprises/{firm['id']}").json()["contacts"][0]["phone"] == (
        "13812345678"
    )
    for typed in ("pltfz", "PLTFZ", "91320303mA"):  # initials and a code's head in either case
        listed = client.get("/api/v1/lists/records_enterprises", params={"q": typed}).json()
        assert [row["name"] for row in listed["items"]] == ["徐州普路通纺织科技有限公司"], (typed, listed)


def test_qualifications_keep_their_dates_in_order_and_the_expiring_are_listed(
    client: TestClient, session: Session, as_persona
) -> None:
    firm = _firm(client, session, "久耀电子科技（徐州）有限公司")
    day = today()
    base = {"enterprise_id": firm["id"], "kind": "高新技术企业", "year": day.year, "certificate_no": "GR1"}
    bad = [
        ({"issued_on": str(day), "expires_on": str(day - timedelta(days=1))}, "expires_on"),
        ({"expires_on": str(day)}, "issued_on"),
        ({"certificate_no": ""}, "certificate_no"),
        ({"year": 1800}, "year"),
    ]
    for change, field in bad:
        r = client.post("/api/v1/records/qualifications", json=base | change)
        assert r.status_code == 422 and r.json()["error"]["field"] == field, (change, r.text)
    issued = day - timedelta(days=1000)
    soon = base | {"year": issued.year, "issued_on": str(issued), "expires_on": str(day + timedelta(days=30))}
    assert client.post("/api/v1/records/qualifications", json=soon).status_code == 201
    later = soon | {"kind": "瞪羚企业", "certificate_no": "", "expires_on": str(day + timedelta(days=200))}
    assert client.post("/api/v1/records/qualifications", json=later).status_code == 201
    rows = client.get("/api/v1/enterprises/expiring").json()
    assert [(r["enterprise"], r["days_left"]) for r in rows] == [("久耀电子科技（徐州）有限公司", 30)]
    assert as_persona("jingkai_officer").get("/api/v1/enterprises/expiring").json() == []  # not its district
    # and on the home page of whoever owns the firm's district
    mine = as_persona("quanshan_officer").get("/api/v1/dashboard").json()["reminders"]
    assert [r["kind"] for r in mine if "久耀" in r["text"]] == ["资质到期"], mine
    theirs = as_persona("jingkai_officer").get("/api/v1/dashboard").json()["reminders"]
    assert not [r for r in theirs if "久耀" in r["text"]]
    assert "久耀电子科技（徐州）有限公司的高新技术企业资质" in as_persona("quanshan_officer").get("/").text


def test_support_amounts_are_checked(client: TestClient, session: Session) -> None:
    firm = _firm(client, session, "岩旭智能科技（徐州）有限公司")
    base = {"enterprise_id": firm["id"], "kind": "贷款", "product": "苏科贷", "amount": "500万"}
    base["granted_on"] = str(today())
    for change, field in (
        ({"amount": "1e30"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"product": ""}, "product"),
        ({"kind": "补贴奖励"}, "kind"),
        ({"granted_on": str(today() + timedelta(days=1))}, "granted_on"),
        ({"enterprise_id": 2147483000}, "enterprise_id"),
    ):
        r = client.post("/api/v1/records/support", json=base | change)
        assert r.status_code == 422 and r.json()["error"]["field"] == field, (change, r.text)
    r = client.post("/api/v1/records/support", json=base)
    assert r.status_code == 201 and r.json()["amount"] == "5000000", r.text
    assert r.json()["org_unit"] == "泉山区"  # the firm's district


def test_a_near_duplicate_is_merged_and_its_loans_follow(
    client: TestClient, session: Session, as_persona
) -> None:
    kept = _firm(client, session, "徐州联超光电科技有限公司", credit_code="91440300708461136T")
    dup = _firm(client, session, "徐州市联超光电科技有限公司")
    loan = {"enterprise_id": dup["id"], "kind": "贷款", "product": "苏科贷", "amount": "300万"}
    assert client.post("/api/v1/records/support", json=loan | {"granted_on": str(today())}).status_code == 201
    pairs = client.get("/api/v1/enterprises/duplicates").json()
    assert [(p["first"]["id"], p["second"]["id"]) for p in pairs] == [(kept["id"], dup["id"])]
    url = f"/api/v1/enterprises/{dup['id']}/merge"
    assert client.post(url, json={"target_id": dup["id"], "version": dup["version"]}).status_code == 422
    assert client.post(url, json={"target_id": kept["id"], "version": 99}).status_code == 409
    # a district's officer may not delete a firm, so may not merge one away
    other = as_persona("quanshan_officer")
    assert other.post(url, json={"target_id": kept["id"], "version": dup["version"]}).status_code == 403
    done = client.post(url, json={"target_id": kept["id"], "version": dup["version"]})
    assert done.status_code == 200 and done.json()["moved"] == {
        "企业资质": 0,
        "企业支持": 1,
        "成果推送": 0,
    }, done.text
    moved = session.scalars(select(Support).where(Support.enterprise_id == kept["id"])).all()
    assert [s.amount for s in moved] == [3_000_000]
    assert session.get(Enterprise, dup["id"]) is None
    firm = client.get(f"/api/v1/records/enterprises/{kept['id']}").json()
    assert firm["former_names"] == "徐州市联超光电科技有限公司"
    assert client.post(url, json={"target_id": kept["id"], "version": dup["version"]}).status_code == 404
    entry = session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(1)).one()
    assert entry.summary.startswith("合并企业") and "企业支持 1 条" in entry.summary
    assert client.get("/api/v1/enterprises/duplicates").json() == []


def _figure(client: TestClient, dx: str, ou: str, pe: str) -> str | None:
    r = client.get("/api/v1/analytics", params={"dx": dx, "ou": ou, "pe": pe})
    assert r.status_code == 200, r.text
    rows = [row for row in r.json()["rows"] if row[0] == dx and row[1] == ou and row[2] == pe]
    return rows[0][3] if rows else None


def test_a_sukedai_loan_moves_the_sci_tech_totals_and_follows_a_merge(
    client: TestClient, session: Session
) -> None:
    """The records keep 苏科贷放款 and 新增高新技术企业 by declaration: a loan adds to its month, its district
    and the city; a merge moves it without changing any total; a report's figure is a claim beside them."""
    year = str(today().year)
    before = _figure(client, "SUKEDAI_LOANS", "XZ", year)
    view_before = client.get("/api/v1/scitech").json()["support"][0]["by_year"][-1]
    firm = _firm(client, session, "徐州联超光电科技有限公司")
    dup = _firm(client, session, "徐州市联超光电科技有限公司")
    loan = {"enterprise_id": dup["id"], "kind": "贷款", "product": "苏科贷", "amount": "300万"}
    r = client.post("/api/v1/records/support", json=loan | {"granted_on": str(today())})
    assert r.status_code == 201, r.text
    added = int(before or 0) + 3_000_000
    assert int(_figure(client, "SUKEDAI_LOANS", "XZ", year) or 0) == added
    assert int(_figure(client, "SUKEDAI_LOANS", "XZ-QS", year) or 0) >= 3_000_000
    assert int(_figure(client, "SUKEDAI_FIRMS", "XZ-QS", year) or 0) >= 1
    view = client.get("/api/v1/scitech").json()
    assert view["support"][0]["label"] == "苏科贷放款" and view["support"][0]["by_year"][-1] != view_before
    assert view["support"][0]["by_year"][-1] == format_money(Decimal(added))
    assert "苏科贷放款" in client.get("/scitech").text
    hnte = {"enterprise_id": firm["id"], "kind": "高新技术企业", "year": int(year), "certificate_no": "GR2"}
    new_before = int(_figure(client, "HNTE_NEW", "XZ-QS", year) or 0)
    assert client.post("/api/v1/records/qualifications", json=hnte).status_code == 201
    assert int(_figure(client, "HNTE_NEW", "XZ-QS", year) or 0) == new_before + 1
    merged = client.post(
        f"/api/v1/enterprises/{dup['id']}/merge", json={"target_id": firm["id"], "version": dup["version"]}
    )
    assert merged.status_code == 200, merged.text
    assert int(_figure(client, "SUKEDAI_LOANS", "XZ", year) or 0) == added  # moved, not added again
    hand = client.post(
        "/api/v1/values",
        json={
            "data_element": "SUKEDAI_LOANS",
            "org_unit_id": _unit(session, "XZ-QS"),
            "period": year,
            "value": 1,
        },
    )
    assert hand.status_code == 409 and "企业支持记录" in hand.json()["error"]["message"], hand.text


def test_a_firms_loan_inside_the_citys_summary_is_counted_once(client: TestClient, session: Session) -> None:
    """The demo's city total of 2025 (苏科贷 16.44亿元, 384家次) is a summary row: a 泉山 firm's loan of that
    year is part of it, so the city's year stays 16.44亿 while 泉山 shows its loan; loans beyond the summary
    raise the total to what the firms' rows add up to."""
    assert _figure(client, "SUKEDAI_LOANS", "XZ", "2025") == "1644000000"
    firm = _firm(client, session, "徐州星河智能科技有限公司")
    loan = {"enterprise_id": firm["id"], "kind": "贷款", "product": "苏科贷", "granted_on": "2025-06-01"}
    assert client.post("/api/v1/records/support", json=loan | {"amount": "300万"}).status_code == 201
    assert _figure(client, "SUKEDAI_LOANS", "XZ", "2025") == "1644000000"
    assert _figure(client, "SUKEDAI_LOANS", "XZ-QS", "2025") == "3000000"
    assert _figure(client, "SUKEDAI_FIRMS", "XZ", "2025") == "384"
    big = client.post("/api/v1/records/support", json=loan | {"amount": "20亿"})
    assert big.status_code == 201, big.text
    assert _figure(client, "SUKEDAI_LOANS", "XZ", "2025") == "2003000000"  # the parts go beyond the summary
    client.delete(f"/api/v1/records/support/{big.json()['id']}", params={"version": big.json()["version"]})
    assert _figure(client, "SUKEDAI_LOANS", "XZ", "2025") == "1644000000"
    # a summary names no firm and gives its count; a firm's row names its firm
    qs = _unit(session, "XZ-QS")
    summary = {
        "kind": "贷款",
        "product": "苏科贷",
        "granted_on": "2025-12-31",
        "summary": True,
        "amount": "1亿",
    }
    for body, field in (
        (summary | {"enterprise_id": firm["id"], "org_unit_id": qs, "times": 3}, "enterprise_id"),
        (summary | {"times": 3}, "org_unit_id"),
        (summary | {"org_unit_id": qs}, "times"),
        ({k: v for k, v in summary.items() if k != "summary"} | {"org_unit_id": qs}, "enterprise_id"),
    ):
        r = client.post("/api/v1/records/support", json=body)
        assert r.status_code == 422 and r.json()["error"]["field"] == field, (body, r.text)


def test_from_the_fresh_eyes_look_records_follow_their_firm_and_count_once(
    client: TestClient, session: Session, as_persona
) -> None:
    """A merge and a firm's move to another district recount what the firm's records count (the figures stayed
    in the old cells); one firm holds one qualification of a kind a year; counts read as digits; an officer
    who sees phones masked may still edit the other items of a contact; a merged firm's id is not reused."""
    qs, jk = _unit(session, "XZ-QS"), _unit(session, "XZ-JK")
    a = _firm(client, session, "徐州甲乙科技有限公司", contacts="张三｜总经理｜13812345678")
    b = _firm(client, session, "徐州甲乙科技有限公司（经开）", org_unit_id=jk)
    loan = {"enterprise_id": a["id"], "kind": "贷款", "product": "苏科贷", "amount": "100万"}
    assert client.post("/api/v1/records/support", json=loan | {"granted_on": "2024-05-10"}).status_code == 201
    assert _figure(client, "SUKEDAI_LOANS", "XZ-QS", "2024") == "1000000"
    r = client.post(
        f"/api/v1/enterprises/{a['id']}/merge", json={"target_id": b["id"], "version": a["version"]}
    )
    assert r.status_code == 200, r.text
    assert _figure(client, "SUKEDAI_LOANS", "XZ-QS", "2024") is None
    assert _figure(client, "SUKEDAI_LOANS", "XZ-JK", "2024") == "1000000"
    firm = client.get(f"/api/v1/records/enterprises/{b['id']}").json()
    r = client.put(
        f"/api/v1/records/enterprises/{b['id']}", json={"version": firm["version"], "org_unit_id": qs}
    )
    assert r.status_code == 200, r.text
    assert _figure(client, "SUKEDAI_LOANS", "XZ-JK", "2024") is None
    assert _figure(client, "SUKEDAI_LOANS", "XZ-QS", "2024") == "1000000"
    support = client.get("/api/v1/lists/records_support", params={"q": ""}).json()["items"]
    assert any(row["org_unit_id"] == "泉山区" for row in support if "甲乙" in str(row)), support
    # one firm, one qualification of a kind a year; one certificate once
    twice = {"enterprise_id": b["id"], "kind": "科技型中小企业", "year": 2024}
    assert client.post("/api/v1/records/qualifications", json=twice).status_code == 201
    again = client.post("/api/v1/records/qualifications", json=twice)
    assert again.status_code == 422 and again.json()["error"]["field"] == "kind", again.text
    view = client.get("/api/v1/scitech", params={"year": 2025}).json()
    assert view["total"][0] == "2200" and all(
        "E" not in n for row in view["qualified"] for n in row["counts"]
    )
    # the officer sees the phone masked and changes the title: the phone stays, the title changes
    officer = as_persona("quanshan_officer")
    c = _firm(client, session, "徐州丙丁科技有限公司", contacts="李四｜总经理｜13987654321")
    seen = officer.get(f"/api/v1/records/enterprises/{c['id']}").json()
    contacts = [dict(seen["contacts"][0], title="董事长")]
    r = officer.put(
        f"/api/v1/records/enterprises/{c['id']}", json={"version": seen["version"], "contacts": contacts}
    )
    assert r.status_code == 200, r.text
    stored = client.get(f"/api/v1/records/enterprises/{c['id']}").json()["contacts"][0]
    assert stored == {"name": "李四", "title": "董事长", "phone": "13987654321"}
    # the merged firm's id is not given to the next one
    assert _firm(client, session, "徐州戊己科技有限公司")["id"] > c["id"]


def test_achievements_pushed_to_firms_count_and_follow_a_merge(client: TestClient, session: Session) -> None:
    """科技成果 and their pushes: a push names its achievement and firm and counts one in the firm's district
    (the city's 2025 total of 5100 pushes is a summary row citing seed 003); a push that led to a deal counts
    towards 推送成果签约转化; a merge takes the pushes along."""
    assert _figure(client, "ACHIEVEMENTS_PUSHED", "XZ", "2025") == "5100"
    body = {
        "title": "大流量排水抢险车液压系统",
        "field": "高端装备",
        "industry_code": "C35",
        "org_unit_id": _unit(session, "XZ"),
    }
    achievement = client.post("/api/v1/records/achievements", json=body)
    assert achievement.status_code == 201, achievement.text
    bad = client.post("/api/v1/records/achievements", json=body | {"industry_code": "Q99"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "industry_code"
    firm = _firm(client, session, "徐州庚辛装备有限公司")
    other = _firm(client, session, "徐州市庚辛装备有限公司")
    push = {
        "achievement_id": achievement.json()["id"],
        "enterprise_id": other["id"],
        "pushed_on": "2025-03-01",
    }
    for change, field in (
        ({"achievement_id": None}, "achievement_id"),
        ({"enterprise_id": None}, "enterprise_id"),
        ({"summary": True}, "enterprise_id"),
        ({"pushed_on": "2999-01-01"}, "pushed_on"),
    ):
        r = client.post("/api/v1/records/pushes", json=push | change)
        assert r.status_code == 422 and r.json()["error"]["field"] == field, (change, r.text)
    assert client.post("/api/v1/records/pushes", json=push | {"outcome": "已签约"}).status_code == 201
    assert _figure(client, "ACHIEVEMENTS_PUSHED", "XZ", "2025") == "5100"  # inside the city's total
    assert _figure(client, "ACHIEVEMENTS_PUSHED", "XZ-QS", "2025") == "1"
    assert _figure(client, "ACHIEVEMENT_DEALS", "XZ-QS", "2025") == "1"
    merged = client.post(
        f"/api/v1/enterprises/{other['id']}/merge",
        json={"target_id": firm["id"], "version": other["version"]},
    )
    assert merged.status_code == 200 and merged.json()["moved"]["成果推送"] == 1, merged.text
    assert _figure(client, "ACHIEVEMENT_DEALS", "XZ-QS", "2025") == "1"
