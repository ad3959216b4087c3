"""Helpers of the migrations for SQLite alone."""

from __future__ import annotations

import re

from alembic import op


def sqlite_autoincrement(table: str) -> None:
    """Rebuild `table` with INTEGER PRIMARY KEY AUTOINCREMENT, keeping its rows, constraints and indexes
    (the migration runs with foreign keys off, in one transaction)."""
    bind = op.get_bind()
    ddl = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    if "AUTOINCREMENT" in ddl.upper():
        return
    indexes = (
        bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        )
        .scalars()
        .all()
    )
    new = re.sub(
        r"\bid INTEGER NOT NULL,",
        f"id INTEGER NOT NULL CONSTRAINT pk_{table} PRIMARY KEY AUTOINCREMENT,",
        ddl,
        count=1,
    )
    new = re.sub(rf"\s*CONSTRAINT pk_{table} PRIMARY KEY \(id\),", "", new, count=1)
    new = new.replace(f'CREATE TABLE "{table}"', f'CREATE TABLE "_new_{table}"', 1).replace(
        f"CREATE TABLE {table} ", f'CREATE TABLE "_new_{table}" ', 1
    )
    columns = ", ".join(f'"{row[1]}"' for row in bind.exec_driver_sql(f'PRAGMA table_info("{table}")'))
    bind.exec_driver_sql(new)
    bind.exec_driver_sql(f'INSERT INTO "_new_{table}" ({columns}) SELECT {columns} FROM "{table}"')
    bind.exec_driver_sql(f'DROP TABLE "{table}"')
    bind.exec_driver_sql(f'ALTER TABLE "_new_{table}" RENAME TO "{table}"')
    for index in indexes:
        bind.exec_driver_sql(index)
