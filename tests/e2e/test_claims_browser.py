"""In Chromium, as the figures issue asks: a district briefing claims 1.2亿 from 泉山区 to 宝鸡; the figure is
accepted and the 对账 page shows it beside the plan and the payments, flagged by its wording, while the home
page's figures stay as they were; a claim for 2026年1月 does not block the payment it describes; the
flagged difference is resolved with a reason."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from tests.e2e.conftest import BROWSER_MARKS, login

pytestmark = BROWSER_MARKS

BRIEFING = (
    "泉山区东西部协作工作简报\n"
    "2025年，泉山区深化与宝鸡市东西部协作，拨付帮扶资金1.2亿元。\n"
    "2026年1月，向奎屯市拨付援疆资金500万元。\n"
)


def _option(page: Page, select: str, text: str) -> str:
    value = page.locator(f"{select} option", has_text=text).first.get_attribute("value")
    assert value is not None
    return value


def _accept(page: Page, server: str, figure: str, unit: str, period: str, programme: str) -> None:
    card = page.locator(f".candidate[data-text='{figure}']")
    card.locator("select[name=element]").select_option("FUNDS")
    card.locator("select[name=org_unit_id]").select_option(
        _option(page, f".candidate[data-text='{figure}'] select[name=org_unit_id]", unit)
    )
    card.locator("input[name=period]").fill(period)
    card.locator("select[name=programme_id]").select_option(
        _option(page, f".candidate[data-text='{figure}'] select[name=programme_id]", programme)
    )
    card.locator("button[value=accept]").click()
    page.wait_for_url(f"{server}/documents/*")
    assert "已记为报告数" in page.locator(f".candidate[data-text='{figure}']").inner_text()


def test_a_briefings_claim_is_reconciled_not_added(server: str, page: Page, tmp_path: Path) -> None:
    login(page, server, "city_admin", "/?year=2025")
    funds_before = page.locator(".counts").inner_text() + page.locator(".cards").inner_text()

    report = tmp_path / "泉山简报.txt"
    report.write_text(BRIEFING, encoding="utf-8")
    page.goto(f"{server}/documents")
    page.set_input_files("#file", str(report))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(f"{server}/documents/*")
    _accept(page, server, "1.2亿元", "宝鸡市", "2025", "苏陕")
    _accept(page, server, "500万元", "奎屯市", "202601", "援疆")

    page.goto(f"{server}/?year=2025")  # the home page's figures did not move
    assert page.locator(".counts").inner_text() + page.locator(".cards").inner_text() == funds_before

    page.goto(f"{server}/reconcile?year=2025")
    row = page.locator("#reconcile tr.claim-row", has_text="1.2亿元")
    assert "宝鸡市" in row.inner_text() and "8970万元" in row.inner_text()
    assert row.locator(".status").inner_text() == "有差异"

    # the real payment of 2026年1月 is recorded: the claim for that month does not block it
    page.goto(f"{server}/records/plans/new")
    page.select_option("#f-programme_id", _option(page, "#f-programme_id", "对口支援新疆奎屯市"))
    page.select_option("#f-org_unit_id", _option(page, "#f-org_unit_id", "奎屯市"))
    page.fill("#f-year", "2026")
    page.fill("#f-amount", "1000万")
    page.click("form.setup-form button[type=submit]")
    page.wait_for_url(f"{server}/funds/plans/*")
    page.click("a:has-text('登记拨付')")
    page.fill("#f-paid_on", "2026-01-20")
    page.fill("#f-amount", "500万")
    page.click("form.setup-form button[type=submit]")
    page.wait_for_url(f"{server}/funds/plans/*")
    assert "500万元" in page.locator("#plan-paid").inner_text()

    # the flagged difference, resolved with a reason
    page.goto(f"{server}/reconcile?year=2025")
    row = page.locator("#reconcile tr.claim-row", has_text="1.2亿元")
    row.locator("summary", has_text="处理差异").click()
    row.locator("input[name=reason]").fill("简报含区级配套资金，口径不同")
    row.locator("button[type=submit]").click()
    page.wait_for_url(f"{server}/reconcile*")
    row = page.locator("#reconcile tr.claim-row", has_text="1.2亿元")
    assert row.locator(".status").inner_text() == "已处理"
    assert "口径不同" in row.locator(".resolution").inner_text()
