"""The database's state: at start (refuse to serve a schema of another revision, a corrupt or read-only file)
and for /api/v1/health. Also the one record of an outage, so that it is logged once, not once a request."""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from shanhai.migrations import current_revision, head_revision, known_revisions

log = logging.getLogger("shanhai.db")


class StartupError(Exception):
    """The database is not fit to serve; the message is one line saying why and what to do."""


@dataclass(frozen=True)
class DatabaseState:
    ok: bool
    backend: str
    revision: str | None = None
    head: str | None = None
    message: str = ""


def _first_line(exc: BaseException) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]


def state(engine: Engine) -> DatabaseState:
    """Cheap enough for every health request: one connection, the revision row."""
    backend, head = engine.dialect.name, head_revision()
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        return DatabaseState(False, backend, head=head, message=f"数据库无法访问：{_first_line(exc)}")
    if revision != head:
        return DatabaseState(False, backend, revision, head, f"数据库版本 {revision} 不是程序所需的 {head}")
    return DatabaseState(True, backend, revision, head)


def check_at_start(engine: Engine) -> DatabaseState:
    """Refuse with StartupError unless the database answers, is at the program's revision, passes its
    integrity check and takes writes."""
    url = engine.url.render_as_string(hide_password=True)
    head = head_revision()
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        raise StartupError(f"无法打开数据库 / cannot open the database {url}: {_first_line(exc)}") from None
    if revision is None:
        raise StartupError(
            f"数据库 {url} 尚未建表 / has no schema: 请先运行 `shanhai db upgrade`（或 `shanhai demo`）"
        )
    if revision not in known_revisions():
        raise StartupError(
            f"数据库版本 {revision} 不是本程序所知的版本 / unknown schema revision {revision} "
            f"(this program knows up to {head}): 数据库可能来自更新的版本，请升级程序"
        )
    if revision != head:
        raise StartupError(
            f"数据库版本 {revision} 落后于程序所需的 {head} / schema at {revision}, program needs {head}: "
            "请先运行 `shanhai db upgrade`"
        )
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                _check_sqlite(engine, connection)
            else:
                read_only = connection.exec_driver_sql("SHOW transaction_read_only").scalar()
                if read_only == "on":
                    raise StartupError(f"数据库 {url} 只读（备库？）/ read-only: 不能用于服务")
    except SQLAlchemyError as exc:
        raise StartupError(f"数据库检查失败 / database check failed ({url}): {_first_line(exc)}") from None
    return DatabaseState(True, engine.dialect.name, revision, head)


def _check_sqlite(engine: Engine, connection: object) -> None:
    from sqlalchemy import Connection

    assert isinstance(connection, Connection)
    path = make_url(str(engine.url)).database or ""
    result = connection.exec_driver_sql("PRAGMA quick_check").scalar()
    if result != "ok":
        problems = [line.strip() for line in str(result).splitlines() if line.strip() and "***" not in line]
        first = problems[0] if problems else str(result).strip()
        more = f"（另有 {len(problems) - 1} 处）" if len(problems) > 1 else ""
        raise StartupError(f"SQLite 文件已损坏 / corrupt database file {path}: {first}{more}；请从备份恢复")
    if path and path != ":memory:" and not os.access(path, os.W_OK):
        raise StartupError(f"SQLite 文件不可写 / database file is read-only: {path}")
    try:  # the write lock itself: a read-only mount, a directory without write access for the WAL
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        connection.exec_driver_sql("ROLLBACK")
    except SQLAlchemyError as exc:
        raise StartupError(f"SQLite 文件不可写 / cannot write to {path}: {_first_line(exc)}") from None
    connection.rollback()


class Outage:
    """Logs the start of a database outage once (with its cause) and its end once (with how many requests
    were refused meanwhile), instead of one traceback per request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down = False
        self.since = 0.0  # time.monotonic() when the outage was noticed
        self.refused = 0
        self.unwritable_since: float | None = None  # the first write refused for want of disk space

    def write_failed(self, exc: BaseException) -> None:
        """A write could not be committed (disk full): health says so until a write succeeds again."""
        with self._lock:
            if self.unwritable_since is not None:
                return
            self.unwritable_since = time.monotonic()
        log.error("数据库无法写入（磁盘可能已满），写入将答复 503 / writes failing: %s", _first_line(exc))

    def wrote(self, request_started: float) -> None:
        """A write that began after the failure was committed."""
        since = self.unwritable_since
        if since is None or request_started <= since:
            return
        with self._lock:
            self.unwritable_since = None
        log.warning("数据库恢复写入 / writes succeed again")

    @property
    def writable(self) -> bool:
        return self.unwritable_since is None

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self.refused += 1
            if self.down:
                return
            self.down, self.since = True, time.monotonic()
        log.error("数据库不可用，请求将答复 503 / database unavailable: %s", _first_line(exc))

    def recovered(self, request_started: float) -> None:
        """A request that began after the outage was noticed has succeeded (one that was already under
        way when the database went away proves nothing)."""
        if not self.down or request_started <= self.since:
            return
        with self._lock:
            if not self.down:
                return
            self.down, refused = False, self.refused
            self.refused = 0
        log.warning("数据库已恢复 / database back; %d 个请求在中断期间答复了 503", refused)
