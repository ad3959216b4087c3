"""Find the quantities in a text: number, magnitude, inner qualifier, unit (a small state machine).

The text is first mapped character by character (full-width digits → ASCII, ％ → %), so offsets in the
mapped text are offsets in the original. One regex finds each number; the rest of a figure is read
from there with anchored matches: [prefix] NUMBER [余|多] [万|亿…] [余|多] UNIT [以上|左右…], where
blanks and line breaks may sit between the parts (a figure broken by a page break). The decisions
"not a figure" (dates, ordinals, class words, names) are made here with the lists in `lexicon`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from shanhai.lib.cnnum import DIGITS, NumberFormatError, Qualifier, parse_chinese_integer
from shanhai.lib.hanzi import simplified

from . import lexicon as lx

_MAPPING = str.maketrans("０１２３４５６７８９．％﹪", "0123456789.%%")
_CN = "零〇一二两三四五六七八九十百千万亿"
_NUMBER = re.compile(
    r"(?P<pct>百分之)"
    r"|(?P<ar>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.(?:[ \t]*[\r\n\f]\s*)?\d+)?)"
    rf"|(?P<cn>[{_CN}]+)"
)
_PCT_BODY = re.compile(rf"\d+(?:\.\d+)?|[{_CN}]+")
_BLANKS = frozenset(" \t\r\n\f\v\u3000")
_MAGNITUDE = re.compile(r"万亿|千万|百万|十万|千亿|百亿|亿|万|千(?![瓦克米伏])|百(?!分)")
_BARE_CLASS_AFTER = re.compile(r"(?:的)?(?:重大|产业|工业|重点)?(?:项目|企业)")
_ASCII_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_#")
_BEFORE_QIAN_OK = frozenset("目此之提当以空跟面眼向日年")
_RANGE_MARKS = frozenset(lx.RANGE_MARKS)
_BIG = frozenset("百千万亿")
_NOT_A_DIGIT_RUN = frozenset("几来")
_CODE_JOINERS = frozenset("+/")
_VAGUE = frozenset("数几上")
_MINUS = frozenset("-−－")


def _is_wordlike(ch: str) -> bool:
    """A digit, a Latin letter or a range mark: a minus after it is a hyphen or a range (5-8, G3-5)."""
    return ch.isdigit() or ch in _ASCII_WORD or ch in _RANGE_MARKS or ch in "%)）"


@dataclass(slots=True)
class Quantity:
    """One figure as read from the mapped text (spans are offsets in the original text too)."""

    start: int  # first character of the number
    end: int  # last character of the unit + 1
    after: int  # end of any qualifier after the unit
    value: Decimal
    unit: str
    qualifier: Qualifier
    prefix_start: int  # start of a qualifier in front of the number (== start when none)
    value_max: Decimal | None = None


@dataclass(slots=True)
class _Number:
    start: int
    end: int
    value: Decimal
    bare: bool  # only magnitude characters: 千, 百亿
    factor: Decimal  # the magnitude written (10至15万元: 1e4), used to scale the low end of a range
    inner: bool


def map_text(text: str) -> str:
    """Same length as `text`: full-width digits and signs replaced by ASCII (％ and the small ﹪ by %), and
    traditional characters by simplified ones (個 → 个, 億 → 亿)."""
    return simplified(text.translate(_MAPPING))


def scan(text: str) -> list[Quantity]:
    """All figures of an already mapped text, in order of position."""
    found: list[Quantity] = []
    pos = 0
    while True:
        match = _NUMBER.search(text, pos)
        if match is None:
            return found
        quantity = _read(text, match)
        if quantity is None:
            pos = match.end()
        else:
            found.append(quantity)
            pos = quantity.after
        pos = max(pos, match.start() + 1)


def _read(text: str, match: re.Match[str]) -> Quantity | None:
    start = match.start()
    if _not_a_count_before(text, start, is_chinese=match.lastgroup == "cn"):
        return None
    number = _number(text, match)
    if number is None:
        return None
    prefix, prefix_start = _prefix(text, number.start, bare=number.bare)
    if number.bare and prefix is None and not number.inner:
        return None
    if number.bare and _before(text, prefix_start) in _VAGUE:
        return None
    unit, end = ("%", number.end) if match.lastgroup == "pct" else _unit(text, number.end)
    if unit is None:
        return _range(text, number, prefix, prefix_start) or _shared(text, number, prefix, prefix_start)
    if text[end : end + 1] in _RANGE_MARKS:
        ranged = _range(text, number, prefix, prefix_start, low_unit=unit, low_end=end)
        if ranged is not None:
            return ranged
    return _finish(text, number, unit, end, prefix, prefix_start)


def _finish(
    text: str, number: _Number, unit: str, end: int, prefix: Qualifier | None, prefix_start: int
) -> Quantity | None:
    if lx.CLASS_AFTER_RE.match(text, end) or (
        number.bare and unit in lx.CURRENCIES and _BARE_CLASS_AFTER.match(text, end)
    ):
        return None
    qualifier = prefix or (Qualifier.OVER if number.inner else Qualifier.EXACT)
    after = end
    suffix = lx.SUFFIX_RE.match(text, end)
    if suffix:
        qualifier = lx.SUFFIX_QUALIFIERS[suffix.group()]
        after = suffix.end()
    return Quantity(number.start, end, after, number.value, unit, qualifier, prefix_start)


_SHARED_JOINERS = ("和", "与", "、", "及")
_RESPECTIVELY = "分别"  # 分别提高2.5和1.8个百分点: one unit written once for two numbers
_RESPECTIVELY_REACH = 16


def _shared(text: str, first: _Number, prefix: Qualifier | None, prefix_start: int) -> Quantity | None:
    """分别提高2.5和1.8个百分点, 分别为3.2、1.5万元: a number without a unit takes the unit (and magnitude)
    of the number joined to it — only after 分别, where the sentence says the numbers are of one kind."""
    if first.bare or _RESPECTIVELY not in text[max(0, first.start - _RESPECTIVELY_REACH) : first.start]:
        return None
    pos = _skip_blanks(text, first.end)
    if text[pos : pos + 1] not in _SHARED_JOINERS:
        return None
    match = _NUMBER.match(text, _skip_blanks(text, pos + 1))
    if match is None or match.lastgroup == "pct":
        return None
    second = _number(text, match)
    if second is None or second.bare:
        return None
    unit, _ = _unit(text, second.end)
    if unit is None:
        shared = _shared(text, second, None, second.start)  # 分别为1、2和3个: the last one's unit
        unit = shared.unit if shared else None
    if unit is None:
        return None
    value = first.value * second.factor if first.factor == 1 else first.value
    qualifier = prefix or (Qualifier.OVER if first.inner else Qualifier.EXACT)
    return Quantity(first.start, first.end, first.end, value, unit, qualifier, prefix_start)


def _range(
    text: str,
    low: _Number,
    prefix: Qualifier | None,
    prefix_start: int,
    *,
    low_unit: str | None = None,
    low_end: int | None = None,
) -> Quantity | None:
    """2—3个, 10至15万元, 150台至200台: one figure, value = low end, value_max = high end."""
    mark = low.end if low_end is None else low_end
    if low.bare or text[mark : mark + 1] not in _RANGE_MARKS:
        return None
    match = _NUMBER.match(text, mark + 1)
    if match is None or match.lastgroup == "pct":
        return None
    high = _number(text, match)
    if high is None or high.bare:
        return None
    unit, end = _unit(text, high.end)
    if unit is None or (low_unit is not None and low_unit != unit):
        return None
    value = low.value
    if low.factor == 1 and low.value * high.factor <= high.value:
        value *= high.factor
    quantity = _finish(text, high, unit, end, prefix, prefix_start)
    if quantity is None or value > high.value:
        return None
    quantity.start, quantity.value, quantity.value_max = low.start, value, high.value
    return quantity


def _number(text: str, match: re.Match[str]) -> _Number | None:
    """The number at `match` with its magnitude and inner qualifier (余/多), or None if not a count."""
    kind, start, end = match.lastgroup, match.start(), match.end()
    if kind == "pct":
        return _percent_words(text, match)
    inner = bare = False
    factor = Decimal(1)
    if kind == "ar":
        if text[end : end + 1] in _CODE_JOINERS or _before(text, start) in (".", "/"):
            return None
        value = Decimal(re.sub(r"[\s,]", "", match.group()))
        if start >= 2 and text[start - 1] in _MINUS and not _is_wordlike(text[start - 2]):
            start, value = start - 1, -value  # 增长-3.5%: the sign belongs to the number
    else:
        run = match.group()
        if (run[-1] == "千" and text[end : end + 1] in ("瓦", "克", "米", "伏")) or (
            run[-1] == "百" and text[end : end + 1] == "分"
        ):
            run, end = run[:-1], end - 1
        parsed = _chinese(run, text[end : end + 1]) if run else None
        if parsed is None:
            return None
        value, bare = parsed
        if run[-1] in ("万", "亿"):
            factor = lx.MAGNITUDE_VALUES[run[-1]] * (lx.MAGNITUDE_VALUES["万"] if run.endswith("万亿") else 1)
    pos = _skip_blanks(text, end)
    if text[pos : pos + 1] in lx.INNER_QUALIFIERS:
        inner, end = True, pos + 1
        pos = _skip_blanks(text, end)
    magnitude = _MAGNITUDE.match(text, pos)
    if magnitude:
        for ch in magnitude.group():
            factor *= lx.MAGNITUDE_VALUES[ch]
            value *= lx.MAGNITUDE_VALUES[ch]
        end = magnitude.end()
        pos = _skip_blanks(text, end)
        if not inner and text[pos : pos + 1] in lx.INNER_QUALIFIERS:
            inner, end = True, pos + 1
    return _Number(start, end, value, bare, factor, inner)


def _chinese(run: str, following: str) -> tuple[Decimal, bool] | None:
    """一百二十 → 120; 千 → 1000 (bare); None for 一 (an article or a small count), 二〇二五, 十四五, 十几."""
    if following in _NOT_A_DIGIT_RUN:
        return None
    if all(ch in _BIG for ch in run):
        value = Decimal(1)
        for ch in run:
            value *= lx.MAGNITUDE_VALUES[ch]
        return value, True
    if run[0] in "万亿" or all(ch in DIGITS for ch in run):
        return None  # 一, 两, 五 (small counts are optional), 二〇二五, 三四 (vague)
    try:
        return Decimal(parse_chinese_integer(run)), False
    except NumberFormatError:
        return None


def _percent_words(text: str, match: re.Match[str]) -> _Number | None:
    body = _PCT_BODY.match(text, match.end())
    if body is None:
        return None
    if body.group()[0].isdigit():
        value = Decimal(body.group())
    else:
        parsed = _chinese(body.group(), "")
        if parsed is None and len(body.group()) == 1 and body.group() in DIGITS:
            parsed = Decimal(DIGITS[body.group()]), False
        if parsed is None:
            return None
        value = parsed[0]
    return _Number(match.start(), body.end(), value, False, Decimal(1), False)


def _unit(text: str, pos: int) -> tuple[str | None, int]:
    """The unit after a number (blanks allowed in between), or (None, pos)."""
    pos = _skip_blanks(text, pos)
    match = lx.UNIT_RE.match(text, pos)
    if match is None:
        return None, pos
    unit = match.group()
    if unit in lx.DURATION_WORDS or (len(unit) == 1 and text[pos : pos + 2] in lx.UNIT_WORD_CLASHES):
        return None, pos
    end = match.end()
    # a compound written with brackets, 家(次) or 台（套）, is one unit: 家次, 台套 (GUIDELINE)
    extra = COMPOUND.match(text, end)
    if extra and len(unit) == 1 and unit + extra.group(1) in lx.MEASURE_WORDS:
        return unit + extra.group(1), extra.end()
    unit = lx.UNIT_ALIASES.get(unit, unit)
    per = PER.match(text, end)  # 元/人, 人/平方公里, 吨/年: a unit per another
    if per:
        below = lx.UNIT_RE.match(text, per.end())
        word = below.group() if below else per.group("time")
        if word:
            return f"{unit}/{lx.UNIT_ALIASES.get(word, word)}", per.end() + len(word)
    return unit, end


COMPOUND = re.compile(r"[(（]([\u4e00-\u9fff])[)）]")
PER = re.compile(r"[/／](?=(?P<time>年|月|日|天|小时|时)?)")


def _prefix(text: str, start: int, *, bare: bool) -> tuple[Qualifier | None, int]:
    """A qualifier right in front of the number (超4000万元, 近千家), and where it starts."""
    for size in (3, 2):
        word = text[max(start - size, 0) : start]
        if len(word) == size and word in lx.PREFIX_QUALIFIERS:
            return lx.PREFIX_QUALIFIERS[word], start - size
    one = text[start - 1 : start] if start else ""
    if one not in lx.PREFIX_QUALIFIERS:
        return None, start
    before = _before(text, start - 1)
    if one in ("过", "破"):
        if bare or (one == "过" and before in lx.WEAK_PREFIX_AFTER):
            return lx.PREFIX_QUALIFIERS[one], start - 1
        return None, start
    if before in lx.PREFIX_BLOCKERS.get(one, frozenset()):
        return None, start
    return lx.PREFIX_QUALIFIERS[one], start - 1


def _not_a_count_before(text: str, start: int, *, is_chinese: bool) -> bool:
    """第十一批, 每万人, 三分之一, 1/3, 5G-like codes, 数千, 前三, 前10名 (but 目前3家 is a count)."""
    before = _before(text, start)
    if before in lx.NOT_COUNT_BEFORE or before in _ASCII_WORD:
        return True
    if before in _MINUS and _is_wordlike(_before(text, start - 1)):
        return True  # G3-5: the second half of a code (a true range is read from its low end)
    if is_chinese and before in _VAGUE and text[start] in _BIG:
        return True
    if before == "前":
        return _before(text, start - 1) not in _BEFORE_QIAN_OK
    return False


def _skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _BLANKS:
        pos += 1
    return pos


def _before(text: str, pos: int) -> str:
    """The last non-blank character before `pos` on the same stretch of text ('' at the start)."""
    pos -= 1
    while pos >= 0 and text[pos] in " \t\u3000":
        pos -= 1
    return text[pos] if pos >= 0 else ""
