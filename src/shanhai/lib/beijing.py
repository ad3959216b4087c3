"""Moments are stored in UTC; officials read and filter them in Beijing time (UTC+8 all year: China has one
time zone and no summer time, so a fixed offset is exact and needs no time-zone database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "北京时间")


def beijing(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored moment as Beijing wall-clock text; "—" for none. Naive values are taken as UTC."""
    if value is None:
        return "—"
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(BEIJING).strftime(fmt)


def day_start(day: date) -> datetime:
    """The first moment of a Beijing calendar day (for "from … to …" filters on stored moments)."""
    return datetime.combine(day, time.min, BEIJING)


def today() -> date:
    """Today's date in Beijing (a server on UTC would otherwise change days at 08:00 Beijing time)."""
    return datetime.now(BEIJING).date()
