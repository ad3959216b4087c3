"""An in-process DuckDB replica of the analytics table (SHANHAI_ANALYTICS_ENGINE=duckdb).

The main database (SQLite or PostgreSQL) stays the system of record: every change to a value writes its
analytics row and a row of the change feed (analytics_changes) in the same transaction. The replica loads the
approved rows once, then reads the feed past its position and re-copies the rows of the values named there:
before a query, when this process has committed a change since the last read (a user sees their own change at
once), or when the last read is older than POLL_SECONDS (a change made by another worker process shows within
half a second). Queries in between cost no round trip to the main database. Writers prune feed rows older
than a week; a replica that has not read the feed for nearly that long loads afresh instead of catching up.

PostgreSQL hands out feed ids in the order transactions start, not the order they commit: a missing id
below the newest one seen is kept as a gap and asked for again, until it appears or GAP_SECONDS pass (a
rolled-back transaction leaves its id unused for ever; at most MAX_GAPS are kept, the newest). Statements
are compiled once per statement object (the query module caches them per request shape), with values
inlined, and run under one lock per replica.
"""

from __future__ import annotations

import csv
import tempfile
import threading
import time
import weakref
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Boolean, Connection, Date, Engine, Integer, Numeric, Select, String, func, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shanhai.analytics.store import Store
from shanhai.indicators.facts import FEED_DAYS, local_commits
from shanhai.indicators.facts_table import AnalyticsChange, AnalyticsValue

AUTO_ROWS = 100_000  # SHANHAI_ANALYTICS_ENGINE=auto: a replica from this many analytics rows (measured)
POLL_SECONDS = 0.5  # changes committed by other processes are read at most this long after the last read
RELOAD_SECONDS = (FEED_DAYS - 1) * 86_400.0  # idle longer than this: load afresh rather than catch up
GAP_SECONDS = 300.0  # how long a missing feed id is waited for before it is taken as rolled back
GAP_WINDOW = 1_000  # at load, feed ids this far below the newest are checked for gaps
MAX_GAPS = 10_000  # beyond this many missing ids the oldest are given up (a large import that rolled back)
BATCH = 1_000  # value ids per IN list when catching up
_DIALECT = make_url("postgresql://").get_dialect()()  # DuckDB reads PostgreSQL's SQL, values inlined

COLUMNS = [c for c in AnalyticsValue.__table__.columns if c.name != "approved"]


def _duck_type(column: Any) -> str:
    kind = column.type
    if isinstance(kind, Numeric):
        return f"DECIMAL({kind.precision}, {kind.scale})"
    for sql_type, name in ((Boolean, "BOOLEAN"), (Integer, "INTEGER"), (Date, "DATE"), (String, "VARCHAR")):
        if isinstance(kind, sql_type):
            return name
    raise TypeError(f"no DuckDB type for analytics column {column.name}: {kind!r}")


