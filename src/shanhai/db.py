"""Engine, sessions and the declarative base with a constraint naming convention.

SQLite (the embedded default) runs in WAL mode with foreign keys on; PostgreSQL via psycopg 3.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Dialect, Engine, MetaData, TypeDecorator, create_engine, event, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from shanhai.errors import Conflict, Invalid, ShanhaiError, Unavailable
from shanhai.lib.changes import Change

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored with time zone. SQLite keeps no offset, so every value is turned to UTC on the way
    in (a Beijing-time bound, 2031-01-02 00:00+08:00, compares as 2031-01-01 16:00) and read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()


POOL_SIZE = 10  # connections kept open per process
POOL_OVERFLOW = 30  # more, opened under load and closed again: with POOL_SIZE, one per worker thread
POOL_TIMEOUT = 10  # seconds a request waits for a connection before it is told the server is busy (503)


SQLITE_BUSY_MS = 15_000  # how long a write waits for another process's write transaction


class _SqliteWriteQueue:
    """SQLite lets one transaction write at a time and makes the others poll for the lock with growing
    sleeps, which under load starves some writers past any timeout. Within one process, write transactions
    queue on a lock instead: a connection takes it before its first INSERT/UPDATE/DELETE and gives it back
    when its transaction ends. (Writers of other processes still meet SQLite's busy timeout.)"""

    KEY = "shanhai.sqlite_writer"
    NOWAIT = "shanhai.sqlite_nowait"  # set by `without_waiting`: fail at once rather than queue

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._before_execute)
        for name in ("commit", "rollback"):
            event.listen(engine, name, self._release)
        event.listen(engine, "close", self._release_dbapi)
        event.listen(engine, "reset", self._release_on_reset)

    def _before_execute(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if conn.info.get(self.KEY) or statement.lstrip()[:6].upper() not in ("INSERT", "UPDATE", "DELETE"):
            return
        wait = 0 if conn.info.get(self.NOWAIT) else SQLITE_BUSY_MS / 1000
        if not self._lock.acquire(timeout=wait):
            raise sa_exc.OperationalError(statement, None, Exception("database is locked (write queue)"))
        conn.info[self.KEY] = True

    def _release(self, conn: Any) -> None:
        if conn.info.pop(self.KEY, False):
            self._lock.release()

    def _release_on_reset(self, dbapi_connection: Any, record: Any, reset_state: Any) -> None:
        self._release_dbapi(dbapi_connection, record)

    def _release_dbapi(self, dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(self.KEY, False):
            self._lock.release()


def serialize(session: Session, key: str) -> None:
    """Make the transactions that name the same key run one after another from here to their end, so that
    a check-then-write (a unit closed while a child is added; one code in two tables; one reminder a day)
    sees the other's committed write. PostgreSQL: a transaction-scoped advisory lock on the key. SQLite:
    the write lock (one writer at a time anyway); what is read after this call is read inside it."""
    if session.get_bind().dialect.name == "postgresql":  # advisory locks span a database: key by schema too
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':' || :key))"), {"key": key}
        )
    else:
        session.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0"))


def same_version(current: int, sent: int | str | None, what: str) -> None:
    """An edit is sent with the version it was read at (a number, or its text from a form): a change by
    someone else in between is refused, and an edit without a version (a form that lost it) is refused too.
    The UPDATE checks it again, so two edits of one version at the same moment are one success and one 409."""
    text = "" if sent is None else str(sent).strip()
    if not text:
        raise Conflict(f"缺少{what}的版本号，请刷新页面后重试", field="version")
    if text != str(current):
        raise Conflict(f"该{what}已被他人修改，请刷新后重试", field="version")


