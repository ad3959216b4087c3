"""Accounts, roles, permissions, data scope, sessions, API tokens and the login log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shanhai.db import Base, Timestamped, UTCDateTime, utcnow
from shanhai.orgunits.models import OrgUnit


class DataScope(StrEnum):
    ALL = "all"  # 全部数据
    CUSTOM = "custom"  # 自定义（选定单位及其下级）
    UNIT = "unit"  # 本单位
    UNIT_AND_BELOW = "unit_and_below"  # 本单位及下级
    SELF = "self"  # 仅本人


DATA_SCOPE_LABELS = {
    DataScope.ALL: "全部数据",
    DataScope.CUSTOM: "自定义单位",
    DataScope.UNIT: "本单位",
    DataScope.UNIT_AND_BELOW: "本单位及下级",
    DataScope.SELF: "仅本人",
}

user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)

role_units = Table(
    "role_units",
    Base.metadata,
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    Column("org_unit_id", ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True),
)


class RolePermission(Base):
    __tablename__ = "role_permissions"

    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(64), primary_key=True)


class Role(Base, Timestamped):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    data_scope: Mapped[str] = mapped_column(String(16), default=DataScope.UNIT_AND_BELOW.value)
    description: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    permission_rows: Mapped[list[RolePermission]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    custom_units: Mapped[list[OrgUnit]] = relationship(secondary=role_units, lazy="selectin")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def permissions(self) -> set[str]:
        return {row.permission for row in self.permission_rows}


class User(Base, Timestamped):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    org_unit: Mapped[OrgUnit] = relationship(lazy="selectin")
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin", order_by=Role.id)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class UserSession(Base):
    """A browser session. Only the SHA-256 of the cookie value is stored; a new one is issued at login."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="selectin")


class ApiToken(Base):
    """An API token for the JSON API and scripts: shown once, stored as SHA-256, revocable."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="selectin")


class LoginLog(Base):
    """登录日志: every login attempt, success or not, and every refused access."""

    __tablename__ = "login_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ip: Mapped[str] = mapped_column(String(64), default="")
    event: Mapped[str] = mapped_column(String(16))  # 登录成功 / 登录失败 / 账号锁定 / 退出 / 拒绝访问
    message: Mapped[str] = mapped_column(Text, default="")


class LoginThrottle(Base):
    """Failed logins per client address in the current window, counted atomically in the database (the
    login log alone cannot stop parallel guesses: each would count the failures before any is logged)."""

    __tablename__ = "login_throttle"

    ip: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0)


class FormToken(Base):
    """A form handed out once: the first post of it does the work and remembers where it led; the same form
    sent again (a double click, a reload, two tabs) leads there too instead of doing the work twice."""

    __tablename__ = "form_tokens"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    result_url: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
