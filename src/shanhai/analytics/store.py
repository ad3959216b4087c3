"""Where analytics statements run: the main database, or a replica of its analytics table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Store:
    """`execute` runs a SQLAlchemy select on the analytics table and returns its rows. A replica holds
    approved values only, so statements for it need no approval predicate."""

    execute: Callable[[Any], Sequence[Any]]  # a SQLAlchemy Select in, rows out
    approved_only: bool = False
