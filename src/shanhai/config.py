"""Typed settings from the environment (prefix SHANHAI_). Bad values fail loudly, naming the setting."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SUPPORTED_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")


class SettingsError(Exception):
    """A setting has a bad value; the message names the setting and says what is expected."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHANHAI_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="数据目录（SQLite 文件等）")
    database_url: str = Field(default="", description="数据库地址；为空时使用数据目录下的 SQLite 文件")
    sources_dir: Path | None = Field(default=None, description="原始报告文本所在目录（用于显示出处原句）")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = Field(default="info", pattern="^(debug|info|warning|error)$")
    trusted_proxies: str = Field(
        default="",
        description="可信反向代理的 IP（逗号分隔）；只有来自这些地址的 X-Forwarded-For 才被采信。默认不采信",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, le=1024**3, description="请求内容（表单、JSON）的最大字节数"
    )
    workers: int = Field(
        default=1, ge=1, le=64, description="服务进程数；每个进程各有一份 DuckDB 分析副本（若启用）"
    )
    max_inflight: int = Field(
        default=48,
        ge=1,
        le=10_000,
        description="每个进程同时处理（含排队）的请求上限；超出时立即答复 503 并带 Retry-After，不让请求久等",
    )
    log_retention_days: int = Field(
        default=180, ge=1, le=3650, description="登录日志保留天数（`shanhai logs prune` 删除更早的记录）"
    )
    analytics_engine: Literal["auto", "database", "duckdb"] = Field(
        default="auto",
        description=(
            "分析查询引擎：database（主数据库）、duckdb（进程内副本，数据量大时更快）或 auto"
            "（启动时分析表达到 10 万行则用 duckdb）"
        ),
    )

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value:
            return value
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"无法解析的数据库地址 / not a database URL: {value!r}") from exc
        if url.drivername not in SUPPORTED_DRIVERS:
            raise ValueError(
                f"不支持的数据库驱动 / unsupported driver {url.drivername!r}; "
                "use sqlite:///path or postgresql+psycopg://user@host/db"
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError as exc:
                raise ValueError(f"不是 IP 地址或网段 / not an IP address or network: {part!r}") from exc
        return value

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'shanhai.sqlite3').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once; raise SettingsError with one readable line on a bad value."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "SHANHAI_" + str(first["loc"][0]).upper() if first["loc"] else "SHANHAI_*"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"配置错误 / bad setting {name}={first.get('input')!r}: {message}") from None
