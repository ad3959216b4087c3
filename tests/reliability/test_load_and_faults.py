"""Load and faults against a real server process, on SQLite and PostgreSQL: 64 clients without an error or
a timeout, kill -9 under write load without losing an acknowledged write, the same key created by 8 clients,
PostgreSQL stopped and started under load, a full disk, and the analytics stress that used to crash."""

from __future__ import annotations

import resource
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import Database
from tests.reliability.harness import Cluster, Server, demo_database, run_load, scalar, wait_for

MADE_UP_UNITS = "2,3,4,5,6"  # district ids of the demo tree, for the values the load creates


@pytest.fixture
def served(backend: str, tmp_path: Path) -> Iterator[tuple[Database, Engine]]:
    """A migrated demo database of its own (the server commits for real)."""
    db = Database(backend, tmp_path)
    engine = demo_database(db.url)
    yield db, engine
    engine.dispose()
    db.drop()


def assert_consistent(engine: Engine, touched: set[int]) -> None:
    """Values, analytics table, change feed and audit log agree."""
    missing = scalar(
        engine,
        "SELECT count(*) FROM data_values dv LEFT JOIN analytics_values av ON av.data_value_id = dv.id "
        # a value that covers others holds its residual (indicators.facts.settle): never more than itself
        "WHERE av.data_value_id IS NULL OR (dv.value >= 0 AND (av.value > dv.value OR av.value < 0))",
    )
    orphans = scalar(
        engine,
        "SELECT count(*) FROM analytics_values av LEFT JOIN data_values dv ON dv.id = av.data_value_id "
        "WHERE dv.id IS NULL",
    )
    unfed = scalar(
        engine,
        "SELECT count(*) FROM data_values dv WHERE NOT EXISTS "
        "(SELECT 1 FROM analytics_changes c WHERE c.data_value_id = dv.id)",
    )
    assert (missing, orphans, unfed) == (0, 0, 0)
    for value_id in touched:
        version = scalar(engine, "SELECT version FROM data_values WHERE id = :id", id=value_id)
        audited = scalar(
            engine,
            "SELECT count(*) FROM audit_log WHERE object_type = 'data_value' AND object_id = :id",
            id=str(value_id),
        )
        assert audited == version, f"value {value_id}: version {version}, {audited} audit entries"


def assert_acked_stored(engine: Engine, acked: list[dict[str, object]]) -> None:
    """Every write the server answered 200/201 is in the database (its version at least as new)."""
    newest: dict[object, int] = {}
    for row in acked:
        newest[row["id"]] = max(newest.get(row["id"], 0), int(str(row["version"])))
    for value_id, version in newest.items():
        stored = scalar(engine, "SELECT version FROM data_values WHERE id = :id", id=value_id)
        assert stored is not None, f"acknowledged value {value_id} is not in the database"
        assert stored >= version, f"value {value_id}: acknowledged version {version}, stored {stored}"


def test_64_clients_for_30_seconds_without_an_error_or_a_timeout(served, tmp_path: Path) -> None:
    db, engine = served
    server = Server(db.url, tmp_path, SHANHAI_MAX_INFLIGHT="128").start()  # no shedding: all of them wait
    try:
        tokens = [server.token() for _ in range(4)]
        result = run_load(
            server,
            tmp_path,
            tokens=tokens,
            clients=64,
            duration=30,
            mix="mixed",
            timeout=15,
            org_units=MADE_UP_UNITS,
        )
        assert result.failed == 0, result.report
        assert sum(sum(s.values()) for s in result.statuses.values()) > 64, result.report
        assert server.alive() and "Fatal Python error" not in server.log()
        assert server.stop() in (0, -signal.SIGTERM)  # a graceful stop, well within 20 s
    finally:
        server.stop()
    assert_consistent(engine, {int(str(r["id"])) for r in result.acked})