class Replica:
    """The approved rows of analytics_values in an in-memory DuckDB database, kept up to date by the feed."""

    def __init__(self, source: Engine | Connection, *, threads: int | None = None) -> None:
        """`source`: the main database's engine (the app), or one connection whose transaction the replica
        reads, uncommitted rows included (tests)."""
        self._source = source
        # a transaction may hold uncommitted changes at any time: read the feed before every query
        self._poll = 0.0 if isinstance(source, Connection) else POLL_SECONDS
        self._polled_at = -1e9
        self._local_commits = -1
        self._feed_conn: Connection | None = None  # an engine's own autocommit connection for the feed
        config: dict[str, str | bool | int | float | list[str]] = {"threads": threads} if threads else {}
        self._duck = duckdb.connect(":memory:", config=config)
        self._lock = threading.Lock()
        self._position = 0  # every feed id up to here has been applied, except the gaps
        self._gaps: dict[int, float] = {}  # missing feed id → when it was first missed
        self._sql: dict[int, tuple[Select[Any], str]] = {}
        names = ", ".join(f"{c.name} {_duck_type(c)}" for c in COLUMNS)
        self._duck.execute(f"CREATE TABLE analytics_values ({names}, PRIMARY KEY (data_value_id))")
        self.rows = 0

    # --- loading and catching up ------------------------------------------------------------------------

    def load(self) -> None:
        """Copy every approved row. The feed position is read first, so a change committed while copying is
        applied again by the next refresh (applying is idempotent)."""
        with self._lock, self._connect() as conn:
            self._close_feed()
            newest = conn.scalar(select(func.max(AnalyticsChange.id))) or 0
            present = set(
                conn.scalars(select(AnalyticsChange.id).where(AnalyticsChange.id > newest - GAP_WINDOW))
            )
            now = time.monotonic()
            self._gaps = {
                i: now for i in range(max(1, newest - GAP_WINDOW + 1), newest + 1) if i not in present
            }
            self._position = newest
            self._duck.execute("DELETE FROM analytics_values")
            with tempfile.TemporaryDirectory(prefix="shanhai-replica-") as tmp:
                path = Path(tmp) / "values.csv"
                self._export(conn, path)
                if path.stat().st_size:
                    self._duck.execute(
                        f"COPY analytics_values FROM '{path}' "
                        "(FORMAT csv, HEADER false, DELIMITER ',', QUOTE '\"', NULLSTR '\\N')"
                    )
            self.rows = self._count()
            self._polled_at = time.monotonic()

    def _export(self, conn: Connection, path: Path) -> None:
        """The approved rows as CSV (NULL written as \\N): PostgreSQL's COPY, or the rows through Python."""
        names = ", ".join(c.name for c in COLUMNS)
        if conn.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            sql = (
                f"COPY (SELECT {names} FROM analytics_values WHERE approved) "
                "TO STDOUT WITH (FORMAT csv, NULL '\\N')"
            )
            with raw.cursor() as cur, cur.copy(sql) as copy, open(path, "wb") as out:  # type: ignore[union-attr]
                for chunk in copy:
                    out.write(chunk)
            return
        rows = conn.execution_options(yield_per=50_000).execute(self._rows_query())
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            for row in rows:
                writer.writerow(["\\N" if v is None else v for v in row])

    def _rows_query(self) -> Select[Any]:
        return select(*(getattr(AnalyticsValue, c.name) for c in COLUMNS)).where(
            AnalyticsValue.approved.is_(True)
        )

    @property
    def waiting(self) -> list[int]:
        """Feed ids below the position not seen yet (a transaction that has not committed, or rolled back)."""
        return sorted(self._gaps)

    def _connect(self) -> AbstractContextManager[Connection]:
        if isinstance(self._source, Connection):
            return nullcontext(self._source)
        return self._source.connect()

    def _feed(self) -> Connection:
        """The connection the feed is read on: kept open between queries (a pool checkout and reset would
        cost more than the feed query), autocommit so that each read sees the latest commits."""
        if isinstance(self._source, Connection):
            return self._source
        if self._feed_conn is None or self._feed_conn.closed or self._feed_conn.invalidated:
            self._feed_conn = self._source.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._feed_conn

    def _close_feed(self) -> None:
        if self._feed_conn is not None:
            self._feed_conn.close()
            self._feed_conn = None

    def refresh(self) -> int:
        """Apply the feed past the position (and any gaps that have appeared); return the values re-copied."""
        with self._lock:
            try:
                return self._catch_up(self._feed())
            except DBAPIError:
                self._close_feed()  # the server went away: one more try on a new connection
                return self._catch_up(self._feed())

    def _catch_up(self, conn: Connection) -> int:
        self._polled_at = time.monotonic()
        feed = AnalyticsChange
        after = feed.id > self._position
        changes = conn.execute(
            select(feed.id, feed.data_value_id).where(
                or_(after, feed.id.in_(self._gaps)) if self._gaps else after
            )
        ).all()
        value_ids = sorted({value_id for _, value_id in changes})
        for start in range(0, len(value_ids), BATCH):
            self._apply(conn, value_ids[start : start + BATCH])
        # the position moves only once the rows are in: a failure above is retried by the next refresh
        now = time.monotonic()
        seen = {change_id for change_id, _ in changes}
        newest = max(seen, default=self._position)
        for missing in range(self._position + 1, newest):
            if missing not in seen:
                self._gaps.setdefault(missing, now)
        for change_id in seen:
            self._gaps.pop(change_id, None)
        self._position = max(self._position, newest)
        for missing, since in list(self._gaps.items()):
            if now - since > GAP_SECONDS:
                del self._gaps[missing]
        for missing in sorted(self._gaps)[: max(0, len(self._gaps) - MAX_GAPS)]:
            del self._gaps[missing]
        if value_ids:
            self.rows = self._count()
        return len(value_ids)

    def _apply(self, conn: Connection, value_ids: list[int]) -> None:
        rows = conn.execute(self._rows_query().where(AnalyticsValue.data_value_id.in_(value_ids))).all()
        marks = ", ".join("?" for _ in COLUMNS)
        self._duck.execute("BEGIN")
        try:
            self._duck.execute(
                f"DELETE FROM analytics_values WHERE data_value_id IN ({', '.join('?' for _ in value_ids)})",
                value_ids,
            )
            if rows:
                self._duck.executemany(
                    f"INSERT INTO analytics_values VALUES ({marks})", [tuple(r) for r in rows]
                )
            self._duck.execute("COMMIT")
        except BaseException:
            self._duck.execute("ROLLBACK")
            raise

    def _count(self) -> int:
        row = self._duck.execute("SELECT count(*) FROM analytics_values").fetchone()
        return int(row[0]) if row else 0

    # --- queries ----------------------------------------------------------------------------------------

    def execute(self, stmt: Select[Any]) -> Sequence[Any]:
        cached = self._sql.get(id(stmt))
        if cached is None or cached[0] is not stmt:
            sql = str(stmt.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True}))
            if len(self._sql) >= 2048:
                self._sql.clear()
            cached = self._sql[id(stmt)] = (stmt, sql)
        with self._lock:
            return self._duck.execute(cached[1]).fetchall()

    def execute_sql(self, sql: str) -> list[Any]:
        """Hand-written SQL on the replica's table (the benchmark's raw DuckDB baseline)."""
        with self._lock:
            return self._duck.execute(sql).fetchall()

    def store(self) -> Store:
        """A store reading this replica, caught up with the feed first if this process has committed a
        change since the last read, or the last read is older than POLL_SECONDS."""
        commits = local_commits()
        idle = time.monotonic() - self._polled_at
        if idle > RELOAD_SECONDS:  # the feed may have been pruned past this replica's position
            self.load()
        elif commits != self._local_commits or idle >= self._poll:
            self.refresh()
        self._local_commits = commits
        return Store(execute=self.execute, approved_only=True)

    def close(self) -> None:
        with self._lock:
            self._close_feed()
            self._duck.close()


