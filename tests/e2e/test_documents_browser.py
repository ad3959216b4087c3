"""In Chromium: a report uploaded, read with its figures highlighted, three figures accepted with the
suggested element, unit and period, and the dashboard then shows them with the sentence they came from."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import BROWSER_MARKS, login

pytestmark = BROWSER_MARKS

REPORT = (
    "奎屯市援疆工作2026年一季度情况\n"
    "2026年一季度，援疆工作组在奎屯市新开工援建项目3个。"
    "举办专场招聘，帮助劳动力就业120人。"
    "新选派专业技术人才15名赴奎屯开展帮扶。\n"
)


def test_upload_accept_three_figures_and_see_them_on_the_dashboard(
    server: str, page: Page, tmp_path: Path
) -> None:
    report = tmp_path / "奎屯一季度.txt"
    report.write_text(REPORT, encoding="gb18030")  # a GBK file, as many offices still save them
    login(page, server, "city_admin", "/documents")
    page.set_input_files("#file", str(report))
    page.fill("#publisher", "援疆工作组")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(f"{server}/documents/*")
    expect(page.locator("#document-text mark")).to_have_count(3)  # 2026年 and 一季度 are not figures
    assert page.locator("#pending").inner_text() == "3"
    for figure, element in (
        ("3个", "AID_PROJECTS"),
        ("120人", "LABOUR_EMPLOYMENT"),
        ("15名", "TALENT_DISPATCHED"),
    ):
        card = page.locator(f".candidate[data-text='{figure}']")
        assert card.locator("select[name=element]").input_value() == element
        assert card.locator("input[name=period]").input_value() == "2026Q1"  # 一季度: the text's grain
        assert "奎屯" in card.locator(".reason").inner_text()
        card.locator("button[value=accept]").click()
        page.wait_for_url(f"{server}/documents/*")
        assert page.locator(f".candidate[data-text='{figure}'] .tag").inner_text() == "采纳"
    assert page.locator("#pending").inner_text() == "0"

    page.goto(f"{server}/?year=2026")
    counts = page.locator(".counts").inner_text()
    assert "3个" in counts and "120人" in counts and "15人" in counts
    sentences = page.locator("q.sentence").all_inner_texts()
    assert any("帮助劳动力就业120人" in s for s in sentences)
    expect(page.locator("q.sentence mark", has_text="15名")).to_have_count(1)


BRIEFING = (
    "徐州市2026年一季度重点工作简报\n"
    "1月，泉山区新设消费帮扶展销专柜3家。\n"
    "一季度，铜山区帮助农村劳动力就业120人，组织招聘活动4场次。\n"
    "3月份，奎屯市接诊门诊急症患者1500人次。\n"
)
EXPECTED = {  # figure → (element, unit, period, kind) as suggested, accepted as they are
    "3家": ("SALES_OUTLETS", "泉山区", "202601"),
    "120人": ("LABOUR_EMPLOYMENT", "铜山区", "2026Q1"),
    "4场次": ("JOB_FAIRS", "铜山区", "2026Q1"),
    "1500人次": ("PATIENT_VISITS", "奎屯市", "202603"),
}


def test_a_briefing_of_two_districts_a_month_and_a_quarter_is_accepted_as_suggested(
    server: str, page: Page, tmp_path: Path
) -> None:
    """Issue 21's done-when: every figure of a briefing that names two districts (and a partner place), a
    month and a quarter is suggested right — element, unit, period — and accepted without correcting any."""
    report = tmp_path / "一季度简报.txt"
    report.write_text(BRIEFING, encoding="utf-8")
    login(page, server, "city_admin", "/documents")
    page.set_input_files("#file", str(report))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(f"{server}/documents/*")
    expect(page.locator("#document-text mark")).to_have_count(len(EXPECTED))
    for figure, (element, unit, period) in EXPECTED.items():
        card = page.locator(f".candidate[data-text='{figure}']")
        assert card.locator("select[name=element]").input_value() == element, figure
        chosen = card.locator("select[name=org_unit_id] option:checked").inner_text().strip()
        assert chosen == unit, (figure, chosen)
        assert card.locator("input[name=period]").input_value() == period, figure
        assert card.locator("select[name=kind]").input_value() == "actual", figure
        card.locator("button[value=accept]").click()
        page.wait_for_url(f"{server}/documents/*")
        assert page.locator(f".candidate[data-text='{figure}'] .tag").inner_text() == "采纳", figure
    assert page.locator("#pending").inner_text() == "0"
