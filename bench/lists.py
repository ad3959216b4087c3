"""Lists at volume: 1M data values and 100k audit rows in a PostgreSQL database of their own, then the
list kit's first page, a filtered page, sorted pages and the total (each through shanhai.lists: the spec, the
scope, the count and the page, as the page and /api/v1/lists do), beside a hand-written SQL query of the same
page in the same run (the baseline), and an XLSX export of 100k rows (streamed) with its time and memory.

    .venv/bin/python bench/lists.py [--values 1000000] [--audit 100000] [--repeat 7]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres); creates and drops the database shanhai_bench_lists.
The suite runs it at a tiny size (tests/bench).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from volume import fill  # bench/volume.py, beside this script

from shanhai.auth.scope import SYSTEM
from shanhai.lists import run as lists
from shanhai.lists.catalogue import AUDIT, VALUES
from shanhai.lists.spec import parse
from shanhai.migrations import upgrade

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB = f"shanhai_bench_lists_{os.getpid()}"  # one per run: runs side by side do not meet


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    laps = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        laps.append((time.perf_counter() - start) * 1000)
    return statistics.median(laps), min(laps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--audit", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DB}"))
        c.execute(text(f"CREATE DATABASE {DB}"))
    url = ADMIN.rsplit("/", 1)[0] + "/" + DB
    engine = create_engine(url)
    try:
        upgrade(engine)
        start = time.perf_counter()
        fill(engine, args.values, args.audit)
        with engine.connect() as c:
            count = c.execute(text("SELECT count(*) FROM data_values")).scalar()
        print(
            f"filled {count:,} values and {args.audit:,} audit rows in {time.perf_counter() - start:.0f} s\n"
        )
        cases: list[tuple[str, Any, dict[str, str], str]] = [
            (
                "values: first page",
                VALUES,
                {},
                "SELECT id FROM data_values ORDER BY id DESC LIMIT 20",
            ),
            (
                "values: filtered page (unit, year)",
                VALUES,
                {"unit": "17", "year": "2001"},
                "SELECT v.id FROM data_values v JOIN periods p ON p.id = v.period_id JOIN data_elements e ON"
                " e.id = v.data_element_id WHERE v.org_unit_id = 17 AND p.end_date BETWEEN '2001-01-01' AND"
                " '2001-12-31' ORDER BY e.code, v.id LIMIT 20",
            ),
            (
                "values: sorted by period",
                VALUES,
                {"sort": "period"},
                "SELECT id FROM data_values ORDER BY period_id, id LIMIT 20",
            ),
            (
                "values: sorted by element code",
                VALUES,
                {"sort": "element_code"},
                "SELECT v.id FROM data_values v JOIN data_elements e ON e.id = v.data_element_id"
                " ORDER BY e.code, v.id LIMIT 20",
            ),
            ("audit: first page", AUDIT, {}, "SELECT id FROM audit_log ORDER BY at DESC, id DESC LIMIT 20"),
            (
                "audit: filtered (module, text)",
                AUDIT,
                {"module": "m2", "q": "summary 9"},
                "SELECT id FROM audit_log WHERE module = 'm2' AND summary LIKE '%summary 9%'"
                " ORDER BY at DESC LIMIT 20",
            ),
        ]
        print(f"{'case':<36} {'kit p50 ms':>11} {'min':>7} {'count ms':>9} {'baseline p50':>13} {'ratio':>6}")
        for name, spec, params, sql in cases:
            with Session(engine) as session:
                query = parse(spec, params, session=session, actor=SYSTEM)

                def page(spec: Any = spec, query: Any = query) -> Any:
                    return lists.run(spec, query, session=session, actor=SYSTEM)

                page_p50, page_min = timed(page, args.repeat)
                count_p50, _ = timed(
                    lambda s=spec, q=query: lists.count(s, q, session=session, actor=SYSTEM), args.repeat
                )
                base_p50, _ = timed(lambda q=sql: session.execute(text(q)).all(), args.repeat)
            print(
                f"{name:<36} {page_p50:>11.1f} {page_min:>7.1f} {count_p50:>9.1f} {base_p50:>13.1f}"
                f" {page_p50 / max(base_p50, 0.01):>6.1f}"
            )
        with Session(engine) as session:
            query = parse(AUDIT, {}, session=session, actor=SYSTEM)
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            start = time.perf_counter()
            done = lists.export(AUDIT, query, lists.Format.XLSX, session=session, actor=SYSTEM)
            seconds = time.perf_counter() - start
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            size = os.path.getsize(done.path)
            os.unlink(done.path)
            session.rollback()
        print(
            f"\nXLSX export of {done.rows:,} audit rows: {seconds:.1f} s, {size / 1e6:.1f} MB,"
            f" peak RSS of the process {rss_after / 1024:.0f} MiB"
            f" (+{(rss_after - rss_before) / 1024:.0f} MiB)"
        )
    finally:
        engine.dispose()
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {DB}"))


if __name__ == "__main__":
    main()
