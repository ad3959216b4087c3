"""A real server in a process of its own (`python -m shanhai serve`), on a database of its own, for the
load and fault tests; and a PostgreSQL cluster of the test's own that a test may stop and start."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from shanhai.fixtures.loader import load_demo
from shanhai.migrations import upgrade

ROOT = Path(__file__).resolve().parents[2]


def load_bench() -> ModuleType:
    """bench/load.py, the load generator that anyone can run by hand, used here as a library."""
    spec = importlib.util.spec_from_file_location("shanhai_bench_load", ROOT / "bench" / "load.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo_database(url: str) -> Engine:
    engine = create_engine(url) if "sqlite" not in url else _sqlite(url)
    upgrade(engine)
    with Session(engine) as session:
        load_demo(session=session)
        session.commit()
    return engine


def _sqlite(url: str) -> Engine:
    from shanhai.db import make_engine

    return make_engine(url)


class Server:
    """`shanhai serve` on a free port. stderr goes to a file the test can read (the request log)."""

    def __init__(self, url: str, tmp: Path, **env: str) -> None:
        self.url = url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / f"server-{self.port}.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SHANHAI_")}
        self.env.update(
            {
                "SHANHAI_DATABASE_URL": url,
                "SHANHAI_DATA_DIR": str(tmp / "data"),
                "SHANHAI_LOG_LEVEL": "warning",
                "PYTHONFAULTHANDLER": "1",
                **env,
            }
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.preexec: Any = None

    def start(self, wait: float = 30.0) -> Server:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "shanhai", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=log,
            preexec_fn=self.preexec,
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server did not answer within {wait} s:\n{self.log()}")

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError("the server ignored SIGTERM for 20 s") from None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def token(self, username: str = "city_admin") -> str:
        result = subprocess.run(
            [sys.executable, "-m", "shanhai", "user", "token", "--username", username],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()


@dataclass
class LoadResult:
    failed: int
    statuses: dict[str, dict[str, int]]
    acked: list[dict[str, Any]]
    report: str


def run_load(server: Server, tmp: Path, *, tokens: list[str], **options: Any) -> LoadResult:
    """bench/load.py against the server; returns its counts (and the writes the server acknowledged)."""
    bench = load_bench()
    acked = tmp / f"acked-{time.monotonic_ns()}.jsonl"
    argv = ["--url", server.base, "--acked", str(acked)]
    for name, value in options.items():
        argv += [f"--{name.replace('_', '-')}", str(value)]
    for token in tokens:
        argv += ["--token", token]
    args = bench.parse(argv)

    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        failed = asyncio.run(bench.main_async(args))
    rows = [json.loads(line) for line in acked.read_text().splitlines()] if acked.exists() else []
    statuses = {route: dict(counter) for route, counter in bench.LAST_STATS.statuses.items()}
    return LoadResult(failed=failed, statuses=statuses, acked=rows, report=out.getvalue())


# --- a PostgreSQL cluster of the test's own ------------------------------------------------------------


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        pytest.skip(f"PostgreSQL server binaries ({name}) are not installed")
    return str(found[-1])


class Cluster:
    """initdb in a temporary folder, run as the postgres user, on a free port; stop() and start() at will."""

    def __init__(self, tmp: Path) -> None:
        if os.geteuid() != 0 and shutil.which("runuser") is None:
            pytest.skip("needs root (to run PostgreSQL as the postgres user)")
        # not under pytest's folders: they are private to root, and the server runs as postgres
        self.dir = Path(tempfile.mkdtemp(prefix="shanhai-pgcluster-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres(_pg_bin("initdb"), "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres")

    def _as_postgres(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr + result.stdout

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.dir / "postgres.log")
        self._as_postgres(
            _pg_bin("pg_ctl"), "-D", str(self.dir / "data"), "-o", options, "-l", log, "-w", "start"
        )

    def stop(self) -> None:
        self._as_postgres(_pg_bin("pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(AssertionError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_for(predicate: Any, timeout: float, every: float = 0.1) -> float:
    """Seconds until predicate() was true; AssertionError after timeout."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(every)
    raise AssertionError(f"not true within {timeout} s")


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()
