"""Figures in Chinese reports: from plain text to quantities with their spans (pure, no database).

    >>> [f.text for f in extract_figures("全年接待游客1万余人次，销售额分别超4000万元、4200万元。")]
    ['1万余人次', '4000万元', '4200万元']

`extract_figures` follows ../shared/eval/GUIDELINE.md (what is a figure, how each field is written);
`read_document` turns an uploaded .txt/.docx/.pdf into the plain text the offsets refer to.
"""

from __future__ import annotations

from decimal import Decimal

from shanhai.lib.cnnum import normalize

from .context import spread_list_qualifiers, subjects
from .figure import Figure
from .readers import MAX_BYTES, DocumentError, read_document, read_path
from .scanner import map_text, scan

__all__ = ["MAX_BYTES", "DocumentError", "Figure", "extract_figures", "read_document", "read_path"]
LARGEST = Decimal(10) ** 20  # 1万亿亿: a longer run of digits is a code or a typing error, not a quantity


def extract_figures(text: str) -> list[Figure]:
    """Every figure of `text`, in order; `text[f.start:f.end] == f.text` for each."""
    mapped = map_text(text)
    quantities = scan(mapped)
    spread_list_qualifiers(mapped, quantities)
    return [
        Figure(
            start=q.start,
            end=q.end,
            text=text[q.start : q.end],
            value=normalize(q.value),
            unit=q.unit,
            qualifier=q.qualifier,
            subject=phrase,
            value_max=None if q.value_max is None else normalize(q.value_max),
        )
        for q, phrase in zip(quantities, subjects(text, quantities), strict=True)
        if abs(q.value) < LARGEST and (q.value_max is None or abs(q.value_max) < LARGEST)
    ]