def test_kill_9_under_write_load_loses_no_acknowledged_write(served, tmp_path: Path) -> None:
    db, engine = served
    server = Server(db.url, tmp_path).start()
    token = server.token()
    acked: list[dict[str, object]] = []
    try:
        for run in range(3):
            killer = threading.Timer(2.0 + run * 0.7, server.kill9)
            killer.start()
            result = run_load(
                server,
                tmp_path,
                tokens=[token],
                clients=8,
                duration=4,
                mix="write",
                timeout=10,
                run=run,
                org_units=MADE_UP_UNITS,
            )
            killer.join()
            acked += result.acked
            assert any(r["method"] == "POST" for r in result.acked), result.report
            server.start()
            assert_acked_stored(engine, acked)
    finally:
        server.stop()
    assert_consistent(engine, {int(str(r["id"])) for r in acked})


def test_the_same_key_created_by_8_clients_at_once_is_one_201_and_seven_409(served, tmp_path: Path) -> None:
    db, engine = served
    server = Server(db.url, tmp_path).start()
    headers = {"Authorization": f"Bearer {server.token()}"}
    body = {"data_element": "LETTERS_SENT", "org_unit_id": 2, "period": "199901", "value": "7"}
    barrier = threading.Barrier(8)

    def create(n: int) -> httpx.Response:
        barrier.wait()
        return httpx.post(f"{server.base}/api/v1/values", json={**body, "value": str(n)}, headers=headers)

    def new_period(n: int) -> httpx.Response:  # 8 units are the first to use one new period
        barrier.wait()
        unit = {**body, "org_unit_id": n + 2, "period": "199802"}
        return httpx.post(f"{server.base}/api/v1/values", json=unit, headers=headers, timeout=30)

    def existing_period(n: int, unit: int) -> httpx.Response:  # no new period row to serialise them
        barrier.wait()
        cell = {**body, "org_unit_id": unit, "period": "2025", "value": str(n)}
        return httpx.post(f"{server.base}/api/v1/values", json=cell, headers=headers, timeout=30)

    try:
        with ThreadPoolExecutor(8) as pool:
            same_key = list(pool.map(create, range(8)))
        with ThreadPoolExecutor(8) as pool:
            same_period = list(pool.map(new_period, range(8)))
        rounds = []
        for unit in (3, 4, 5):
            with ThreadPoolExecutor(8) as pool:
                rounds.append(list(pool.map(lambda n, unit=unit: existing_period(n, unit), range(8))))
        value = httpx.get(f"{server.base}/api/v1/values?limit=1", headers=headers).json()
        stale = {"version": 1, "value": "9"}
        value_id = same_key[[r.status_code for r in same_key].index(201)].json()["id"]

        def update(_: int) -> httpx.Response:
            barrier.wait()
            return httpx.put(f"{server.base}/api/v1/values/{value_id}", json=stale, headers=headers)

        with ThreadPoolExecutor(8) as pool:
            updates = list(pool.map(update, range(8)))
    finally:
        server.stop()
    assert value["total"] > 0
    assert sorted(r.status_code for r in same_key) == [201] + [409] * 7, [r.text for r in same_key]
    assert all("已有数据" in r.json()["error"]["message"] for r in same_key if r.status_code == 409)
    assert [r.status_code for r in same_period] == [201] * 8, [r.text for r in same_period]
    assert sorted(r.status_code for r in updates) == [200] + [409] * 7, [r.text for r in updates]
    stored = scalar(engine, "SELECT count(*) FROM data_values WHERE period_id = '199901'")
    assert stored == 1
    # a create is an insert the unique key decides: one 201 and seven 409 in an existing period too, and the
    # value created is never overwritten by another create (it answered 201 for the same id, versions 1–6)
    for answers in rounds:
        assert sorted(r.status_code for r in answers) == [201] + [409] * 7, [r.text for r in answers]
    versions = scalar(
        engine,
        "SELECT max(v.version) FROM data_values v JOIN data_elements e ON e.id = v.data_element_id "
        "WHERE e.code = 'LETTERS_SENT' AND v.period_id = '2025' AND v.org_unit_id IN (3, 4, 5)",
    )
    assert versions == 1


