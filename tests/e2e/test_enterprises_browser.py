"""In Chromium, as the enterprises issue asks: a target of 百亿级项目 for 经开区 is set, a lead is added and
moved to 投产, and the zone's progress moves; a 苏科贷 loan is added to a firm and the sci-tech totals move;
two near-duplicate firms are merged and the loan follows."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from tests.e2e.conftest import BROWSER_MARKS, login

pytestmark = BROWSER_MARKS


def _choose(page: Page, select: str, text: str) -> None:
    value = page.locator(f"{select} option", has_text=text).first.get_attribute("value")
    assert value
    page.select_option(select, value)


def _submit(page: Page) -> None:
    with page.expect_navigation():
        page.click("form.setup-form button[type=submit]")


def _progress(page: Page, server: str, year: int) -> list[str]:
    page.goto(f"{server}/investment?year={year}")
    row = page.locator("#targets tr", has_text="百亿级项目").first
    return [c.strip() for c in row.locator("td").all_inner_texts()][-3:]


def _sukedai(page: Page, server: str) -> str:
    page.goto(f"{server}/scitech")
    return page.locator("#support tr", has_text="苏科贷放款").locator("td").last.inner_text()


def _firm(page: Page, server: str, name: str) -> None:
    page.goto(f"{server}/records/enterprises/new")
    page.fill("#f-name", name)
    _choose(page, "#f-org_unit_id", "泉山区")
    _submit(page)


def test_a_lead_to_production_a_loan_and_a_merge(server: str, page: Page) -> None:
    year = date.today().year
    login(page, server, "city_admin", f"/investment?year={year}")

    page.goto(f"{server}/admin/targets/new")  # 经开区: two projects of 100亿 this year
    page.select_option("#f-element_code", "MEGA_PROJECTS")
    _choose(page, "#f-org_unit_id", "徐州经济技术开发区")
    page.fill("#f-year", str(year))
    page.fill("#f-value", "2")
    page.select_option("#f-qualifier", "exact")
    _submit(page)
    assert _progress(page, server, year) == ["2", "0", "0%"]

    page.goto(f"{server}/records/projects/new")
    page.fill("#f-code", "E2E-ZS-MEGA")
    page.fill("#f-name", "新能源装备制造基地")
    page.select_option("#f-kind", "investment")
    _choose(page, "#f-org_unit_id", "徐州经济技术开发区")
    _choose(page, "#f-programme_id", "招商引资")
    page.fill("#f-investment", "120亿")
    page.fill("#f-investor", "某新能源集团")
    _submit(page)
    assert page.locator("#stage").inner_text() == "线索"
    for stage in ("洽谈", "签约", "开工", "投产"):
        page.check(f"input[name=to][value={stage}]")
        with page.expect_navigation():
            page.click("form.form button[type=submit]:has-text('保存')")
        assert page.locator("#stage").inner_text() == stage
    assert _progress(page, server, year) == ["2", "1", "50%"]

    before = _sukedai(page, server)
    _firm(page, server, "徐州晨星光电科技有限公司")
    _firm(page, server, "徐州市晨星光电科技有限公司")
    page.goto(f"{server}/records/support/new")
    _choose(page, "#f-enterprise_id", "徐州市晨星光电科技有限公司")
    page.select_option("#f-kind", "贷款")
    page.fill("#f-product", "苏科贷")
    page.fill("#f-amount", "300万")
    page.fill("#f-granted_on", date.today().isoformat())
    _submit(page)
    after = _sukedai(page, server)
    assert after != before and after.endswith("万元"), (before, after)

    page.goto(f"{server}/enterprises/duplicates")
    pair = page.locator("#duplicates tr", has_text="晨星光电")
    expect(pair).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        pair.locator("button:has-text('并入左侧企业')").click()
    assert "徐州晨星光电科技有限公司" in page.locator("h1").inner_text()
    assert page.input_value("#f-former_names") == "徐州市晨星光电科技有限公司"
    page.goto(f"{server}/records/support?q=")
    loans = page.locator("table.list tr", has_text="苏科贷")
    expect(loans.filter(has_text="徐州晨星光电科技有限公司")).to_have_count(1)
    expect(loans.filter(has_text="徐州市晨星光电科技有限公司")).to_have_count(0)
    assert _sukedai(page, server) == after  # moved, not counted again
