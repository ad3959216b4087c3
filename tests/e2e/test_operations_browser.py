"""In Chromium, the programme work behind the totals: an aid project created and moved 储备→投用, a fund plan
with a tranche paid late, and the programme page and the dashboard (its counts and its funds chart) following
the records."""

from __future__ import annotations

import json
from datetime import date

from playwright.sync_api import Page, expect

from tests.e2e.conftest import BROWSER_MARKS, login

pytestmark = BROWSER_MARKS


def _count(page: Page, label: str) -> str:
    return page.locator(f".counts .count:has(.label:text-is('{label}')) .value").inner_text()


def _choose(page: Page, select: str, text: str) -> None:
    value = page.locator(f"{select} option", has_text=text).first.get_attribute("value")
    assert value
    page.select_option(select, value)


def test_project_lifecycle_and_a_late_tranche_reach_the_dashboard(server: str, page: Page) -> None:
    year = date.today().year
    login(page, server, "city_admin", f"/?year={year}")
    done_before = _count(page, "建成援建项目")
    page.goto(f"{server}/?year=2025")
    chart = json.loads(page.locator("#funds-chart-data").inner_text())
    assert "对口合作抚顺" not in chart["categories"]

    # an aid project from 储备 to 投用; the form keeps what was typed when a field is wrong
    page.goto(f"{server}/records/projects/new")
    page.fill("#f-code", "E2E-KT-SCHOOL")
    page.fill("#f-name", "奎屯市第二小学改扩建")
    page.select_option("#f-kind", "aid")
    page.select_option("#f-category", "教育")
    _choose(page, "#f-org_unit_id", "奎屯市")
    _choose(page, "#f-programme_id", "对口支援新疆奎屯市")
    page.fill("#f-investment", "-3")
    page.fill("#f-responsible_person", "王援疆")
    page.click("form.setup-form button[type=submit]")
    assert "应大于 0" in page.locator(".field-error").inner_text()
    assert page.input_value("#f-name") == "奎屯市第二小学改扩建"
    page.fill("#f-investment", "800万")
    page.click("form.setup-form button[type=submit]")
    page.wait_for_url(f"{server}/projects/*")
    assert page.locator("#stage").inner_text() == "储备"
    for stage in ("立项", "开工", "完工", "投用"):
        page.check(f"input[name=to][value={stage}]")
        page.click("form.form button[type=submit]:has-text('保存')")
        assert page.locator("#stage").inner_text() == stage
    expect(page.locator("#history tbody tr")).to_have_count(5)  # created, then four moves
    assert "建成援建项目" in page.locator("#project-values").inner_text()

    page.goto(f"{server}/?year={year}")
    assert _count(page, "建成援建项目") != done_before

    # a plan for 抚顺 with one tranche due 30 June, paid on 15 July: 15 days late
    page.goto(f"{server}/records/plans/new")
    _choose(page, "#f-programme_id", "对口合作辽宁抚顺市")
    _choose(page, "#f-org_unit_id", "抚顺市")
    page.fill("#f-year", "2025")
    page.fill("#f-amount", "200万")
    page.click("form.setup-form button[type=submit]")
    page.wait_for_url(f"{server}/funds/plans/*")
    page.click("a:has-text('新增批次')")
    page.fill("#f-due_on", "2025-06-30")
    page.fill("#f-amount", "200万")
    page.click("form.setup-form button[type=submit]")
    page.click("a:has-text('登记拨付')")
    page.fill("#f-paid_on", "2025-07-15")
    page.fill("#f-amount", "2000000")
    page.fill("#f-voucher", "FS-2025-001")
    page.click("form.setup-form button[type=submit]")
    page.wait_for_url(f"{server}/funds/plans/*")
    assert page.locator("#tranches .state").inner_text() == "逾期15天足额"
    assert "1 个批次逾期" in page.locator("#plan-verdict").inner_text()
    expect(page.locator("#plan-chart[data-rendered=true]")).to_have_count(1)

    # the programme page shows the late tranche, the dashboard its money
    page.goto(f"{server}/programmes")
    page.click("main a[href^='/programmes/']:has-text('抚顺')")
    assert "逾期15天足额" in page.locator("#programme-plans").inner_text()
    expect(page.locator("#programme-plans .late-tranche")).to_have_count(1)
    page.goto(f"{server}/?year=2025")
    chart = json.loads(page.locator("#funds-chart-data").inner_text())
    index = chart["categories"].index("对口合作抚顺")
    assert float(chart["delivered"][index]) == 200 and float(chart["planned"][index]) == 200
