"""Traditional characters read as simplified ones, one character for one (offsets into the text stay
valid): 個 → 个, 億 → 亿, 蘇科貸 → 苏科贷. A report from Hong Kong, Macao or Taiwan, or one quoting them, then
reads like any other. The conversion of each character is OpenCC's (t2s), made once and kept."""

from __future__ import annotations

import threading

import opencc

_known: dict[str, str] = {}  # a character → its simplified form (itself when it has none)
_lock = threading.Lock()
_converter: opencc.OpenCC | None = None
FIRST_HAN = 0x3400  # below: ASCII, punctuation, kana …: never converted


def _convert(char: str) -> str:
    global _converter
    with _lock:
        if _converter is None:
            _converter = opencc.OpenCC("t2s")
        out = _converter.convert(char)
    return out if len(out) == 1 else char  # one for one, or not at all


def simplified(text: str) -> str:
    """`text` with every traditional character replaced by its simplified form; the same length."""
    table: dict[int, str] = {}
    for char in set(text):
        if ord(char) < FIRST_HAN:
            continue
        found = _known.get(char)
        if found is None:
            found = _known[char] = _convert(char)
        if found != char:
            table[ord(char)] = found
    return text.translate(table) if table else text
