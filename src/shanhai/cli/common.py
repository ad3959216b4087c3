"""What the command groups share: the engine of the configured database."""

from __future__ import annotations

from sqlalchemy import Engine

from shanhai.config import get_settings
from shanhai.db import make_engine


def engine() -> Engine:
    return make_engine(get_settings().effective_database_url)