def test_a_postgresql_outage_answers_503_and_recovers_by_itself(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path)
    cluster.start()
    engine = demo_database(cluster.url)
    engine.dispose()
    server = Server(cluster.url, tmp_path).start()
    try:
        token = server.token()
        outcome: dict[str, object] = {}

        def outage() -> None:
            time.sleep(3)
            cluster.stop()
            time.sleep(8)
            cluster.start()
            outcome["back"] = time.monotonic()
            outcome["recovery"] = wait_for(
                lambda: httpx.get(f"{server.base}/api/v1/health", timeout=5).status_code == 200, 20
            )

        thread = threading.Thread(target=outage)
        thread.start()
        result = run_load(server, tmp_path, tokens=[token], clients=8, duration=18, mix="read", timeout=15)
        thread.join()
        log = server.log()
    finally:
        server.stop()
        cluster.remove()
    codes = {code for statuses in result.statuses.values() for code in statuses}
    assert codes <= {"200", "503"}, result.report  # no 500, no dropped connection, no timeout
    assert "503" in codes, result.report
    assert float(str(outcome["recovery"])) < 5
    assert log.count("数据库不可用") == 1 and log.count("数据库已恢复") == 1, log[-3000:]
    assert "Traceback" not in log


def test_a_full_disk_is_an_error_to_the_client_never_a_201(tmp_path: Path) -> None:
    """SQLite on a file that may not grow (RLIMIT_FSIZE, SIGXFSZ ignored: writes fail with EFBIG, which
    SQLite reports as a full disk)."""
    db = Database("sqlite", tmp_path)
    engine = demo_database(db.url)
    engine.dispose()
    server = Server(db.url, tmp_path)
    headers = {"Authorization": f"Bearer {server.token()}"}
    path = Path(db.url.removeprefix("sqlite:///"))
    limit = path.stat().st_size + 64 * 1024

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    server.preexec = limited
    server.start()
    answers = []
    try:
        for n in range(60):
            body = {
                "data_element": "LETTERS_SENT",
                "org_unit_id": 3,
                "period": f"19{n + 10:02d}",
                "value": "1",
            }
            body["comment"] = "满" * 400
            answers.append(httpx.post(f"{server.base}/api/v1/values", json=body, headers=headers, timeout=30))
        # health tells it: reads work, writes do not (it said ok while every write got 503)
        health = httpx.get(f"{server.base}/api/v1/health", timeout=10)
    finally:
        server.stop()
    created = [r.json()["id"] for r in answers if r.status_code == 201]
    refused = [r for r in answers if r.status_code != 201]
    assert refused, "the file limit never bit"
    assert all(r.status_code == 503 and "磁盘" in r.json()["error"]["message"] for r in refused)
    assert health.status_code == 503, health.text
    assert health.json()["status"] == "read_only" and health.json()["writable"] is False
    assert "磁盘" in health.json()["database"]["message"]
    engine = demo_database(db.url)  # the file is intact and opens again
    stored = {scalar(engine, "SELECT id FROM data_values WHERE id = :id", id=i) for i in created}
    assert stored == set(created) and len(set(created)) == len(created)
    engine.dispose()


def test_analytics_under_8_clients_with_one_token_does_not_crash(tmp_path: Path) -> None:
    """The load that made the server segfault: SQLite, analytics on the main database, one API token."""
    db = Database("sqlite", tmp_path)
    engine = demo_database(db.url)
    engine.dispose()
    server = Server(db.url, tmp_path, SHANHAI_ANALYTICS_ENGINE="database").start()
    try:
        token = server.token()
        result = run_load(
            server, tmp_path, tokens=[token], clients=8, duration=20, mix="analytics", timeout=15
        )
        assert server.alive()
    finally:
        server.stop()
    assert result.failed == 0, result.report
    assert "Fatal Python error" not in server.log()


