"""The record the extractor returns: one figure with its span in the plain text."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shanhai.lib.cnnum import Qualifier, normalize


@dataclass(frozen=True, slots=True)
class Figure:
    """A quantity found in a document.

    `start`/`end` are Python str offsets into the plain text, `text == plain_text[start:end]` (from the
    first character of the number to the last of the unit, a qualifier inside it included: 1万余人次).
    `value` is in base units (1.18亿元 → 118000000, 77% → 77); `value_max` is the high end of a range.
    """

    start: int
    end: int
    text: str
    value: Decimal
    unit: str
    qualifier: Qualifier = Qualifier.EXACT
    subject: str = ""
    value_max: Decimal | None = None

    def to_record(self) -> dict[str, object]:
        """A JSON-ready dict in the format of ../shared/eval (values as JSON numbers)."""
        record: dict[str, object] = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "value": json_number(self.value),
            "unit": self.unit,
            "qualifier": self.qualifier.value,
            "subject": self.subject,
        }
        if self.value_max is not None:
            record["value_max"] = json_number(self.value_max)
        return record


def json_number(value: Decimal) -> int | float:
    """118000000 stays an int; 3.2 becomes the float 3.2 (shortest repr, so it prints as written)."""
    value = normalize(value)
    return int(value) if value == value.to_integral_value() else float(value)
