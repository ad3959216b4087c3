"""Rebuild the analytics table from the data values, in batches and bounded memory: after a restore from
an old backup, a bulk load outside the application, or a suspected drift. The incremental writers keep the
table current in normal operation; this is the repair.

The whole rebuild is one transaction: readers see the old table until it commits. A running server's DuckDB
replica does not notice a rebuild: run it with the server stopped (or restart the server afterwards).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from shanhai.datasets.service import ReportOwners
from shanhai.indicators.facts import COLUMNS, fact, period_part, settle_all, unit_part
from shanhai.indicators.facts_table import AnalyticsValue
from shanhai.indicators.models import DataValue, Period
from shanhai.orgunits.models import OrgUnit

BATCH = 20_000  # data values read, turned into analytics rows and written at a time


def _batches(session: Session) -> Iterator[list[Any]]:
    """The values in id order, BATCH at a time (keyset: each batch is one index range scan)."""
    last = 0
    while True:
        rows = session.execute(
            select(
                DataValue.id,
                DataValue.data_element_id,
                DataValue.programme_id,
                DataValue.kind,
                DataValue.category_option,
                DataValue.org_unit_id,
                DataValue.period_id,
                DataValue.value,
                DataValue.qualifier,
                DataValue.created_by_id,
            )
            .where(DataValue.id > last)
            .order_by(DataValue.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        yield list(rows)


def rebuild_analytics(*, session: Session, progress: Callable[[int], None] | None = None) -> int:
    """Replace every analytics row with one computed from its data value (in the caller's transaction);
    return how many rows were written. `progress` is told how many values each batch covered. The unit and
    period parts of a fact (indicators.facts) are computed once per unit and per period; on PostgreSQL the
    table is emptied with TRUNCATE and the rows go in with COPY."""
    reports = ReportOwners.load(session)
    units = {
        unit_id: unit_part(unit_id, path)
        for unit_id, path in session.execute(select(OrgUnit.id, OrgUnit.path))
    }
    periods_ = {
        pid: (ptype, period_part(pid, ptype, start, end))
        for pid, ptype, start, end in session.execute(
            select(Period.id, Period.type, Period.start_date, Period.end_date)
        )
    }
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        session.execute(text("TRUNCATE analytics_values"))
    else:
        session.execute(delete(AnalyticsValue))
    write = _copy_writer(session) if postgresql else _insert_writer(session)
    written = 0
    for rows in _batches(session):
        out = []
        for vid, element, programme, kind, option, unit, pid, value, qualifier, creator in rows:
            ptype, period = periods_[pid]
            plain = programme is None and kind == "actual"
            out.append(
                fact(
                    value_id=vid,
                    element_id=element,
                    programme_id=programme,
                    kind=kind,
                    option=option,
                    unit=units[unit],
                    period=period,
                    value=value,
                    qualifier=qualifier,
                    created_by_id=creator,
                    approved=reports.counts(element, unit, pid, ptype, plain),
                )
            )
        write(out)
        written += len(out)
        if progress is not None:
            progress(len(out))
    settle_all(session=session)  # a value covering others counts its residual, as the writers leave it
    return written


def _insert_writer(session: Session) -> Callable[[list[tuple[Any, ...]]], None]:
    def write(rows: list[tuple[Any, ...]]) -> None:
        session.execute(insert(AnalyticsValue), [dict(zip(COLUMNS, row, strict=True)) for row in rows])

    return write


def _copy_writer(session: Session) -> Callable[[list[tuple[Any, ...]]], None]:
    """PostgreSQL: COPY each batch into the table over the session's own connection and transaction."""
    driver = session.connection().connection.driver_connection
    statement = f"COPY analytics_values ({', '.join(COLUMNS)}) FROM STDIN"

    def write(rows: list[tuple[Any, ...]]) -> None:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)

    return write


def value_count(*, session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(DataValue)) or 0)
