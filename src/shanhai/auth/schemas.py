from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shanhai.auth.models import DataScope
from shanhai.programmes.schemas import OrgUnitBrief


class RoleBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str


class RoleRead(RoleBrief):
    data_scope: str
    description: str
    version: int
    permissions: list[str]
    custom_units: list[OrgUnitBrief]


class RoleUpdate(BaseModel):
    version: int
    name: str = Field(min_length=1, max_length=64)
    data_scope: DataScope
    permissions: list[str]
    custom_unit_ids: list[int] = []


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    org_unit: OrgUnitBrief
    roles: list[RoleBrief]
    is_active: bool
    locked: bool = False
    failed_logins: int
    version: int


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field(default="", max_length=64)
    password: str = Field(min_length=1, max_length=256)
    org_unit_id: int
    role_ids: list[int] = []


class UserUpdate(BaseModel):
    version: int
    display_name: str = Field(default="", max_length=64)
    org_unit_id: int
    role_ids: list[int] = []
    is_active: bool = True


class MeRead(BaseModel):
    user_id: int | None
    username: str
    display_name: str
    roles: list[str]
    permissions: list[str]


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    days: int | None = Field(default=None, ge=1, le=3650)


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    token: str  # shown once


class LoginLogRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    username: str
    ip: str
    event: str
    message: str
