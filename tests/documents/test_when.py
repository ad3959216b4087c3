"""The period a figure is for, at the grain of the words before it; the report's own from its title."""

from __future__ import annotations

from datetime import date

import pytest

from shanhai.documents.when import When, last_in, report_period

MONTHLY = When("202601", "2026年1月")  # 泉山区2026年1月工作简报
QUARTERLY = When("2025Q3", "2025年三季度")
YEARLY = When("2025", "2025年")


@pytest.mark.parametrize(
    ("words", "report", "period", "ytd"),
    [
        ("1月份，泉山区", MONTHLY, "202601", False),
        ("今年1月帮助", MONTHLY, "202601", False),
        ("2026年1月，", YEARLY, "202601", False),
        ("12月，", YEARLY, "202512", False),
        ("十一月份", YEARLY, "202511", False),
        ("本月组织", MONTHLY, "202601", False),
        ("当月到位", QUARTERLY, None, False),  # a quarter's report has no one month
        ("本季度", MONTHLY, "2026Q1", False),
        ("一季度力争", MONTHLY, "2026Q1", False),
        ("2025年第三季度", MONTHLY, "2025Q3", False),
        ("全年计划安排", MONTHLY, "2026", False),
        ("截至9月底，累计", YEARLY, "202509", True),
        ("1—9月", YEARLY, "202509", True),
        ("前三季度", YEARLY, "202509", True),
        ("截至2024年12月底", YEARLY, "202412", True),
        ("2021—2025年累计", YEARLY, "2021-2025", False),
        ("十四五期间", YEARLY, "2021-2025", False),
        ("上半年", YEARLY, "2025S1", False),
        ("2026年下半年", YEARLY, "2026S2", False),
        ("去年同期", YEARLY, "2024", False),
        ("上月", MONTHLY, "202512", False),
        ("用3个月时间", YEARLY, None, False),  # a duration, not a month
        ("共有", YEARLY, None, False),
    ],
)
def test_the_nearest_time_words_give_the_period(
    words: str, report: When, period: str | None, ytd: bool
) -> None:
    found = last_in(words, report)
    assert (found.period if found else None) == period
    assert (found.ytd if found else False) == ytd


def test_a_reports_period_comes_from_its_title_before_its_signing_date() -> None:
    assert report_period("泉山区2026年1月东西部协作工作简报", "", date(2026, 2, 5)).period == "202601"
    assert report_period("", "奎屯市援疆工作2026年一季度情况\n正文", date(2026, 4, 2)).period == "2026Q1"
    assert report_period("工作总结", "正文没有日期", date(2025, 12, 30)).period == "2025"
    assert report_period("工作总结", "一、总体情况\n2024年以来，2025年……", None).period == "2025"
