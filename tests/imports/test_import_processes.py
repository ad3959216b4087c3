"""An import is one transaction: a process killed halfway (SIGKILL) leaves the database as it was, and two
imports of the same file at once create each record once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shanhai.enterprises.models import Enterprise
from shanhai.errors import ShanhaiError
from shanhai.imports import pipeline
from shanhai.lib import uscc
from tests.conftest import Database, actor_of


def _code(n: int) -> str:
    head = f"91320303MA2{n:06d}"
    return head + uscc.check_character(head)


def _firms(rows: int, tag: str) -> bytes:
    lines = ["企业名称,统一社会信用代码,所在区县/园区"]
    lines += [f"{tag}{n}科技有限公司,{_code(n)},泉山区" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def demo(fresh_demo: Database) -> Database:
    return fresh_demo


def _count(db: Database, tag: str) -> int:
    with Session(db.engine) as session:
        return int(session.scalar(select(func.count()).where(Enterprise.name.like(f"{tag}%"))) or 0)


def test_an_import_killed_halfway_leaves_nothing(demo: Database, tmp_path: Path) -> None:
    file = tmp_path / "firms.csv"
    file.write_bytes(_firms(3_000, "中断"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHANHAI_")}
    env |= {"SHANHAI_DATABASE_URL": demo.url, "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "shanhai", "import", "enterprises", str(file), "--username", "city_admin"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        time.sleep(6)  # well into its rows: 3,000 firms take far longer than this
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    assert _count(demo, "中断") == 0


def test_two_imports_of_one_file_at_once_create_each_record_once(demo: Database) -> None:
    data = _firms(40, "并发")
    results: list[object] = []

    def one() -> None:
        with Session(demo.engine) as session:
            try:
                outcome = pipeline.run(
                    session=session,
                    actor=actor_of(session, "city_admin"),
                    kind="enterprises",
                    file_name="same.csv",
                    data=data,
                    commit=True,
                )
                session.commit()
                results.append(outcome)
            except ShanhaiError as exc:  # SQLite: the other import holds the write lock too long
                session.rollback()
                results.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert _count(demo, "并发") == 40
    outcomes = [r for r in results if isinstance(r, pipeline.Outcome)]
    assert outcomes and sum(len(o.created) for o in outcomes) == 40, results
    assert all(len(o.created) in (0, 40) for o in outcomes)
