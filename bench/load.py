"""Load generator for a running Shanhai server — bounded, loopback only.
The suite runs it at a tiny size (tests/bench).

    .venv/bin/python bench/load.py --url http://127.0.0.1:8000 --clients 64 --duration 60

Each client is a loop that picks a route from the mix, sends it and waits for the answer (timeout per request,
default 10 s), until the duration is over. Prints requests per second and p50/p95/p99 latency per route, and
errors by status (and timeouts and refused connections). Exit code 1 when any request failed, 0 otherwise.

Mixes: `read` (dashboard, values list, one value, analytics, programmes, health), `write` (PUT of one existing
value by each client with its version, POST of new values to keys of its own), `mixed` (4 reads to 1 write),
`analytics` (only /api/v1/analytics, the crash probe of the reliability issue), `static` (one static file:
the baseline of a request that does no work, for the same server in the same run).
API tokens: `--token` (repeatable) or `--username` (creates `--tokens` tokens for that user in the database
named by SHANHAI_DATABASE_URL / SHANHAI_DATA_DIR, as `shanhai user token` does). `--reader USER` sends the
reads with tokens of another user (`--reader-token` to give them): the officials who look at the pages are
not the one account that writes several times a second — with one account every read follows one's own
write, and the dashboard, which shows one's own writes at once, is built for nearly every read.
`--acked FILE` writes one JSON line per acknowledged write (method, id, value) for the fault suite to check.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, TextIO
from urllib.parse import urlsplit

import httpx

MAX_CLIENTS, MAX_SECONDS = 512, 1800
KEYS_PER_RUN = 2000  # created keys per run (--run keeps runs apart)
READS = [
    ("GET /api/v1/health", "/api/v1/health"),
    ("GET /api/v1/dashboard", "/api/v1/dashboard?year=2025"),
    ("GET /api/v1/values", "/api/v1/values?limit=50"),
    ("GET /api/v1/values?year", "/api/v1/values?year=2025&kind=actual&limit=20"),
    ("GET /api/v1/analytics", "/api/v1/analytics?dx=FUNDS;FUNDS.target&ou=XZ;LEVEL-2&pe=2021-2025;2025"),
    ("GET /api/v1/programmes", "/api/v1/programmes"),
]


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    acked: list[dict[str, Any]] = field(default_factory=list)

    def add(self, route: str, status: str, ms: float) -> None:
        self.latencies[route].append(ms)
        self.statuses[route][status] += 1


def loopback_only(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    sys.exit(f"只对本机地址施压 / loopback addresses only, not {host!r}")


def make_tokens(username: str, count: int) -> list[str]:
    from sqlalchemy import select

    from shanhai.auth.models import User
    from shanhai.auth.scope import SYSTEM
    from shanhai.auth.service import create_token
    from shanhai.config import get_settings
    from shanhai.db import make_engine, session_factory, transaction

    engine = make_engine(get_settings().effective_database_url)
    with transaction(session_factory(engine)) as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        tokens = [
            create_token(session=session, actor=SYSTEM, user=user, name=f"load-{i}") for i in range(count)
        ]
    engine.dispose()
    return tokens


class Client:
    def __init__(
        self, n: int, http: httpx.AsyncClient, stats: Stats, args: argparse.Namespace, reader: str | None
    ) -> None:
        self.n, self.http, self.stats, self.args = n, http, stats, args
        self.reads_as = {"Authorization": f"Bearer {reader}"} if reader else None
        self.value_id: int | None = None
        self.version = 0
        self.created = 0

    async def send(self, route: str, method: str, path: str, body: Any = None) -> httpx.Response | None:
        started = time.perf_counter()
        headers = self.reads_as if method == "GET" else None
        try:
            response = await self.http.request(method, path, json=body, headers=headers)
        except httpx.TimeoutException:
            self.stats.add(route, "timeout", (time.perf_counter() - started) * 1000)
            return None
        except httpx.TransportError as exc:
            self.stats.add(route, type(exc).__name__, (time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.05)  # a server that is down: do not spin
            return None
        self.stats.add(route, str(response.status_code), (time.perf_counter() - started) * 1000)
        return response

    async def write(self) -> None:
        creating = self.created * self.args.clients < KEYS_PER_RUN
        if creating and (self.value_id is None or random.random() < 0.5):
            # a key of this client's own in this run: a month of 1950-2019 in one of the given units
            idx = self.args.run * KEYS_PER_RUN + self.created * self.args.clients + self.n
            self.created += 1
            units = self.args.org_units
            body = {
                "data_element": self.args.element,
                "org_unit_id": units[(idx // 840) % len(units)],
                "period": f"{1950 + (idx // 12) % 70}{idx % 12 + 1:02d}",
                "value": str(self.n * 1000 + self.created),
            }
            response = await self.send("POST /api/v1/values", "POST", "/api/v1/values", body)
            if response is not None and response.status_code == 201:
                data = response.json()
                self.value_id, self.version = data["id"], data["version"]
                acked = {
                    "method": "POST",
                    "id": data["id"],
                    "value": body["value"],
                    "version": data["version"],
                }
                self.stats.acked.append(acked)
            return
        if self.value_id is None:
            return
        value = str(random.randint(1, 10**6))
        body = {"version": self.version, "value": value}
        response = await self.send("PUT /api/v1/values/{id}", "PUT", f"/api/v1/values/{self.value_id}", body)
        if response is not None and response.status_code == 200:
            self.version = response.json()["version"]
            acked = {"method": "PUT", "id": self.value_id, "value": value, "version": self.version}
            self.stats.acked.append(acked)

    async def run(self, until: float) -> None:
        while time.perf_counter() < until:
            mix = self.args.mix
            if mix == "write" or (mix == "mixed" and random.random() < 0.2):
                await self.write()
            elif mix == "analytics":
                await self.send(READS[4][0], "GET", READS[4][1])
            elif mix == "static":  # the baseline: what the server does for a request that does no work
                await self.send("GET /static/app.css", "GET", "/static/app.css")
            else:
                route, path = random.choice(READS)
                await self.send(route, "GET", path)


def report(stats: Stats, seconds: float, out: TextIO) -> int:
    total = sum(len(v) for v in stats.latencies.values())
    failed = 0
    out.write(f"{'route':<28} {'n':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses\n")
    for route in sorted(stats.latencies):
        lat = sorted(stats.latencies[route])
        q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else [lat[0]] * 99
        statuses = stats.statuses[route]
        failed += sum(n for s, n in statuses.items() if not s.isdigit() or int(s) >= 500)
        shown = " ".join(f"{s}:{n}" for s, n in sorted(statuses.items()))
        out.write(
            f"{route:<28} {len(lat):>7} {len(lat) / seconds:>8.1f} {q[49]:>8.1f} {q[94]:>8.1f} {q[98]:>8.1f}"
            f"  {shown}\n"
        )
    every = sorted(ms for lat in stats.latencies.values() for ms in lat)
    if len(every) > 1:
        q = statistics.quantiles(every, n=100, method="inclusive")
        out.write(f"all routes p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, p99 {q[98]:.1f} ms\n")
    out.write(
        f"total {total} requests in {seconds:.1f} s = {total / seconds:.1f} req/s; failed (5xx, timeouts, "
    )
    out.write(f"connection errors): {failed}\n")
    return failed


LAST_STATS = Stats()  # the last run's numbers, for the fault suite that imports this file


async def main_async(args: argparse.Namespace) -> int:
    global LAST_STATS
    tokens = list(args.token or []) or make_tokens(args.username, args.tokens)
    readers: list[str | None] = [None]
    if args.reader_token or args.reader:
        readers = list(args.reader_token or []) or list(make_tokens(args.reader, args.tokens))
    stats = LAST_STATS = Stats()
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    clients = []
    for n in range(args.clients):
        http = httpx.AsyncClient(
            base_url=args.url,
            timeout=args.timeout,
            limits=limits,
            headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"},
        )
        clients.append(Client(n, http, stats, args, readers[n % len(readers)]))
    started = time.perf_counter()
    until = started + args.duration
    await asyncio.gather(*(c.run(until) for c in clients))
    seconds = time.perf_counter() - started
    for c in clients:
        await c.http.aclose()
    failed = report(stats, seconds, sys.stdout)
    if args.acked:
        with open(args.acked, "w", encoding="utf-8") as fh:
            for row in stats.acked:
                fh.write(json.dumps(row) + "\n")
    return 1 if failed else 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--mix", choices=["read", "write", "mixed", "analytics", "static"], default="mixed")
    parser.add_argument("--token", action="append", help="an API token (repeatable)")
    parser.add_argument("--username", default="city_admin", help="make tokens for this user")
    parser.add_argument("--tokens", type=int, default=1, help="how many tokens to make (clients share them)")
    parser.add_argument("--reader", help="send the reads as this user (tokens made as for --username)")
    parser.add_argument("--reader-token", action="append", help="an API token for the reads (repeatable)")
    parser.add_argument("--element", default="LETTERS_SENT", help="data element of created values")
    parser.add_argument(
        "--org-units",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[2, 3, 4, 5, 6],
        help="org unit ids for created values, comma-separated",
    )
    parser.add_argument("--run", type=int, default=0, help="run number: keeps created keys of runs apart")
    parser.add_argument("--acked", help="write acknowledged writes to this JSON Lines file")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= MAX_CLIENTS or not 0 < args.duration <= MAX_SECONDS:
        parser.error(f"clients 1..{MAX_CLIENTS}, duration up to {MAX_SECONDS} s")
    loopback_only(args.url)
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main_async(parse())))