@contextmanager
def savepoint(session: Session) -> Iterator[Any]:
    """A savepoint inside the request's transaction (a refused insert undoes itself, the rest stays). On
    SQLite the transaction is begun first: the sqlite3 module begins one only before a write, and a SAVEPOINT
    issued outside a transaction opens one of its own, which its RELEASE would commit at once."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0"))
    with session.begin_nested() as nested:
        yield nested


@contextmanager
def rehearsal(session: Session) -> Iterator[Callable[[bool], None]]:
    """A block whose writes stay only when it says so: `keep(True)` before it ends keeps them (a savepoint
    released), anything else — a preview, a problem found, an error — undoes them all and the transaction
    goes on (an import's preview runs every row through the real write path, then forgets it)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0"))
    decision = {"keep": False}

    def keep(yes: bool) -> None:
        decision["keep"] = yes

    nested = session.begin_nested()
    try:
        yield keep
    except BaseException:
        if nested.is_active:
            nested.rollback()
        raise
    if decision["keep"]:
        nested.commit()
    else:
        nested.rollback()


@contextmanager
def without_waiting(session: Session) -> Iterator[None]:
    """For best-effort writes (recording a token's use): on SQLite, fail at once instead of waiting for
    another writer; elsewhere, a short lock timeout."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        connection.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
        yield
        return
    connection.info[_SqliteWriteQueue.NOWAIT] = True
    connection.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        yield
        session.flush()
    finally:
        connection.info.pop(_SqliteWriteQueue.NOWAIT, None)
        connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")


def make_engine(url: str) -> Engine:
    """One engine per process. Its pool holds as many connections as the server has worker threads
    (POOL_SIZE + POOL_OVERFLOW, see app.py), so a request never waits for a connection held by a request
    that is itself waiting for a thread."""
    parsed = make_url(url)
    pool = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, "pool_timeout": POOL_TIMEOUT}
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            pool = {}  # one connection, shared: SQLAlchemy's SingletonThreadPool takes no sizes
        else:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        _SqliteWriteQueue(engine)
        return engine
    # a server that does not answer is an outage after 5 s, not a request that hangs
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5}, **pool)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    session = factory()
    try:
        yield session
        commit(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


M = TypeVar("M", bound=Base)


def find_one(session: Session, model: type[M], **where: Any) -> M | None:
    """The row of `model` whose columns equal `where`, or None."""
    return session.scalars(select(model).filter_by(**where)).one_or_none()


def assign(obj: Any, fields: dict[str, Any]) -> bool:
    """Set attributes; True if any value changed."""
    changed = False
    for key, value in fields.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def upsert(
    session: Session, model: type[M], *, key: dict[str, Any], fields: dict[str, Any]
) -> tuple[M, Change]:
    """Create the row identified by `key` with `fields`, or bring an existing one up to date."""
    obj = find_one(session, model, **key)
    if obj is None:
        obj = model(**key, **fields)
        session.add(obj)
        session.flush()
        return obj, Change.CREATED
    return obj, Change.of(created=False, changed=assign(obj, fields))


# --- database failures as domain errors: one translation for every front door -------------------------

_FULL = (
    "database or disk is full",
    "no space left on device",
    "disk full",
    "could not extend file",
    "disk i/o error",
)
_BUSY = ("database is locked", "database is busy")
_LOCKED = ("could not obtain lock", "lock timeout")
_RACES = ("deadlock detected", "could not serialize")  # two transactions crossed: one loses, as a conflict


def is_full(exc: BaseException) -> bool:
    """A write failed for want of disk space (or a file-size limit): reads still work."""
    return any(s in str(getattr(exc, "orig", exc)).lower() for s in _FULL)


def is_outage(exc: BaseException) -> bool:
    """The database itself is unreachable (as opposed to busy, full or refusing one statement)."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa_exc.TimeoutError):  # the pool is exhausted: overload, not an outage
        return False
    if isinstance(exc, sa_exc.InterfaceError | sa_exc.DisconnectionError):
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    known = (*_FULL, *_BUSY, *_LOCKED, *_RACES, "statement timeout")
    return isinstance(exc, sa_exc.OperationalError) and not any(s in text for s in known)


def translate(exc: BaseException) -> ShanhaiError | None:
    """The domain error for a database failure, or None if it is not one. Conflicts (a stale version, a key
    another request took first) are 409; an unreachable, busy or full database is 503: nothing was saved."""
    if isinstance(exc, StaleDataError):
        return Conflict("该记录已被他人修改或删除，请刷新后重试", field="version")
    if isinstance(exc, sa_exc.IntegrityError):
        return Conflict("与已有数据重复或冲突（可能已被他人同时提交），请刷新后重试")
    if isinstance(exc, sa_exc.DataError):  # a number or text the column cannot hold
        return Invalid("输入的数值或文字超出允许的范围")
    if not isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.DisconnectionError) and (
        not isinstance(exc, sa_exc.TimeoutError)
    ):
        return None
    text = str(getattr(exc, "orig", exc)).lower()
    if "statement timeout" in text:
        return Invalid("查询耗时过长，已中止；请缩小查询范围")
    if any(s in text for s in _RACES):
        return Conflict("该记录正被他人同时修改，请刷新后重试")
    if any(s in text for s in _FULL):
        return Unavailable("数据库写入磁盘失败（磁盘可能已满），本次保存未成功，请联系管理员")
    if any(s in text for s in _BUSY + _LOCKED):
        return Unavailable("数据库繁忙，本次操作未完成，请稍后重试")
    if isinstance(exc, sa_exc.TimeoutError):
        return Unavailable("服务器繁忙（数据库连接已用尽），请稍后重试")
    return Unavailable("数据库暂时无法访问，本次操作未完成，请稍后重试")


def commit(session: Session) -> None:
    """Commit, turning a database failure into its domain error (the caller's reply must not say success)."""
    try:
        session.commit()
    except sa_exc.SQLAlchemyError as exc:
        session.rollback()
        error = translate(exc)
        if error is None:
            raise
        raise error from exc


@contextmanager
def unique_or(error: ShanhaiError) -> Iterator[None]:
    """Raise `error` (a Conflict with a message naming the record) when the block breaks a unique key:
    the database decides between parallel requests. The transaction is then unusable and rolls back."""
    try:
        yield
    except sa_exc.IntegrityError as exc:
        raise error from exc


def dialect_insert(session: Session, model: type[Base]) -> Any:
    """The backend's own INSERT construct, which has ON CONFLICT DO NOTHING / DO UPDATE on both."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model)


def insert_ignoring_duplicates(session: Session, model: type[Base], row: dict[str, Any]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING on either backend: for shared reference rows (periods) that two
    requests may both be the first to need."""
    return dialect_insert(session, model).values(**row).on_conflict_do_nothing()


# --- committed writes: the health check learns from them that the disk takes writes again ------------------

_FLUSHED = "shanhai.flushed"
write_listeners: list[Callable[[], None]] = []  # called after a transaction that wrote has committed


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: object) -> None:
    session.info[_FLUSHED] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_FLUSHED, False):
        for listener in list(write_listeners):
            listener()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_FLUSHED, None)
