"""Chinese numbers: parse and format quantities such as 1.18亿元, 3693万元, 1万余人次, 近千家, 超2200家.

The one place that reads and writes numbers for the whole application. Reading: `parse_plain` (a number as
a program or a cell writes it: API bodies, the entry grid, values typed on the value page), `parse_entered`
(an amount as an official types it into a register's form: 118万, 1.18亿元, １２) and `parse_quantity` (a
figure as a report writes it; the extractor's scanner finds figures in running text and reads their
numerals with `parse_chinese_integer`). Writing: `format_money`, `format_count` and `format_quantity` write a
value the way officials write it. Values are `Decimal`, never float.

Why not cn2an: it converts through float (1.18亿 → 117999999.99…) and knows nothing of 余/多/近/超
or of units, so a small exact parser is the better fit here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class Qualifier(StrEnum):
    EXACT = "exact"
    OVER = "over"
    UNDER = "under"
    APPROX = "approx"


QUALIFIER_LABELS = {
    Qualifier.EXACT: "准确值",
    Qualifier.OVER: "超过（余、多、超）",
    Qualifier.UNDER: "接近（近、不足）",
    Qualifier.APPROX: "约数",
}


class NumberFormatError(ValueError):
    """The text is not a number or a quantity this module can read."""


DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10**4, "亿": 10**8}
MAGNITUDES = {
    "万亿": Decimal(10**12),
    "亿": Decimal(10**8),
    "万": Decimal(10**4),
    "千": Decimal(1000),
    "百": Decimal(100),
}

PREFIX_QUALIFIERS = {
    "超过": Qualifier.OVER,
    "突破": Qualifier.OVER,
    "超": Qualifier.OVER,
    "逾": Qualifier.OVER,
    "过": Qualifier.OVER,
    "将近": Qualifier.UNDER,
    "接近": Qualifier.UNDER,
    "不到": Qualifier.UNDER,
    "不足": Qualifier.UNDER,
    "近": Qualifier.UNDER,
    "大约": Qualifier.APPROX,
    "约": Qualifier.APPROX,
}
INNER_QUALIFIERS = {"余": Qualifier.OVER, "多": Qualifier.OVER}
SUFFIX_QUALIFIERS = {"以上": Qualifier.OVER, "左右": Qualifier.APPROX, "上下": Qualifier.APPROX}

UNIT_ALIASES = {"个基点": "基点"}

_CN_CHARS = "零〇一二两三四五六七八九十百千万亿"
_NUMBER_RE = re.compile(
    r"(?P<arabic>\d[\d,]*(?:\.\d+)?)(?P<mag>万亿|亿|万|千|百)?" + "|" + rf"(?P<chinese>[{_CN_CHARS}]+)"
)
_PREFIX_RE = "|".join(sorted(PREFIX_QUALIFIERS, key=len, reverse=True))
_SUFFIX_RE = "|".join(SUFFIX_QUALIFIERS)
_QUANTITY_RE = re.compile(
    rf"^\s*(?P<prefix>{_PREFIX_RE})?"
    rf"(?P<number>\d[\d,]*(?:\.\d+)?(?:万亿|亿|万|千(?!瓦)|百)?|[{_CN_CHARS}]+)"
    r"(?P<inner>余|多)?"
    r"(?P<unit>[^\d\s]*?)"
    rf"(?P<suffix>{_SUFFIX_RE})?\s*$"
)


def parse_chinese_integer(text: str) -> int:
    """一千二百三十四 → 1234, 两万 → 20000, 十五 → 15, 二〇二五 → 2025, 百 → 100, 千 → 1000."""
    if not text or any(ch not in _CN_CHARS for ch in text):
        raise NumberFormatError(f"不是中文数字：{text!r}")
    if all(ch in DIGITS for ch in text):  # digit by digit: 二〇二五
        return int("".join(str(DIGITS[ch]) for ch in text))
    total = 0  # completed 亿 sections
    section = 0  # completed 万 part within the current 亿 section
    current = 0  # below 万
    digit: int | None = None
    for ch in text:
        if ch in DIGITS:
            if digit is not None and digit != 0 and DIGITS[ch] != 0:
                raise NumberFormatError(f"数字写法有误：{text!r}")
            digit = DIGITS[ch]
        elif ch in SMALL_UNITS:
            current += (1 if digit is None else digit) * SMALL_UNITS[ch]
            digit = None
        else:  # 万 or 亿
            current += digit or 0
            digit = None
            if ch == "万":
                section = (section + current) * 10**4
            else:
                total = (total + section + current) * 10**8
                section = 0
            current = 0
    return total + section + current + (digit or 0)


def to_chinese_integer(number: int) -> str:
    """1234 → 一千二百三十四, 20000 → 二万, 105 → 一百零五, 10 → 十, 0 → 零 (non-negative integers)."""
    if number < 0:
        raise NumberFormatError(f"不支持负数：{number}")
    if number == 0:
        return "零"
    names = "零一二三四五六七八九"

    def below_10000(n: int) -> str:
        out, zero = "", False
        for unit_value, unit_name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            digit = n // unit_value % 10
            if digit == 0:
                zero = bool(out)
                continue
            if zero:
                out += "零"
                zero = False
            out += names[digit] + unit_name
        return out

    parts: list[str] = []
    for index, (group_value, group_name) in enumerate(((10**8, "亿"), (10**4, "万"), (1, ""))):
        group = number // group_value % (10**4) if index else number // group_value
        if group == 0:
            continue
        text = to_chinese_integer(group) if group >= 10**4 else below_10000(group)
        if parts and group < 1000:
            text = "零" + text
        parts.append(text + group_name)
    result = "".join(parts)
    return result[1:] if result.startswith("一十") else result


def parse_number(text: str) -> Decimal:
    """A number as written: 1.18亿, 3693万, 2,200, 4.2万, 一千二百, 百, 1万亿 → exact Decimal."""
    text = text.strip()
    match = _NUMBER_RE.fullmatch(text)
    if not match:
        raise NumberFormatError(f"无法识别的数字：{text!r}")
    if match.group("chinese"):
        return Decimal(parse_chinese_integer(match.group("chinese")))
    try:
        value = Decimal(match.group("arabic").replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid decimals
        raise NumberFormatError(f"无法识别的数字：{text!r}") from exc
    mag = match.group("mag")
    return value * MAGNITUDES[mag] if mag else value


_PLAIN_RE = re.compile(r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)")
MAX_PLAIN = 30  # characters of a plain number: beyond any figure, and a bound on the work


def parse_plain(text: str) -> Decimal:
    """A plain decimal as a program or a cell writes it (API bodies, the entry grid, CSV): the digits 0–9,
    an optional sign and decimal point, thousands commas grouped by three. Nothing else: no １２, ١٢, ²,
    1_000, 1E5, 1,,0. NumberFormatError otherwise."""
    raw = text.strip()
    if len(raw) > MAX_PLAIN or not _PLAIN_RE.fullmatch(raw):
        raise NumberFormatError(f"不是半角数字：{text[:20]!r}")
    return Decimal(raw.replace(",", ""))


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")
_ENTERED_RE = re.compile(
    r"(?P<number>-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?)\s*(?P<mag>亿|万)?\s*(?P<unit>.*)"
)


def parse_entered(text: str, *, unit: str = "") -> Decimal:
    """A number as an official types it into a form or a cell, in the field's unit: 1180000, 1,180,000,
    118万, 1.18亿, full-width digits (１２), with the field's unit written after it or not (118万元 in a field
    of 元). Thousands separators group by three (1,,0 and 1,00 are refused); only the digits 0–9 count (² and
    ٤ are refused, not read as 2 and 4). NumberFormatError otherwise."""
    raw = text.strip().translate(_FULL_WIDTH)
    if len(raw) > MAX_PLAIN + 8:  # before the pattern: a long input must cost nothing (no backtracking)
        raise NumberFormatError(f"数字过长：{text[:20]!r}")
    match = _ENTERED_RE.fullmatch(raw)
    if not match:
        raise NumberFormatError(f"无法识别的数字：{text!r}")
    written_unit = match.group("unit").strip()
    if written_unit and written_unit != unit:
        raise NumberFormatError(f"单位应为{unit or '空'}，而不是“{written_unit}”")
    value = Decimal(match.group("number").replace(",", ""))
    mag = match.group("mag")
    return value * MAGNITUDES[mag] if mag else value


@dataclass(frozen=True)
class Quantity:
    """A figure: value in base units (元, 人, 家 ...), the unit without magnitude, and a qualifier."""

    value: Decimal
    unit: str
    qualifier: Qualifier = Qualifier.EXACT


def _split_unit(unit: str) -> tuple[Decimal, str]:
    """万元 → (1e4, 元); 亿美元 → (1e8, 美元); 人次 → (1, 人次)."""
    for word, factor in MAGNITUDES.items():
        if word in ("千", "百"):
            continue  # 千瓦, 百分点 are units of their own
        if unit.startswith(word) and len(unit) > len(word):
            return factor, unit[len(word) :]
    return Decimal(1), unit


def parse_quantity(text: str) -> Quantity:
    """Read one figure: 1.18亿元, 1万余人次, 近千家, 超2200家, 2.8万元以上, 62个基点, 90%."""
    match = _QUANTITY_RE.match(text)
    if not match:
        raise NumberFormatError(f"无法识别的数量：{text!r}")
    value = parse_number(match.group("number"))
    factor, unit = _split_unit(match.group("unit"))
    unit = UNIT_ALIASES.get(unit, unit)
    value *= factor
    qualifier = Qualifier.EXACT
    for part, table in (
        ("prefix", PREFIX_QUALIFIERS),
        ("inner", INNER_QUALIFIERS),
        ("suffix", SUFFIX_QUALIFIERS),
    ):
        if match.group(part):
            qualifier = table[match.group(part)]
    return Quantity(value=normalize(value), unit=unit, qualifier=qualifier)


_STATED_RE = re.compile(r"(?P<int>\d[\d,]*)(?:\.(?P<frac>\d+))?\s*(?P<mag>万亿|亿|万|千(?!瓦)|百)?")


def stated_precision(text: str) -> Decimal:
    """The value of the last digit a figure states, in base units: 1.2亿元 → 1000万 (0.1亿), 3693万元 → 1万,
    15798人 → 1, 百亿元 → 100亿, 一千二百 → 100. Half of it is how far a rounded figure may lie from the
    truth and still be right."""
    text = text.translate(_FULL_WIDTH)
    match = _STATED_RE.search(text)
    if match:
        step = Decimal(1).scaleb(-len(match.group("frac") or ""))
        magnitude = match.group("mag") or ""
        rest = text[match.end() :]
        if not magnitude:  # 万元, 亿美元: the magnitude may ride on the unit
            magnitude = next((w for w in ("万亿", "亿", "万") if rest.lstrip().startswith(w)), "")
        return step * MAGNITUDES.get(magnitude, Decimal(1))
    value = parse_quantity(text).value  # Chinese numerals: the last stated digit is the lowest non-zero one
    digits = value.normalize().as_tuple()
    return Decimal(1).scaleb(max(int(digits.exponent), 0)) if value else Decimal(1)


def normalize(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation: 118000000.00 → 118000000."""
    value = value.normalize()
    sign, digits, exponent = value.as_tuple()
    if isinstance(exponent, int) and exponent > 0:  # 1.1E+28 → its digits and zeros, exactly (no rounding)
        return Decimal((sign, digits + (0,) * exponent, 0))
    return value


