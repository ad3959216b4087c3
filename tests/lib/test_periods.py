from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shanhai.lib.periods import PeriodFormatError, PeriodType, parent, parse, previous_year


def test_period_ids_follow_dhis2() -> None:
    assert parse("2025").type is PeriodType.YEARLY
    q3 = parse("2025Q3")
    assert (q3.start, q3.end, q3.name) == (date(2025, 7, 1), date(2025, 9, 30), "2025年第三季度")
    feb = parse("202402")
    assert (feb.end, feb.name) == (date(2024, 2, 29), "2024年2月")
    plan = parse("2021-2025")
    assert plan.type is PeriodType.MULTI_YEAR and "十四五" in plan.name


def test_parent_and_previous_year() -> None:
    p = parent(parse("202507"))
    assert p is not None and p.id == "2025Q3"
    q = parent(parse("2025Q3"))
    assert q is not None and q.id == "2025S2"
    h = parent(q)
    assert h is not None and h.id == "2025" and h.name == "2025年"
    assert q.name == "2025年下半年" and (q.start, q.end) == (date(2025, 7, 1), date(2025, 12, 31))
    assert parent(parse("2025")) is None
    assert previous_year(parse("2025S1")).id == "2024S1"
    assert previous_year(parse("2025Q3")).id == "2024Q3"
    assert previous_year(parse("2021-2025")).id == "2016-2020"


@pytest.mark.parametrize("bad", ["", "25", "2025Q5", "202513", "2025-2024", "2025W1", "2025S3", "abcd"])
def test_bad_period_ids_are_rejected_with_the_id(bad: str) -> None:
    with pytest.raises(PeriodFormatError, match="无效的期间编码"):
        parse(bad)


@given(st.integers(min_value=1906, max_value=2193), st.integers(min_value=1, max_value=12))
def test_month_previous_year_and_parents_nest(year: int, month: int) -> None:
    m = parse(f"{year}{month:02d}")
    assert previous_year(m).start == date(year - 1, month, 1)
    quarter = parent(m)
    assert quarter is not None and quarter.start <= m.start and m.end <= quarter.end


def test_containing_and_shift() -> None:
    from shanhai.lib.periods import containing, shift

    assert containing(date(2026, 2, 15), PeriodType.QUARTERLY).id == "2026Q1"
    assert shift(parse("202501"), -1).id == "202412"
    assert shift(parse("2025Q1"), -5).id == "2023Q4"
    assert shift(parse("2025"), 2).id == "2027"
    assert shift(parse("2025S2"), 1).id == "2026S1" and shift(parse("2025S1"), -1).id == "2024S2"
    assert containing(date(2026, 7, 1), PeriodType.SIX_MONTHLY).id == "2026S2"
    with pytest.raises(PeriodFormatError):
        shift(parse("2021-2025"), 1)


@given(
    st.integers(min_value=1906, max_value=2193), st.integers(min_value=1, max_value=12), st.integers(-60, 60)
)
def test_shifting_months_there_and_back(year: int, month: int, steps: int) -> None:
    from shanhai.lib.periods import shift

    m = parse(f"{year}{month:02d}")
    assert shift(shift(m, steps), -steps) == m


@pytest.mark.parametrize(
    "bad", ["0000", "000001", "0000-9999", "9999", "1899", "2200Q1", "２０２５", "2000-2030"]
)
def test_years_outside_1900_to_2199_and_non_ascii_digits_are_refused(bad: str) -> None:
    with pytest.raises(PeriodFormatError):
        parse(bad)
