"""Backup and restore of the whole database.

SQLite: SQLite's online backup API copies a consistent snapshot while the server keeps serving (writers wait
only for the pages being copied); the copy is checked (integrity, schema revision) before it is given its
final name. Restore copies a backup back into the database file the same way, so open connections see
either the old or the restored database, never a mixture.

PostgreSQL: PostgreSQL's own tools, `pg_dump --format=custom` (a consistent snapshot, online) and
`pg_restore --clean --if-exists --single-transaction` (all or nothing). When the database URL pins a schema
(`options=-csearch_path=NAME`), only that schema is dumped and restored.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote

from sqlalchemy.engine import URL, make_url

from shanhai.errors import Invalid, ShanhaiError
from shanhai.lib.beijing import BEIJING
from shanhai.migrations import known_revisions


class BackupError(ShanhaiError):
    code = "backup_failed"
    status = 500


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    revision: str | None


def default_path(url: str, folder: Path) -> Path:
    stamp = datetime.now(BEIJING).strftime("%Y%m%d-%H%M%S")
    suffix = ".sqlite3" if make_url(url).get_backend_name() == "sqlite" else ".pgdump"
    return folder / f"shanhai-{stamp}{suffix}"


def backup(*, url: str, dest: Path) -> BackupResult:
    """Write a consistent copy of the database to `dest` (created atomically: a failed backup leaves no
    file of that name)."""
    dest = dest.resolve()
    if dest.exists():
        raise Invalid(f"备份文件已存在，不会覆盖：{dest}", field="path")
    dest.parent.mkdir(parents=True, exist_ok=True)
    parsed = make_url(url)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".shanhai-backup-") as tmp:
        partial = Path(tmp) / dest.name
        if parsed.get_backend_name() == "sqlite":
            revision = _sqlite_copy(_sqlite_path(parsed), partial)
        else:
            revision = _pg_dump(parsed, partial)
        os.replace(partial, dest)
    return BackupResult(dest, dest.stat().st_size, revision)


def restore(*, url: str, src: Path) -> BackupResult:
    """Replace the database's contents with the backup's. Stop the server first: sessions and caches
    (the analytics replica) of a running server would not know the data changed under them."""
    src = src.resolve()
    if not src.is_file():
        raise Invalid(f"备份文件不存在：{src}", field="path")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        revision = _sqlite_revision(src)  # refuses a file that is not a Shanhai backup
        target = _sqlite_path(parsed)
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(str(src), Path(target))
    else:
        revision = _pg_restore(parsed, src)
    return BackupResult(src, src.stat().st_size, revision)


# --- SQLite ---------------------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise Invalid("内存数据库无法备份", field="database_url")
    return url.database


def _sqlite_revision(path: Path) -> str | None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupError(f"备份文件已损坏：{path}")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise Invalid(f"不是山海的 SQLite 备份文件：{path}（{exc}）", field="path") from None
    revision = row[0] if row else None
    if revision not in known_revisions():
        raise Invalid(f"备份的数据库版本 {revision} 不是本程序所知的版本：{path}", field="path")
    return str(revision)


def _sqlite_copy(src: str, dest: Path) -> str | None:
    """Copy with the online backup API, then check the copy."""
    source = sqlite3.connect(src, timeout=30)
    target = sqlite3.connect(dest, timeout=30)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        target.execute("PRAGMA busy_timeout=30000")
        source.backup(target, pages=1024)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite 备份失败：{exc}") from None
    finally:
        target.close()
        source.close()
    return _sqlite_revision(dest)


# --- PostgreSQL -----------------------------------------------------------------------------------------


def _libpq(url: URL) -> tuple[str, list[str]]:
    """The libpq connection string for pg_dump/pg_restore, and `-n SCHEMA` when the URL pins a schema."""
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    schemas: list[str] = []
    for option in parse_qs(url.render_as_string(hide_password=False).partition("?")[2]).get("options", []):
        for part in unquote(option).split():
            if part.startswith("-csearch_path="):
                schemas += ["-n", part.split("=", 1)[1].split(",")[0]]
    return plain, schemas


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
        if not candidates:
            raise BackupError(f"找不到 PostgreSQL 工具 {name}（apt-get install postgresql-client）")
        found = str(candidates[-1])
    return found


def _run(args: list[str], stdin: str | None = None) -> None:
    result = subprocess.run(args, capture_output=True, text=True, timeout=3600, input=stdin)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["unknown error"]
        message = next((line for line in lines if "ERROR" in line or "错误" in line), lines[-1])
        raise BackupError(f"{Path(args[0]).name} 失败：{message}")


def _pg_dump(url: URL, dest: Path) -> str | None:
    conninfo, schemas = _libpq(url)
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(dest), *schemas, conninfo])
    return _pg_revision(dest)


def _pg_revision(path: Path) -> str | None:
    """The alembic revision stored in a dump (pg_restore writes the table's data as SQL)."""
    result = subprocess.run(
        [_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise Invalid(f"不是 PostgreSQL 备份文件：{path}", field="path")
    revisions = known_revisions()
    for line in result.stdout.splitlines():
        if line.strip() in revisions:
            return line.strip()
    raise Invalid(f"备份中没有本程序所知的数据库版本：{path}", field="path")


_CLEAR_PUBLIC = """
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE 'DROP TABLE IF EXISTS public.' || quote_ident(r.tablename) || ' CASCADE';
  END LOOP;
  FOR r IN SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public' LOOP
    EXECUTE 'DROP SEQUENCE IF EXISTS public.' || quote_ident(r.sequence_name) || ' CASCADE';
  END LOOP;
END $$;
"""


def _pg_restore(url: URL, src: Path) -> str | None:
    """Empty the schema and load the dump in one transaction (psql --single-transaction): a restore either
    replaces everything (tables a later release added included) or changes nothing."""
    revision = _pg_revision(src)
    conninfo, schemas = _libpq(url)
    script = subprocess.run(
        [_tool("pg_restore"), "--no-owner", "--file=-", str(src)],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if script.returncode != 0:
        raise BackupError(f"pg_restore 失败：{script.stderr.strip().splitlines()[-1:]}")
    clear = f'DROP SCHEMA IF EXISTS "{schemas[1]}" CASCADE;\n' if schemas else _CLEAR_PUBLIC
    psql = [_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", conninfo]
    _run(psql, stdin=clear + script.stdout)
    return revision
