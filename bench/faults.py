"""Fault benchmark: kill -9 under write load, N times, then count acknowledged writes that were lost; and
PostgreSQL stopped for a while under read load, then the seconds until the server answers again.
The suite runs it at a tiny size (tests/bench); tests/reliability runs shorter versions of both.

    .venv/bin/python bench/faults.py --backend sqlite --kills 20
    .venv/bin/python bench/faults.py --backend postgresql --kills 20 --outage 20

Uses the fault suite's harness (a server process of its own on a database of its own; a PostgreSQL
cluster of its own for the outage). Loopback only; every run is bounded.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import Database  # noqa: E402
from tests.reliability.harness import Cluster, Server, demo_database, run_load, scalar, wait_for  # noqa: E402


def kills(backend: str, count: int, tmp: Path) -> None:
    db = Database(backend, tmp)
    engine = demo_database(db.url)
    server = Server(db.url, tmp).start()
    token = server.token()
    acked: list[dict[str, object]] = []
    restarts: list[float] = []
    try:
        for run in range(count):
            killer = threading.Timer(1.5 + (run % 5) * 0.4, server.kill9)
            killer.start()
            result = run_load(
                server, tmp, tokens=[token], clients=8, duration=3, mix="write", timeout=10, run=run
            )
            killer.join()
            acked += result.acked
            started = time.monotonic()
            server.start()
            restarts.append(time.monotonic() - started)
    finally:
        server.stop()
    lost = 0
    newest: dict[object, int] = {}
    for row in acked:
        newest[row["id"]] = max(newest.get(row["id"], 0), int(str(row["version"])))
    for value_id, version in newest.items():
        stored = scalar(engine, "SELECT version FROM data_values WHERE id = :id", id=value_id)
        lost += stored is None or stored < version
    mismatched = scalar(
        engine,
        "SELECT count(*) FROM data_values dv LEFT JOIN analytics_values av ON av.data_value_id = dv.id "
        "WHERE av.data_value_id IS NULL OR av.value <> dv.value",
    )
    print(
        f"{backend}: {count} kills, {len(acked)} acknowledged writes ({len(newest)} values), lost {lost}; "
        f"values without their analytics row: {mismatched}; restart to first answer: "
        f"median {sorted(restarts)[len(restarts) // 2]:.1f} s, max {max(restarts):.1f} s"
    )
    engine.dispose()
    db.drop()


def outage(seconds: float, tmp: Path) -> None:
    cluster = Cluster(tmp)
    cluster.start()
    demo_database(cluster.url).dispose()
    server = Server(cluster.url, tmp).start()
    token = server.token()
    measured: dict[str, float] = {}

    def stop_and_start() -> None:
        time.sleep(3)
        cluster.stop()
        time.sleep(seconds)
        cluster.start()
        measured["recovery"] = wait_for(
            lambda: httpx.get(f"{server.base}/api/v1/health", timeout=5).status_code == 200, 60, every=0.05
        )

    thread = threading.Thread(target=stop_and_start)
    thread.start()
    try:
        result = run_load(
            server, tmp, tokens=[token], clients=16, duration=seconds + 10, mix="read", timeout=15
        )
        thread.join()
    finally:
        server.stop()
        cluster.remove()
    codes: dict[str, int] = {}
    for statuses in result.statuses.values():
        for code, n in statuses.items():
            codes[code] = codes.get(code, 0) + n
    print(
        f"postgresql stopped {seconds:.0f} s under 16 clients: "
        f"answers by status {dict(sorted(codes.items()))}; "
        f"health 200 again {measured['recovery']:.2f} s after PostgreSQL was back"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--outage", type=float, default=0, help="seconds PostgreSQL is down (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.kills:
            kills(args.backend, min(args.kills, 100), Path(tmp))
        if args.outage:
            outage(min(args.outage, 120), Path(tmp))


if __name__ == "__main__":
    main()
