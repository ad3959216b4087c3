"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

SHANHAI_TEST_DATABASES chooses the backends (default "sqlite,postgresql"); SHANHAI_TEST_PG_URL points at
the PostgreSQL server (default postgresql+psycopg://postgres@127.0.0.1:5432/test). Each PostgreSQL run
works in a schema of its own, dropped at the end. Each test runs in a transaction that is rolled back.
"""

from __future__ import annotations

import os
import resource
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from shanhai.app import create_app
from shanhai.auth.models import User
from shanhai.auth.refusals import RefusalCounter
from shanhai.auth.scope import SYSTEM, Actor, actor_for
from shanhai.auth.service import create_token
from shanhai.config import Settings
from shanhai.db import make_engine
from shanhai.fixtures.loader import load_demo
from shanhai.health import Outage
from shanhai.http.deps import get_session
from shanhai.migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent
# The persona × route matrix's cases, one tests/<domain>/scope_cases.py each (merged in
# tests/auth/test_scope_matrix.py). Their asserts live outside test modules: pytest rewrites them too, so that
# a failure shows its values.
SCOPE_CASE_DOMAINS = sorted(p.parent.name for p in (ROOT / "tests").glob("*/scope_cases.py"))
pytest.register_assert_rewrite(
    "tests.scope", *(f"tests.{domain}.scope_cases" for domain in SCOPE_CASE_DOMAINS)
)
SEEDS = ROOT.parent / "shared" / "seeds"
GOLD = ROOT.parent / "shared" / "eval" / "000_81e65334f74d5525.gold.jsonl"
TEST_DATA_DIR = Path(tempfile.gettempdir()) / "shanhai-test-data"  # attachments the tests upload
PG_URL = os.environ.get("SHANHAI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
needs_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(), reason="../shared/seeds is not beside the repository: no cited sentences to show"
)
BACKENDS = [
    b.strip() for b in os.environ.get("SHANHAI_TEST_DATABASES", "sqlite,postgresql").split(",") if b.strip()
]


class Database:
    """A migrated, empty database of one backend; `url` is what the app would be configured with."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        self.schema: str | None = None
        if backend == "sqlite":
            self.url = f"sqlite:///{tmp / f'shanhai-{uuid.uuid4().hex[:8]}.sqlite3'}"
        else:
            self.schema = f"t_{uuid.uuid4().hex[:12]}"
            with create_engine(PG_URL, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            self.url = f"{PG_URL}?options=-csearch_path%3D{self.schema}"
        self.engine: Engine = make_engine(self.url)

    def drop(self) -> None:
        self.engine.dispose()
        if self.schema:
            with create_engine(PG_URL, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fresh_db(backend: str, tmp_path: Path) -> Iterator[Database]:
    """An empty database (no tables) of the current backend, for migration tests."""
    db = Database(backend, tmp_path)
    yield db
    db.drop()


@pytest.fixture
def fresh_demo(fresh_db: Database) -> Database:
    """A database of the test's own with the demo committed: for tests of separate processes, threads or
    commits, which the shared demo's rolled-back transaction cannot hold."""
    upgrade(fresh_db.engine)
    with Session(fresh_db.engine) as session:
        load_demo(session=session)
        session.commit()
    return fresh_db


@pytest.fixture(scope="session")
def demo_db(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A migrated database with the demo data committed, shared by the session's tests."""
    db = Database(backend, tmp_path_factory.mktemp(backend))
    upgrade(db.engine)
    with Session(db.engine) as session:
        load_demo(session=session, sources_dir=SEEDS if SEEDS.is_dir() else None)
        add_district_admin(session)
        session.commit()
    yield db
    db.drop()


def add_district_admin(session: Session) -> None:
    """A persona of the tests only: every permission, within 泉山区 and below — a district's own
    administrator. The demo's personas hold rights either city-wide or without administration, so without
    this one the matrix could not see a detail route that checks the permission but not the scope."""
    from shanhai.auth.admin import upsert_role
    from shanhai.auth.models import DataScope
    from shanhai.auth.passwords import hash_password
    from shanhai.auth.permissions import ALL_PERMISSIONS
    from shanhai.orgunits.models import OrgUnit

    role = upsert_role(
        session=session,
        code="district_admin",
        name="区县管理员（测试）",
        data_scope=DataScope.UNIT_AND_BELOW,
        permissions=set(ALL_PERMISSIONS),
        units=[],
    )
    unit = session.scalars(select(OrgUnit).where(OrgUnit.code == "XZ-QS")).one()
    session.add(
        User(
            username="quanshan_admin",
            display_name="泉山区管理员",
            org_unit_id=unit.id,
            password_hash=hash_password(PASSWORD),
            roles=[role],
        )
    )
    session.flush()


@pytest.fixture
def session(demo_db: Database) -> Iterator[Session]:
    """A session on the demo database inside a transaction that is rolled back after the test."""
    connection = demo_db.engine.connect()
    transaction = connection.begin()
    if demo_db.backend == "sqlite":
        # pysqlite begins a transaction only before a write; a SAVEPOINT issued first would open one of its
        # own, and releasing it would commit for real. Begin explicitly so that everything rolls back.
        connection.exec_driver_sql("BEGIN")
    db_session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield db_session
    db_session.close()
    transaction.rollback()
    connection.close()


@pytest.fixture
def settings(demo_db: Database) -> Settings:
    return Settings(
        database_url=demo_db.url, sources_dir=SEEDS if SEEDS.is_dir() else None, data_dir=TEST_DATA_DIR
    )


PERSONAS = (
    "admin",
    "city_admin",
    "quanshan_admin",
    "quanshan_officer",
    "jingkai_officer",
    "workgroup_member",
    "viewer",
)
PASSWORD = "Shanhai-demo-2025"
LOCAL = ("127.0.0.1", 50000)  # the test client's address (Starlette's default, "testclient", is no IP)


@pytest.fixture(scope="session")
def demo_app(demo_db: Database) -> Iterator[FastAPI]:
    """One app per worker and backend, shared by every test that does not change its settings: building an
    app per test cost time, and FastAPI's caches of dependency callables kept every one of them alive."""
    application = create_app(
        Settings(
            database_url=demo_db.url, sources_dir=SEEDS if SEEDS.is_dir() else None, data_dir=TEST_DATA_DIR
        )
    )
    yield application
    application.state.engine.dispose()


class _TestSessions:
    """The session of the test under way and the savepoints its requests opened. A module-level dependency
    reads it, so the app's dependency caches hold no test's objects."""

    session: Session | None = None
    savepoints: ClassVar[list[Any]] = []

    @classmethod
    def rollback(cls) -> None:
        if cls.savepoints and cls.savepoints[-1].is_active:
            cls.savepoints[-1].rollback()


def _request_session() -> Iterator[Session]:
    """Each request works in a savepoint of the test's session: a route that rolls back (a form error shown
    in place) undoes its own work only, not what the test set up before it, as in production."""
    session = _TestSessions.session
    assert session is not None, "a request outside a test"
    _TestSessions.savepoints.append(session.begin_nested())
    try:
        yield session
        session.flush()
    except BaseException:
        _TestSessions.rollback()
        raise
    finally:
        savepoint = _TestSessions.savepoints.pop()
        if savepoint.is_active:
            savepoint.commit()


@pytest.fixture(autouse=True)
def _fresh_dashboards() -> None:
    """Each test sees dashboards built from its own data: a test's rolled-back writes free audit ids that
    the next test's writes take again, which the dashboard cache would take for no change."""
    from shanhai.flows.dashboard import clear_cache

    clear_cache()


@pytest.fixture
def app(demo_app: FastAPI, session: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    """The shared app, with every request using the test's rolled-back session. The app commits each
    request's session; here that only flushes (on SQLite a released savepoint that opened the transaction
    would commit for real), so the test's transaction still rolls everything back."""
    monkeypatch.setattr(session, "commit", session.flush)
    monkeypatch.setattr(session, "rollback", _TestSessions.rollback)
    _TestSessions.session, _TestSessions.savepoints = session, []
    demo_app.dependency_overrides[get_session] = _request_session
    # side transactions (the log of refused requests) join the test's connection, so they roll back too
    # (app.state keeps its entries in a dict of its own, which monkeypatch would delete on undo)
    connection = session.connection()
    saved = demo_app.state.session_factory, demo_app.state.outage, demo_app.state.refusals
    demo_app.state.session_factory = lambda: Session(
        bind=connection, join_transaction_mode="create_savepoint"
    )
    demo_app.state.outage = Outage()
    demo_app.state.refusals = RefusalCounter()  # each test's refusals are its own, whatever ran before
    demo_app.state.refusal_flush_seconds = 3600.0  # written when the test's client stops, in its transaction
    demo_app.state.imports_inline = True  # an import job runs in the request's wake, on the test's connection
    try:
        yield demo_app
    finally:
        demo_app.state.session_factory, demo_app.state.outage, demo_app.state.refusals = saved
        demo_app.dependency_overrides.clear()
        _TestSessions.session, _TestSessions.savepoints = None, []


def token_for(session: Session, username: str) -> str:
    user = session.scalars(select(User).where(User.username == username)).one()
    return create_token(session=session, actor=SYSTEM, user=user, name="test")


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=LOCAL) as test_client:
        yield test_client


@pytest.fixture
def as_persona(app: FastAPI, session: Session) -> Callable[[str], TestClient]:
    """as_persona("quanshan_officer") → a client that sends that persona's API token."""

    def make(username: str) -> TestClient:
        test_client = TestClient(app, client=LOCAL)
        test_client.headers["Authorization"] = f"Bearer {token_for(session, username)}"
        return test_client

    return make


@pytest.fixture
def client(as_persona: Callable[[str], TestClient]) -> TestClient:
    """The city administrator: sees all business data."""
    return as_persona("city_admin")


def actor_of(session: Session, username: str) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).one()
    return actor_for(session=session, user=user)


# --- what the suite cost: time per directory and peak memory, printed at the end of every run ----------


def _peak_mib() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest finished child (not their sum)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


class TreeMemory:
    """The memory of the whole test run: every 0.5 s the proportional set size (PSS: shared pages divided
    among their sharers, so the sum is what the run really holds) of this process and all its descendants —
    xdist workers, the servers the tests start, Chromium — added up; the peak of that sum is reported."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-memory", daemon=True)

    def start(self) -> None:
        if Path("/proc/self/smaps_rollup").exists():
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.peak_kib = max(self.peak_kib, self.sample())

    @staticmethod
    def sample() -> int:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                    parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
        tree, todo = set(), [os.getpid()]
        while todo:
            pid = todo.pop()
            tree.add(pid)
            todo.extend(child for child, parent in parents.items() if parent == pid and child not in tree)
        total = 0
        for pid in tree:
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
            except (OSError, ValueError):
                continue
        return total


_TREE = TreeMemory()


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller (or a run without xdist)
        _TREE.start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the controller its peak
        workeroutput["peak_mib"], workeroutput["children_peak_mib"] = _peak_mib()
        workeroutput["workerid"] = session.config.workerinput["workerid"]


_WORKER_PEAKS: dict[str, tuple[float, float]] = {}


def pytest_testnodedown(node: Any, error: Any) -> None:
    output = getattr(node, "workeroutput", {})
    if "peak_mib" in output:
        _WORKER_PEAKS[output.get("workerid", str(len(_WORKER_PEAKS)))] = (
            output["peak_mib"],
            output["children_peak_mib"],
        )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    per_dir: dict[str, list[float]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if not isinstance(report, pytest.TestReport):
                continue
            parts = report.nodeid.split("::")[0].split("/")
            key = "/".join(parts[:2])
            entry = per_dir.setdefault(key, [0.0, 0])
            entry[0] += report.duration
            entry[1] += report.when == "call"
    if not per_dir:
        return
    write = terminalreporter.write_line
    terminalreporter.section("time per directory (setup + call + teardown, summed over workers)")
    for key, (seconds, count) in sorted(per_dir.items(), key=lambda kv: -kv[1][0]):
        write(f"{seconds:8.1f} s  {int(count):5d} tests  {key}")
    terminalreporter.section("peak memory")
    _TREE.stop()
    if _TREE.peak_kib:
        write(
            f"the whole run (this process and every descendant, PSS summed): {_TREE.peak_kib / 1024:,.0f} MiB"
        )
    own, children = _peak_mib()
    write(f"this process: {own:,.0f} MiB; its finished children: {children:,.0f} MiB")
    for worker, (peak, child_peak) in sorted(_WORKER_PEAKS.items()):
        write(f"worker {worker}: {peak:,.0f} MiB; its finished children: {child_peak:,.0f} MiB")


SHARED_SERVER = ("tests/e2e/", "tests/reliability/")


def server_group(nodeid: str) -> str:
    """The unit of scheduling under xdist: the browser tests all together (one Chromium at a time, each
    module with its own server), each module of the load and fault suite whole (its tests share one server
    and run in their order), every other test on its own."""
    path = nodeid.split("::")[0]
    if path.startswith("tests/e2e/"):
        return "tests/e2e/"
    return path if path.startswith(SHARED_SERVER) else nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Scheduling by `server_group`, on the controller from the node ids. (xdist's own --dist loadgroup
    marks tests by rewriting a node id that pytest 9.2 no longer reads, so its groups are silently
    ignored: pytest-xdist#1386.)"""
    from xdist.scheduler import LoadScopeScheduling

    class ByServer(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return server_group(nodeid)

    return ByServer(config, log)
