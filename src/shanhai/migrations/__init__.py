"""Schema migrations (Alembic). `upgrade(engine)` brings any database to the newest schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

HERE = Path(__file__).parent


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    if engine is not None:
        config.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """One transaction for the whole migration. On SQLite, foreign keys are switched off around it (they can
    only be switched outside a transaction), because batch mode rebuilds tables that others refer to; the
    keys are checked again afterwards."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(
                            f"迁移后外键不一致 / foreign keys broken after migration: {broken[:5]}"
                        )
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    with _migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        if config.attributes.get("recount") and revision == "head":
            _recount(connection)


def _recount(connection: Connection) -> None:
    """After a migration that changed how records and values count (0014): the derived values recounted and
    every value that covers others settled, by the application's own functions on the newest schema, in the
    migration's transaction."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from shanhai.auth.scope import SYSTEM
    from shanhai.indicators.facts import settle_all
    from shanhai.indicators.models import DataValue
    from shanhai.registers import derive

    session = Session(bind=connection)
    if session.scalar(select(func.count()).select_from(DataValue)):
        derive.recount(session=session, actor=SYSTEM)
        settle_all(session=session)
    session.flush()


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with _migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest revision of this program's migrations (read once: they do not change while it runs)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    """Every revision this program's migrations define."""
    scripts = ScriptDirectory.from_config(alembic_config()).walk_revisions()
    return frozenset(script.revision for script in scripts)
