"""The DuckDB replica (SHANHAI_ANALYTICS_ENGINE=duckdb): same answers as the main database, caught up from the
change feed before every query — writes, approvals, deletes, and feed ids that commit out of order."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.orm import Session

from shanhai.analytics import replica as replica_module
from shanhai.analytics.engine import analytics
from shanhai.analytics.replica import POLL_SECONDS, Replica, detach, use_replica
from shanhai.analytics.statements import session_store
from shanhai.analytics.store import Store
from shanhai.app import create_app
from shanhai.auth import service as auth
from shanhai.auth.models import User
from shanhai.auth.scope import SYSTEM
from shanhai.config import Settings
from shanhai.db import find_one, utcnow
from shanhai.fixtures.loader import load_demo
from shanhai.indicators import facts as sync_module
from shanhai.indicators import service as indicators
from shanhai.indicators.facts import FEED_DAYS, prune_feed, set_approved
from shanhai.indicators.facts_table import AnalyticsChange, AnalyticsValue
from shanhai.indicators.models import DataElement, DataValue, ValueKind
from shanhai.lib.cnnum import Qualifier
from shanhai.migrations import upgrade
from shanhai.orgunits import service as orgunits
from tests.conftest import Database, actor_of

PERIODS = "2021-2025;2023;2024;2025;2025Q1;2025Q4;202501;2026;THIS_YEAR"


@pytest.fixture
def replica(session: Session) -> Iterator[Replica]:
    """A replica reading the test's own (rolled-back) transaction."""
    rep = Replica(session.connection())
    rep.load()
    yield rep
    rep.close()


def _ask(session: Session, store: Store, username: str | None = None, **dims: str) -> list[list[str]]:
    actor = actor_of(session, username) if username else SYSTEM
    return sorted(analytics(session=session, actor=actor, store=store, **dims).rows)


@pytest.mark.parametrize("username", [None, "quanshan_officer", "workgroup_member", "viewer"])
def test_the_replica_answers_as_the_main_database(
    session: Session, replica: Replica, username: str | None
) -> None:
    codes = ";".join(session.scalars(select(DataElement.code).order_by(DataElement.code)))
    dims = {"dx": codes + ";FUNDS_RATE;FUNDS.target", "ou": "XZ;LEVEL-2;LEVEL-3", "pe": PERIODS}
    main = _ask(session, session_store(session), username, **dims)
    assert main or username == "quanshan_officer", "the demo data answers this request"
    assert _ask(session, replica.store(), username, **dims) == main


def _gazelles(session: Session, store: Store) -> Decimal | None:
    result = analytics(session=session, actor=SYSTEM, dx="HNTE_APPLICATIONS", ou="XZ", pe="2025", store=store)
    return result.value("HNTE_APPLICATIONS", "XZ", "2025")


def _add_gazelles(session: Session, count: int) -> DataValue:
    """A new 2025 value of 瞪羚企业 for 鼓楼区 (which the demo has none of)."""
    return indicators.create_value(
        session=session,
        actor=SYSTEM,
        element_code="HNTE_APPLICATIONS",
        org_unit_id=orgunits.get_by_code(session=session, code="XZ-GL").id,
        period_id="2025",
        programme_id=None,
        kind=ValueKind.ACTUAL,
        value=Decimal(count),
        qualifier=Qualifier.EXACT,
    )


def test_writes_approvals_and_deletes_reach_the_replica_before_the_next_query(
    session: Session, replica: Replica
) -> None:
    before = _gazelles(session, replica.store())
    assert before is not None
    value = _add_gazelles(session, 7)
    assert _gazelles(session, replica.store()) == before + 7
    set_approved(session=session, value_ids=[value.id], approved=False)  # a report sent back
    assert _gazelles(session, replica.store()) == before
    set_approved(session=session, value_ids=[value.id], approved=True)
    assert _gazelles(session, replica.store()) == before + 7
    indicators.delete_value(session=session, actor=SYSTEM, value_id=value.id, version=value.version)
    assert _gazelles(session, replica.store()) == before
    assert replica.refresh() == 0  # nothing new since


def element_id(conn: Connection) -> int:
    return int(
        conn.execute(select(DataElement.id).where(DataElement.code == "HNTE_APPLICATIONS")).scalar_one()
    )


def test_a_feed_id_that_commits_late_is_waited_for(session: Session, replica: Replica) -> None:
    """PostgreSQL may commit feed id n+2 before n+1: the replica keeps n+1 as a gap and applies it when it
    appears, instead of stepping over it for good. (On PostgreSQL, ids of rolled-back transactions of earlier
    tests are gaps too: sequences do not roll back.)"""
    value = _add_gazelles(session, 5)
    replica.refresh()
    base = session.scalar(select(func.max(AnalyticsChange.id)))
    assert base is not None
    session.add(AnalyticsChange(id=base + 2, data_value_id=value.id))
    session.flush()
    assert replica.refresh() == 1 and base + 1 in replica.waiting
    session.add(AnalyticsChange(id=base + 1, data_value_id=value.id))
    session.flush()
    assert replica.refresh() == 1 and base + 1 not in replica.waiting


