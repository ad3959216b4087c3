"""The list kit, for every declared list: search, sort, paging, total and export through the one spec, the
data scope applied by the list, bad parameters named, exports needing 导出 and audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.audit.models import AuditLog
from shanhai.lists.records import ALL_SPECS as SPECS
from shanhai.lists.spec import FilterKind

SORTABLE = [(name, c.key) for name, spec in SPECS.items() for c in spec.columns if c.sort is not None]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_list_answers_with_its_total_and_columns(
    name: str, as_persona: Callable[[str], TestClient]
) -> None:
    reply = as_persona("admin").get(f"/api/v1/lists/{name}", params={"limit": 5})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["total"] >= len(body["items"]) and len(body["items"]) <= 5
    assert [c["key"] for c in body["columns"]] == [c.key for c in SPECS[name].columns]
    for item in body["items"]:
        assert set(item) == {c.key for c in SPECS[name].columns}


@pytest.mark.parametrize(("name", "key"), SORTABLE)
def test_every_sortable_column_sorts_both_ways(
    name: str, key: str, as_persona: Callable[[str], TestClient]
) -> None:
    client = as_persona("admin")
    up = client.get(f"/api/v1/lists/{name}", params={"sort": key, "limit": 200})
    down = client.get(f"/api/v1/lists/{name}", params={"sort": f"-{key}", "limit": 200})
    assert up.status_code == down.status_code == 200, (up.text, down.text)
    assert up.json()["total"] == down.json()["total"]
    if up.json()["total"] <= 200:  # one page holds them all: the same rows, in some order either way
        ids = lambda reply: sorted(str(sorted(i.items())) for i in reply.json()["items"])  # noqa: E731
        assert ids(up) == ids(down)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_filter_of_every_list_narrows_or_keeps(
    name: str, as_persona: Callable[[str], TestClient], session: Session
) -> None:
    client = as_persona("admin")
    total = client.get(f"/api/v1/lists/{name}").json()["total"]
    from shanhai.auth.scope import SYSTEM

    for flt in SPECS[name].filters:
        if flt.kind is FilterKind.CHOICE:
            options = flt.options(session, SYSTEM)
            samples = [options[0][0]] if options else []
        else:
            samples = {
                FilterKind.TEXT: ["徐", "%_"],
                FilterKind.DATE: ["2025-01-01"],
                FilterKind.YEAR: ["2025"],
                FilterKind.INT: ["1"],
            }[flt.kind]
        for sample in samples:
            reply = client.get(f"/api/v1/lists/{name}", params={flt.key: sample})
            assert reply.status_code == 200, (flt.key, sample, reply.text)
            assert reply.json()["total"] <= total
            assert reply.json()["filters"] == {flt.key: sample}


def test_paging_covers_every_row_once(as_persona: Callable[[str], TestClient]) -> None:
    client = as_persona("admin")
    first = client.get("/api/v1/lists/values", params={"limit": 20, "sort": "-value"}).json()
    seen: list[str] = []
    for offset in range(0, first["total"], 20):
        page = client.get(
            "/api/v1/lists/values", params={"limit": 20, "offset": offset, "sort": "-value"}
        ).json()
        seen += [item["id"] for item in page["items"]]
    assert len(seen) == len(set(seen)) == first["total"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "password_hash"}, "sort"),
        ({"limit": "0"}, "limit"),
        ({"limit": "99999"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"year": "二〇二五"}, "year"),
        ({"unit": "999999"}, "unit"),
        ({"kind": "both"}, "kind"),
        ({"q": "长" * 500}, "q"),
    ],
)
def test_a_bad_parameter_is_422_naming_it(params: dict[str, str], field: str, client: TestClient) -> None:
    reply = client.get("/api/v1/lists/values", params=params)
    assert reply.status_code == 422, reply.text
    assert field in reply.text


def test_the_page_keeps_what_was_typed_and_names_the_field(as_persona: Callable[[str], TestClient]) -> None:
    reply = as_persona("admin").get("/values", params={"year": "20x5", "q": "资金"})
    assert reply.status_code == 422
    assert 'value="20x5"' in reply.text and 'value="资金"' in reply.text and "年度" in reply.text


def test_the_list_applies_the_data_scope(as_persona: Callable[[str], TestClient]) -> None:
    city = as_persona("city_admin").get("/api/v1/lists/values", params={"limit": 200}).json()
    district = as_persona("quanshan_officer").get("/api/v1/lists/values", params={"limit": 200}).json()
    assert 0 < district["total"] < city["total"]
    assert all(item["org_unit"] in {"泉山区"} or "泉山" in item["org_unit"] for item in district["items"])
    # choosing another district's unit in the filter does not reach past the scope
    export = as_persona("quanshan_officer").get("/api/v1/lists/values/export", params={"format": "csv"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) - 1 == district["total"]


def test_xlsx_export_is_what_the_list_shows(client: TestClient, session: Session) -> None:
    params = {"year": "2025", "sort": "-value", "format": "xlsx"}
    shown = client.get("/api/v1/lists/values", params={"year": "2025", "sort": "-value", "limit": 200}).json()
    reply = client.get("/api/v1/lists/values/export", params=params)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in reply.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(reply.content))
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header == [c.label for c in SPECS["values"].columns]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == shown["total"]
    value_col = header.index("数值")
    assert isinstance(rows[0][value_col], float | int)
    assert [str(r[header.index("编号")]) for r in rows[: len(shown["items"])]] == [
        str(i["id"]) for i in shown["items"]
    ]
    entry = session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert entry is not None and entry.action == "导出" and entry.object_type == "values"
    assert entry.after and entry.after["rows"] == len(rows) and entry.after["filters"] == {"year": "2025"}


def test_formula_looking_text_never_becomes_a_formula(as_persona: Callable[[str], TestClient]) -> None:
    client = as_persona("admin")
    client.post(
        "/api/v1/users",
        json={
            "username": "formula_user",
            "display_name": '=HYPERLINK("x")',
            "password": "Kx9!pqrs-Tuv",
            "org_unit_id": 1,
            "role_ids": [],
        },
    )
    csv_reply = client.get("/api/v1/lists/users/export", params={"format": "csv", "q": "formula_user"})
    assert "'=HYPERLINK" in csv_reply.content.decode("utf-8-sig")
    xlsx = client.get("/api/v1/lists/users/export", params={"format": "xlsx", "q": "formula_user"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cell = sheet.cell(row=2, column=2)
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s" and cell.quotePrefix


def test_export_needs_the_export_permission(as_persona: Callable[[str], TestClient]) -> None:
    viewer = as_persona("viewer")
    assert viewer.get("/api/v1/lists/values").status_code == 200
    assert viewer.get("/api/v1/lists/values/export", params={"format": "csv"}).status_code == 403
    assert viewer.get("/api/v1/lists/audit").status_code == 403


def test_money_is_exported_in_yuan_and_shown_in_wan(client: TestClient) -> None:
    reply = client.get("/api/v1/lists/projects/export", params={"format": "xlsx", "sort": "-investment"})
    sheet = openpyxl.load_workbook(io.BytesIO(reply.content)).active
    header = [c.value for c in sheet[1]]
    column = header.index("投资额") + 1
    cell = sheet.cell(row=2, column=column)
    assert isinstance(cell.value, float | int) and "万元" in cell.number_format
