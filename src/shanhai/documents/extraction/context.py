"""What the words around a figure add: a qualifier that covers a list, and the subject (best effort)."""

from __future__ import annotations

from shanhai.lib.cnnum import Qualifier

from .lexicon import CLAUSE_MARKS
from .scanner import Quantity

# Between two items of one list: 分别超4000万元、4200万元 — the 超 covers both.
LIST_JOINERS = frozenset({"、", "和", "及", "与", "以及", "、和"})
_TRAILING_WORDS = (
    "分别达到", "分别达", "分别为", "分别", "达到", "达", "为", "共计", "共", "累计", "合计", "总计", "已",
    "实现", "完成", "计", "是", "有", "约", "近", "各",
)  # fmt: skip
_LEADING_WORDS = ("以及", "其中", "全年", "同时", "此外", "目前", "并", "还", "共", "和", "及", "、")
_TRAILING_MARKS = ("、", "和", "及")
_MAX_SUBJECT = 24
_LOOK = 40


def spread_list_qualifiers(text: str, quantities: list[Quantity]) -> None:
    """Give each list item written without a qualifier the qualifier written in front of the list."""
    carried: Quantity | None = None
    for item in quantities:
        own_prefix = item.prefix_start < item.start
        if (
            carried is not None
            and not own_prefix
            and item.qualifier is Qualifier.EXACT
            and item.unit == carried.unit
            and item.value_max is None
            and text[carried.after : item.start].strip() in LIST_JOINERS
        ):
            item.qualifier = carried.qualifier
            carried = item
            continue
        carried = item if own_prefix else None


def subjects(text: str, quantities: list[Quantity]) -> list[str]:
    """The subject of each figure; an item of a list without words of its own shares its neighbour's."""
    found: list[str] = []
    floor = 0
    for index, item in enumerate(quantities):
        phrase = subject(text, item, floor=floor)
        if not phrase and index and not any(ch in CLAUSE_MARKS for ch in text[floor : item.prefix_start]):
            phrase = found[-1]  # 分别达4.45亿元、505.3万元: the second shares the first's subject
        found.append(phrase)
        floor = item.after
    return found


def subject(text: str, quantity: Quantity, *, floor: int = 0) -> str:
    """A short phrase saying what is measured: the clause before the figure (not reaching back past
    `floor`, the end of the previous figure), else the words after it."""
    left_end = quantity.prefix_start
    while left_end > floor and text[left_end - 1] in " \t\u3000\n\f":
        left_end -= 1  # a line or page break between the subject and its figure
    left_start = left_end
    while left_start > floor and left_end - left_start < _LOOK and text[left_start - 1] not in CLAUSE_MARKS:
        left_start -= 1
    raw_left = text[left_start:left_end]
    left = _strip(raw_left)
    # After a list mark the noun usually follows the number: 1.18亿元援疆资金、3693万元援青资金.
    if len(left) >= 2 and not raw_left.endswith(_TRAILING_MARKS):
        return left[-_MAX_SUBJECT:]
    right_end = quantity.after
    while right_end < len(text) and right_end - quantity.after < _LOOK and not _stops(text[right_end]):
        right_end += 1
    right = _strip(text[quantity.after : right_end].lstrip("的"))
    return right[:_MAX_SUBJECT] if len(right) >= 2 else left[-_MAX_SUBJECT:]


def _stops(ch: str) -> bool:
    return ch in CLAUSE_MARKS or ch == "、" or ch.isdigit()


def _strip(phrase: str) -> str:
    phrase = "".join(phrase.split())
    changed = True
    while changed and phrase:
        changed = False
        for word in _TRAILING_WORDS:
            if phrase.endswith(word):
                phrase, changed = phrase[: -len(word)], True
                break
        if phrase.endswith(_TRAILING_MARKS):
            phrase, changed = phrase[:-1], True
        for word in _LEADING_WORDS:
            if phrase.startswith(word):
                phrase, changed = phrase[len(word) :], True
                break
    return phrase
