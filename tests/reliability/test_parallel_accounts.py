"""Accounts under parallel attack, as real parallel requests against a served app: at most five password
checks before the lock, every attempt logged, never a 500; the per-address throttle holds too."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.conftest import PASSWORD, Database
from tests.reliability.harness import Server, demo_database, scalar
from tests.reliability.test_load_and_faults import served  # noqa: F401  (the fixture)


def _login(base: str, username: str, password: str, barrier: threading.Barrier) -> int:
    with httpx.Client(base_url=base, timeout=60) as browser:
        form = browser.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token
        barrier.wait()
        data = {"username": username, "password": password, "csrf_token": token.group(1)}
        return browser.post("/login", data=data).status_code


def test_thirty_parallel_guesses_get_at_most_five_password_checks(served, tmp_path: Path) -> None:  # noqa: F811
    db, engine = served
    server = Server(db.url, tmp_path).start()
    barrier = threading.Barrier(10)
    guesses = [f"Wrong-guess-{n}" for n in range(29)] + [PASSWORD]
    try:
        with ThreadPoolExecutor(10) as pool:
            codes = list(pool.map(lambda p: _login(server.base, "viewer", p, barrier), guesses))
    finally:
        server.stop()
    assert set(codes) <= {200, 303, 401, 429}, codes  # never a 500
    events = dict(
        (
            row,
            scalar(
                engine, "SELECT count(*) FROM login_log WHERE username = 'viewer' AND message = :m", m=row
            ),
        )
        for row in ("密码错误", "账号已锁定", "")
    )
    locks = scalar(engine, "SELECT count(*) FROM login_log WHERE username = 'viewer' AND event = '账号锁定'")
    checks = events["密码错误"] + locks + codes.count(303)
    assert checks <= 5, (events, locks, codes)
    logged = scalar(engine, "SELECT count(*) FROM login_log WHERE username = 'viewer'")
    assert logged == 30  # every attempt logged (those the address throttle refused too)
    failed = scalar(engine, "SELECT failed_logins FROM users WHERE username = 'viewer'")
    assert codes.count(303) == 1 or failed == 5


def test_forty_parallel_failures_from_one_address_let_at_most_twenty_through(tmp_path: Path) -> None:
    db = Database("sqlite", tmp_path)
    engine = demo_database(db.url)
    server = Server(db.url, tmp_path).start()
    barrier = threading.Barrier(10)
    try:
        with ThreadPoolExecutor(10) as pool:
            codes = list(
                pool.map(lambda n: _login(server.base, f"nobody{n}", "Wrong-1234", barrier), range(40))
            )
    finally:
        server.stop()
    assert codes.count(401) <= 20 and codes.count(429) >= 20, codes
    engine.dispose()


def _last_login_ip(engine) -> str:  # type: ignore[no-untyped-def]
    return str(scalar(engine, "SELECT ip FROM login_log ORDER BY id DESC LIMIT 1"))


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    db = Database("sqlite", tmp_path)
    engine = demo_database(db.url)

    def login_from(server: Server, forwarded: str) -> str:
        with httpx.Client(base_url=server.base) as browser:
            token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)
            assert token
            data = {"username": "viewer", "password": "Wrong-pass-1", "csrf_token": token.group(1)}
            browser.post("/login", data=data, headers={"X-Forwarded-For": forwarded})
        return _last_login_ip(engine)

    server = Server(db.url, tmp_path).start()
    try:
        assert login_from(server, "1.2.3.4") == "127.0.0.1"  # no trusted proxy: the header is ignored
    finally:
        server.stop()
    server = Server(db.url, tmp_path, SHANHAI_TRUSTED_PROXIES="127.0.0.1").start()
    try:
        assert login_from(server, "1.2.3.4") == "1.2.3.4"
        assert login_from(server, "=cmd|' /C calc'!A0") == ""  # not an IP: dropped
    finally:
        server.stop()
    engine.dispose()
