"""Operations: start-up refuses a database it cannot serve, health reports the database, backup and restore,
several workers, the request log (500s included, the level honoured), an outage as 503 on pages and API,
a login that is usable at once, a revoked token that is dead at once, and token use without a write."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from shanhai.app import create_app
from shanhai.auth.models import ApiToken
from shanhai.backup import backup, restore
from shanhai.config import Settings
from shanhai.db import make_engine
from shanhai.http.deps import get_session
from tests.conftest import PASSWORD, Database
from tests.reliability.harness import Server, demo_database, scalar


def cli(*args: str, url: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHANHAI_")}
    env.update({"SHANHAI_DATABASE_URL": url, "SHANHAI_DATA_DIR": str(tmp / "data"), "COLUMNS": "200"})
    return subprocess.run(
        [sys.executable, "-m", "shanhai", *args], env=env, capture_output=True, text=True, timeout=120
    )


def one_clear_line(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert all(n in lines[0] for n in needles), lines[0]
    return lines[0]


@pytest.fixture
def sqlite_demo(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db = Database("sqlite", tmp_path)
    demo_database(db.url).dispose()
    yield db.url, Path(db.url.removeprefix("sqlite:///"))
    db.drop()


def test_serve_refuses_a_schema_behind_or_ahead_of_the_program(sqlite_demo, tmp_path: Path) -> None:
    url, path = sqlite_demo
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0004'")
    one_clear_line(cli("serve", url=url, tmp=tmp_path), "0004", "shanhai db upgrade")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff9999'")
    one_clear_line(cli("serve", url=url, tmp=tmp_path), "ffff9999", "升级程序")
    one_clear_line(cli("db", "upgrade", url=url, tmp=tmp_path), "迁移失败", "ffff9999")


def test_serve_refuses_a_corrupt_or_read_only_file_and_an_empty_one(sqlite_demo, tmp_path: Path) -> None:
    url, path = sqlite_demo
    one_clear_line(cli("serve", url=f"sqlite:///file:{path}?mode=ro&uri=true", tmp=tmp_path), "不可写")
    empty = tmp_path / "empty.sqlite3"
    one_clear_line(cli("serve", url=f"sqlite:///{empty}", tmp=tmp_path), "尚未建表", "shanhai db upgrade")
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 3, min(len(data), 4096 * 12), 97):  # scribble over pages, keep the header
        data[offset : offset + 8] = b"\xffGARBAGE"
    path.write_bytes(bytes(data))
    line = one_clear_line(cli("serve", url=url, tmp=tmp_path))
    assert "损坏" in line or "检查失败" in line or "无法打开" in line


def test_health_reports_the_database(app: FastAPI, anonymous: TestClient) -> None:
    body = anonymous.get("/api/v1/health").json()
    assert body["status"] == "ok" and body["database"]["ok"] is True
    assert body["database"]["revision"] == body["database"]["head"]


def test_health_is_503_when_the_database_is_down(settings: Settings) -> None:
    app = create_app(settings)
    app.state.engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    with TestClient(app) as client:
        response = client.get("/api/v1/health")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"
    assert "无法访问" in response.json()["database"]["message"]


def test_an_outage_is_503_json_for_the_api_and_a_chinese_page_for_the_web(settings: Settings) -> None:
    app = create_app(settings)
    down = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nothing")

    def unreachable() -> Iterator[Session]:
        with Session(down) as session:
            yield session

    app.dependency_overrides[get_session] = unreachable
    with TestClient(app) as client:
        api = client.get("/api/v1/values", headers={"Authorization": "Bearer shk_x"})
        page = client.get("/programmes", cookies={"shanhai_session": "x"})
    assert api.status_code == 503 and api.json()["error"]["code"] == "unavailable"
    assert "数据库暂时无法访问" in api.json()["error"]["message"]
    assert page.status_code == 503 and "数据库暂时无法访问" in page.text and "<html" in page.text


def test_a_500_is_in_the_request_log_as_json(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(settings)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/boom")
    assert response.status_code == 500 and response.json()["error"]["code"] == "internal"
    assert any("path=/api/v1/boom status=500" in r.getMessage() for r in caplog.records)


def test_backup_write_more_restore_equals_the_backup(backend: str, tmp_path: Path) -> None:
    db = Database(backend, tmp_path)
    engine = demo_database(db.url)
    try:
        before = fingerprint(engine)
        result = backup(url=db.url, dest=tmp_path / "b" / "shanhai.backup")
        assert result.path.is_file() and result.revision
        with engine.begin() as conn:  # more work after the backup
            conn.exec_driver_sql("DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log LIMIT 5)")
            conn.exec_driver_sql("UPDATE data_values SET value = value + 1")
        assert fingerprint(engine) != before
        engine.dispose()
        restore(url=db.url, src=result.path)
        assert fingerprint(engine) == before
        with pytest.raises(Exception, match="不会覆盖"):
            backup(url=db.url, dest=result.path)
    finally:
        engine.dispose()
        db.drop()


def fingerprint(engine: Engine) -> dict[str, object]:
    return {
        "values": scalar(engine, "SELECT count(*) || ':' || sum(value) FROM data_values"),
        "audit": scalar(engine, "SELECT count(*) FROM audit_log"),
        "users": scalar(engine, "SELECT count(*) FROM users"),
        "analytics": scalar(engine, "SELECT count(*) || ':' || sum(value) FROM analytics_values"),
    }


def test_backup_and_restore_commands(sqlite_demo, tmp_path: Path) -> None:
    url, _ = sqlite_demo
    made = cli("backup", url=url, tmp=tmp_path)
    assert made.returncode == 0, made.stderr
    path = Path(re.search(r"backed up: (\S+)", made.stdout).group(1))  # type: ignore[union-attr]
    assert path.parent == tmp_path / "data" / "backups"
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    refused = cli("restore", str(junk), "--yes", url=url, tmp=tmp_path)
    assert refused.returncode == 1 and "不是山海的 SQLite 备份文件" in refused.stderr
    restored = cli("restore", str(path), "--yes", url=url, tmp=tmp_path)
    assert restored.returncode == 0 and "已恢复" in restored.stdout, restored.stderr


def test_two_workers_and_a_log_level_of_warning(sqlite_demo, tmp_path: Path) -> None:
    url, _ = sqlite_demo
    server = Server(url, tmp_path, SHANHAI_WORKERS="2").start()
    try:
        answers = [httpx.get(f"{server.base}/api/v1/health").status_code for _ in range(20)]
        pids = subprocess.run(
            ["pgrep", "-P", str(server.process.pid)],
            capture_output=True,
            text=True,  # type: ignore[union-attr]
        ).stdout.split()
    finally:
        server.stop()
    assert answers == [200] * 20
    assert len(pids) >= 2, pids
    assert "status=200" not in server.log()  # SHANHAI_LOG_LEVEL=warning: no line per request


def _connections(pid: int) -> int:
    """How many sockets the process holds open (Linux /proc)."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except FileNotFoundError:  # closed while we looked
            continue
    return count


