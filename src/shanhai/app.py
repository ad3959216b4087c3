"""The ASGI application: API, web pages, static assets, one error mapping per front door, request log."""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from shanhai import __version__
from shanhai.analytics.replica import attach, use_replica
from shanhai.api.admin import router as admin_api_router
from shanhai.api.analytics import router as analytics_api_router
from shanhai.api.documents import router as documents_api_router
from shanhai.api.enterprises import router as enterprises_api_router
from shanhai.api.imports import router as imports_api_router
from shanhai.api.lists import router as lists_api_router
from shanhai.api.records import router as records_api_router
from shanhai.api.routes import router as api_router
from shanhai.api.setup import router as setup_api_router
from shanhai.auth.refusals import FLUSH_SECONDS, RefusalCounter, RefusalWriter
from shanhai.auth.scope import log_event
from shanhai.auth.service import Unauthenticated
from shanhai.config import Settings, get_settings
from shanhai.db import is_full, is_outage, make_engine, session_factory, transaction, translate
from shanhai.db import write_listeners as db_write_listeners
from shanhai.documents.extraction.readers import MAX_BYTES
from shanhai.errors import Forbidden, OutOfScope, ShanhaiError, Unavailable
from shanhai.health import Outage, check_at_start
from shanhai.http.deps import ActorDep, client_ip
from shanhai.imports.jobs import abandon_unfinished
from shanhai.imports.sheets import MAX_BYTES as SHEET_BYTES
from shanhai.middleware import BodyLimit, CatchAll, RequestLog, Shed
from shanhai.operations.attachments import MAX_ATTACHMENT
from shanhai.validation_messages import chinese
from shanhai.web.admin import router as web_admin_router
from shanhai.web.analytics import router as web_analytics_router
from shanhai.web.auth import router as web_auth_router
from shanhai.web.documents import router as web_documents_router
from shanhai.web.enterprises import router as web_enterprises_router
from shanhai.web.imports import router as web_imports_router
from shanhai.web.records import router as web_records_router
from shanhai.web.render import render
from shanhai.web.routes import router as web_router
from shanhai.web.setup import router as web_setup_router

STATIC = Path(__file__).parent / "web" / "static"

HTTP_MESSAGES = {
    400: "请求格式有误",
    404: "页面或记录不存在",
    405: "不支持的请求方法",
    413: "请求内容过大",
    422: "请求参数有误",
}


def _is_api(request: Request) -> bool:
    path = request.url.path
    return (path.startswith("/api/") and path != "/api/docs") or path == "/openapi.json"


def _error(request: Request, status: int, code: str, message: str, field: str | None = None) -> Response:
    if _is_api(request):
        body: dict[str, object] = {"code": code, "message": message}
        if field:
            body["field"] = field
        return JSONResponse({"error": body}, status_code=status)
    return render(request, "error.html", status_code=status, status=status, message=message)


def _log_refusal(request: Request, exc: ShanhaiError) -> None:
    """Refused access is logged in a transaction of its own: the request's own transaction rolls back. A
    client that is not signed in is only counted here, and logged once a minute per address by the
    background writer (auth.refusals): an unauthenticated request never takes the write lock."""
    message = f"{request.method} {request.url.path}：{exc.message}"
    if not getattr(request.state, "username", ""):  # nobody signed in (a token refused, a login's CSRF)
        # counted only: the background writer logs one row per address and minute (auth.refusals)
        request.app.state.refusals.note(client_ip(request), message)
        return
    try:
        with transaction(request.app.state.session_factory) as session:
            log_event(
                session=session,
                username=getattr(request.state, "username", "") or "（未登录）",
                user_id=getattr(request.state, "user_id", None),
                ip=client_ip(request),
                event="拒绝访问",
                message=message[:500],
            )
    except ShanhaiError:  # the database is down or busy: the refusal itself still stands
        pass


def openapi_document(request: Request, actor: ActorDep) -> JSONResponse:
    return JSONResponse(request.app.openapi())


def api_docs(request: Request, actor: ActorDep) -> Response:
    return render(request, "api_docs.html")


def favicon() -> Response:
    return Response(status_code=204)


