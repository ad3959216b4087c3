"""Pure ASGI middleware for every request: the request log (one line with the status, 5xx included) and the
security headers; the body limit; shedding (a request beyond the in-flight limit is answered 503 at once).
Pure ASGI rather than Starlette's BaseHTTPMiddleware: no extra task per request, and an exception that
escapes the app is still logged as a 500."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("shanhai.request")

# Only the app's own assets: no inline script, no CDN. ECharts needs inline styles on its canvas.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CSP,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class RequestLog:
    def __init__(
        self, app: ASGIApp, on_response: Callable[[str, str, int, float], None] | None = None
    ) -> None:
        self.app = app
        self.on_response = on_response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, began = time.perf_counter(), time.monotonic()
        method, path = scope["method"], scope["path"]
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if scope.get("scheme") == "https":
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
                if path.startswith("/api/") or method != "GET":
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            ms = (time.perf_counter() - started) * 1000
            log.exception("method=%s path=%s status=500 ms=%.1f", method, path, ms)
            raise
        ms = (time.perf_counter() - started) * 1000
        # a 503 (the database down, busy or full) is logged once per outage by health.Outage
        level = logging.INFO if status < 500 or status == 503 else logging.ERROR
        log.log(level, "method=%s path=%s status=%s ms=%.1f", method, path, status, ms)
        if self.on_response is not None:
            self.on_response(method, path, status, began)


class BodyLimit:
    """Refuse a request body over `limit` bytes with 413 (in Chinese) before the app parses it: at once when
    the Content-Length says so; a body sent without one (chunked) is read up to the limit first, then
    handed on. Starlette's own form parser would otherwise answer an oversized field in English."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        upload_limit: int = 0,
        upload_suffixes: tuple[str, ...] = (),
        upload_prefixes: tuple[str, ...] = (),
        prefix_limit: int = 0,
    ) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = max(upload_limit, limit)
        self.upload_suffixes = upload_suffixes  # file uploads (attachments) may be larger than a form
        self.upload_prefixes = upload_prefixes  # … and workbooks to import, up to their own limit
        self.prefix_limit = max(prefix_limit, limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = self.limit
        if self.upload_suffixes and path.endswith(self.upload_suffixes):
            limit = self.upload_limit
        elif self.upload_prefixes and path.startswith(self.upload_prefixes):
            limit = self.prefix_limit
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > limit:
                await self._refuse(scope, send, limit)
                return
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = bool(message.get("more_body", False))
            if size > limit:
                await self._refuse(scope, send, limit)
                return
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        message = f"请求内容过大（最多 {limit // 1024:,} KB）"
        if scope["path"].startswith("/api/"):
            body = json.dumps({"error": {"code": "too_large", "message": message}}, ensure_ascii=False)
            kind = b"application/json"
        else:
            body = f"<!doctype html><meta charset=utf-8><title>413</title><p>{message}</p>"
            kind = b"text/html; charset=utf-8"
        data = body.encode()
        headers = [(b"content-type", kind), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": data})


BUSY_JSON = json.dumps(
    {"error": {"code": "busy", "message": "服务繁忙，请稍后重试", "field": None}}, ensure_ascii=False
).encode()
BUSY_HTML = (
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>服务繁忙</title>'
    "<p>服务繁忙，请稍后刷新重试。</p></html>"
).encode()
EXEMPT = ("/static/", "/api/v1/health", "/favicon.ico")


class Shed:
    """At most `limit` requests of this process in flight (running or waiting for a thread): one more is
    answered 503 with Retry-After at once, instead of waiting behind the others until the client gives up.
    Static files and the health check are never shed (a load balancer must still see the process)."""

    def __init__(self, app: ASGIApp, limit: int, retry_after: int = 1) -> None:
        self.app = app
        self.limit = limit
        self.retry_after = retry_after
        self.inflight = 0
        self.shed = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT):
            await self.app(scope, receive, send)
            return
        if self.inflight >= self.limit:
            self.shed += 1
            api = scope["path"].startswith("/api/")
            body = BUSY_JSON if api else BUSY_HTML
            kind = b"application/json" if api else b"text/html; charset=utf-8"
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", kind),
                        (b"content-length", str(len(body)).encode()),
                        (b"retry-after", str(self.retry_after).encode()),
                        (b"cache-control", b"no-store"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        self.inflight += 1  # one event loop per process: no lock needed between awaits
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1


class CatchAll:
    """An exception that escapes the app is answered here with `respond`'s 500 (the usual error body) and
    logged with its traceback. Starlette's own last resort answers too but then re-raises, and the server
    closes the connection: one bug would cost the client's next request as well."""

    def __init__(self, app: ASGIApp, respond: Callable[[Scope], Any]) -> None:
        self.app = app
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception:
            if started:  # half an answer is out: nothing sensible can follow it
                raise
            log.exception("method=%s path=%s 未处理的错误 / unhandled error", scope["method"], scope["path"])
            response = self.respond(scope)
            await response(scope, receive, send)
