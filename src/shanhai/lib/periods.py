"""Periods with DHIS2-style ids: 2025 (year), 2025S1 (half-year, DHIS2's SixMonthly: 上半年), 2025Q3
(quarter), 202507 (month), plus spans of whole years such as 2021-2025 (a five-year plan, 十四五) that
reports quote for cumulative figures."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple


class PeriodType(StrEnum):
    YEARLY = "yearly"
    SIX_MONTHLY = "sixmonthly"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"
    MULTI_YEAR = "multi_year"


TYPE_LABELS = {
    PeriodType.YEARLY: "年",
    PeriodType.SIX_MONTHLY: "半年",
    PeriodType.QUARTERLY: "季度",
    PeriodType.MONTHLY: "月",
    PeriodType.MULTI_YEAR: "多年",
}
# finest first: a value for a coarser period than an element's declared grain sums up finer ones
FINENESS = {
    PeriodType.MONTHLY: 0,
    PeriodType.QUARTERLY: 1,
    PeriodType.SIX_MONTHLY: 2,
    PeriodType.YEARLY: 3,
    PeriodType.MULTI_YEAR: 4,
}


def finer(period_type: str, than: str) -> bool:
    """Whether a period type is finer than another (月 is finer than 年)."""
    return FINENESS[PeriodType(period_type)] < FINENESS[PeriodType(than)]


MIN_YEAR, MAX_YEAR = 1900, 2199  # periods outside these years are typing mistakes, not data
MAX_SPAN_YEARS = 20


class PeriodFormatError(ValueError):
    """The text is not a period id."""


_PATTERNS = (
    (re.compile(r"(?P<y>\d{4})", re.ASCII), PeriodType.YEARLY),
    (re.compile(r"(?P<y>\d{4})Q(?P<q>[1-4])", re.ASCII), PeriodType.QUARTERLY),
    (re.compile(r"(?P<y>\d{4})S(?P<h>[12])", re.ASCII), PeriodType.SIX_MONTHLY),
    (re.compile(r"(?P<y>\d{4})(?P<m>0[1-9]|1[0-2])", re.ASCII), PeriodType.MONTHLY),
    (re.compile(r"(?P<y>\d{4})-(?P<y2>\d{4})", re.ASCII), PeriodType.MULTI_YEAR),
)

FIVE_YEAR_PLANS = {2021: "十四五", 2026: "十五五", 2016: "十三五"}


@dataclass(frozen=True)
class Period:
    id: str
    type: PeriodType
    start: date
    end: date

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def name(self) -> str:
        """The Chinese label: 2025年, 2025年第三季度, 2025年7月, 2021—2025年（十四五）."""
        if self.type is PeriodType.YEARLY:
            return f"{self.year}年"
        if self.type is PeriodType.QUARTERLY:
            return f"{self.year}年第{'一二三四'[(self.start.month - 1) // 3]}季度"
        if self.type is PeriodType.SIX_MONTHLY:
            return f"{self.year}年{'上' if self.start.month == 1 else '下'}半年"
        if self.type is PeriodType.MONTHLY:
            return f"{self.year}年{self.start.month}月"
        plan = FIVE_YEAR_PLANS.get(self.year) if self.end.year - self.year == 4 else None
        label = f"{self.year}—{self.end.year}年"
        return f"{label}（“{plan}”时期）" if plan else label


class Buckets(NamedTuple):
    """The bucket columns of a value's period in the analytics table: filled only as far as its type reaches
    (a monthly value has year, quarter and month; a quarterly one year and quarter; a yearly one the year; a
    span of years none), so a filter on the buckets of one period type also keeps the coarser values out."""

    year: int | None
    quarter: int | None
    month: int | None


def buckets(period_type: str, start: date) -> Buckets:
    """The buckets of a period given by its type and first day (the write side: a stored period row)."""
    kind = PeriodType(period_type)
    return Buckets(
        year=start.year if kind is not PeriodType.MULTI_YEAR else None,
        quarter=(start.month - 1) // 3 + 1 if kind in (PeriodType.MONTHLY, PeriodType.QUARTERLY) else None,
        month=start.month if kind is PeriodType.MONTHLY else None,
    )


# the bucket columns that identify one period of a type (the query side: GROUP BY and filter on these)
BUCKET_COLUMNS = {
    PeriodType.YEARLY: ("year",),
    PeriodType.QUARTERLY: ("year", "quarter"),
    PeriodType.MONTHLY: ("year", "month"),
}


def bucket_key(period: Period) -> tuple[int, ...]:
    """The values of BUCKET_COLUMNS[period.type] for this period, from the same `buckets` the writer uses."""
    filled = buckets(period.type.value, period.start)._asdict()
    return tuple(int(filled[column]) for column in BUCKET_COLUMNS[period.type])


def parse(period_id: str) -> Period:
    """Parse a period id; raises PeriodFormatError naming the bad id (years 1900–2199 only)."""
    period_id = period_id.strip()
    for pattern, kind in _PATTERNS:
        match = pattern.fullmatch(period_id)
        if not match:
            continue
        year = int(match.group("y"))
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise PeriodFormatError(f"期间“{period_id[:20]}”的年份应在 {MIN_YEAR}—{MAX_YEAR} 年之间")
        if kind is PeriodType.YEARLY:
            return Period(period_id, kind, date(year, 1, 1), date(year, 12, 31))
        if kind in (PeriodType.QUARTERLY, PeriodType.SIX_MONTHLY):
            months = 3 if kind is PeriodType.QUARTERLY else 6
            first = (int(match.group("q" if kind is PeriodType.QUARTERLY else "h")) - 1) * months + 1
            last = first + months - 1
            return Period(
                period_id, kind, date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])
            )
        if kind is PeriodType.MONTHLY:
            month = int(match.group("m"))
            return Period(
                period_id, kind, date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
            )
        end_year = int(match.group("y2"))
        if end_year <= year or end_year - year >= MAX_SPAN_YEARS or end_year > MAX_YEAR:
            break
        return Period(period_id, kind, date(year, 1, 1), date(end_year, 12, 31))
    raise PeriodFormatError(
        f"无效的期间编码“{period_id[:20]}”"
        "（应为年 2025、半年 2025S1、季度 2025Q3、月 202507 或连续年份 2021-2025）"
    )


def parent(period: Period) -> Period | None:
    """Month → quarter, quarter → half-year, half-year → year, year → None."""
    if period.type is PeriodType.MONTHLY:
        return parse(f"{period.year}Q{(period.start.month - 1) // 3 + 1}")
    if period.type is PeriodType.QUARTERLY:
        return parse(f"{period.year}S{1 if period.start.month <= 6 else 2}")
    if period.type is PeriodType.SIX_MONTHLY:
        return parse(str(period.year))
    return None


def previous_year(period: Period) -> Period:
    """The same period one year earlier: 2025Q3 → 2024Q3, 202507 → 202407, 2021-2025 → 2016-2020."""
    if period.type is PeriodType.YEARLY:
        return parse(str(period.year - 1))
    if period.type in (PeriodType.QUARTERLY, PeriodType.SIX_MONTHLY, PeriodType.MONTHLY):
        return parse(f"{period.year - 1}{period.id[4:]}")
    span = period.end.year - period.year + 1
    return parse(f"{period.year - span}-{period.end.year - span}")


def containing(day: date, period_type: PeriodType) -> Period:
    """The month, quarter or year that contains `day`."""
    if period_type is PeriodType.MONTHLY:
        return parse(f"{day.year}{day.month:02d}")
    if period_type is PeriodType.QUARTERLY:
        return parse(f"{day.year}Q{(day.month - 1) // 3 + 1}")
    if period_type is PeriodType.SIX_MONTHLY:
        return parse(f"{day.year}S{1 if day.month <= 6 else 2}")
    if period_type is PeriodType.YEARLY:
        return parse(str(day.year))
    raise PeriodFormatError(f"无法按{period_type.value}取期间")


def shift(period: Period, steps: int) -> Period:
    """The period `steps` months, quarters or years later (earlier when negative): 202501, -1 → 202412."""
    if period.type is PeriodType.MONTHLY:
        index = period.year * 12 + period.start.month - 1 + steps
        return parse(f"{index // 12}{index % 12 + 1:02d}")
    if period.type is PeriodType.QUARTERLY:
        index = period.year * 4 + (period.start.month - 1) // 3 + steps
        return parse(f"{index // 4}Q{index % 4 + 1}")
    if period.type is PeriodType.SIX_MONTHLY:
        index = period.year * 2 + (period.start.month - 1) // 6 + steps
        return parse(f"{index // 2}S{index % 2 + 1}")
    if period.type is PeriodType.YEARLY:
        return parse(str(period.year + steps))
    raise PeriodFormatError(f"多年期间 {period.id} 不能逐期移动")


def name_of(period_id: str) -> str:
    """A period id in Chinese (202610 → 2026年10月); an id that does not parse is shown as it is."""
    try:
        return parse(period_id).name
    except PeriodFormatError:
        return period_id
