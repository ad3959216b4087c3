"""任务分解表: a task handed to a department, moved on the lifecycle, done only with its evidence, listed when
overdue or due soon on the 招商进度 view and on the home page of the department's users."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.lib.beijing import today
from shanhai.lifecycle.models import StageChange
from shanhai.orgunits.models import OrgUnit


def _unit(session: Session, code: str) -> int:
    return session.scalars(select(OrgUnit.id).where(OrgUnit.code == code)).one()


def _task(client: TestClient, session: Session, **more: object) -> dict:
    body = {
        "title": "引进百亿级项目1个",
        "year": today().year,
        "org_unit_id": _unit(session, "XZ-JK"),
        "deadline": str(today() + timedelta(days=5)),
        "owner": "张主任",
        **more,
    }
    r = client.post("/api/v1/records/tasks", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _move(client: TestClient, task: dict, to: str, note: str = "") -> tuple[int, dict]:
    version = client.get(f"/api/v1/records/tasks/{task['id']}").json()["version"]
    r = client.post(
        f"/api/v1/records/tasks/{task['id']}/moves", json={"to": to, "note": note, "version": version}
    )
    return r.status_code, r.json()


def test_a_task_is_done_only_with_its_evidence(client: TestClient, session: Session) -> None:
    task = _task(client, session)
    assert task["status"] == "未开始" and task["moves"] == ["进行中"]
    assert _move(client, task, "已完成")[0] == 409  # not from 未开始
    assert _move(client, task, "进行中")[0] == 200
    status, body = _move(client, task, "已完成")
    assert status == 422 and body["error"]["field"] == "evidence", body
    version = client.get(f"/api/v1/records/tasks/{task['id']}").json()["version"]
    r = client.put(
        f"/api/v1/records/tasks/{task['id']}", json={"version": version, "evidence": "签约协议扫描件"}
    )
    assert r.status_code == 200, r.text
    status, body = _move(client, task, "已完成")
    assert status == 200 and body["status"] == "已完成", body
    assert _move(client, task, "进行中")[0] == 422  # reopening needs a reason
    assert _move(client, task, "进行中", "协议未生效")[0] == 200
    history = session.scalars(
        select(StageChange.to_stage).where(
            StageChange.kind == "investment_task", StageChange.record_id == task["id"]
        )
    ).all()
    assert list(history) == ["未开始", "进行中", "已完成", "进行中"]
    # the status is the lifecycle's alone
    version = client.get(f"/api/v1/records/tasks/{task['id']}").json()["version"]
    r = client.put(f"/api/v1/records/tasks/{task['id']}", json={"version": version, "status": "已完成"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "status"


def test_bad_tasks_are_refused_naming_the_field(client: TestClient, session: Session) -> None:
    for change, field in (
        ({"org_unit_id": _unit(session, "P-XJ-KT")}, "org_unit_id"),
        ({"deadline": "2001-01-01"}, "deadline"),
        ({"title": ""}, "title"),
        ({"org_unit_id": 2147483000}, "org_unit_id"),
    ):
        body = {"title": "任务", "year": today().year, "org_unit_id": _unit(session, "XZ-JK")}
        body |= {"deadline": str(today())} | change
        r = client.post("/api/v1/records/tasks", json=body)
        assert r.status_code == 422 and r.json()["error"]["field"] == field, (change, r.text)


def test_overdue_and_due_tasks_reach_the_view_and_the_departments_home(
    client: TestClient, session: Session, as_persona
) -> None:
    late = _task(client, session, title="完成高空作业车项目签约", deadline=str(today() - timedelta(days=3)))
    _task(client, session, title="明年的任务", deadline=str(today() + timedelta(days=200)))
    rows = client.get("/api/v1/investment").json()["tasks"]
    assert [(t["title"], t["days"]) for t in rows if t["title"] == "完成高空作业车项目签约"] == [
        ("完成高空作业车项目签约", -3)
    ]
    assert "明年的任务" not in [t["title"] for t in rows]
    mine = as_persona("jingkai_officer").get("/api/v1/dashboard").json()["reminders"]
    assert any(r["kind"] == "任务逾期" and "高空作业车" in r["text"] for r in mine), mine
    theirs = as_persona("quanshan_officer").get("/api/v1/dashboard").json()["reminders"]
    assert not any("高空作业车" in r["text"] for r in theirs)
    page = as_persona("jingkai_officer").get(f"/records/tasks/{late['id']}")
    assert page.status_code == 200 and "标记为进行中" in page.text
