"""Turn stored values into their read schemas: display in Chinese, source with its sentence."""

from __future__ import annotations

from decimal import Decimal

from shanhai.documents.models import Source
from shanhai.documents.schemas import DocumentRead, SourceRead
from shanhai.documents.service import TextCache, citation_label
from shanhai.indicators.models import DataValue
from shanhai.indicators.schemas import (
    DataElementRead,
    PeriodRead,
    ProgrammeBrief,
    TotalRead,
    ValueRead,
)
from shanhai.lib.cnnum import format_quantity, normalize
from shanhai.programmes.schemas import OrgUnitBrief


def source_read(source: Source, cache: TextCache) -> SourceRead:
    excerpt = cache.excerpt(source)
    return SourceRead(
        kind=source.kind,
        document=DocumentRead.model_validate(source.document) if source.document else None,
        figure_text=source.figure_text,
        start=source.start,
        end=source.end,
        sentence_start=source.sentence_start,
        sentence_end=source.sentence_end,
        sentence=excerpt.sentence if excerpt else None,
        before=excerpt.before if excerpt else None,
        after=excerpt.after if excerpt else None,
        citation=citation_label(source),
        derived=source.kind == "record" and (source.record_table or "").startswith("derived:"),
    )


def value_read(value: DataValue, cache: TextCache) -> ValueRead:
    return ValueRead(
        id=value.id,
        data_element=DataElementRead.model_validate(value.data_element),
        org_unit=OrgUnitBrief.model_validate(value.org_unit),
        period=PeriodRead.model_validate(value.period),
        programme=ProgrammeBrief.model_validate(value.programme) if value.programme else None,
        kind=value.kind,
        category_option=value.category_option,
        value=normalize(value.value),
        qualifier=value.qualifier,
        display=format_quantity(value.value, value.data_element.unit, value.qualifier),
        comment=value.comment,
        version=value.version,
        edited=value.version > 1,
        source=source_read(value.source, cache),
    )


def total_read(value: Decimal | None, qualifier: str, unit: str) -> TotalRead | None:
    if value is None:
        return None
    return TotalRead(value=value, qualifier=qualifier, display=format_quantity(value, unit, qualifier))
