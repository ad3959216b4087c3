"""A 500 keeps the client's connection open: Starlette's last resort answers and then re-raises, and the
server used to close the connection, so one bug cost the client's next request too (the outside trials).
The app's own last resort (middleware.CatchAll) answers with the usual error body and raises nothing."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI

from shanhai.app import create_app
from shanhai.config import Settings
from tests.conftest import Database
from tests.reliability.harness import free_port


def _boom() -> None:
    raise RuntimeError("a bug")


@pytest.fixture
def served_app(demo_db: Database, tmp_path) -> Iterator[int]:
    if demo_db.backend != "sqlite":
        pytest.skip("one backend is enough: the connection handling is the server's")
    app: FastAPI = create_app(Settings(database_url=demo_db.url, data_dir=tmp_path))
    app.add_api_route("/api/v1/boom", _boom)
    app.add_api_route("/boom", _boom)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


def _answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection mid-answer"
        body += chunk
    return int(lines[0].split()[1]), headers, body[:length]


@pytest.mark.parametrize("path", ["/api/v1/boom", "/boom"])
def test_a_500_leaves_the_connection_open_for_the_next_request(served_app: int, path: str) -> None:
    with socket.create_connection(("127.0.0.1", served_app), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        status, headers, body = _answer(sock)
        assert status == 500 and headers.get("connection", "").lower() != "close"
        assert "服务器内部错误" in body.decode()
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\n")
        status, _headers, body = _answer(sock)
        assert status == 200 and b'"ok"' in body
