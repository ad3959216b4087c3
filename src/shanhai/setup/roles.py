"""角色管理 beyond editing (auth.service.update_role): a new role, a copy of a role, and deleting a role
that no user holds. Nobody creates a role with more than they hold themselves."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shanhai.audit.service import Action
from shanhai.auth.models import DataScope, Role, RolePermission, User
from shanhai.auth.permissions import check_known
from shanhai.auth.scope import Actor
from shanhai.auth.service import get_role
from shanhai.db import same_version
from shanhai.errors import Conflict, Forbidden, Invalid
from shanhai.setup.common import audit, code, insert_unique, text

MODULE = "系统管理"


def _check_name_free(session: Session, name: str) -> None:
    if session.scalar(select(Role.id).where(Role.name == name.strip())) is not None:
        raise Conflict(f"已有名为“{name.strip()}”的角色，请换一个名称", field="name")


def _check_rights(actor: Actor, permissions: set[str], scope: DataScope) -> None:
    check_known(permissions)
    if not permissions <= actor.permissions:
        extra = "、".join(sorted(permissions - actor.permissions))
        raise Forbidden(f"不能授予本人没有的权限：{extra}", field="permissions")
    if scope in (DataScope.ALL, DataScope.CUSTOM) and not actor.scope_all:
        raise Forbidden("不能创建超出本人数据范围的角色（全部数据或自定义单位）", field="data_scope")


def create_role(
    *,
    session: Session,
    actor: Actor,
    code_: str,
    name: str,
    data_scope: str,
    description: str = "",
    permissions: set[str] | None = None,
) -> Role:
    """A new role: its permissions are ticked afterwards on the role's page (or given here)."""
    actor.require("roles:create")
    try:
        scope = DataScope(data_scope)
    except ValueError as exc:
        raise Invalid(f"没有这种数据范围：{data_scope[:20]}", field="data_scope") from exc
    if scope is DataScope.CUSTOM:
        raise Invalid(
            "自定义数据范围的单位请在创建后于角色页面选择；请先选择其他数据范围", field="data_scope"
        )
    granted = set(permissions or set())
    _check_rights(actor, granted, scope)
    _check_name_free(session, name)
    role = Role(
        code=code(code_),
        name=text(name, field="name", label="角色名称", max_length=64),
        data_scope=scope.value,
        description=text(description, field="description", label="说明", max_length=500, required=False),
    )
    role.permission_rows = [RolePermission(permission=p) for p in sorted(granted)]
    insert_unique(session, role, Conflict(f"角色编码“{role.code}”已被使用", field="code"))
    audit(
        session,
        actor,
        MODULE,
        Action.CREATE,
        "role",
        role.id,
        f"新增角色 {role.name}（{len(granted)} 项权限）",
        after={"code": role.code, "data_scope": role.data_scope, "permissions": sorted(granted)},
    )
    return role


def copy_role(*, session: Session, actor: Actor, role_id: int, code_: str, name: str) -> Role:
    """A new role with the same permissions, data scope and custom units as another."""
    actor.require("roles:create")
    source = get_role(session=session, role_id=role_id)
    scope = DataScope(source.data_scope)
    _check_rights(actor, source.permissions, scope)
    _check_name_free(session, name)
    role = Role(
        code=code(code_),
        name=text(name, field="name", label="角色名称", max_length=64),
        data_scope=source.data_scope,
        description=source.description,
    )
    role.permission_rows = [RolePermission(permission=p) for p in sorted(source.permissions)]
    role.custom_units = list(source.custom_units)
    insert_unique(session, role, Conflict(f"角色编码“{role.code}”已被使用", field="code"))
    audit(
        session,
        actor,
        MODULE,
        Action.CREATE,
        "role",
        role.id,
        f"复制角色 {source.name} 为 {role.name}",
        after={"code": role.code, "from": source.code, "permissions": sorted(role.permissions)},
    )
    return role


def delete_role(*, session: Session, actor: Actor, role_id: int, version: int | None) -> None:
    actor.require("roles:delete")
    role = get_role(session=session, role_id=role_id)
    same_version(role.version, version, "角色")
    holders = session.scalar(select(func.count()).select_from(User).where(User.roles.any(Role.id == role.id)))
    if holders:
        raise Conflict(f"角色“{role.name}”仍有 {holders} 个用户持有，不能删除", field="role_id")
    if not role.permissions <= actor.permissions:
        raise Forbidden("该角色的权限超出本人权限，不能删除", field="role_id")
    before = {"code": role.code, "name": role.name, "permissions": sorted(role.permissions)}
    session.delete(role)
    session.flush()
    audit(session, actor, MODULE, Action.DELETE, "role", role_id, f"删除角色 {before['name']}", before=before)
