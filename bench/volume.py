"""Fill an empty Shanhai database with synthetic volume for the benchmarks (PostgreSQL): units, elements,
monthly periods, one source, values (units × elements × months) and audit rows. Set-based SQL: about a
minute for 1M."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, text

UNITS, ELEMENTS = 200, 50  # × months = values

FILL = [
    """INSERT INTO org_units (id, code, name, kind, parent_id, path, level, sort_order, closed, version,
       created_at, updated_at) VALUES (1, 'XZ', 'city', 'city', NULL, '/1/', 1, 0, false, 1, now(), now())""",
    """INSERT INTO org_units (id, code, name, kind, parent_id, path, level, sort_order, closed, version,
       created_at, updated_at)
       SELECT g, 'U' || g, 'unit ' || g, 'district', 1, '/1/' || g || '/', 2, g, false, 1, now(), now()
       FROM generate_series(2, :units + 1) g""",
    """INSERT INTO data_elements (id, code, name, unit, value_type, aggregation, "group", description,
       category, category_options, created_at, updated_at)
       SELECT g, 'E' || lpad(g::text, 3, '0'), 'element ' || g, 'yuan', 'number', 'sum', 'group ' || (g % 5),
       '', '', '', now(), now() FROM generate_series(1, :elements) g""",
    """INSERT INTO periods (id, type, start_date, end_date, name)
       SELECT to_char(d, 'YYYYMM'), 'monthly', d, (d + interval '1 month - 1 day')::date,
       to_char(d, 'YYYY-MM')
       FROM generate_series('2000-01-01'::date, '2000-01-01'::date + (:months - 1) * interval '1 month',
       interval '1 month') d""",
    """INSERT INTO sources (id, kind, figure_text, note, created_at, updated_at)
       VALUES (1, 'manual', '', 'bench', now(), now())""",
    """INSERT INTO data_values (org_unit_id, data_element_id, period_id, programme_id, kind, category_option,
       value, qualifier, source_id, comment, version, created_at, updated_at)
       SELECT u, e, p.id, NULL, 'actual', '', (u * 1000 + e * 7 + extract(month from p.start_date))::numeric,
       'exact', 1, '', 1, now(), now()
       FROM generate_series(2, :units + 1) u, generate_series(1, :elements) e, periods p""",
    """INSERT INTO audit_log (at, actor, ip, module, action, object_type, object_id, summary)
       SELECT now() - g * interval '1 minute', 'user' || (g % 50), '10.0.0.' || (g % 200),
       (ARRAY['m1', 'm2', 'm3', 'm4'])[1 + g % 4], (ARRAY['a1', 'a2', 'a3', 'a4'])[1 + g % 4],
       'data_value', g::text, 'summary ' || g FROM generate_series(1, :audit) g""",
    "ANALYZE",
]


def fill(engine: Any, values: int, audit: int = 0) -> int:
    """Fill and return the number of months used (values ≈ UNITS × ELEMENTS × months)."""
    months = max(1, values // (UNITS * ELEMENTS))
    params = {"units": UNITS, "elements": ELEMENTS, "months": months, "audit": audit}
    with engine.begin() as c:
        for sql in FILL:
            c.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})
    return months


ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextmanager
def own_database(prefix: str) -> Iterator[Engine]:
    """A PostgreSQL database of the run's own (named by prefix and pid: runs side by side do not meet),
    dropped at the end however the run ends."""
    name = f"{prefix}_{os.getpid()}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        c.execute(text(f"CREATE DATABASE {name}"))
    engine = create_engine(ADMIN.rsplit("/", 1)[0] + "/" + name)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {name}"))


def laps(fn: Callable[[], Any], n: int) -> list[float]:
    """Milliseconds of each of n runs of fn."""
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p50_p95(name: str, series: list[float]) -> str:
    return (
        f"{name}: p50 {statistics.median(series):.1f} ms, p95 {statistics.quantiles(series, n=20)[18]:.1f} ms"
    )
