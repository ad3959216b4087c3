"""Bounded cost and clean edges: analytics requests are capped, bodies are limited, exports cannot carry
formulas, the API docs work offline behind the login, no English reaches the user, periods read as
Chinese, and the dashboard lists only years the user may see."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.datasets.models import Submission
from shanhai.lib.csvout import safe_cell, to_csv
from shanhai.orgunits.models import OrgUnit

Persona = Callable[[str], TestClient]


def test_an_analytics_request_is_deduplicated_and_capped(client: TestClient) -> None:
    twice = client.get("/api/v1/analytics", params={"dx": "FUNDS;FUNDS", "ou": "XZ;XZ", "pe": "2025;2025"})
    assert twice.status_code == 200 and len(twice.json()["rows"]) <= 1
    years = ";".join(str(y) for y in range(1950, 2150))
    elements = "FUNDS;TALENT_DISPATCHED;DOCTORS_DISPATCHED;MED_EXPERTS;TEACHERS_DISPATCHED;SILVER_TEACHERS;"
    elements += (
        "COUNTIES_SURVEYED;PARK_OUTPUT;PARK_INVESTMENT;AID_PROJECTS;AID_PROJECTS_DONE;AID_PROJECT_FUNDS"
    )
    huge = client.get("/api/v1/analytics", params={"dx": elements, "ou": "XZ;LEVEL-2", "pe": years})
    assert huge.status_code == 422 and "查询范围过大" in huge.json()["error"]["message"]


def test_a_body_over_the_limit_is_refused_before_it_is_parsed(client: TestClient) -> None:
    big = "x" * (2 * 1024 * 1024)
    r = client.post("/api/v1/values", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "过大" in r.json()["error"]["message"]


def test_exports_neutralise_formula_looking_text_and_keep_numbers() -> None:
    assert safe_cell("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)" and safe_cell("-2+3") == "'-2+3"
    assert safe_cell(-5) == -5 and safe_cell("徐州") == "徐州"
    rows = list(csv.reader(io.StringIO(to_csv(["a", "b"], [["+1", 3]]).lstrip("\ufeff"))))
    assert rows[1] == ["'+1", "3"]


def test_the_audit_export_defuses_a_spoofed_header(client: TestClient, session: Session) -> None:
    from shanhai.audit.service import Action, record

    record(
        session=session,
        actor="=cmd|' /C calc'!A0",
        module="系统管理",
        action=Action.UPDATE,
        object_type="x",
        object_id=1,
        summary='=HYPERLINK("http://evil")',
    )
    text = client.get("/api/v1/lists/audit/export", params={"format": "csv"}).content.decode("utf-8-sig")
    assert "\n=" not in text and ",=" not in text and "'=cmd" in text


def test_the_api_docs_are_offline_and_need_a_login(anonymous: TestClient, client: TestClient) -> None:
    assert anonymous.get("/api/docs", follow_redirects=False).status_code == 303
    assert anonymous.get("/openapi.json").status_code == 401
    page = client.get("/api/docs").text
    assert "/static/vendor/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    assert client.get("/static/vendor/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"].startswith("山海")


def test_validation_errors_are_in_chinese(client: TestClient) -> None:
    r = client.post("/api/v1/values", json={"data_element": "FUNDS"})
    message = r.json()["error"]["message"]
    assert r.status_code == 422 and "必填" in message and "Field required" not in message
    r = client.get("/api/v1/values", params={"limit": "many"})
    assert "应为整数" in r.json()["error"]["message"]


def test_periods_and_period_types_read_in_chinese(as_persona: Persona, session: Session) -> None:
    officer, city = as_persona("quanshan_officer"), as_persona("city_admin")
    unit = session.scalars(select(OrgUnit).where(OrgUnit.code == "XZ-QS")).one()
    fresh = officer.get("/api/v1/datasets/1/entry", params={"org_unit_id": unit.id, "period": "202502"})
    assert fresh.json()["status_label"] == "未填报"
    officer.put(
        "/api/v1/datasets/1/entry",
        params={"org_unit_id": unit.id, "period": "202510"},
        json={"values": {"MONTHLY_TRAINED": "9", "MONTHLY_PLACED": "3"}, "submit": True},
    )
    page = city.get("/datasets").text
    assert "2025年10月" in page and ">202510<" not in page and "monthly" not in page and "按月填报" in page
    submission = session.scalars(select(Submission).where(Submission.period_id == "202510")).one()
    r = city.post(f"/submissions/{submission.id}/return", data={"comment": " "}, follow_redirects=True)
    assert r.status_code == 200 and "退回时请填写原因" in r.text
    assert re.search(r'aria-invalid="true"', r.text)


def test_the_dashboard_lists_only_years_the_user_may_see(as_persona: Persona, client: TestClient) -> None:
    everyone = client.get("/api/v1/dashboard").json()["years"]
    officer = as_persona("jingkai_officer").get("/api/v1/dashboard").json()["years"]
    assert set(officer) <= set(everyone) and len(officer) < len(everyone)


def test_a_chunked_body_over_the_limit_is_a_413_in_chinese(client: TestClient) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 65536

    r = client.post("/api/v1/values", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "过大" in r.json()["error"]["message"]


def test_last_value_elements_over_many_periods_take_one_statement_each(session: Session) -> None:
    from shanhai.analytics.engine import analytics
    from shanhai.analytics.statements import session_store
    from shanhai.analytics.store import Store
    from tests.conftest import actor_of

    statements = []
    inner = session_store(session)

    def counting(stmt):  # type: ignore[no-untyped-def]
        statements.append(stmt)
        return inner.execute(stmt)

    months = ";".join(f"{y}{m:02d}" for y in range(2000, 2016) for m in range(1, 13))
    analytics(
        session=session,
        actor=actor_of(session, "viewer"),
        dx="PARKS_COBUILT;SALES_OUTLETS;LABOUR_BRANDS;PARKS_COBUILT.target",
        ou="LEVEL-2",
        pe=months,
        store=Store(execute=counting),
    )
    assert len(statements) <= 8, len(statements)
