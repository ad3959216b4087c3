"""`shanhai analytics rebuild` at volume: N data values (default 10M) in a PostgreSQL database of their own,
then the rebuild of the analytics table from them (flows.rebuild, in batches, one transaction), timed, with
the process's peak memory; beside it, in the same run, a baseline: one hand-written INSERT … SELECT of the
same rows inside PostgreSQL (no Python), the fastest a rebuild could be.

    .venv/bin/python bench/rebuild.py [--values 10000000]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres); creates and drops the database shanhai_bench_rebuild.
Target (issue 11): 10M values in < 3 min and < 2 GiB. The suite runs it at a tiny size (tests/bench).
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from volume import fill  # bench/volume.py, beside this script

from shanhai.flows.rebuild import rebuild_analytics
from shanhai.migrations import upgrade

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB = f"shanhai_bench_rebuild_{os.getpid()}"  # one per run: runs side by side do not meet
BASELINE = """INSERT INTO analytics_values (data_value_id, data_element_id, programme_id, kind,
    category_option, org_unit_id, ou_l1, ou_l2, period_id, start_date, end_date, year, quarter, month, value,
    qualifier, qualifier_bit, created_by_id, approved)
    SELECT v.id, v.data_element_id, v.programme_id, v.kind, v.category_option, v.org_unit_id, 1,
    CASE WHEN v.org_unit_id = 1 THEN NULL ELSE v.org_unit_id END, p.id, p.start_date, p.end_date,
    extract(year from p.start_date), extract(quarter from p.start_date), extract(month from p.start_date),
    v.value, v.qualifier,
    CASE v.qualifier WHEN 'exact' THEN 1 WHEN 'over' THEN 2 WHEN 'under' THEN 4 ELSE 8 END,
    v.created_by_id, true
    FROM data_values v JOIN periods p ON p.id = v.period_id"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=10_000_000)
    args = parser.parse_args()
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DB}"))
        c.execute(text(f"CREATE DATABASE {DB}"))
    engine = create_engine(ADMIN.rsplit("/", 1)[0] + "/" + DB)
    try:
        upgrade(engine)
        start = time.perf_counter()
        fill(engine, args.values)
        with engine.connect() as c:
            count = int(c.execute(text("SELECT count(*) FROM data_values")).scalar() or 0)
        print(f"filled {count:,} values in {time.perf_counter() - start:.0f} s")
        done = [0]

        def progress(rows: int) -> None:
            done[0] += rows
            if done[0] % 1_000_000 < rows:
                print(f"  {done[0]:,} rows, {time.perf_counter() - start:.0f} s", flush=True)

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        with Session(engine) as session:
            written = rebuild_analytics(session=session, progress=progress)
            session.commit()
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"shanhai analytics rebuild: {written:,} rows in {seconds:.0f} s"
            f" ({written / seconds:,.0f} rows/s),"
            f" peak RSS {peak / 1024:.0f} MiB (before: {rss_before / 1024:.0f} MiB)"
        )
        with engine.begin() as c:
            c.execute(text("DELETE FROM analytics_values"))
            start = time.perf_counter()
            c.execute(text(BASELINE))
            baseline = time.perf_counter() - start
        print(
            f"baseline, one INSERT … SELECT inside PostgreSQL: {baseline:.0f} s"
            f" ({count / baseline:,.0f} rows/s);"
            f" ratio {seconds / baseline:.1f}"
        )
    finally:
        engine.dispose()
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {DB}"))


if __name__ == "__main__":
    main()
