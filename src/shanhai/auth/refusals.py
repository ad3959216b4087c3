"""Refused requests of clients that are not signed in: 登录日志 keeps one row per address and minute, with how
many refusals the address had in that minute — an anonymous client hammering the server used to add 300–400
rows a second, each taking the database's write lock, and slow every real write.

The request itself writes nothing: it is counted in memory (`RefusalCounter.note`), and a background writer
(`RefusalWriter`, started with the app) writes the minutes that are over in one transaction every few
seconds, and everything left when the app stops."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

MAX_ADDRESSES = 10_000  # address-minutes held at once; beyond it the oldest minutes are written first
FLUSH_SECONDS = 5.0

log = logging.getLogger("shanhai.auth")


@dataclass
class Refused:
    ip: str
    minute: int
    message: str  # the first refusal's
    count: int = 1

    def row_message(self) -> str:
        if self.count <= 1:
            return self.message
        return f"{self.message}（该地址本分钟内共 {self.count} 次未登录的请求被拒绝）"[:500]


class RefusalCounter:
    """Per address and minute: the first refusal's message and how many there were."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[tuple[str, int], Refused] = {}

    def note(self, ip: str, message: str, now: float | None = None) -> None:
        minute = int((time.time() if now is None else now) // 60)
        with self._lock:
            found = self._held.get((ip, minute))
            if found is not None:
                found.count += 1
                return
            self._held[(ip, minute)] = Refused(ip, minute, message[:400])

    def drain(self, *, everything: bool = False, now: float | None = None) -> list[Refused]:
        """The address-minutes that are over (all of them with `everything`, or when too many are held),
        taken out of the counter, oldest first."""
        minute = int((time.time() if now is None else now) // 60)
        with self._lock:
            crowded = len(self._held) >= MAX_ADDRESSES
            keys = [k for k in self._held if everything or crowded or k[1] < minute]
            taken = [self._held.pop(k) for k in keys]
        return sorted(taken, key=lambda r: (r.minute, r.ip))

    def __len__(self) -> int:
        with self._lock:
            return len(self._held)


def write(refused: list[Refused], session_factory: Callable[[], Session]) -> int:
    """One transaction for all of them; a database that is down or full loses these rows, not a request."""
    if not refused:
        return 0
    from shanhai.auth.scope import log_event
    from shanhai.db import transaction
    from shanhai.errors import ShanhaiError

    try:
        with transaction(session_factory) as session:  # type: ignore[arg-type]  # any factory of sessions
            for r in refused:
                log_event(
                    session=session,
                    username="（未登录）",
                    user_id=None,
                    ip=r.ip,
                    event="拒绝访问",
                    message=r.row_message(),
                )
    except ShanhaiError as exc:
        log.warning("未登录请求的拒绝记录未能写入 / refusals not logged: %s", exc)
        return 0
    return len(refused)


class RefusalWriter:
    """A daemon thread writing the finished minutes every FLUSH_SECONDS; `stop` writes the rest."""

    def __init__(
        self,
        counter: Callable[[], RefusalCounter],
        session_factory: Callable[[], Callable[[], Session]],
        every: float = FLUSH_SECONDS,
    ) -> None:
        self._counter = counter  # read at each flush: the app's current counter and session factory
        self._factory = session_factory
        self._every = every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shanhai-refusals", daemon=True)

    def start(self) -> RefusalWriter:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopped.wait(self._every):
            write(self._counter().drain(), self._factory())

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)
        write(self._counter().drain(everything=True), self._factory())
