"""In Chromium: three lists of the kit searched, sorted, paged and exported (操作日志, 项目库, 用户), the
office's set-up edited by the administrator through its forms, and the same pages refused to a viewer."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect

from tests.e2e.conftest import BROWSER_MARKS, login

pytestmark = BROWSER_MARKS


def _cells(page: Page, label: str) -> list[str]:
    return page.locator(f"table.list td[data-label='{label}']").all_inner_texts()


def _go(page: Page, selector: str) -> None:
    """Click a link or button that loads a new page, and wait for that page: reading the list before it has
    loaded reads the old one, or none."""
    with page.expect_navigation():
        page.click(selector)


def test_audit_log_search_sort_page_and_export(server: str, page: Page) -> None:
    login(page, server, "admin", "/admin/audit")
    total = int(page.locator(".list-total").inner_text().strip("共 条"))
    assert total > 20  # the demo load writes more than one page
    page.select_option("select[name=module]", "指标")
    _go(page, "form.search-bar button[type=submit]")
    modules = _cells(page, "模块")
    assert modules and set(modules) == {"指标"}
    narrowed = int(page.locator(".list-total").inner_text().strip("共 条"))
    assert narrowed <= total
    # sort by time, oldest first, then newest first
    _go(page, "table.list th a:has-text('时间')")
    ascending = _cells(page, "时间")
    _go(page, "table.list th a:has-text('时间')")
    descending = _cells(page, "时间")
    assert ascending == sorted(ascending) and descending == sorted(descending, reverse=True)
    # the filter survives paging and sorting
    if narrowed > 20:
        _go(page, "nav.pager a[rel=next]")
        assert "第 2 /" in page.locator("nav.pager").inner_text()
        assert set(_cells(page, "模块")) == {"指标"}
    # export to Excel: the filtered rows, a frozen header
    with page.expect_download() as download:
        page.click("a[data-export=xlsx]")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet.freeze_panes == "A2" and sheet.max_row - 1 == narrowed
    assert {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"指标"}


def test_projects_filter_sort_and_csv(server: str, page: Page) -> None:
    login(page, server, "city_admin", "/projects")
    kinds = _cells(page, "类型")
    assert kinds
    page.select_option("select[name=kind]", label="招商项目")
    _go(page, "form.search-bar button[type=submit]")
    assert set(_cells(page, "类型")) <= {"招商项目"}
    shown = len(_cells(page, "类型"))
    _go(page, "table.list th a:has-text('投资额')")
    _go(page, "table.list th a:has-text('投资额')")  # largest first
    expect(page.locator("table.list th[aria-sort=descending]")).to_have_count(1)
    with page.expect_download() as download:
        page.click("a[data-export=csv]")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) - 1 == shown and {r[2] for r in rows[1:]} <= {"招商项目"}


def test_users_search_and_page_size(server: str, page: Page) -> None:
    login(page, server, "admin", "/admin/users")
    page.fill("input[name=q]", "officer")
    _go(page, "form.search-bar button[type=submit]")
    names = _cells(page, "用户名")
    assert names and all("officer" in n for n in names)
    page.goto(server + "/admin/users")
    page.select_option("select[name=limit]", "50")
    page.wait_for_url("**limit=50**")
    assert page.locator("select[name=limit]").input_value() == "50"


def test_the_administrator_edits_the_set_up_in_the_browser(server: str, page: Page) -> None:
    login(page, server, "admin", "/admin/orgunits")
    # 部门管理: a form error keeps what was typed, then the unit is created under 泉山区 and renamed
    page.click("text=新增单位")
    page.fill("#f-code", "QS-NEWOFFICE")
    page.select_option("#f-parent_id", label="　泉山区")
    page.click("button:has-text('保存')")
    assert "请填写名称" in page.locator(".has-error").inner_text()
    assert page.locator("#f-code").input_value() == "QS-NEWOFFICE"
    page.fill("#f-name", "泉山区协作办")
    page.click("button:has-text('保存')")
    page.wait_for_url("**/admin/orgunits/*")
    page.fill("#f-name", "泉山区对口协作办")
    page.click("button:has-text('保存')")
    page.goto(server + "/admin/orgunits?q=协作办")
    assert "泉山区对口协作办" in page.locator("table.list").inner_text()
    # 数据元, then an indicator over it with its preview, then a data set that reports it
    page.goto(server + "/admin/elements/new")
    page.fill("#f-code", "FAIRS_HELD")
    page.fill("#f-name", "举办招聘会场次")
    page.fill("#f-unit", "场")
    page.click("button:has-text('保存')")
    page.wait_for_url("**/admin/elements/*")
    page.goto(server + "/admin/indicators/new")
    page.fill("#f-code", "FUNDS_WAN")
    page.fill("#f-name", "资金到位（万元）")
    page.fill("#f-formula", "#{FUNDS} / 10000")
    page.fill("#f-unit", "万元")
    page.click("button:has-text('保存')")
    page.wait_for_url("**/admin/indicators/*")
    assert "预览" in page.locator("main").inner_text()
    page.goto(server + "/admin/datasets/new")
    page.fill("#f-code", "FAIRS_MONTHLY")
    page.fill("#f-name", "招聘会月报")
    page.select_option("#f-element_ids", label="举办招聘会场次（FAIRS_HELD，场）")
    page.select_option("#f-unit_ids", label="　泉山区")
    page.click("button:has-text('保存')")
    page.wait_for_url("**/admin/datasets/*")
    page.goto(server + "/admin/datasets")
    assert "招聘会月报" in page.locator("table.list").inner_text()
    # a new programme, and a role copied from 只读用户
    page.goto(server + "/admin/programmes/new")
    page.fill("#f-code", "SUQING")
    page.fill("#f-name", "苏青协作（测试）")
    page.fill("#f-short_name", "苏青")
    page.select_option("#f-lead_org_unit_id", label="徐州市")
    page.click("button:has-text('保存')")
    page.wait_for_url("**/programmes/*")
    page.goto(server + "/admin/roles")
    page.click("table.list a:has-text('viewer')")
    page.click("text=复制为新角色")
    page.fill("#f-code", "viewer_plus")
    page.click("button:has-text('保存')")
    page.wait_for_url("**/admin/roles/*")
    assert "只读用户（副本）" in page.locator("h1").inner_text()
    # every change is in the audit log
    page.goto(server + "/admin/audit?q=招聘会月报")
    assert "新增数据集" in page.locator("table.list").inner_text()


def test_the_set_up_is_refused_to_a_viewer(server: str, page: Page) -> None:
    login(page, server, "viewer", "/")
    expect(page.locator("summary:has-text('系统管理')")).to_have_count(0)
    for path in ("/admin/orgunits", "/admin/elements/new", "/admin/datasets", "/admin/roles/new"):
        response = page.goto(server + path)
        assert response is not None and response.status == 403, path
