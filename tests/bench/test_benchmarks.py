"""Every benchmark runs here at a tiny size, as a user would run it, and must print its table: a benchmark
that nobody runs rots (bench/analytics.py broke when the analytics table gained a column, and nothing
noticed). The numbers are not checked, only that the script ran to its end and printed its lines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import BACKENDS, PG_URL, ROOT, SEEDS
from tests.reliability.harness import Server, demo_database

BENCH = ROOT / "bench"
LIBRARIES = {"volume.py"}  # imported by the benchmarks, not run on its own

# script → (tiny arguments, lines its output must contain)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "analytics.py": (
        ["--rows", "10000", "--repeat", "5"],
        ["Shanhai best ÷ fastest raw", "Q1 |", "Q4 |", "DuckDB replica: 10,000 rows"],
    ),
    "lists.py": (
        ["--values", "10000", "--audit", "1000", "--repeat", "2"],
        ["values: first page", "audit: filtered", "XLSX export of 1,000 audit rows"],
    ),
    "rebuild.py": (["--values", "10000"], ["baseline, one INSERT … SELECT"]),
    "records.py": (
        ["--records", "300", "--changes", "5"],
        ["second recount", "list sales (unit filter)"],
    ),
    "faults.py": (["--backend", "sqlite", "--kills", "1"], ["sqlite: 1 kills", "lost 0"]),
    "enterprises.py": (
        ["--firms", "300", "--changes", "5"],
        ["search by pinyin initials", "科技企业概况 view", "support change + its cells"],
    ),
}
NEEDS_PG = {"analytics.py", "lists.py", "rebuild.py", "records.py", "enterprises.py"}


def run(script: str, *args: str) -> str:
    """Run a benchmark in a process group of its own; on a timeout the whole group (a server it started
    included) is killed, and whatever it left in PostgreSQL under its pid is dropped."""
    process = subprocess.Popen(
        [sys.executable, str(BENCH / script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
    finally:
        _drop_leftovers(process.pid)
    assert process.returncode == 0, f"{script} failed:\n{out[-2000:]}\n{err[-4000:]}"
    return out


def _drop_leftovers(pid: int) -> None:
    """The databases (shanhai_bench_<kind>_<pid>) and schemas (bench_<pid>_…) a killed benchmark left."""
    if "postgresql" not in BACKENDS:
        return
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            databases = conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :n"), {"n": f"shanhai_bench_%_{pid}"}
            ).scalars()
            for name in list(databases):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            schemas = conn.execute(
                text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :n"), {"n": f"bench_{pid}_%"}
            ).scalars()
            for name in list(schemas):
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    finally:
        admin.dispose()


def test_every_benchmark_has_a_smoke_run() -> None:
    scripts = {p.name for p in BENCH.glob("*.py")} - LIBRARIES
    assert scripts == set(CASES) | {"extract.py", "load.py"}


@pytest.mark.parametrize("script", sorted(CASES))
def test_benchmark_runs_at_a_tiny_size(script: str) -> None:
    if script in NEEDS_PG and "postgresql" not in BACKENDS:
        pytest.skip("this benchmark needs PostgreSQL")
    args, lines = CASES[script]
    out = run(script, *args)
    for line in lines:
        assert line in out, f"{script} did not print {line!r}:\n{out}"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the extraction benchmark repeats the seed reports")
def test_extract_benchmark() -> None:
    out = run("extract.py", "--mb", "0.05", "--repeat", "1", "--seeds", str(SEEDS), "--figures", "50")
    assert "extract_figures" in out and "MB/s" in out
    assert "suggestions" in out and "50 figures" in out


def test_load_benchmark_against_a_server(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'load.sqlite3'}"
    demo_database(url).dispose()
    server = Server(url, tmp_path).start()
    try:
        out = run(
            "load.py", "--url", server.base, "--clients", "2", "--duration", "2", "--token", server.token()
        )
    finally:
        server.stop()
    assert "req/s" in out and "p95 ms" in out, out
