from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from shanhai.documents.schemas import SourceRead
from shanhai.programmes.schemas import OrgUnitBrief


class DataElementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    unit: str
    aggregation: str
    group: str
    category: str = ""
    category_options: str = ""


class PeriodRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    type: str
    name: str


class ProgrammeBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    short_name: str


class ValueRead(BaseModel):
    """One data value with its display form (1.18亿元, 超4000万元) and its source."""

    id: int
    data_element: DataElementRead
    org_unit: OrgUnitBrief
    period: PeriodRead
    programme: ProgrammeBrief | None
    kind: str
    category_option: str = ""
    value: Decimal
    qualifier: str
    display: str
    comment: str
    version: int
    edited: bool = False  # changed by hand after it was loaded or entered: the cited figure may differ
    source: SourceRead


class TotalRead(BaseModel):
    """A rolled-up figure with its qualifier: the qualifier of a roll-up of one value is that value's own."""

    value: Decimal
    qualifier: str
    display: str
