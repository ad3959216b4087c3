"""Analytics benchmark: 10,000,000 values, four dashboard queries, three engines.

    .venv/bin/python bench/analytics.py [--rows 10000000] [--repeat 31] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]

Generates a 4-level tree of about 2,100 units (1 city, 10 districts, 200 towns, 1,890 villages), 200
elements and 60 months (2021–2025), as rows of Shanhai's analytics table (ancestors by level, period
buckets). Loads them into PostgreSQL (a schema of its own, dropped at the end) and into a DuckDB file; then
builds Shanhai's DuckDB replica from PostgreSQL as the app does (SHANHAI_ANALYTICS_ENGINE=duckdb), and times:

  Q1  total per district of one element for one year
  Q2  12 months × 10 elements for one district's subtree
  Q3  year-on-year growth per district (an indicator formula)
  Q4  the full district × element × year cube

through Shanhai's own analytics function (shanhai.analytics.engine.run) on PostgreSQL and on the replica
(whose store() reads the change feed in PostgreSQL every 0.5 s, as in the app), and beside it, on the
same data in the same run, a hand-written PostgreSQL GROUP BY and a hand-written DuckDB query (on the DuckDB
file and on the replica's own table). Prints p50 and min per query and engine and the ratio of Shanhai to
the fastest raw one.
The suite runs it at a tiny size (tests/bench) so that it cannot rot.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import create_engine, text

from shanhai.analytics.engine import run
from shanhai.analytics.replica import Replica
from shanhai.analytics.request import Item, Request
from shanhai.analytics.store import Store
from shanhai.auth.scope import SYSTEM
from shanhai.indicators import formula
from shanhai.indicators.facts_table import AnalyticsValue
from shanhai.indicators.models import DataElement, Indicator
from shanhai.lib import periods
from shanhai.migrations import upgrade
from shanhai.orgunits.models import OrgUnit

DISTRICTS, TOWNS_PER_DISTRICT, VILLAGES = 10, 20, 1890
ELEMENTS, MONTHS = 200, 60
LEAF0 = 1 + DISTRICTS + DISTRICTS * TOWNS_PER_DISTRICT + 1  # first village id (ids start at 1)


def generate(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    """Rows of the analytics table, deterministic: village × month × element, 10M ≈ 88 elements each."""
    towns = DISTRICTS * TOWNS_PER_DISTRICT
    con.execute(f"""
        CREATE TABLE analytics_values AS
        WITH g AS (SELECT i, i % {VILLAGES} AS v, (i // {VILLAGES}) % {MONTHS} AS m,
                          (i // ({VILLAGES} * {MONTHS})) % {ELEMENTS} AS e FROM range({rows}) t(i))
        SELECT i + 1 AS data_value_id, e + 1 AS data_element_id, NULL::INTEGER AS programme_id,
               'actual' AS kind, '' AS category_option, {LEAF0} + v AS org_unit_id, 1 AS ou_l1,
               2 + (v % {towns}) // {TOWNS_PER_DISTRICT} AS ou_l2, 2 + {DISTRICTS} + (v % {towns}) AS ou_l3,
               {LEAF0} + v AS ou_l4, NULL::INTEGER AS ou_l5, NULL::INTEGER AS ou_l6,
               strftime(make_date(2021 + m // 12, m % 12 + 1, 1), '%Y%m') AS period_id,
               make_date(2021 + m // 12, m % 12 + 1, 1) AS start_date,
               last_day(make_date(2021 + m // 12, m % 12 + 1, 1)) AS end_date,
               2021 + m // 12 AS year, (m % 12) // 3 + 1 AS quarter, m % 12 + 1 AS month,
               CAST(((i * 7919) % 100000) / 100.0 AS DECIMAL(24, 4)) AS value,
               CASE WHEN i % 997 = 0 THEN 'over' ELSE 'exact' END AS qualifier,
               CASE WHEN i % 997 = 0 THEN 2 ELSE 1 END AS qualifier_bit,
               NULL::INTEGER AS created_by_id, TRUE AS approved
        FROM g""")


def districts() -> list[OrgUnit]:
    return [
        OrgUnit(id=2 + d, code=f"D{d}", name=f"区{d}", level=2, path=f"/1/{2 + d}/") for d in range(DISTRICTS)
    ]


def elements() -> list[DataElement]:
    return [
        DataElement(id=i + 1, code=f"E{i + 1}", name=f"指标{i + 1}", unit="个", aggregation="sum")
        for i in range(ELEMENTS)
    ]


def shanhai_requests() -> dict[str, Request]:
    ds = districts()
    els = elements()
    growth = Indicator(
        code="G", name="同比增长", formula="(#{E1} - #{E1.last_year}) / #{E1.last_year} * 100", decimals=2
    )
    tree = formula.parse(growth.formula)
    item = lambda e: Item(e.code, e.name, e)  # noqa: E731
    years = [periods.parse(str(y)) for y in range(2021, 2026)]
    return {
        "Q1": Request(dx=[item(els[0])], ou=ds, pe=[periods.parse("2025")]),
        "Q2": Request(
            dx=[item(e) for e in els[:10]],
            ou=[ds[0]],
            pe=[periods.parse(f"2025{m:02d}") for m in range(1, 13)],
        ),
        "Q3": Request(
            dx=[Item("G", growth.name, indicator=growth, tree=tree)],
            ou=ds,
            pe=[periods.parse("2025")],
            formula_elements={"E1": els[0]},
        ),
        "Q4": Request(dx=[item(e) for e in els], ou=ds, pe=years),
    }


# each computes the qualifier of its groups as Shanhai does (the OR of the parts' bits), so that the ratio
# compares like with like
RAW = {
    "Q1": "SELECT ou_l2, SUM(value), BIT_OR(qualifier_bit) FROM analytics_values WHERE data_element_id = 1 "
    "AND year = 2025 AND kind = 'actual' GROUP BY ou_l2",
    "Q2": "SELECT data_element_id, month, SUM(value), BIT_OR(qualifier_bit) FROM analytics_values "
    "WHERE ou_l2 = 2 AND year = 2025 AND data_element_id BETWEEN 1 AND 10 AND kind = 'actual' "
    "GROUP BY data_element_id, month",
    "Q3": "SELECT ou_l2, (SUM(value) FILTER (WHERE year = 2025) - SUM(value) FILTER (WHERE year = 2024)) "
    "* 100 / NULLIF(SUM(value) FILTER (WHERE year = 2024), 0), BIT_OR(qualifier_bit) FROM analytics_values "
    "WHERE data_element_id = 1 AND year IN (2024, 2025) AND kind = 'actual' GROUP BY ou_l2",
    "Q4": "SELECT ou_l2, data_element_id, year, SUM(value), BIT_OR(qualifier_bit) FROM analytics_values "
    "WHERE kind = 'actual' GROUP BY ou_l2, data_element_id, year",
}


def timed(fns: list[Callable[[], Any]], repeat: int, budget: float = 20.0) -> list[tuple[float, float, Any]]:
    """p50, min (ms) and last result of each function, run in rounds after one warm-up round, in a new random
    order each round (so that a slow spell of the machine, or PostgreSQL's parallel workers winding down
    after a query, hits every engine alike); `repeat` rounds, fewer (at least 5) past `budget` seconds."""
    results = [fn() for fn in fns]
    times: list[list[float]] = [[] for _ in fns]
    order = list(range(len(fns)))
    shuffle = random.Random(2025).shuffle
    started = time.perf_counter()
    for round_no in range(repeat):
        shuffle(order)
        for i in order:
            start = time.perf_counter()
            results[i] = fns[i]()
            times[i].append((time.perf_counter() - start) * 1000)
        if round_no >= 4 and time.perf_counter() - started > budget:
            break
    return [(statistics.median(t), min(t), r) for t, r in zip(times, results, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument(
        "--pg",
        default=os.environ.get("SHANHAI_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="shanhai-bench-"))
    try:
        _run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace, workdir: Path) -> None:
    duck = duckdb.connect(str(workdir / "analytics.duckdb"), config={"threads": 2, "memory_limit": "3GB"})
    t0 = time.perf_counter()
    generate(duck, args.rows)
    duck_build = time.perf_counter() - t0
    count = duck.execute("SELECT count(*) FROM analytics_values").fetchone()
    print(
        f"rows: {count[0]:,} · units: {LEAF0 + VILLAGES - 1:,} (4 levels) · "
        f"elements: {ELEMENTS} · months: {MONTHS}"
    )
    print(f"DuckDB: generated and stored in {duck_build:.1f} s")

    # the CSV's columns are the generated table's, named in the COPY: a column of the model that the
    # generator does not fill takes its server default
    columns = [row[0] for row in duck.execute("DESCRIBE analytics_values").fetchall()]
    csv_path = workdir / "values.csv"
    duck.execute(f"COPY analytics_values TO '{csv_path}' (HEADER false)")
    schema = f"bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"  # the pid lets a runner drop it after a kill
    engine = create_engine(f"{args.pg}?options=-csearch_path%3D{schema}")
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        upgrade(engine)  # the tables as the app has them: the project's own migrations
        t0 = time.perf_counter()
        table = AnalyticsValue.__table__
        with engine.begin() as conn:
            conn.execute(text("SET maintenance_work_mem = '1GB'"))
            conn.execute(text("SET max_parallel_maintenance_workers = 2"))
            # load as a bulk load would: without the link to data_values (the bench has no values) and
            # without the secondary indexes, which are built from the model after the COPY
            foreign_keys = conn.execute(
                text(
                    "SELECT conname FROM pg_constraint WHERE conrelid = 'analytics_values'::regclass "
                    "AND contype = 'f'"
                )
            ).scalars()
            for name in list(foreign_keys):
                conn.execute(text(f'ALTER TABLE analytics_values DROP CONSTRAINT "{name}"'))
            for index in table.indexes:
                conn.execute(text(f'DROP INDEX "{index.name}"'))
            raw = conn.connection.driver_connection
            copy_sql = f"COPY analytics_values ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
            with raw.cursor() as cur, cur.copy(copy_sql) as copy, open(csv_path, "rb") as f:
                while chunk := f.read(8 << 20):
                    copy.write(chunk)
            for index in table.indexes:
                index.create(conn)
            conn.execute(text("ANALYZE analytics_values"))
        pg_build = time.perf_counter() - t0
        print(
            f"PostgreSQL: COPY, then {len(table.indexes)} indexes + ANALYZE, in {pg_build:.1f} s"
            "  (target < 60 s)"
        )

        t0 = time.perf_counter()
        replica = Replica(engine, threads=2)
        replica.load()
        print(
            f"DuckDB replica: {replica.rows:,} rows loaded from PostgreSQL (COPY out, DuckDB COPY in) "
            f"in {time.perf_counter() - t0:.1f} s"
        )

        def pg_exec(stmt: Any) -> Any:
            with engine.connect() as conn:
                return conn.execute(stmt).all()

        def raw_pg(sql: str) -> Callable[[], Any]:
            return lambda: pg_exec(text(sql))

        pg_store = Store(execute=pg_exec)
        requests = shanhai_requests()
        table = []
        for name in ("Q1", "Q2", "Q3", "Q4"):
            req = requests[name]
            s_pg, s_duck, r_pg, r_file, r_mem = timed(
                [
                    lambda req=req: run(request=req, actor=SYSTEM, store=pg_store),
                    lambda req=req: run(request=req, actor=SYSTEM, store=replica.store()),
                    raw_pg(RAW[name]),
                    lambda name=name: duck.execute(RAW[name]).fetchall(),
                    lambda name=name: replica.execute_sql(RAW[name]),
                ],
                args.repeat,
            )
            assert sorted(s_pg[2].rows) == sorted(s_duck[2].rows), name
            table.append((name, s_pg, s_duck, r_pg, r_file, r_mem))
        print()
        print(
            "query | Shanhai on PostgreSQL | Shanhai on DuckDB replica | raw PostgreSQL | raw DuckDB file | "
            "raw DuckDB replica table | Shanhai best ÷ fastest raw (p50)"
        )
        print("---|---:|---:|---:|---:|---:|---:")
        for name, *timings in table:
            cells = " | ".join(f"{p50:.1f} / {low:.1f} ms" for p50, low, _ in timings)
            best = min(t[0] for t in timings[:2])
            fastest = min(t[0] for t in timings[2:])
            print(f"{name} | {cells} | {best / fastest:.2f}×")
        print("(each cell: p50 / min)")
        replica.close()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"\npeak memory of this process (DuckDB in process): {rss:,.0f} MiB (target < 4 GiB); "
            f"machine: {os.cpu_count()} cores"
        )
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        duck.close()


if __name__ == "__main__":
    main()
