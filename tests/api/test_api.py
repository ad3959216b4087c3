"""The JSON API: the dashboard's twin, programmes, values, and errors as JSON (never a 500)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import needs_seeds


def test_dashboard_json_shows_xinjiang_funds(client: TestClient) -> None:
    data = client.get("/api/v1/dashboard").json()
    assert data["year"] == 2025
    card = next(c for c in data["cards"] if c["programme"]["short_name"] == "援疆")
    assert card["funds_delivered"]["display"] == "1.18亿元"
    assert card["funds_delivered"]["value"] == "118000000"
    assert card["on_time_in_full"] is True
    assert data["funds_chart"]["categories"][0] == "援疆"
    assert data["funds_chart"]["delivered"][0] == "11800"
    counts = {k["label"]: k["total"]["display"] if k["total"] else None for k in data["key_counts"]}
    assert counts["资金到位"] == "3.37亿元"
    assert counts["选派干部人才"] == "164人"


@needs_seeds
def test_dashboard_values_carry_citations_and_sentences(client: TestClient) -> None:
    values = client.get("/api/v1/dashboard").json()["values"]
    cited = [v for v in values if v["source"]["sentence"]]
    assert cited
    for v in cited:
        source = v["source"]
        assert source["figure_text"] in source["sentence"]
        assert source["document"]["file_name"].endswith(".txt")
        assert source["citation"].endswith(f"第{source['start']}–{source['end']}字")
    derived = client.get("/api/v1/values", params={"q": "对口支援协作资金", "limit": 50}).json()
    funds = [v for v in derived["items"] if v["source"]["derived"]] if isinstance(derived, dict) else []
    assert funds and all(v["source"]["citation"].startswith("台账汇总（由") for v in funds)


def test_programme_detail_and_list(client: TestClient) -> None:
    programmes = client.get("/api/v1/programmes").json()
    yj = next(p for p in programmes if p["code"] == "YJ")
    assert yj["places"][0]["name"] == "奎屯"
    detail = client.get(f"/api/v1/programmes/{yj['id']}").json()
    assert detail["card"]["funds_delivered"]["display"] == "1.18亿元"
    assert len(detail["values"]) >= 40
    assert {p["stage"] for p in detail["projects"]} >= {"投用", "开工"}


def test_values_pagination_and_filters(client: TestClient) -> None:
    page = client.get("/api/v1/values", params={"limit": 10}).json()
    assert page["total"] >= 90 and len(page["items"]) == 10
    rest = client.get("/api/v1/values", params={"limit": 10, "offset": page["total"] - 3}).json()
    assert len(rest["items"]) == 3
    targets = client.get("/api/v1/values", params={"kind": "target", "limit": 100}).json()
    assert targets["total"] == 8 and all(v["kind"] == "target" for v in targets["items"])
    y2022 = client.get("/api/v1/values", params={"year": 2022}).json()
    assert {v["period"]["id"] for v in y2022["items"]} == {"2022"}


def test_unknown_ids_give_json_errors(client: TestClient) -> None:
    r = client.get("/api/v1/programmes/99999")
    assert r.status_code == 404
    assert r.json() == {
        "error": {"code": "not_found", "message": "重点工作不存在：编号 99999", "field": "programme_id"}
    }
    r = client.get("/api/v1/programmes/abc")
    assert r.status_code == 422 and r.json()["error"]["field"] == "programme_id"
    r = client.get("/api/v1/values", params={"programme": 99999})
    assert r.status_code == 422 and r.json()["error"]["field"] == "programme"
    r = client.get("/api/v1/values", params={"limit": 0})
    assert r.status_code == 422 and r.json()["error"]["field"] == "limit"
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_openapi_lists_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/v1/dashboard",
        "/api/v1/programmes",
        "/api/v1/programmes/{programme_id}",
        "/api/v1/values",
    } <= set(paths)


def test_health_says_read_only_after_a_write_failed_for_want_of_disk_until_one_succeeds(
    client: TestClient, app
) -> None:
    """A write refused for a full disk makes the health check 503 read_only (reads still answer); the next
    write that commits makes it ok again."""
    import time

    from sqlalchemy.exc import OperationalError

    assert client.get("/api/v1/health").json()["status"] == "ok"
    app.state.outage.write_failed(OperationalError("INSERT", {}, Exception("database or disk is full")))
    sick = client.get("/api/v1/health")
    assert sick.status_code == 503 and sick.json()["status"] == "read_only" and not sick.json()["writable"]
    assert client.get("/api/v1/dashboard").status_code == 200  # reads go on
    app.state.outage.wrote(time.monotonic())
    assert client.get("/api/v1/health").json()["status"] == "ok"


def test_an_elements_nature_and_grain_read_back(as_persona) -> None:
    """Found by an attack: nature and grain could be written through the API but not read back."""
    client = as_persona("admin")
    made = client.post(
        "/api/v1/elements",
        json={"code": "T_STOCK", "name": "在岗人数", "unit": "人", "aggregation": "last", "grain": "yearly"},
    )
    assert made.status_code == 201, made.text
    read = client.get(f"/api/v1/elements/{made.json()['id']}").json()
    assert (read["nature"], read["grain"], read["target_grain"], read["aggregation"]) == (
        "stock",
        "yearly",
        "monthly",
        "last",
    )
    listed = client.get("/api/v1/lists/elements", params={"q": "T_STOCK"}).json()
    assert any("存量" in str(row) for row in listed["items"]), listed
