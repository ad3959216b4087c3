"""JSON API for accounts and administration: me, tokens, users, roles, permissions, audit and login logs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from shanhai.auth import service as auth
from shanhai.auth.models import Role, User
from shanhai.auth.permissions import ACTION_LABELS, MENUS, Menu
from shanhai.auth.schemas import (
    AccountRead,
    MeRead,
    PasswordReset,
    RoleRead,
    RoleUpdate,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from shanhai.http.deps import ActorDep, CommitRoute, IdPath, SessionDep
from shanhai.http.errors import ERROR_RESPONSES
from shanhai.lib.types import Text
from shanhai.pagination import MAX_LIMIT

router = APIRouter(route_class=CommitRoute, prefix="/api/v1", responses=ERROR_RESPONSES)
Offset = Annotated[int, Query(ge=0, le=10**9)]
Filter = Annotated[Text | None, Query(max_length=100)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def user_read(user: User) -> UserRead:
    read = UserRead.model_validate(user)
    read.locked = auth.is_locked(user)
    return read


def role_read(role: Role) -> RoleRead:
    return RoleRead.model_validate(
        {
            "id": role.id,
            "code": role.code,
            "name": role.name,
            "data_scope": role.data_scope,
            "description": role.description,
            "version": role.version,
            "permissions": sorted(role.permissions),
            "custom_units": role.custom_units,
        }
    )


def menu_tree(menu: Menu) -> dict[str, Any]:
    return {
        "code": menu.code,
        "label": menu.label,
        "buttons": [{"permission": f"{menu.code}:{a}", "label": ACTION_LABELS[a]} for a in menu.actions],
        "children": [menu_tree(child) for child in menu.children],
    }


@router.get("/me", response_model=MeRead, summary="当前用户")
def me(actor: ActorDep) -> MeRead:
    return MeRead(
        user_id=actor.user_id,
        username=actor.username,
        display_name=actor.display_name,
        roles=list(actor.roles),
        permissions=sorted(actor.permissions),
    )


@router.get(
    "/account", response_model=AccountRead, summary="我的账号（页面 /account 的数据：登录的浏览器、令牌）"
)
def account(request: Request, session: SessionDep, actor: ActorDep) -> AccountRead:
    return auth.account(
        session=session, actor=actor, current_session=getattr(request.state, "session_id", None)
    )


def _me(session: SessionDep, actor: ActorDep) -> User:
    if actor.user_id is None:
        raise auth.Unauthenticated("请先登录")
    return auth.get_user(session=session, user_id=actor.user_id)


@router.get("/tokens", response_model=list[TokenRead], summary="我的接口令牌")
def list_tokens(session: SessionDep, actor: ActorDep) -> list[TokenRead]:
    return [TokenRead.model_validate(t) for t in auth.list_tokens(session=session, user=_me(session, actor))]


@router.post(
    "/tokens", response_model=TokenCreated, status_code=201, summary="创建接口令牌（明文只显示一次）"
)
def create_token(body: TokenCreate, session: SessionDep, actor: ActorDep) -> TokenCreated:
    user = _me(session, actor)
    token = auth.create_token(session=session, actor=actor, user=user, name=body.name, days=body.days)
    row = auth.list_tokens(session=session, user=user)[-1]
    return TokenCreated.model_validate({**TokenRead.model_validate(row).model_dump(), "token": token})


@router.delete("/tokens/{token_id}", status_code=204, summary="吊销接口令牌")
def revoke_token(token_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    auth.revoke_token(session=session, actor=actor, token_id=token_id)
    return Response(status_code=204)


@router.get("/permissions", summary="菜单与按钮权限树")
def permissions(actor: ActorDep) -> list[dict[str, Any]]:
    actor.require("roles:view")
    return [menu_tree(m) for m in MENUS]


@router.post("/users", response_model=UserRead, status_code=201, summary="新增用户")
def create_user(body: UserCreate, session: SessionDep, actor: ActorDep) -> UserRead:
    user = auth.create_user(
        session=session,
        actor=actor,
        username=body.username,
        display_name=body.display_name,
        password=body.password,
        org_unit_id=body.org_unit_id,
        role_ids=body.role_ids,
    )
    return user_read(user)


@router.get("/users/{user_id}", response_model=UserRead, summary="用户详情")
def get_user(user_id: IdPath, session: SessionDep, actor: ActorDep) -> UserRead:
    return user_read(auth.view_user(session=session, actor=actor, user_id=user_id))


@router.put("/users/{user_id}", response_model=UserRead, summary="修改用户（单位、角色、启用）")
def update_user(user_id: IdPath, body: UserUpdate, session: SessionDep, actor: ActorDep) -> UserRead:
    user = auth.update_user(
        session=session,
        actor=actor,
        user_id=user_id,
        version=body.version,
        display_name=body.display_name,
        org_unit_id=body.org_unit_id,
        role_ids=body.role_ids,
        is_active=body.is_active,
    )
    return user_read(user)


@router.post("/users/{user_id}/unlock", response_model=UserRead, summary="解锁用户")
def unlock_user(user_id: IdPath, session: SessionDep, actor: ActorDep) -> UserRead:
    return user_read(auth.unlock_user(session=session, actor=actor, user_id=user_id))


@router.post(
    "/users/{user_id}/password", response_model=UserRead, summary="重置用户密码（并结束其所有登录会话）"
)
def reset_password(user_id: IdPath, body: PasswordReset, session: SessionDep, actor: ActorDep) -> UserRead:
    return user_read(
        auth.reset_password(session=session, actor=actor, user_id=user_id, new=body.new_password)
    )


@router.get("/roles", response_model=list[RoleRead], summary="角色列表")
def list_roles(session: SessionDep, actor: ActorDep) -> list[RoleRead]:
    actor.require("roles:view")
    return [role_read(r) for r in auth.list_roles(session=session)]


@router.get("/roles/{role_id}", response_model=RoleRead, summary="角色详情")
def get_role(role_id: IdPath, session: SessionDep, actor: ActorDep) -> RoleRead:
    actor.require("roles:view")
    return role_read(auth.get_role(session=session, role_id=role_id))


@router.put("/roles/{role_id}", response_model=RoleRead, summary="修改角色（权限与数据范围）")
def update_role(role_id: IdPath, body: RoleUpdate, session: SessionDep, actor: ActorDep) -> RoleRead:
    role = auth.update_role(
        session=session,
        actor=actor,
        role_id=role_id,
        version=body.version,
        name=body.name,
        data_scope=body.data_scope,
        permissions=set(body.permissions),
        custom_unit_ids=body.custom_unit_ids,
    )
    return role_read(role)