def _plain(value: Decimal) -> str:
    return format(normalize(value), "f")


def _scaled(value: Decimal, *, places: int | None) -> tuple[str, str]:
    """Pick 亿 or 万 for a magnitude; round to `places` decimals unless places is None (exact)."""
    magnitude = abs(value)
    for word, factor in (("亿", Decimal(10**8)), ("万", Decimal(10**4))):
        if magnitude >= factor:
            scaled = value / factor
            if places is not None:
                scaled = scaled.quantize(Decimal(1).scaleb(-places))
            return _plain(scaled), word
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    return _plain(value), ""


def format_money(value: Decimal | int, *, places: int | None = 2, currency: str = "元") -> str:
    """118000000 → 1.18亿元, 36930000 → 3693万元, 5053000 → 505.3万元, 2500 → 2500元.

    `places=None` keeps every digit, so that parse_quantity(format_money(v, places=None)) == v.
    """
    number, word = _scaled(Decimal(value), places=places)
    return f"{number}{word}{currency}"


def format_count(value: Decimal | int, unit: str = "") -> str:
    """15798人 stays 15798人; round counts of at least 10,000 are written with 万: 1.2万人次, 4.2万名."""
    value = Decimal(value)
    if abs(value) >= 10**4 and value % 100 == 0:
        return f"{_plain(value / 10**4)}万{unit}"
    return f"{_plain(value)}{unit}"