def _children(pid: int) -> list[int]:
    """The worker processes the server started (not multiprocessing's resource tracker)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return sorted(int(p) for p in found if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes())


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts sockets through /proc")
def test_a_burst_of_connections_spreads_over_both_workers_and_a_dead_worker_comes_back(
    sqlite_demo, tmp_path: Path
) -> None:
    """24 connections opened at once: each worker accepts some (each listens on a socket of its own with
    SO_REUSEPORT; on one shared socket the first worker to wake took the whole burst, and two workers served
    no more than one). A worker killed with -9 is started again and the server answers throughout."""
    import socket
    import time

    url, _ = sqlite_demo
    server = Server(url, tmp_path, SHANHAI_WORKERS="2").start()
    opened: list[socket.socket] = []
    try:
        workers = _children(server.process.pid)
        deadline = time.monotonic() + 30
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = _children(server.process.pid)
        for _ in range(50):  # both workers listening and answering
            assert httpx.get(f"{server.base}/api/v1/health").status_code == 200
        before = {pid: _connections(pid) for pid in workers}
        port = int(server.base.rsplit(":", 1)[1])
        opened = [socket.create_connection(("127.0.0.1", port)) for _ in range(24)]
        deadline = time.monotonic() + 10  # the workers accept (a busy machine takes longer than a second)
        while True:
            time.sleep(0.5)
            accepted = {pid: _connections(pid) - before[pid] for pid in workers}
            if sum(accepted.values()) >= 24 or time.monotonic() > deadline:
                break
        assert sum(accepted.values()) == 24 and min(accepted.values()) >= 4, accepted
        for sock in opened:
            sock.close()
        os.kill(workers[0], 9)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = _children(server.process.pid)
            if len(now) == 2 and workers[0] not in now:
                break
            time.sleep(0.2)
        assert len(now) == 2 and workers[0] not in now and workers[1] in now, (workers, now)
        answers = {httpx.get(f"{server.base}/api/v1/health").status_code for _ in range(20)}
        # the supervisor killed with -9: its workers end with it (they used to serve on, orphaned)
        left = _children(server.process.pid)
        server.process.kill()
        server.process.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in left):
            time.sleep(0.2)
        orphans = [pid for pid in left if Path(f"/proc/{pid}").exists()]
    finally:
        for sock in opened:
            sock.close()
        server.stop()
    assert answers == {200}
    assert not orphans, orphans


def test_a_login_is_usable_at_once_and_a_revoked_token_is_dead_at_once(sqlite_demo, tmp_path: Path) -> None:
    url, _ = sqlite_demo
    server = Server(url, tmp_path).start()
    try:
        for _ in range(25):
            with httpx.Client(base_url=server.base) as browser:
                form = browser.get("/login").text
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
                assert csrf, form[:500]
                browser.post(
                    "/login",
                    data={"username": "viewer", "password": PASSWORD, "csrf_token": csrf.group(1)},
                )
                assert browser.get("/api/v1/me").status_code == 200
        token = server.token("viewer")
        headers = {"Authorization": f"Bearer {token}"}
        mine = httpx.get(f"{server.base}/api/v1/tokens", headers=headers).json()
        deleted = httpx.delete(f"{server.base}/api/v1/tokens/{mine[-1]['id']}", headers=headers)
        after = httpx.get(f"{server.base}/api/v1/me", headers=headers)
    finally:
        server.stop()
    assert deleted.status_code == 204 and after.status_code == 401


def test_token_use_is_recorded_without_a_write_per_request(client: TestClient, session: Session) -> None:
    client.get("/api/v1/me")
    token = session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert token is not None and token.last_used_at is not None
    first = token.last_used_at
    for _ in range(5):
        assert client.get("/api/v1/me").status_code == 200
    session.expire_all()
    assert session.get(ApiToken, token.id).last_used_at == first  # type: ignore[union-attr]


def test_restoring_a_backup_of_an_older_release_replaces_everything(backend: str, tmp_path: Path) -> None:
    """A backup taken at an older schema revision, restored over a newer database: the tables the newer
    release added go too, and `db upgrade` then brings the restored data up to date."""
    from shanhai.migrations import current_revision, downgrade, head_revision, upgrade

    db = Database(backend, tmp_path)
    engine = demo_database(db.url)
    try:
        downgrade(engine, "0005")
        old = backup(url=db.url, dest=tmp_path / "old.backup")
        assert old.revision == "0005"
        upgrade(engine)
        engine.dispose()
        restore(url=db.url, src=old.path)
        assert current_revision(engine) == "0005"
        upgrade(engine)  # would fail on a left-over table of 0006
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
        db.drop()


def test_a_saved_view_longer_than_its_column_is_a_422(client: TestClient) -> None:
    periods = ";".join(str(year) for year in range(1950, 2100))
    r = client.post("/api/v1/views", json={"name": "长", "dx": "FUNDS", "ou": "XZ", "pe": periods})
    assert r.status_code == 422 and "过长" in r.json()["error"]["message"]


def test_a_refused_record_leaves_nothing_behind_on_a_real_sqlite_file(sqlite_demo) -> None:
    """On a plain SQLite session (as the server has, not the tests' explicit BEGIN), a record whose insert
    ran in a savepoint and whose derived value is then refused is rolled back whole: the savepoint must not
    have opened (and committed) a transaction of its own."""
    from decimal import Decimal

    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from shanhai.db import make_engine
    from shanhai.errors import Conflict
    from shanhai.indicators import service as indicators
    from shanhai.indicators.models import ValueKind
    from shanhai.lib.cnnum import Qualifier
    from shanhai.operations.models import Activity
    from shanhai.orgunits.models import OrgUnit
    from shanhai.registers import kit as registers
    from tests.conftest import actor_of

    url, _ = sqlite_demo
    engine = make_engine(url)
    with Session(engine) as session:
        kt = session.scalars(select(OrgUnit.id).where(OrgUnit.code == "P-XJ-KT")).one()
        indicators.create_value(
            session=session,
            actor=actor_of(session, "admin"),
            element_code="JOB_FAIRS",
            org_unit_id=kt,
            period_id="2033",
            programme_id=None,
            kind=ValueKind.ACTUAL,
            value=Decimal(3),
            qualifier=Qualifier.EXACT,
        )
        session.commit()
    with Session(engine) as session:
        raw = {"title": "会", "kind": "招聘会", "held_on": "2033-05-01", "org_unit_id": kt, "sessions": 2}
        with pytest.raises(Conflict):
            registers.create(
                session=session,
                actor=actor_of(session, "city_admin"),
                rtype=registers.get_type("activities"),
                raw=raw,
            )
        session.rollback()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Activity).where(Activity.title == "会")) == 0
    engine.dispose()
