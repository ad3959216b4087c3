"""Stored UTC moments shown and filtered as Beijing time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from shanhai.lib.beijing import beijing, day_start


def test_a_utc_evening_is_the_next_beijing_morning() -> None:
    late = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    assert beijing(late) == "2026-01-01 00:30"
    assert beijing(late.replace(tzinfo=None), "%Y-%m-%d %H:%M:%S") == "2026-01-01 00:30:00"  # naive = UTC
    assert beijing(None) == "—"


def test_a_beijing_day_starts_at_16_utc_the_day_before() -> None:
    assert day_start(date(2026, 1, 1)).astimezone(UTC) == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