_REPLICAS: weakref.WeakKeyDictionary[Engine, Replica] = weakref.WeakKeyDictionary()


def use_replica(engine: Engine, setting: str) -> bool:
    """SHANHAI_ANALYTICS_ENGINE: duckdb → yes; database → no; auto → yes once the analytics table holds
    AUTO_ROWS rows (below that the main database answers in a few milliseconds and a replica only costs
    memory and start-up time; above it DuckDB is several times faster, see bench/analytics.py)."""
    if setting != "auto":
        return setting == "duckdb"
    try:
        with engine.connect() as conn:
            rows = conn.scalar(select(func.count()).select_from(AnalyticsValue)) or 0
    except DBAPIError:  # no schema yet (before `shanhai db upgrade`): nothing to replicate
        return False
    return rows >= AUTO_ROWS


def attach(engine: Engine, *, threads: int | None = None) -> Replica:
    """Build the replica of `engine`'s analytics table; `analytics()` on a session of this engine uses it."""
    replica = Replica(engine, threads=threads)
    replica.load()
    old = _REPLICAS.get(engine)
    _REPLICAS[engine] = replica
    if old is not None:
        old.close()
    return replica


def detach(engine: Engine) -> None:
    replica = _REPLICAS.pop(engine, None)
    if replica is not None:
        replica.close()


def replica_store(session: Session) -> Store | None:
    """The attached replica of the session's engine, caught up, or None (then the main database is read)."""
    if not _REPLICAS:
        return None
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    replica = _REPLICAS.get(engine)
    return replica.store() if replica is not None else None
