"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

SHANHAI_TEST_DATABASES chooses the backends (default "sqlite,postgresql"); SHANHAI_TEST_PG_URL points at
the PostgreSQL server (default postgresql+psycopg://postgres@127.0.0.1:5432/test). Each PostgreSQL run
works in a schema of its own, dropped at the end. Each test runs in a transaction that is rolled back.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from shanhai.app import create_app
from shanhai.auth.models import User
from shanhai.auth.scope import SYSTEM, Actor, actor_for
from shanhai.auth.service import create_token
from shanhai.config import Settings
from shanhai.db import make_engine
from shanhai.fixtures.loader import load_demo
from shanhai.http.deps import get_session
from shanhai.migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent
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


@pytest.fixture(scope="session")
def demo_db(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A migrated database with the demo data committed, shared by the session's tests."""
    db = Database(backend, tmp_path_factory.mktemp(backend))
    upgrade(db.engine)
    with Session(db.engine) as session:
        load_demo(session=session, sources_dir=SEEDS if SEEDS.is_dir() else None)
        session.commit()
    yield db
    db.drop()


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


PERSONAS = ("admin", "city_admin", "quanshan_officer", "jingkai_officer", "workgroup_member", "viewer")
PASSWORD = "Shanhai-demo-2025"
LOCAL = ("127.0.0.1", 50000)  # the test client's address (Starlette's default, "testclient", is no IP)


@pytest.fixture
def app(settings: Settings, session: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    """The app, with every request using the test's rolled-back session. The app commits each request's
    session; here that only flushes (on SQLite a released savepoint that opened the transaction would
    commit for real), so the test's transaction still rolls everything back."""
    application = create_app(settings)
    monkeypatch.setattr(session, "commit", session.flush)
    # each request works in a savepoint of its own: a route that rolls back (a form error shown in place)
    # undoes its own work only, not what the test set up before it, as in production
    request_savepoint: list[Any] = []

    def rollback() -> None:
        if request_savepoint and request_savepoint[-1].is_active:
            request_savepoint[-1].rollback()

    monkeypatch.setattr(session, "rollback", rollback)

    def override() -> Iterator[Session]:
        request_savepoint.append(session.begin_nested())
        try:
            yield session
            session.flush()
        except BaseException:
            rollback()
            raise
        finally:
            savepoint = request_savepoint.pop()
            if savepoint.is_active:
                savepoint.commit()

    application.dependency_overrides[get_session] = override
    # side transactions (the log of refused requests) join the test's connection, so they roll back too
    connection = session.connection()
    application.state.session_factory = lambda: Session(
        bind=connection, join_transaction_mode="create_savepoint"
    )
    yield application
    application.state.engine.dispose()


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