def test_only_the_newest_gaps_are_kept(
    session: Session, replica: Replica, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replica_module, "MAX_GAPS", 2)
    value = _add_gazelles(session, 3)
    replica.refresh()
    base = session.scalar(select(func.max(AnalyticsChange.id)))
    assert base is not None
    session.add(AnalyticsChange(id=base + 5, data_value_id=value.id))  # ids base+1 … base+4 not (yet) seen
    session.flush()
    replica.refresh()
    assert replica.waiting == [base + 3, base + 4]


def test_the_app_on_the_duckdb_engine_shows_a_committed_change_in_the_next_query(fresh_db: Database) -> None:
    """The whole path with real commits: the app builds the replica at start, the API writes a value, the
    next analytics request sees it."""
    upgrade(fresh_db.engine)
    with Session(fresh_db.engine) as setup:
        load_demo(session=setup)
        admin = find_one(setup, User, username="city_admin")
        assert admin is not None
        token = auth.create_token(session=setup, actor=SYSTEM, user=admin, name="测试")
        unit_id = orgunits.get_by_code(session=setup, code="XZ-GL").id
        setup.commit()
    app = create_app(Settings(database_url=fresh_db.url, analytics_engine="duckdb"))
    try:
        client = TestClient(app, headers={"Authorization": f"Bearer {token}"})
        url = "/api/v1/analytics?dx=HNTE_APPLICATIONS&ou=XZ&pe=2025"

        def total() -> Decimal:
            response = client.get(url)
            assert response.status_code == 200, response.text
            return Decimal(response.json()["rows"][0][3])

        before = total()
        created = client.post(
            "/api/v1/values",
            json={
                "data_element": "HNTE_APPLICATIONS",
                "org_unit_id": unit_id,
                "period": "2025",
                "value": "9",
            },
        )
        assert created.status_code == 201, created.text
        assert total() == before + 9
        value = created.json()
        deleted = client.delete(f"/api/v1/values/{value['id']}?version={value['version']}")
        assert deleted.status_code == 204, deleted.text
        assert total() == before

        # another worker process writes (no commit of this process to notice): shown within a second
        with fresh_db.engine.begin() as conn:
            row = conn.execute(
                select(AnalyticsValue.data_value_id)
                .where(AnalyticsValue.period_id == "2025", AnalyticsValue.data_element_id == element_id(conn))
                .limit(1)
            ).scalar_one()
            conn.execute(
                update(AnalyticsValue)
                .where(AnalyticsValue.data_value_id == row)
                .values(value=AnalyticsValue.value + 4)
            )
            conn.execute(insert(AnalyticsChange).values(data_value_id=row))
        time.sleep(POLL_SECONDS + 0.1)
        assert total() == before + 4
    finally:
        detach(app.state.engine)
        app.state.engine.dispose()


def test_auto_builds_a_replica_only_for_a_large_analytics_table(
    demo_db: Database, fresh_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not use_replica(demo_db.engine, "auto")  # the demo's hundred values: the main database
    assert use_replica(demo_db.engine, "duckdb") and not use_replica(demo_db.engine, "database")
    assert not use_replica(fresh_db.engine, "auto")  # not migrated yet: nothing to replicate
    monkeypatch.setattr(replica_module, "AUTO_ROWS", 50)
    assert use_replica(demo_db.engine, "auto")


def test_the_feed_keeps_a_week_and_an_idle_replica_loads_afresh(session: Session, replica: Replica) -> None:
    value = _add_gazelles(session, 2)
    old = AnalyticsChange(data_value_id=value.id, at=utcnow() - timedelta(days=FEED_DAYS, hours=1))
    session.add(old)
    session.flush()
    recent = session.scalars(select(AnalyticsChange.id).where(AnalyticsChange.id != old.id)).all()
    assert prune_feed(session=session) == 1
    assert session.scalars(select(AnalyticsChange.id)).all() == recent  # only the old row went
    # a change whose feed row is gone (pruned while the replica sat idle) is picked up by loading afresh
    before = _gazelles(session, replica.store())
    session.execute(
        update(AnalyticsValue)
        .where(AnalyticsValue.data_value_id == value.id)
        .values(value=AnalyticsValue.value + 40)
    )
    assert _gazelles(session, replica.store()) == before  # no feed row: a plain catch-up cannot know
    replica._polled_at -= replica_module.RELOAD_SECONDS + 1  # as if idle for a week
    assert _gazelles(session, replica.store()) == (before or 0) + 40


def test_writers_prune_the_feed_now_and_then(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync_module, "PRUNE_EVERY", 1)
    old = AnalyticsChange(data_value_id=1, at=utcnow() - timedelta(days=FEED_DAYS + 1))
    session.add(old)
    session.flush()
    _add_gazelles(session, 1)  # a write: its feed row goes in, the week-old one goes out
    assert session.get(AnalyticsChange, old.id) is None
