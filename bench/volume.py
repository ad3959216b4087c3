"""Fill an empty Shanhai database with synthetic volume for the benchmarks (PostgreSQL): units, elements,
monthly periods, one source, values (units × elements × months) and audit rows. Set-based SQL: about a
minute for 1M."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

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
