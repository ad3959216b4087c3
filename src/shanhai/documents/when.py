"""When a figure of a report is for: the period its own words name, at their grain, else the report's.

2026年1月 → 202601; 三季度 → 2026Q3 (the report's year); 9月份 → 202609; 当月 / 本月 → the month of a monthly
report; 截至9月底, 1—9月, 前三季度 → the year to that month or quarter (202609, ytd); 今年 / 全年 → the
report's year; 上半年 / 下半年 → 2026S1 / 2026S2; 去年 → the year before; 2021—2025年, 十四五 → 2021-2025. A
report's own period comes from its title (泉山区2026年1月工作简报 → 202601) rather than from the day it was
signed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from shanhai.lib.beijing import today
from shanhai.lib.cnnum import parse_chinese_integer

_Y = r"(?P<y>(?:19|20)\d\d)"
_M = r"(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_Q = r"(?P<q>[一二三四1-4])"
WHEN = re.compile(
    "|".join(
        (
            r"(?P<span>(?P<y1>(?:19|20)\d\d)\s*[—\-–~至到]\s*(?P<y2>(?:19|20)\d\d)\s*年)",
            r"(?P<plan>十[三四五]五)",
            r"(?P<ytd>(?:截至|截止|截止到)(?:(?P<yt>(?:19|20)\d\d)年)?(?P<mt>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月(?:底|末)?"
            r"|1\s*[—\-–~至到]\s*(?P<m2>1[0-2]|[2-9]|十[一二]?|[二三四五六七八九])月"
            r"|前(?P<q2>[一二三1-3])季度|前(?P<mm>[2-9]|十[一二]?|[二三四五六七八九])个月)",
            rf"(?P<ym>{_Y}年{_M}月)",
            rf"(?P<yq>(?P<yy>(?:19|20)\d\d)年(?:第)?{_Q}季度)",
            r"(?P<half>(?P<yh>(?:19|20)\d\d)?年?(?P<h>上|下)半年)",
            r"(?P<month>(?<!\d)(?P<mo>1[0-2]|[1-9]|十[一二]?|[一二三四五六七八九])月份?)",
            r"(?P<quarter>第?(?P<qo>[一二三四1-4])季度)",
            r"(?P<this_month>当月|本月)",
            r"(?P<this_quarter>本季度|当季)",
            r"(?P<year_only>(?P<yo>(?:19|20)\d\d)\s*年(?!\d))",
            r"(?P<so_far>今年以来|年初以来|本年以来|年初至今)",
            r"(?P<last_year>(?<![比较])(?:去年|上年|上一年))",  # 比上年增长: the base, not the period
            r"(?P<last_month>上月|上个月)",
            r"(?P<this_year>今年|本年|全年|年内)",
        )
    )
)
PLANS = {"十三五": "2016-2020", "十四五": "2021-2025", "十五五": "2026-2030"}


@dataclass(frozen=True)
class When:
    period: str  # a period id: 2026, 2026Q3, 202601, 2021-2025
    words: str  # the words that said it
    ytd: bool = False  # a total from the start of the year to that month

    @property
    def year(self) -> int:
        return int(self.period[:4])

    @property
    def month(self) -> int | None:
        return int(self.period[4:6]) if len(self.period) == 6 and self.period.isdigit() else None

    @property
    def quarter(self) -> int | None:
        return int(self.period[5]) if "Q" in self.period else None

    @property
    def half(self) -> int | None:
        return int(self.period[5]) if "S" in self.period else None


def _number(text: str) -> int:
    return int(text) if text.isdigit() else parse_chinese_integer(text)


def _month(year: int, month: int) -> str:
    return f"{year}{month:02d}"


def read(match: re.Match[str], report: When) -> When | None:
    """The period one time expression names; None when it names none in this report (本月 in a yearly one)."""
    g, words = match.group, match.group(0)
    if g("span"):
        return When(f"{g('y1')}-{g('y2')}", words) if g("y1") < g("y2") else None
    if g("plan"):
        return When(PLANS[g("plan")], words) if g("plan") in PLANS else None
    if g("ytd"):
        year = int(g("yt")) if g("yt") else report.year
        if g("mt") or g("m2") or g("mm"):
            return When(_month(year, _number(g("mt") or g("m2") or g("mm"))), words, ytd=True)
        return When(_month(year, _number(g("q2")) * 3), words, ytd=True)
    if g("ym"):
        return When(_month(int(g("y")), _number(g("m"))), words)
    if g("yq"):
        return When(f"{g('yy')}Q{_number(g('q'))}", words)
    if g("half"):
        return When(f"{g('yh') or report.year}S{1 if g('h') == '上' else 2}", words)
    if g("month"):
        return When(_month(report.year, _number(g("mo"))), words)
    if g("quarter"):
        return When(f"{report.year}Q{_number(g('qo'))}", words)
    if g("this_month"):
        return When(report.period, words) if report.month else None
    if g("this_quarter"):
        if report.quarter:
            return When(report.period, words)
        return When(f"{report.year}Q{(report.month - 1) // 3 + 1}", words) if report.month else None
    if g("year_only"):
        return When(g("yo"), words)
    if g("so_far"):
        return When(report.period, words, ytd=True) if report.month else When(str(report.year), words)
    if g("last_year"):
        return When(str(report.year - 1), words)
    if g("last_month"):
        if not report.month:
            return None
        index = report.year * 12 + report.month - 2
        return When(_month(index // 12, index % 12 + 1), words)
    return When(str(report.year), words)  # 今年, 全年 …


def last_in(fragment: str, report: When) -> When | None:
    """The period named nearest the end of `fragment` (the words just before a figure)."""
    found = None
    for match in WHEN.finditer(fragment):
        found = read(match, report) or found
    return found


def first_in(fragment: str, report: When) -> When | None:
    for match in WHEN.finditer(fragment):
        if (found := read(match, report)) is not None:
            return found
    return None


def report_period(title: str, text: str, published_on: date | None) -> When:
    """The report's own period: named in its title (or, without one, its first line), else the year it was
    signed, else the latest year in its opening, else this year."""
    head = text[: text.find("\n")] if "\n" in text[:300] else text[:300]
    fallback = When(str(published_on.year if published_on else today().year), "")
    if published_on is None:
        years = [int(y) for y in re.findall(r"((?:19|20)\d\d)年", text[:2000])]
        if years:
            fallback = When(str(max(years)), "")
    named = first_in(title, fallback) if title else None
    # a title without a period (news): the year its opening names, before the day it was published
    opening = text[len(head) : len(head) + 300]
    found = first_in(opening, fallback)
    opening_year = When(str(found.year), found.words) if found and found.period[:4].isdigit() else None
    return named or first_in(head, fallback) or (opening_year if published_on else None) or fallback
