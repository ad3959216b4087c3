"""Dependencies shared by the API and the web pages: settings, one database session per request, and the
actor — from an API token (Authorization: Bearer …) or from the session cookie, with CSRF checked on
every unsafe request that a cookie authenticates."""

from __future__ import annotations

import functools
import hmac
import inspect
import ipaddress
import logging
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.routing import APIRoute
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from shanhai.auth import service as auth
from shanhai.auth.scope import Actor, actor_for
from shanhai.config import Settings
from shanhai.db import commit, transaction, without_waiting
from shanhai.errors import Forbidden, ShanhaiError
from shanhai.lib.types import MAX_ID

log = logging.getLogger("shanhai.auth")

SESSION_COOKIE = "shanhai_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
LOGIN_CSRF_COOKIE = "shanhai_login_csrf"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, committed when the route has returned and before its response is sent
    (scope="function"): a reply never says "saved" for data that is not there, and a failed commit is an
    error to the client (503/409), never a 2xx. Any error rolls everything back."""
    with transaction(request.app.state.session_factory) as session:
        yield session


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """The route's own thread commits its session as soon as the route returns: a write transaction (on
    SQLite, the write lock) never waits for another thread to become free, e.g. for serialising the
    response, while other requests hold every thread waiting for that lock. The session dependency's exit
    commits whatever is left (nothing, normally) before the response is sent."""

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, Session):
                commit(value)
        return result

    return run


class CommitRoute(APIRoute):
    """Every router of the app uses this route class (see `_committing`)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _committing(endpoint)
        super().__init__(path, endpoint, **kwargs)


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_ip(request: Request) -> str:
    """The client's address: the peer's, or the one a trusted proxy put into X-Forwarded-For (uvicorn
    applies SHANHAI_TRUSTED_PROXIES); anything that does not parse as an IP address is dropped."""
    host = request.client.host if request.client else ""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return ""


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]  # a record id in a path: beyond the key range is not there
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def sent_csrf(request: Request) -> str | None:
    """The CSRF token a request carries: the header, or the form field of a form post. Reading the body
    needs the event loop; everything that touches the database runs in worker threads, never here."""
    if request.method in SAFE_METHODS:
        return None
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        sent = str((await request.form()).get(CSRF_FIELD, ""))
    return sent


def get_actor(
    request: Request, session: SessionDep, sent: Annotated[str | None, Depends(sent_csrf)]
) -> Actor:
    """Runs in a worker thread like every route that uses the database (a blocking wait for a connection
    on the event loop would stop every other request)."""
    ip = client_ip(request)
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = auth.resolve_token(session=session, token=header[7:].strip())
        if token is None:
            raise auth.Unauthenticated("接口令牌无效、已过期或已吊销")
        user = token.user
        request.state.username, request.state.user_id = user.username, user.id
        actor = actor_for(session=session, user=user, ip=ip)
        request.state.actor = actor
        touch = auth.token_needs_touch(token)
        release(session)
        if touch:
            touch_token(request, token.id)
        return actor
    cookie = request.cookies.get(SESSION_COOKIE)
    row = auth.resolve_session(session=session, token=cookie) if cookie else None
    if row is None:
        raise auth.Unauthenticated("请先登录")
    request.state.username, request.state.user_id = row.user.username, row.user_id
    if request.method not in SAFE_METHODS and (not sent or not hmac.compare_digest(sent, row.csrf_token)):
        raise Forbidden("请求校验失败（CSRF），请刷新页面后重试", field=CSRF_FIELD)
    request.state.csrf_token = row.csrf_token
    request.state.session_id = row.id  # the account page marks this browser's own session
    actor = actor_for(session=session, user=row.user, ip=ip)
    request.state.actor = actor
    release(session)
    return actor


def release(session: Session) -> None:
    """End the read transaction so that its connection goes back to the pool before this thread is given
    up: a request never holds a connection while it waits for a thread (for its route) — with every
    thread waiting for a connection, that would stall the server until the pool's timeout."""
    commit(session)


def touch_token(request: Request, token_id: int) -> None:
    """Record a token's use in a short transaction of its own, at most every few minutes per token: a read
    with a token is no write, and never waits for a lock held by another request's write."""
    try:
        with transaction(request.app.state.session_factory) as side, without_waiting(side):
            auth.touch_token(session=side, token_id=token_id)
    except (ShanhaiError, SQLAlchemyError) as exc:  # busy or unreachable: the use is recorded next time
        log.debug("接口令牌使用时间未记录 / token use not recorded: %s", exc)


ActorDep = Annotated[Actor, Depends(get_actor)]


def check_login_csrf(request: Request, sent: str) -> None:
    """The login form has no session yet: double-submit cookie (cookie value == form field)."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise Forbidden("请求校验失败（CSRF），请刷新页面后重试", field=CSRF_FIELD)


MAX_FIELD = 10_000  # characters of one posted form field


async def posted_form(request: Request) -> dict[str, list[str]]:
    """The posted form, every value of every field as text (a multiple select sends several), read on the
    event loop; the route itself runs in a thread. A file field is ignored here."""
    form = await request.form()
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value[:MAX_FIELD])
    return out


FormDep = Annotated[dict[str, list[str]], Depends(posted_form)]