def create_app(settings: Settings | None = None, *, check_database: bool = True) -> FastAPI:
    """The application. With check_database (the default) it refuses to start (StartupError, one line)
    unless the database is at this program's schema revision, intact and writable."""
    settings = settings or get_settings()
    vendored = ("echarts.min.js", "htmx.min.js", "swagger-ui-bundle.js", "swagger-ui.css")
    if not all((STATIC / "vendor" / name).is_file() for name in vendored):
        raise RuntimeError(
            "前端资源缺失 / front-end assets missing: run `make install` (npm ci + node frontend/vendor.mjs)"
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if check_database:  # import jobs a previous process left unfinished wrote nothing: they say so
            await run_in_threadpool(abandon_unfinished, app.state.session_factory)
        writer = RefusalWriter(
            lambda: app.state.refusals,
            lambda: app.state.session_factory,
            every=getattr(app.state, "refusal_flush_seconds", FLUSH_SECONDS),
        ).start()
        try:
            yield
        finally:
            await run_in_threadpool(writer.stop)

    app = FastAPI(
        lifespan=lifespan,
        title="山海 Shanhai API",
        version=__version__,
        description="徐州对口支援协作合作与重点工作的规划、跟踪与报告平台。每个页面都有同源的 JSON 接口。",
        openapi_url=None,  # served below, to signed-in users only
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.effective_database_url)
    if check_database:
        check_at_start(app.state.engine)
    app.state.outage = Outage()
    # a transaction that wrote has committed: the disk takes writes again (health's read_only ends)
    this = weakref.ref(app)  # the listener outlives no app

    def committed() -> None:
        live = this()
        if live is not None:
            live.state.outage.wrote(time.monotonic())

    db_write_listeners.append(committed)
    app.state.refusals = RefusalCounter()
    app.state.session_factory = session_factory(app.state.engine)
    app.state.replica = None
    if use_replica(app.state.engine, settings.analytics_engine):
        started = time.perf_counter()
        app.state.replica = attach(app.state.engine)
        logging.getLogger("shanhai.analytics").info(
            "分析引擎 / analytics engine: DuckDB 副本 replica, %s 行 rows, %.1f s",
            f"{app.state.replica.rows:,}",
            time.perf_counter() - started,
        )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api_router)
    app.include_router(admin_api_router)
    app.include_router(analytics_api_router)
    app.include_router(lists_api_router)
    app.include_router(records_api_router)
    app.include_router(enterprises_api_router)
    app.include_router(imports_api_router)
    app.include_router(documents_api_router)
    app.include_router(setup_api_router)
    app.include_router(web_analytics_router)
    app.include_router(web_auth_router)
    app.include_router(web_records_router)
    app.include_router(web_enterprises_router)
    app.include_router(web_imports_router)
    app.include_router(web_documents_router)
    app.include_router(web_setup_router)  # first: /admin/roles/new is not /admin/roles/{role_id}
    app.include_router(web_admin_router)
    app.include_router(web_router)

    # module-level endpoints: FastAPI caches what it learns of each endpoint and dependency by the callable,
    # so a closure over this app would keep every app ever built alive
    app.add_api_route("/openapi.json", openapi_document, include_in_schema=False)
    app.add_api_route("/api/docs", api_docs, include_in_schema=False)
    app.add_api_route("/favicon.ico", favicon, include_in_schema=False)

    @app.exception_handler(ShanhaiError)
    async def domain_error(request: Request, exc: ShanhaiError) -> Response:
        if isinstance(exc, Unavailable) and isinstance(exc.__cause__, SQLAlchemyError):
            if is_outage(exc.__cause__):
                app.state.outage.failed(exc.__cause__)
            elif is_full(exc.__cause__):
                app.state.outage.write_failed(exc.__cause__)
        elif isinstance(exc, Unauthenticated | Forbidden | OutOfScope):
            await run_in_threadpool(_log_refusal, request, exc)
        if isinstance(exc, Unauthenticated) and not _is_api(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return _error(request, exc.status, exc.code, exc.message, exc.field)

    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, exc: SQLAlchemyError) -> Response:
        """A conflict (stale version, a key taken by a parallel request) is 409; an unreachable, busy or
        full database is 503 with the usual error body, and the connection stays open."""
        error = translate(exc)
        if error is None:
            logging.getLogger("shanhai.db").exception("数据库错误 / database error")
            return _error(request, 500, "internal", "服务器内部错误，已记录，请稍后重试")
        error.__cause__ = exc
        return await domain_error(request, error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        """The last resort (logged by the request log): the usual error body, in Chinese."""
        return _error(request, 500, "internal", "服务器内部错误，已记录，请稍后重试")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        return _error(
            request, exc.status_code, "not_found" if exc.status_code == 404 else "http_error", message
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(part) for part in first.get("loc", ()) if part not in ("path", "query", "body")]
        field = None if first.get("type") == "json_invalid" else ".".join(loc) or None
        if not _is_api(request) and first.get("loc", ("",))[0] == "path":
            return _error(
                request, 404, "not_found", HTTP_MESSAGES[404]
            )  # /programmes/abc is simply not there
        return _error(request, 422, "invalid", f"参数“{field or '请求'}”{chinese(first)}", field)

    def on_response(method: str, path: str, status: int, began: float) -> None:
        if status < 400 and not path.startswith(("/static/", "/login", "/favicon")):
            app.state.outage.recovered(began)

    def internal_error(scope: Scope) -> Response:
        return _error(Request(scope), 500, "internal", "服务器内部错误，已记录，请稍后重试")

    app.add_middleware(CatchAll, respond=internal_error)  # innermost: the connection stays open after a 500
    app.add_middleware(
        BodyLimit,
        limit=settings.max_body_bytes,
        upload_limit=max(MAX_ATTACHMENT, MAX_BYTES) + 64 * 1024,
        upload_suffixes=("/attachments", "/documents/upload"),
        upload_prefixes=("/imports/", "/api/v1/imports/"),
        prefix_limit=SHEET_BYTES + 64 * 1024,
    )
    app.add_middleware(Shed, limit=settings.max_inflight)
    app.add_middleware(RequestLog, on_response=on_response)  # outermost: shed requests are logged too
    return app
