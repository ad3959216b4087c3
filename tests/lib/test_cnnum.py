from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shanhai.lib import cnnum
from shanhai.lib.cnnum import (
    NumberFormatError,
    Qualifier,
    format_count,
    format_money,
    format_quantity,
    parse_chinese_integer,
    parse_quantity,
    to_chinese_integer,
)


@pytest.mark.parametrize(
    ("text", "value", "unit", "qualifier"),
    [
        ("1.18亿元", "118000000", "元", "exact"),
        ("3693万元", "36930000", "元", "exact"),
        ("505.3万元", "5053000", "元", "exact"),
        ("1万余人次", "10000", "人次", "over"),
        ("近千家", "1000", "家", "under"),
        ("超2200家", "2200", "家", "over"),
        ("2.8万元以上", "28000", "元", "over"),
        ("90%以上", "90", "%", "over"),
        ("62个基点", "62", "基点", "exact"),
        ("1.8个百分点", "1.8", "个百分点", "exact"),
        ("百余场", "100", "场", "over"),
        ("20多所", "20", "所", "over"),
        ("4亿美元", "400000000", "美元", "exact"),
        ("约3亿元", "300000000", "元", "approx"),
        ("两家", "2", "家", "exact"),
        ("一千二百人", "1200", "人", "exact"),
        ("三亿五千万元", "350000000", "元", "exact"),
        ("2,200家", "2200", "家", "exact"),
        ("16.44亿元", "1644000000", "元", "exact"),
        ("384家次", "384", "家次", "exact"),
        ("不足5000人", "5000", "人", "under"),
        ("500千瓦", "500", "千瓦", "exact"),
    ],
)
def test_parse_quantity_reads_report_figures(text: str, value: str, unit: str, qualifier: str) -> None:
    q = parse_quantity(text)
    assert (q.value, q.unit, q.qualifier) == (Decimal(value), unit, Qualifier(qualifier))


@pytest.mark.parametrize("text", ["", "元", "abc", "1.2.3万元", "一二三四五六七八九十万亿百百"])
def test_parse_quantity_rejects_non_figures(text: str) -> None:
    with pytest.raises(NumberFormatError):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (118000000, "1.18亿元"),
        (36930000, "3693万元"),
        (5053000, "505.3万元"),
        (3800000, "380万元"),
        (2500, "2500元"),
    ],
)
def test_format_money_writes_yi_and_wan(value: int, expected: str) -> None:
    assert format_money(value) == expected


def test_format_quantity_places_qualifiers_as_officials_write_them() -> None:
    assert format_quantity(40000000, "元", "over") == "超4000万元"
    assert format_quantity(10000, "人次", "over") == "1万余人次"
    assert format_quantity(5400, "人", "over") == "5400余人"
    assert format_quantity(22145, "人", "over") == "超22145人"
    assert format_quantity(1000, "家", "under") == "近1000家"
    assert format_quantity(90, "%", "over") == "90%以上"
    assert format_count(15798, "人") == "15798人"
    assert format_count(12000, "人次") == "1.2万人次"


def test_money_is_never_float() -> None:
    assert isinstance(parse_quantity("1.18亿元").value, Decimal)
    assert str(parse_quantity("0.1亿元").value) == "10000000"


money = st.decimals(min_value=0, max_value=Decimal("1e14"), places=2, allow_nan=False, allow_infinity=False)


@given(money)
def test_money_round_trip_exact(value: Decimal) -> None:
    assert parse_quantity(format_money(value, places=None)).value == value


@given(money, st.sampled_from(list(Qualifier)))
def test_money_quantity_round_trip_keeps_qualifier(value: Decimal, qualifier: Qualifier) -> None:
    shown = format_quantity(value, "元", qualifier)
    parsed = parse_quantity(shown)
    assert parsed.unit == "元"
    assert parsed.qualifier is qualifier
    # display rounds to 2 decimals of 万/亿: the round trip is exact to that precision
    assert abs(parsed.value - value) <= Decimal("0.005") * (
        Decimal(10**8) if value >= 10**8 else Decimal(10**4)
    )


@given(
    st.integers(min_value=0, max_value=10**15),
    st.sampled_from(["人", "家", "人次", "个"]),
    st.sampled_from(list(Qualifier)),
)
def test_count_round_trip(value: int, unit: str, qualifier: Qualifier) -> None:
    parsed = parse_quantity(format_quantity(value, unit, qualifier))
    assert (parsed.value, parsed.unit, parsed.qualifier) == (value, unit, qualifier)


@given(st.integers(min_value=0, max_value=10**16))
def test_chinese_numerals_round_trip(value: int) -> None:
    assert parse_chinese_integer(to_chinese_integer(value)) == value


def test_chinese_numerals_examples() -> None:
    assert parse_chinese_integer("二〇二五") == 2025
    assert parse_chinese_integer("十五") == 15
    assert to_chinese_integer(105) == "一百零五"
    assert to_chinese_integer(123456789) == "一亿二千三百四十五万六千七百八十九"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1180000", "1180000"),
        ("1,180,000", "1180000"),
        ("118万", "1180000"),
        ("118万元", "1180000"),
        ("1.18亿元", "118000000"),
        ("１２", "12"),
        ("３，６９３万元", "36930000"),
        (" 350万 ", "3500000"),
        ("-5", "-5"),
    ],
)
def test_an_entered_amount_is_read_as_officials_write_it(text: str, expected: str) -> None:
    assert cnnum.parse_entered(text, unit="元") == Decimal(expected)


@pytest.mark.parametrize("text", ["1,,0", "1,00", "²", "٤", "12美元", "abc", "--5", "", "1.2.3"])
def test_an_entered_amount_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(cnnum.NumberFormatError):
        cnnum.parse_entered(text, unit="元")


@pytest.mark.parametrize(
    ("text", "expected"), [("12", "12"), ("-3.5", "-3.5"), (" 1,200 ", "1200"), (".5", "0.5"), ("+7.", "7")]
)
def test_a_plain_number_is_read(text: str, expected: str) -> None:
    assert cnnum.parse_plain(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["１２", "١٢", "²", "1_000", "1E5", "1,,0", "1,00", "", "1" * 31, "12x"])
def test_anything_else_is_not_a_plain_number(text: str) -> None:
    with pytest.raises(cnnum.NumberFormatError):
        cnnum.parse_plain(text)


def test_a_long_entered_amount_costs_nothing() -> None:
    """A 60 KB amount with a line break near its end took 8.8 s of backtracking (the whole server waited)."""
    import time

    started = time.process_time()
    for text in ("1" * 60_000 + "x\ny", "1" * 1_000_000):
        with pytest.raises(cnnum.NumberFormatError):
            cnnum.parse_entered(text, unit="元")
    assert time.process_time() - started < 0.5
