"""Login, logout, change password, signed-in browsers, API tokens — the account pages."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shanhai.auth import service as auth
from shanhai.auth.models import User
from shanhai.errors import Invalid, ShanhaiError
from shanhai.http.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    ActorDep,
    CommitRoute,
    IdPath,
    SessionDep,
    check_login_csrf,
    client_ip,
)
from shanhai.lib.types import Text
from shanhai.web.render import recoverable, render

router = APIRouter(route_class=CommitRoute, default_response_class=HTMLResponse, include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only paths of this site: never an absolute URL to somewhere else (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


def _login_form(
    request: Request, next_url: str, error: str = "", username: str = "", status: int = 200
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "auth/login.html",
        status_code=status,
        login_csrf=token,
        next_url=next_url,
        error=error,
        username=username,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


@router.get("/login", summary="登录")
def login_page(request: Request, session: SessionDep, next: str | None = None) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and auth.resolve_session(session=session, token=cookie):
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_form(request, _safe_next(next))


@router.post("/login", summary="登录")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[Text, Form(max_length=64)] = "",
    password: Annotated[Text, Form(max_length=256)] = "",
    csrf_token: Annotated[Text, Form()] = "",
    next: Annotated[Text, Form()] = "/",
) -> Response:
    check_login_csrf(request, csrf_token)
    target = _safe_next(next)
    if not username or not password:
        return _login_form(request, target, "请输入用户名和密码", username, status=400)
    try:
        user = auth.authenticate(session=session, username=username, password=password, ip=client_ip(request))
    except auth.Unauthenticated as exc:  # 401, or 429 for an address with too many failures
        return _login_form(request, target, exc.message, username, status=exc.status)
    old = request.cookies.get(SESSION_COOKIE)
    if old:  # whatever session id the browser brought is dropped: a fresh one is issued (no fixation)
        auth.end_session(session=session, token=old, ip=client_ip(request))
    token, _ = auth.start_session(session=session, user=user, ip=client_ip(request))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=auth.SESSION_HOURS * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout", summary="退出登录")
def logout(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.end_session(session=session, token=token, ip=actor.ip)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _account(
    request: Request, session: SessionDep, user: User, error: ShanhaiError | None = None, **extra: object
) -> Response:
    actor = request.state.actor
    data = auth.account(
        session=session, actor=actor, current_session=getattr(request.state, "session_id", None)
    )
    return render(
        request,
        "auth/account.html",
        status_code=error.status if error else 200,
        user=user,
        data=data,
        tokens=data.tokens,
        sessions=data.sessions,
        current_session=data.current_session,
        error=error,
        json_url="/api/v1/account",
        **extra,
    )


@router.get("/account", summary="我的账号")
def account_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    return _account(request, session, auth.get_user(session=session, user_id=actor.user_id or 0))


@router.post("/account/password", summary="修改密码")
def change_password(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    old_password: Annotated[Text, Form(max_length=256)] = "",
    new_password: Annotated[Text, Form(max_length=256)] = "",
    confirm_password: Annotated[Text, Form(max_length=256)] = "",
) -> Response:
    user = auth.get_user(session=session, user_id=actor.user_id or 0)
    try:
        if new_password != confirm_password:
            raise Invalid("两次输入的新密码不一致", field="confirm_password")
        auth.change_password(session=session, user=user, old=old_password, new=new_password, ip=actor.ip)
    except auth.WrongCurrentPassword as exc:  # the failure's count and log are kept: no rollback
        return _account(request, session, user, exc)
    except ShanhaiError as exc:
        recoverable(exc, session)
        return _account(request, session, user, exc)
    token, _ = auth.start_session(session=session, user=user, ip=actor.ip)  # other sessions were ended
    response = RedirectResponse("/account?changed=1", status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
    return response


@router.post("/account/tokens", summary="创建接口令牌")
def create_token(
    request: Request, session: SessionDep, actor: ActorDep, name: Annotated[Text, Form(max_length=64)] = ""
) -> Response:
    user = auth.get_user(session=session, user_id=actor.user_id or 0)
    try:
        token = auth.create_token(session=session, actor=actor, user=user, name=name)
    except ShanhaiError as exc:
        recoverable(exc, session)
        return _account(request, session, user, exc)
    return _account(request, session, user, new_token=token)


@router.post("/account/sessions/{session_id}/end", summary="结束一个登录会话")
def end_session(session_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    auth.end_own_session(session=session, actor=actor, session_id=session_id)
    return RedirectResponse("/account?ended=1", status_code=303)


@router.post("/account/tokens/{token_id}/revoke", summary="吊销接口令牌")
def revoke_token(token_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    auth.revoke_token(session=session, actor=actor, token_id=token_id)
    return RedirectResponse("/account", status_code=303)
