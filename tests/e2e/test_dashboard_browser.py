"""A person opens the dashboard in Debian's Chromium: sees 1.18亿元 for 援疆 and a rendered chart."""

from __future__ import annotations

import csv
from pathlib import Path

from playwright.sync_api import Browser, Page

from tests.e2e.conftest import BROWSER_MARKS, login

pytestmark = BROWSER_MARKS


def test_dashboard_shows_xinjiang_funds_and_chart(server: str, page: Page) -> None:
    login(page, server, "city_admin")
    card = page.locator("article.card", has=page.locator("h3", has_text="援疆"))
    assert card.locator(".funds-delivered").inner_text() == "1.18亿元"
    page.wait_for_selector("#funds-chart[data-rendered='true'] canvas", timeout=10_000)
    box = page.locator("#funds-chart canvas").first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    page.goto(server + "/values?year=2025&q=资金")
    # the funds are added up from the payment records: one click lists them, each with its cited sentence
    page.locator("table.values tr", has_text="援疆").locator("a.records-behind").first.click()
    page.wait_for_url("**/values/*/records")
    assert page.locator("#records-behind mark", has_text="1.18亿元").count() >= 1


def test_phone_width_dashboard_and_programme_page(server: str, page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, server, "city_admin")
    page.locator("article.card h3 a", has_text="援疆").click()
    page.wait_for_url("**/programmes/*")
    assert "对口支援新疆奎屯市" in page.locator("h1").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling


def test_district_officer_sees_only_their_district(server: str, page: Page) -> None:
    login(page, server, "quanshan_officer")
    # dashboard: no city-level funds, no other district's figures, the district's own figure is there
    body = page.locator("main").inner_text()
    assert "1.18亿元" not in body and "资金计划与到位" in body
    counts = page.locator(".count .value").all_inner_texts()
    assert counts and all(c == "—" for c in counts)
    # 泉山's reported figures of 2024—2025 (its loans, awards and grants are claims on 对账: the enterprise
    # registers keep those cells)
    on_dashboard = page.locator("table.values td[data-label='单位']").all_inner_texts()
    assert len(on_dashboard) == 4 and set(on_dashboard) == {"泉山区"}
    # the list: every row is 泉山区
    page.goto(server + "/values")
    units = page.locator("table.values td[data-label='单位（地区）']").all_inner_texts()
    assert len(units) == 4 and set(units) == {"泉山区"}
    # the export: the same rows, nothing else
    with page.expect_download() as download:
        page.click("a[data-export=csv]")
    rows = list(csv.reader(Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 1 + 4 and {r[2] for r in rows[1:]} == {"泉山区"}
    # a programme page shows none of the city's or Xinjiang's figures
    page.goto(server + "/programmes")
    page.locator("table.list tr", has_text="援疆").locator("a").first.click()
    assert "1.18亿元" not in page.locator("main").inner_text()


def test_district_enters_a_month_the_city_approves_and_the_pivot_total_changes(
    server: str, browser: Browser
) -> None:
    pivot = "/analytics?dx=MONTHLY_TRAINED&ou=XZ&pe=202601&chart=bar"

    def city_total(page: Page) -> str:
        page.goto(server + pivot)
        page.wait_for_selector("#pivot-chart[data-rendered='true'] canvas")
        return page.locator("#pivot tbody tr td.num").first.inner_text()

    district = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    city = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(city, server, "city_admin", "/datasets")
    login(district, server, "quanshan_officer", "/datasets")
    before = city_total(city)
    assert before == "—"
    # the district opens January 2026 and enters the month; a broken cross-field rule is refused first
    district.goto(server + "/datasets")
    district.select_option("select[name=period]", "202601")
    district.click("text=打开报表")
    district.fill("#v_MONTHLY_TRAINED", "120")
    district.fill("#v_MONTHLY_PLACED", "150")
    district.click("button[value=submit]")
    assert "培训后就业人数不能多于培训人数" in district.locator("main").inner_text()
    district.fill("#v_MONTHLY_PLACED", "80")
    district.fill("#v_MONTHLY_LEADS", "3")
    district.click("button[value=submit]")
    assert district.locator("#status").inner_text() == "已提交"
    assert city_total(city) == "—"  # submitted but not approved: not yet in the city's figures
    # the city office approves it from the queue and the total changes
    city.goto(server + "/datasets")
    row = city.locator("#pending tr", has_text="泉山区")
    row.locator("button", has_text="审核通过").click()
    city.wait_for_url("**/datasets?decided=approved")
    assert city_total(city) == "120人"
    district.reload()
    assert district.locator("#status").inner_text() == "已审核"
    assert district.locator("#v_MONTHLY_TRAINED").get_attribute("readonly") is not None
