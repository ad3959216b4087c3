"""统一社会信用代码 (GB 32100-2015): eighteen characters from 0–9 and the capitals without I, O, S, V and Z —
登记管理部门 (1), 机构类别 (2), 登记管理机关行政区划码 (3–8, digits), 主体标识码 (9–17) and a check character
(18): the weighted sum of the first seventeen (weights 3^i mod 31) taken mod 31, subtracted from 31.

`problem` says what is wrong, naming the position, or None for a valid code. Every single-character change
of a valid code is caught: 31 is prime and no weight is a multiple of it."""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {ch: i for i, ch in enumerate(CHARSET)}
WEIGHTS = tuple(
    pow(3, i, 31) for i in range(17)
)  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
LENGTH = 18


def check_character(first17: str) -> str:
    """The eighteenth character for the first seventeen (which must be in CHARSET)."""
    total = sum(VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalise(text: str) -> str:
    """As typed: surrounding spaces dropped, lower case raised (the code is written in capitals)."""
    return text.strip().upper()


def problem(code: str) -> str | None:
    """Why `code` is no 统一社会信用代码, in words naming the position; None when it is one."""
    if len(code) != LENGTH:
        return f"统一社会信用代码应为 18 位，现为 {len(code)} 位"
    for position, ch in enumerate(code, start=1):
        if ch not in VALUES:
            return (
                f"统一社会信用代码第 {position} 位“{ch}”不是允许的字符（数字或除 I、O、S、V、Z 外的大写字母）"
            )
        if 3 <= position <= 8 and not ch.isdigit():
            return f"统一社会信用代码第 {position} 位应为数字（第 3–8 位是行政区划码），而不是“{ch}”"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码第 18 位（校验码）应为“{expected}”，而不是“{code[17]}”：请核对前 17 位"
    return None
