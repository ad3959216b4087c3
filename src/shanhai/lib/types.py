"""Bounded field types for input schemas: ids that fit a 32-bit key, text without NUL characters
(PostgreSQL refuses them), so that odd input is a 422 with the field named, never a 500."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from shanhai.lib import cnnum

MAX_ID = 2**31 - 1


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("不能包含空字符（\\x00）")
    return value


def _ascii_number(value: object) -> object:
    """A number sent as text is read by the one rule for plain numbers (lib.cnnum.parse_plain)."""
    if isinstance(value, str):
        try:
            return cnnum.parse_plain(value)
        except cnnum.NumberFormatError:
            raise ValueError("应为半角数字（0–9），可带负号和小数点") from None
    return value


def small_int(text: str, *, signed: bool = False) -> int | None:
    """An id, a version or a year typed into a form or a query string: the digits 0–9 only (no ², no ٤,
    no full-width digits), at most 9 of them (so it fits a key). None for anything else; the caller says
    what was wrong in the field's own words."""
    text = text.strip()
    digits = text[1:] if signed and text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit() and len(digits) < 10):
        return None
    return int(text)


DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
PlainNumber = Annotated[Decimal, BeforeValidator(_ascii_number)]
Version = Annotated[int, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, AfterValidator(_no_nul)]
