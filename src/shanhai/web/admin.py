"""Administration pages: users, roles (menu/button permission tree, data scope), audit and login logs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from shanhai.auth import service as auth
from shanhai.auth.models import DataScope, User
from shanhai.auth.permissions import MENUS
from shanhai.errors import Invalid, ShanhaiError
from shanhai.http.deps import ActorDep, CommitRoute, IdPath, SessionDep
from shanhai.lib.types import MAX_ID, DbId, Text
from shanhai.lists import catalogue
from shanhai.orgunits.models import OrgUnit
from shanhai.web.lists import render_list
from shanhai.web.render import recoverable, render

router = APIRouter(
    route_class=CommitRoute, prefix="/admin", default_response_class=HTMLResponse, include_in_schema=False
)


def _units(session: SessionDep) -> list[OrgUnit]:
    """All units in tree order (each parent followed by its children in their sort order)."""
    units = list(session.scalars(select(OrgUnit)))
    by_id = {u.id: u for u in units}

    def key(unit: OrgUnit) -> tuple[int, ...]:
        return tuple(by_id[int(i)].sort_order for i in unit.path.strip("/").split("/"))

    return sorted(units, key=key)


@router.get("/users", summary="用户管理")
def users_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    actions = [("新增用户", "/admin/users/new")] if actor.can("users:create") else []
    return render_list(request, session, actor, catalogue.USERS, heading="用户管理", actions=actions)


def _user_form(
    request: Request, session: SessionDep, user: User | None, error: ShanhaiError | None = None
) -> Response:
    return render(
        request,
        "admin/user_form.html",
        status_code=error.status if error else 200,
        user=user,
        units=_units(session),
        roles=auth.list_roles(session=session),
        error=error,
        locked=user is not None and auth.is_locked(user),
        json_url=f"/api/v1/users/{user.id}" if user else "/api/v1/users",
    )


@router.get("/users/new", summary="新增用户")
def new_user_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    actor.require("users:create")
    return _user_form(request, session, None)


@router.post("/users/new", summary="新增用户")
def create_user(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    username: Annotated[Text, Form(max_length=64)] = "",
    display_name: Annotated[Text, Form(max_length=64)] = "",
    password: Annotated[Text, Form(max_length=256)] = "",
    org_unit_id: Annotated[int, Form(ge=0, le=MAX_ID)] = 0,
    role_ids: Annotated[list[DbId] | None, Form()] = None,
) -> Response:
    try:
        user = auth.create_user(
            session=session,
            actor=actor,
            username=username,
            display_name=display_name,
            password=password,
            org_unit_id=org_unit_id,
            role_ids=role_ids or [],
        )
    except ShanhaiError as exc:
        recoverable(exc, session)
        return _user_form(request, session, None, exc)
    return RedirectResponse(f"/admin/users/{user.id}?saved=1", status_code=303)


@router.get("/users/{user_id}", summary="编辑用户")
def edit_user_page(user_id: IdPath, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    return _user_form(request, session, auth.view_user(session=session, actor=actor, user_id=user_id))


@router.post("/users/{user_id}", summary="保存用户")
def update_user(
    user_id: IdPath,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    version: Annotated[int, Form(ge=0, le=MAX_ID)],
    display_name: Annotated[Text, Form(max_length=64)] = "",
    org_unit_id: Annotated[int, Form(ge=0, le=MAX_ID)] = 0,
    role_ids: Annotated[list[DbId] | None, Form()] = None,
    is_active: Annotated[Text, Form()] = "",
) -> Response:
    try:
        auth.update_user(
            session=session,
            actor=actor,
            user_id=user_id,
            version=version,
            display_name=display_name,
            org_unit_id=org_unit_id,
            role_ids=role_ids or [],
            is_active=bool(is_active),
        )
    except ShanhaiError as exc:
        recoverable(exc, session)
        return _user_form(request, session, auth.get_user(session=session, user_id=user_id), exc)
    return RedirectResponse(f"/admin/users/{user_id}?saved=1", status_code=303)


@router.post("/users/{user_id}/password", summary="重置用户密码")
def reset_password(
    user_id: IdPath,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    new_password: Annotated[Text, Form(max_length=256)] = "",
) -> Response:
    try:
        auth.reset_password(session=session, actor=actor, user_id=user_id, new=new_password)
    except ShanhaiError as exc:
        recoverable(exc, session)
        return _user_form(request, session, auth.get_user(session=session, user_id=user_id), exc)
    return RedirectResponse(f"/admin/users/{user_id}?saved=password", status_code=303)


@router.post("/users/{user_id}/unlock", summary="解锁用户")
def unlock_user(user_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    auth.unlock_user(session=session, actor=actor, user_id=user_id)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/roles", summary="角色管理")
def roles_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    actions = [("新增角色", "/admin/roles/new")] if actor.can("roles:create") else []
    return render_list(request, session, actor, catalogue.ROLES, heading="角色管理", actions=actions)


def _role_form(
    request: Request, session: SessionDep, role_id: int, error: ShanhaiError | None = None
) -> Response:
    return render(
        request,
        "admin/role_form.html",
        status_code=error.status if error else 200,
        role=auth.get_role(session=session, role_id=role_id),
        menus=MENUS,
        units=_units(session),
        error=error,
        json_url=f"/api/v1/roles/{role_id}",
    )


@router.get("/roles/{role_id}", summary="编辑角色")
def edit_role_page(role_id: IdPath, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    actor.require("roles:view")
    return _role_form(request, session, role_id)


@router.post("/roles/{role_id}", summary="保存角色")
def update_role(
    role_id: IdPath,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    version: Annotated[int, Form(ge=0, le=MAX_ID)],
    name: Annotated[Text, Form(max_length=64)] = "",
    data_scope: Annotated[Text, Form()] = "",
    permissions: Annotated[list[Text] | None, Form()] = None,
    custom_unit_ids: Annotated[list[DbId] | None, Form()] = None,
) -> Response:
    try:
        try:
            scope = DataScope(data_scope)
        except ValueError as exc:
            raise Invalid("请选择数据权限范围", field="data_scope") from exc
        auth.update_role(
            session=session,
            actor=actor,
            role_id=role_id,
            version=version,
            name=name,
            data_scope=scope,
            permissions=set(permissions or []),
            custom_unit_ids=custom_unit_ids or [],
        )
    except ShanhaiError as exc:
        recoverable(exc, session)
        return _role_form(request, session, role_id, exc)
    return RedirectResponse(f"/admin/roles/{role_id}?saved=1", status_code=303)


@router.get("/audit", summary="操作日志")
def audit_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    return render_list(request, session, actor, catalogue.AUDIT)


@router.get("/logins", summary="登录日志")
def logins_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    return render_list(request, session, actor, catalogue.LOGINS)
