"""Rules of the code base that a type checker cannot see."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "shanhai"


def test_savepoints_go_through_db_savepoint() -> None:
    """On SQLite a bare session.begin_nested() before the request's first write opens a transaction of its
    own that its RELEASE commits: a later refusal would leave that write behind. db.savepoint begins first."""
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name != "db.py" and "begin_nested(" in path.read_text(encoding="utf-8")
    ]
    assert not offenders, offenders
