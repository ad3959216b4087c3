"""Refused requests of clients that are not signed in: 登录日志 keeps at most one row per address and minute,
with how many refusals the address had since its previous row — an anonymous client hammering the server
used to add 300–400 rows a second, each taking the database's write lock, and slow every real write."""

from __future__ import annotations

import threading
import time

MAX_ADDRESSES = 10_000  # addresses remembered at once; older minutes are forgotten first


class RefusalCounter:
    """Per address: the minute of its last logged refusal and the refusals not logged since."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[int, int]] = {}

    def admit(self, ip: str, now: float | None = None) -> int | None:
        """None when this refusal is only counted (the address was logged this minute already); otherwise
        the number of refusals of the address that were counted but not logged since its previous row."""
        minute = int((time.time() if now is None else now) // 60)
        with self._lock:
            last_minute, suppressed = self._seen.get(ip, (-1, 0))
            if last_minute == minute:
                self._seen[ip] = (minute, suppressed + 1)
                return None
            if len(self._seen) >= MAX_ADDRESSES:
                self._seen = {k: v for k, v in self._seen.items() if v[0] == minute}
            self._seen[ip] = (minute, 0)
            return suppressed
