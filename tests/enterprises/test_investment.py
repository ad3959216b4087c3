"""招商引资: investment leads on the projects' lifecycle (线索 → 洽谈 → 签约 → 开工 → 投产, 终止 with a
reason), their size classes, the investor a signature needs, the zone's targets against what its signed leads
achieved (through the analytics roll-up), and stalled leads."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shanhai.lib.beijing import today
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme
from shanhai.projects.models import Project, size_class


def _id(session: Session, model: type, code: str) -> int:
    return session.scalars(select(model.id).where(model.code == code)).one()


def _lead(client: TestClient, session: Session, code: str, investment: str, **more: object) -> dict:
    body = {
        "code": code,
        "name": f"{code} 项目",
        "kind": "investment",
        "org_unit_id": _id(session, OrgUnit, "XZ-JK"),
        "programme_id": _id(session, Programme, "ZS"),
        "investment": investment,
        "lead_source": "产业链招商",
        "industry_code": "C38",
        **more,
    }
    r = client.post("/api/v1/records/projects", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _move(client: TestClient, lead_id: int, to: str, note: str = "") -> dict:
    version = client.get(f"/api/v1/records/projects/{lead_id}").json()["version"]
    r = client.post(f"/api/v1/projects/{lead_id}/moves", json={"to": to, "note": note, "version": version})
    return {"status": r.status_code, "body": r.json()}


def _zone(client: TestClient, year: int) -> dict:
    data = client.get("/api/v1/investment", params={"year": year}).json()
    rows = next((z["progress"] for z in data["targets"] if z["zone"] == "徐州经济技术开发区"), [])
    return {p["element"]: (p["target"], p["achieved"], p["rate"]) for p in rows}


def test_size_classes_follow_the_planned_investment() -> None:
    from decimal import Decimal

    assert [size_class(Decimal(v)) for v in ("1e10", "9999999999", "5e9", "1e9", "1e8", "5e7")] == [
        "百亿级",
        "五十亿级",
        "五十亿级",
        "十亿级",
        "亿元级",
        "亿元以下",
    ]
    assert size_class(None) == ""


def test_a_lead_moved_to_production_counts_towards_its_zones_target(
    client: TestClient, session: Session
) -> None:
    year = today().year
    target = {
        "data_element": "MEGA_PROJECTS",
        "org_unit_id": _id(session, OrgUnit, "XZ-JK"),
        "period": str(year),
        "value": 2,
        "kind": "target",
    }
    assert client.post("/api/v1/values", json=target).status_code in (200, 201)
    assert _zone(client, year)["MEGA_PROJECTS"] == ("2", "0", "0%")
    lead = _lead(client, session, "ZS-TEST-1", "120亿")
    assert _move(client, lead["id"], "洽谈")["status"] == 200
    refused = _move(client, lead["id"], "签约")
    assert refused["status"] == 422 and refused["body"]["error"]["field"] == "investor", refused
    version = client.get(f"/api/v1/records/projects/{lead['id']}").json()["version"]
    r = client.put(
        f"/api/v1/records/projects/{lead['id']}", json={"version": version, "investor": "某新能源集团"}
    )
    assert r.status_code == 200, r.text
    for stage in ("签约", "开工", "投产"):
        assert _move(client, lead["id"], stage)["status"] == 200
    assert _zone(client, year)["MEGA_PROJECTS"] == ("2", "1", "50%")
    assert _zone(client, year)["INVEST_SIGNED"][1] == "1"
    project = session.get_one(Project, lead["id"])
    assert project.signed_on == today() and project.stage_since == today() and project.size_class == "百亿级"
    # the investor of a signed lead is not cleared; a hand value of a kept cell is refused
    version = client.get(f"/api/v1/records/projects/{lead['id']}").json()["version"]
    r = client.put(f"/api/v1/records/projects/{lead['id']}", json={"version": version, "investor": ""})
    assert r.status_code == 422 and r.json()["error"]["field"] == "investor", r.text
    hand = client.post("/api/v1/values", json=target | {"kind": "actual", "value": 5})
    assert hand.status_code == 409, hand.text
    funnel = client.get("/api/v1/investment", params={"year": year}).json()["funnel"]
    row = next(r for r in funnel if r["zone"] == "徐州经济技术开发区")
    assert row["counts"][4] >= 1  # 投产


def test_an_ended_lead_no_longer_counts_and_a_reason_is_required(
    client: TestClient, session: Session
) -> None:
    year = today().year
    lead = _lead(client, session, "ZS-TEST-2", "60亿", investor="某材料公司")
    for stage in ("洽谈", "签约"):
        assert _move(client, lead["id"], stage)["status"] == 200
    assert _zone(client, year)["INVEST_50YI_PROJECTS"][1] == "1"
    assert _move(client, lead["id"], "终止")["status"] == 422  # a reason is needed
    assert _move(client, lead["id"], "终止", "投资方撤回")["status"] == 200
    assert _zone(client, year).get("INVEST_50YI_PROJECTS", (None, "0", ""))[1] == "0"


def test_a_lead_that_has_not_moved_for_sixty_days_is_stalled(client: TestClient, session: Session) -> None:
    lead = _lead(client, session, "ZS-TEST-3", "3亿", investor="某装备公司")
    assert _move(client, lead["id"], "洽谈")["status"] == 200
    names = [s["name"] for s in client.get("/api/v1/investment").json()["stalled"]]
    assert "ZS-TEST-3 项目" not in names
    session.execute(
        update(Project).where(Project.id == lead["id"]).values(stage_since=today() - timedelta(days=61))
    )
    session.flush()
    stalled = client.get("/api/v1/investment").json()["stalled"]
    assert [(s["name"], s["days"]) for s in stalled if s["name"] == "ZS-TEST-3 项目"] == [
        ("ZS-TEST-3 项目", 61)
    ]
    page = client.get("/investment")
    assert page.status_code == 200 and "ZS-TEST-3 项目" in page.text
    reminders = client.get("/api/v1/dashboard").json()["reminders"]
    assert any(r["kind"] == "线索停滞" and "ZS-TEST-3 项目" in r["text"] for r in reminders), reminders
