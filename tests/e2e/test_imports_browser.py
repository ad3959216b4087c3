"""In Chromium, as the import issue asks: the 企业支持 template is downloaded, filled with three mistakes and
uploaded; all three are listed at their rows; the file is fixed and imported; the loans are in the register
and 苏科贷放款 on the sci-tech view has moved."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect

from tests.e2e.conftest import BROWSER_MARKS, login

pytestmark = BROWSER_MARKS


def _sukedai(page: Page, server: str) -> str:
    page.goto(f"{server}/scitech")
    return page.locator("#support tr", has_text="苏科贷放款").locator("td").last.inner_text()


def _loans(page: Page, server: str) -> int:
    page.goto(f"{server}/records/support?q=苏科贷")
    return int(page.locator(".list-total").inner_text().split()[1])


def _upload(page: Page, path: Path) -> None:
    """On the import page or a preview (which lists the registers again below it)."""
    row = page.locator("#import-kinds tr", has_text="企业支持")
    row.locator("input[type=file]").set_input_files(str(path))
    with page.expect_navigation():
        row.locator("button:has-text('上传预览')").click()


def test_a_template_filled_with_mistakes_fixed_and_imported(server: str, page: Page, tmp_path: Path) -> None:
    login(page, server, "city_admin", "/imports")
    before = _sukedai(page, server)
    loans_before = _loans(page, server)
    page.goto(f"{server}/imports")
    with page.expect_download() as download:
        page.locator("#import-kinds tr", has_text="企业支持").locator("a:has-text('下载模板')").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    book = openpyxl.load_workbook(template)
    sheet = book["企业支持"]
    headers = [c.value for c in sheet[1]]
    today = date.today()
    rows = [
        {
            "企业": "久耀电子科技（徐州）有限公司",
            "支持类型*": "贷款",
            "产品/项目": "苏科贷",
            "金额（元）": "两百万",
            "放款/拨付日期*": today,
        },
        {
            "企业": "久耀电子科技（徐州）有限公司",
            "支持类型*": "贷款",
            "产品/项目": "苏科贷",
            "金额（元）": "150万",
            "放款/拨付日期*": "2025-02-30",
        },
        {
            "企业": "没有这家公司",
            "支持类型*": "贷款",
            "产品/项目": "苏科贷",
            "金额（元）": "80万",
            "放款/拨付日期*": today - timedelta(days=2),
        },
    ]
    amount = next(h for h in headers if h and h.startswith("金额"))
    for n, row in enumerate(rows, start=2):
        for key, value in row.items():
            sheet.cell(row=n, column=headers.index(key if key != "金额（元）" else amount) + 1, value=value)
    filled = tmp_path / "loans.xlsx"
    book.save(filled)

    _upload(page, filled)
    problems = page.locator("#import-problems tbody tr")
    expect(problems).to_have_count(3, timeout=60_000)  # the preview's page reloads itself when done
    listed = problems.all_inner_texts()
    assert [text.split()[1] for text in listed] == ["2", "3", "4"], listed
    expect(page.locator("#import-commit")).to_have_count(0)

    sheet.cell(row=2, column=headers.index(amount) + 1, value="200万")
    sheet.cell(row=3, column=headers.index("放款/拨付日期*") + 1, value=today - timedelta(days=1))
    sheet.cell(row=4, column=headers.index("企业") + 1, value="久耀电子科技（徐州）有限公司")
    for n in range(5, 305):  # enough rows to watch the progress bar move
        for key, value in {
            **rows[0],
            "金额（元）": f"{n}万",
            "放款/拨付日期*": date(today.year - 1, 1, 1) + timedelta(days=n),  # a loan a day
        }.items():
            sheet.cell(row=n, column=headers.index(key if key != "金额（元）" else amount) + 1, value=value)
    book.save(filled)
    _upload(page, filled)
    expect(page.locator("#import-counts")).to_contain_text("将新增 303 条", timeout=120_000)
    with page.expect_navigation():
        page.click("#import-commit button")
    expect(page.locator("#import-bar")).to_be_visible()  # the import runs in the background, bar on the page
    page.reload()  # the job's page survives a reload
    expect(page.locator("#import-done")).to_contain_text("新增 303 条", timeout=120_000)

    assert _loans(page, server) == loans_before + 303
    after = _sukedai(page, server)
    assert after != before, (before, after)
