from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PlaceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    full_name: str
    province: str
    org_unit_id: int


class OrgUnitBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: str
    level: int


class ProgrammeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    short_name: str
    kind: str
    start_year: int | None
    end_year: int | None
    description: str
    version: int
    lead_org_unit: OrgUnitBrief
    places: list[PlaceRead]
