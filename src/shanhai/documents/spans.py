"""Locate figures and sentences in a document's text (pure functions, offsets are Python str indices)."""

from __future__ import annotations

SENTENCE_ENDS = "。！？；!?;\n"
_NUMERIC = set("0123456789.零〇一二两三四五六七八九十百千万亿")


def find_figure(text: str, figure: str, occurrence: int = 0) -> int:
    """Start offset of the n-th occurrence of `figure` that does not sit inside a longer number
    ("5名" is not found inside "25名"); -1 when there is no such occurrence."""
    seen = -1
    pos = text.find(figure)
    while pos >= 0:
        inside_number = figure[0] in _NUMERIC and pos > 0 and text[pos - 1] in _NUMERIC
        if not inside_number:
            seen += 1
            if seen == occurrence:
                return pos
        pos = text.find(figure, pos + 1)
    return -1


MAX_REACH = (
    400  # characters a sentence reaches either side of its figure (text without full stops is bounded)
)


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around [start, end): from after the previous sentence end to its own end mark, at most
    MAX_REACH characters either side."""
    left = start
    floor = max(0, start - MAX_REACH)
    while left > floor and text[left - 1] not in SENTENCE_ENDS:
        left -= 1
    while left < start and text[left].isspace():
        left += 1
    right = end
    ceiling = min(len(text), end + MAX_REACH)
    while right < ceiling and text[right] not in SENTENCE_ENDS:
        right += 1
    if right < len(text) and text[right] in SENTENCE_ENDS and text[right] != "\n":
        right += 1
    return left, right