def format_quantity(value: Decimal | int, unit: str, qualifier: Qualifier | str = Qualifier.EXACT) -> str:
    """The display form of a stored figure: 超4000万元, 1万余人次, 近1000家, 90%以上, 约3亿元."""
    qualifier = Qualifier(qualifier)
    if unit in ("元", "美元"):
        body = format_money(value, currency=unit)
    elif unit in ("%", "个百分点", "基点"):
        body = f"{_plain(Decimal(value))}{unit}"
        if qualifier is Qualifier.OVER:
            return f"{body}以上"
    else:
        body = format_count(value, unit)
        if qualifier is Qualifier.OVER and unit and Decimal(value) % 10 == 0:
            return body[: -len(unit)] + "余" + unit  # round counts: 5400余人, 1万余人次
    prefix = {Qualifier.OVER: "超", Qualifier.UNDER: "近", Qualifier.APPROX: "约"}.get(qualifier, "")
    return prefix + body


def combine_qualifiers(qualifiers: Iterable[str]) -> Qualifier:
    """The qualifier of a sum: exact parts stay exact; 'over' parts make the sum 'over' (超), 'under' parts
    'under' (近); a mix of both, or any 'approx', makes it approximate (约)."""
    kinds = {Qualifier(q) for q in qualifiers} - {Qualifier.EXACT}
    if not kinds:
        return Qualifier.EXACT
    if len(kinds) == 1:
        return kinds.pop()
    return Qualifier.APPROX