def test_a_put_that_races_a_delete_never_brings_the_value_back(served, tmp_path: Path) -> None:
    """One DELETE and four PUTs of the same version at once: exactly one of them wins, the others get 409
    (or 404 once it is deleted), and a deleted value stays deleted (no new row, no re-used id)."""
    db, engine = served
    server = Server(db.url, tmp_path).start()
    headers = {"Authorization": f"Bearer {server.token()}"}
    outcomes = []
    try:
        for n in range(8):
            body = {"data_element": "LETTERS_SENT", "org_unit_id": 2, "period": f"{1960 + n}", "value": "1"}
            created = httpx.post(f"{server.base}/api/v1/values", json=body, headers=headers).json()
            barrier = threading.Barrier(5)
            url = f"{server.base}/api/v1/values/{created['id']}"

            def send(
                k: int, url: str = url, version: int = created["version"], barrier: Any = barrier
            ) -> int:
                barrier.wait()
                if k == 0:
                    return httpx.delete(url, params={"version": version}, headers=headers).status_code
                return httpx.put(url, json={"version": version, "value": str(k)}, headers=headers).status_code

            with ThreadPoolExecutor(5) as pool:
                codes = list(pool.map(send, range(5)))
            after = httpx.get(url, headers=headers).status_code
            rows = scalar(engine, "SELECT count(*) FROM data_values WHERE period_id = :p", p=f"{1960 + n}")
            outcomes.append((codes, after, rows))
    finally:
        server.stop()
    for codes, after, rows in outcomes:
        assert sum(c in (200, 204) for c in codes) == 1, outcomes  # the losers: 409, or 404 once deleted
        assert all(c in (200, 204, 404, 409) for c in codes), outcomes
        assert (after, rows) == ((404, 0) if codes[0] == 204 else (200, 1)), outcomes


def test_a_burst_of_100_requests_at_once_is_all_answered(served, tmp_path: Path) -> None:
    """More requests at once than threads and connections: none may wait for a connection held by a
    request that waits for a thread (that stalled the server for the pool's timeout, with 503s). Shedding
    is set above the burst: all 100 reach the threads and the pool."""
    db, _ = served
    server = Server(db.url, tmp_path, SHANHAI_MAX_INFLIGHT="200").start()
    headers = {"Authorization": f"Bearer {server.token()}"}
    barrier = threading.Barrier(100)

    def get(_: int) -> int:
        barrier.wait()
        return httpx.get(f"{server.base}/api/v1/programmes", headers=headers, timeout=60).status_code

    try:
        with ThreadPoolExecutor(100) as pool:
            codes = list(pool.map(get, range(100)))
    finally:
        server.stop()
    assert codes == [200] * 100, sorted(set(codes))


def test_a_read_with_a_token_does_not_wait_for_another_writer(tmp_path: Path) -> None:
    """SQLite locked by another process: a GET with a fresh token (whose use would be recorded) is answered
    at once; recording the use is skipped, not waited for."""
    import sqlite3

    db = Database("sqlite", tmp_path)
    demo_database(db.url).dispose()
    server = Server(db.url, tmp_path).start()
    headers = {"Authorization": f"Bearer {server.token()}"}
    holder = sqlite3.connect(db.url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE org_units SET name = name WHERE id = 1")
        started = time.monotonic()
        r = httpx.get(f"{server.base}/api/v1/programmes", headers=headers, timeout=30)
        waited = time.monotonic() - started
        holder.execute("COMMIT")
    finally:
        holder.close()
        server.stop()
    assert r.status_code == 200 and waited < 5, (r.status_code, waited)


def test_beyond_the_inflight_limit_a_request_is_answered_503_at_once(served, tmp_path: Path) -> None:
    """Shedding: with room for 2 requests in flight, 40 sent at once get an answer each, within seconds —
    the ones beyond the limit 503 with Retry-After and the Chinese message — and the health check still
    answers 200 meanwhile."""
    import asyncio

    import httpx

    db, _engine = served
    server = Server(db.url, tmp_path, SHANHAI_MAX_INFLIGHT="2").start()
    try:
        token = server.token()

        async def burst() -> tuple[list[httpx.Response], int]:
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=server.base, headers=headers, timeout=30) as http:
                urls = ["/api/v1/dashboard?year=2025", "/api/v1/values?limit=50"] * 20
                answers = await asyncio.gather(*(http.get(u) for u in urls), http.get("/api/v1/health"))
            return list(answers[:-1]), answers[-1].status_code

        answers, health = asyncio.run(burst())
        codes = Counter(r.status_code for r in answers)
        assert set(codes) <= {200, 503} and codes[200] >= 2 and codes[503] >= 1, codes
        shed = [r for r in answers if r.status_code == 503]
        assert all(r.headers["retry-after"] == "1" for r in shed)
        assert all(r.json()["error"]["message"] == "服务繁忙，请稍后重试" for r in shed)
        assert health == 200
    finally:
        server.stop()


