"""Dependencies shared by the API and the web pages: settings, one database session per request, and the
actor — from an API token (Authorization: Bearer …) or from the session cookie, with CSRF checked on
every unsafe request that a cookie authenticates."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from shanhai.auth import service as auth
from shanhai.auth.scope import Actor, actor_for
from shanhai.config import Settings
from shanhai.db import transaction
from shanhai.errors import Forbidden

SESSION_COOKIE = "shanhai_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
LOGIN_CSRF_COOKIE = "shanhai_login_csrf"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_session(request: Request) -> Iterator[Session]:
    with transaction(request.app.state.session_factory) as session:
        yield session


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_actor(request: Request, session: SessionDep) -> Actor:
    ip = client_ip(request)
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = auth.resolve_token(session=session, token=header[7:].strip())
        if user is None:
            raise auth.Unauthenticated("接口令牌无效、已过期或已吊销")
        request.state.username, request.state.user_id = user.username, user.id
        actor = actor_for(session=session, user=user, ip=ip)
        request.state.actor = actor
        return actor
    cookie = request.cookies.get(SESSION_COOKIE)
    row = auth.resolve_session(session=session, token=cookie) if cookie else None
    if row is None:
        raise auth.Unauthenticated("请先登录")
    request.state.username, request.state.user_id = row.user.username, row.user_id
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and "form" in request.headers.get("content-type", ""):
            sent = str((await request.form()).get(CSRF_FIELD, ""))
        if not sent or not hmac.compare_digest(sent, row.csrf_token):
            raise Forbidden("请求校验失败（CSRF），请刷新页面后重试", field=CSRF_FIELD)
    request.state.csrf_token = row.csrf_token
    request.state.session_id = row.id  # the account page marks this browser's own session
    actor = actor_for(session=session, user=row.user, ip=ip)
    request.state.actor = actor
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]


def check_login_csrf(request: Request, sent: str) -> None:
    """The login form has no session yet: double-submit cookie (cookie value == form field)."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise Forbidden("请求校验失败（CSRF），请刷新页面后重试", field=CSRF_FIELD)
