"""Alembic environment: the engine comes from the caller (shanhai.migrations.run) or from the settings."""

from __future__ import annotations

import warnings

from alembic import context

from shanhai.config import get_settings
from shanhai.db import make_engine
from shanhai.models import Base

# SQLite's batch mode cannot reflect the expression index on data_values; 0002 recreates it explicitly.
warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")
config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or get_settings().effective_database_url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