def test_parts_entered_at_once_beside_their_summary_count_once(served, tmp_path: Path) -> None:
    """Found by an attack on PostgreSQL: months entered at once under a year's value left the year's residual
    computed without the others (4,757 shown for 3,000). Eight months at once, then four more beyond the
    year's figure: the year reads max(year, months) each time; eight new sales of one place and programme
    at once are all stored (7 of 8 were a 409)."""
    db, _engine = served
    server = Server(db.url, tmp_path).start()
    headers = {"Authorization": f"Bearer {server.token()}"}
    base = {"data_element": "LETTERS_SENT", "org_unit_id": 2}
    barrier = threading.Barrier(8)

    def month(n: int, first: int) -> httpx.Response:
        barrier.wait()
        cell = {**base, "period": f"1990{first + n:02d}", "value": "100"}
        return httpx.post(f"{server.base}/api/v1/values", json=cell, headers=headers, timeout=30)

    def year_total() -> str:
        params = {"dx": "LETTERS_SENT", "ou": "XZ-GL", "pe": "1990"}
        rows = httpx.get(f"{server.base}/api/v1/analytics", params=params, headers=headers).json()["rows"]
        return str(rows[0][3]) if rows else ""  # [dx, ou, pe, value]

    def sale(n: int) -> httpx.Response:
        barrier.wait()
        body = {"org_unit_id": 21, "programme_id": 1, "channel": f"门店{n}", "period_id": f"2030{n + 1:02d}"}
        return httpx.post(
            f"{server.base}/api/v1/records/sales", json=body | {"amount": "1000"}, headers=headers
        )

    try:
        r = httpx.post(
            f"{server.base}/api/v1/values", json={**base, "period": "1990", "value": "1000"}, headers=headers
        )
        assert r.status_code == 201, r.text
        with ThreadPoolExecutor(8) as pool:
            first = list(pool.map(lambda n: month(n, 1), range(8)))
        at_first = year_total()
        barrier = threading.Barrier(4)
        with ThreadPoolExecutor(4) as pool:
            second = list(pool.map(lambda n: month(n, 9), range(4)))
        at_second = year_total()
        barrier = threading.Barrier(8)
        with ThreadPoolExecutor(8) as pool:
            sales = list(pool.map(sale, range(8)))
        params = {"dx": "CONSUMPTION_SALES", "ou": "P-XJ-KT", "pe": "2030"}
        sold = httpx.get(f"{server.base}/api/v1/analytics", params=params, headers=headers).json()["rows"]
    finally:
        server.stop()
    assert [r.status_code for r in first + second] == [201] * 12, [r.text for r in first + second]
    assert (at_first, at_second) == ("1000", "1200")  # the year covers 800, then 1200 goes beyond it
    assert [r.status_code for r in sales] == [201] * 8, [r.text for r in sales]
    assert str(sold[0][3]) == "8000"
