from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shanhai.auth.models import DataScope
from shanhai.lib.types import DbId, Text, Version
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
    version: Version
    name: Text = Field(min_length=1, max_length=64)
    data_scope: DataScope
    permissions: list[Text] = Field(max_length=200)
    custom_unit_ids: list[DbId] = Field(default=[], max_length=500)


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
    username: Text = Field(min_length=1, max_length=64)
    display_name: Text = Field(default="", max_length=64)
    password: Text = Field(min_length=8, max_length=256)
    org_unit_id: DbId
    role_ids: list[DbId] = Field(default=[], max_length=50)


class UserUpdate(BaseModel):
    version: Version
    display_name: Text = Field(default="", max_length=64)
    org_unit_id: DbId
    role_ids: list[DbId] = Field(default=[], max_length=50)
    is_active: bool = True


class PasswordReset(BaseModel):
    new_password: Text = Field(
        min_length=1, max_length=256, description="新密码（至少 8 位，字母加数字或符号）"
    )


class MeRead(BaseModel):
    user_id: int | None
    username: str
    display_name: str
    roles: list[str]
    permissions: list[str]


class TokenCreate(BaseModel):
    name: Text = Field(min_length=1, max_length=64)
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


class SessionRead(BaseModel):
    """A browser the user is signed in on."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    ip: str
    created_at: datetime
    expires_at: datetime


class AccountRead(BaseModel):
    """The /account page's data: who I am, where I am signed in, my API tokens."""

    me: MeRead
    org_unit: str
    role_names: list[str]
    sessions: list[SessionRead]
    current_session: int | None
    tokens: list[TokenRead]


class TokenCreated(TokenRead):
    token: str  # shown once
