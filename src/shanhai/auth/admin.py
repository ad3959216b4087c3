"""Administration of accounts: users (create, edit, reset a password, unlock), roles (rights and scope),
and a user changing their own password."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shanhai.audit.service import Action
from shanhai.auth.login import Check, _audit, check_password
from shanhai.auth.models import ApiToken, DataScope, Role, RolePermission, User, UserSession
from shanhai.auth.passwords import (
    check_password_strength,
    check_username_free,
    hash_password,
    normalise_username,
)
from shanhai.auth.permissions import check_known
from shanhai.auth.scope import Actor, log_event, unit_visible
from shanhai.db import find_one, unique_or, utcnow
from shanhai.errors import Conflict, Forbidden, Invalid, NotFound
from shanhai.orgunits.models import OrgUnit


class WrongCurrentPassword(Invalid):
    """The current password was wrong. The failure is counted and logged in the caller's transaction,
    which must be committed, not rolled back, before the error is shown (a door that rolled it back let a
    stolen session guess the password forever)."""


def change_password(*, session: Session, user: User, old: str, new: str, ip: str) -> None:
    """A wrong current password counts towards the lockout like a failed login (a stolen session must not
    become a way to guess the password): WrongCurrentPassword, with nothing else written before it."""
    checked = check_password(session=session, user=user, password=old)
    if checked is not Check.OK:
        log_event(
            session=session,
            username=user.username,
            user_id=user.id,
            ip=ip,
            event="登录失败",
            message="修改密码时原密码错误" if checked is not Check.LOCKED else "账号已锁定时尝试修改密码",
        )
        if checked is Check.WRONG:
            raise WrongCurrentPassword("原密码不正确（连续错误将锁定账号）", field="old_password")
        # locked: the session that guessed is likely not its owner's — every session and token ends
        _sign_out_everywhere(session, user)
        raise WrongCurrentPassword(
            "账号已锁定，已退出所有登录；请稍后再登录或联系管理员解锁", field="old_password"
        )
    check_password_strength(new, field="new_password", username=user.username)
    _set_password(session, user, new)  # every other browser and every API token must log in again
    _audit(session, user.username, Action.UPDATE, "user", user.id, f"{user.username} 修改了自己的密码", ip=ip)


# --- users and roles (administration) ---------------------------------------------------------------


def get_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户不存在：{user_id}", field="user_id")
    return user


def view_user(*, session: Session, actor: Actor, user_id: int) -> User:
    """A user's record as an administrator reads it: a user outside the actor's data scope reads as not
    there (404), as every other record does (the list is scoped by the same rule)."""
    actor.require("users:view")
    return _scoped_user(session, actor, user_id)


def _scoped_user(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or (user.id != actor.user_id and not unit_visible(actor, user.org_unit)):
        raise NotFound("用户不存在或不在您的数据范围内", field="user_id")
    return user


def list_roles(*, session: Session) -> list[Role]:
    return list(session.scalars(select(Role).order_by(Role.id)))


def get_role(*, session: Session, role_id: int) -> Role:
    role = session.get(Role, role_id)
    if role is None:
        raise NotFound(f"角色不存在：{role_id}", field="role_id")
    return role


def _user_snapshot(user: User) -> dict[str, object]:
    return {
        "display_name": user.display_name,
        "org_unit": user.org_unit.code if user.org_unit else None,
        "roles": sorted(r.code for r in user.roles),
        "is_active": user.is_active,
    }


def _roles_by_ids(session: Session, role_ids: list[int]) -> list[Role]:
    roles = list(session.scalars(select(Role).where(Role.id.in_(role_ids)))) if role_ids else []
    if len(roles) != len(set(role_ids)):
        raise Invalid("所选角色不存在", field="role_ids")
    return roles


def _unit(session: Session, org_unit_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None:
        raise Invalid(f"所属单位不存在：{org_unit_id}", field="org_unit_id")
    return unit


def create_user(
    *,
    session: Session,
    actor: Actor,
    username: str,
    display_name: str,
    password: str,
    org_unit_id: int,
    role_ids: list[int],
) -> User:
    actor.require("users:create")
    username = normalise_username(username)
    check_username_free(session=session, username=username)
    check_password_strength(password, username=username)
    unit = _unit(session, org_unit_id)
    if unit.closed:
        raise Invalid(f"“{unit.name}”已撤销，不能再添加用户", field="org_unit_id")
    if not _within_scope(actor, unit, subtree=False):
        raise Forbidden("所属单位超出本人的数据范围", field="org_unit_id")
    roles = _roles_by_ids(session, role_ids)
    _check_grants(actor, roles, unit)
    user = User(
        username=username,
        display_name=display_name.strip()[:64] or username,
        password_hash=hash_password(password),
        org_unit=unit,
        roles=roles,
        password_changed_at=utcnow(),
    )
    session.add(user)
    with unique_or(Conflict(f"用户名“{username}”已存在", field="username")):
        session.flush()
    _audit(session, actor, Action.CREATE, "user", user.id, f"新增用户 {username}", after=_user_snapshot(user))
    return user


def update_user(
    *,
    session: Session,
    actor: Actor,
    user_id: int,
    version: int,
    display_name: str,
    org_unit_id: int,
    role_ids: list[int],
    is_active: bool,
) -> User:
    actor.require("users:edit")
    user = _scoped_user(session, actor, user_id)
    if user.version != version:
        raise Conflict("该用户已被他人修改，请刷新后重试", field="version")
    _check_may_administer(actor, user)
    before = _user_snapshot(user)
    unit = _unit(session, org_unit_id)
    roles = _roles_by_ids(session, role_ids)
    if user.id == actor.user_id and (
        {r.id for r in roles} != {r.id for r in user.roles} or unit.id != user.org_unit_id or not is_active
    ):
        raise Forbidden("不能修改自己的角色、所属单位或停用自己，请由其他管理员操作", field="role_ids")
    if not _within_scope(actor, unit, subtree=False):
        raise Forbidden("所属单位超出本人的数据范围", field="org_unit_id")
    # moving the user to another unit re-grants every role there; otherwise only the added roles count
    added = roles if unit.id != user.org_unit_id else [r for r in roles if r not in user.roles]
    _check_grants(actor, added, unit)
    deactivated = user.is_active and not is_active
    user.display_name = display_name.strip()[:64] or user.username
    user.org_unit = unit
    user.roles = roles
    user.is_active = is_active
    session.flush()
    if deactivated:
        _sign_out_everywhere(session, user)
    after = _user_snapshot(user)
    changes = "；".join(f"{k}：{before[k]} → {after[k]}" for k in before if before[k] != after[k]) or "无变化"
    _audit(
        session,
        actor,
        Action.GRANT,
        "user",
        user.id,
        f"修改用户 {user.username}：{changes}",
        before=before,
        after=after,
    )
    return user


def _within_scope(actor: Actor, unit: OrgUnit, *, subtree: bool) -> bool:
    """The unit (and, with subtree, everything below it) lies within the actor's data scope."""
    if actor.scope_all:
        return True
    if any(unit.path.startswith(p) for p in actor.subtree_paths):
        return True
    return not subtree and unit.id in actor.units


def _grantable(actor: Actor, role: Role, unit: OrgUnit) -> bool:
    """A role is within the actor's own rights: its permissions are a subset of the actor's, and the data it
    opens for a user of `unit` lies within the actor's own scope."""
    return _within_rights(actor, role.permissions, DataScope(role.data_scope), role.custom_units, unit)


def _within_rights(
    actor: Actor, permissions: set[str], scope: DataScope, custom_units: list[OrgUnit], unit: OrgUnit
) -> bool:
    if not permissions <= actor.permissions:
        return False
    if scope is DataScope.ALL:
        return actor.scope_all
    if scope is DataScope.CUSTOM:
        return all(_within_scope(actor, u, subtree=True) for u in custom_units)
    if scope is DataScope.UNIT_AND_BELOW:
        return _within_scope(actor, unit, subtree=True)
    return _within_scope(actor, unit, subtree=False)  # 本单位, 仅本人: rows of that unit


def _holders(session: Session, role: Role) -> list[User]:
    return list(session.scalars(select(User).where(User.roles.any(Role.id == role.id))))


def _check_grants(actor: Actor, roles: list[Role], unit: OrgUnit) -> None:
    for role in roles:
        if not _grantable(actor, role, unit):
            raise Forbidden(f"不能授予超出本人权限或数据范围的角色：{role.name}", field="role_ids")


def _check_may_administer(actor: Actor, user: User) -> None:
    """An administrator manages only users of his own scope whose roles are within his own rights (a
    district's user administrator cannot reset the password of the city's system administrator)."""
    if user.id == actor.user_id:
        return
    if not _within_scope(actor, user.org_unit, subtree=False) or not all(
        _grantable(actor, r, user.org_unit) for r in user.roles
    ):
        raise Forbidden(
            f"无权管理用户 {user.username}（其单位、权限或数据范围超出本人范围）", field="user_id"
        )


def _sign_out_everywhere(session: Session, user: User) -> int:
    """End all the user's browser sessions and revoke all their API tokens; return how many were ended."""
    sessions = list(session.scalars(select(UserSession).where(UserSession.user_id == user.id)))
    for row in sessions:
        session.delete(row)
    tokens = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return len(sessions) + int(getattr(tokens, "rowcount", 0) or 0)


def _set_password(session: Session, user: User, new: str) -> int:
    """Store the new password, end all the user's sessions and revoke their tokens; return how many."""
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    return _sign_out_everywhere(session, user)


def reset_password(*, session: Session, actor: Actor, user_id: int, new: str) -> User:
    """An administrator sets a user's password (forgotten, or a leaver's account handed over): the user is
    unlocked and logged out everywhere. The password itself is never written to the log."""
    actor.require("users:edit")
    user = _scoped_user(session, actor, user_id)
    _check_may_administer(actor, user)
    check_password_strength(new, field="new_password", username=user.username)
    ended = _set_password(session, user, new)
    return _unlock(
        session, actor, user, f"重置用户 {user.username} 的密码（结束其 {ended} 个登录会话和接口令牌）"
    )


def unlock_user(*, session: Session, actor: Actor, user_id: int) -> User:
    actor.require("users:edit")
    user = _scoped_user(session, actor, user_id)
    _check_may_administer(actor, user)
    return _unlock(session, actor, user, f"解锁用户 {user.username}")


def _unlock(session: Session, actor: Actor, user: User, summary: str) -> User:
    user.locked_until = None
    user.failed_logins = 0
    _audit(session, actor, Action.UPDATE, "user", user.id, summary)
    return user


def update_role(
    *,
    session: Session,
    actor: Actor,
    role_id: int,
    version: int,
    name: str,
    data_scope: DataScope,
    permissions: set[str],
    custom_unit_ids: list[int],
) -> Role:
    actor.require("roles:edit")
    check_known(permissions)
    role = get_role(session=session, role_id=role_id)
    if role.version != version:
        raise Conflict("该角色已被他人修改，请刷新后重试", field="version")
    if not name.strip():
        raise Invalid("角色名称不能为空", field="name")
    before = {
        "name": role.name,
        "data_scope": role.data_scope,
        "permissions": sorted(role.permissions),
        "units": sorted(u.code for u in role.custom_units),
    }
    units = [_unit(session, uid) for uid in custom_unit_ids]
    if data_scope is DataScope.CUSTOM and not units:
        raise Invalid("自定义数据权限须至少选择一个单位", field="custom_unit_ids")
    if (
        actor.roles
        and role.name in actor.roles
        and any(u.id == actor.user_id for u in _holders(session, role))
    ):
        raise Forbidden("不能修改自己持有的角色，请由其他管理员操作", field="role_id")
    holders = _holders(session, role)
    if not role.permissions <= actor.permissions or not all(
        _grantable(actor, role, u.org_unit) for u in holders
    ):
        raise Forbidden("该角色的现有权限或持有人超出本人范围，不能修改", field="role_id")
    if not permissions <= actor.permissions:
        extra = "、".join(sorted(permissions - actor.permissions))
        raise Forbidden(f"不能授予本人没有的权限：{extra}", field="permissions")
    if data_scope is DataScope.ALL and not actor.scope_all:
        raise Forbidden("不能授予超出本人数据范围的“全部数据”", field="data_scope")
    if data_scope is DataScope.CUSTOM and not all(_within_scope(actor, u, subtree=True) for u in units):
        raise Forbidden("自定义单位超出本人数据范围", field="custom_unit_ids")
    if not all(_within_rights(actor, permissions, data_scope, units, u.org_unit) for u in holders):
        raise Forbidden("修改后的数据范围超出本人对该角色持有人的管理范围", field="data_scope")
    role.name = name.strip()
    role.data_scope = data_scope.value
    role.custom_units = units if data_scope is DataScope.CUSTOM else []
    current = {row.permission: row for row in role.permission_rows}
    role.permission_rows = [current.get(p) or RolePermission(permission=p) for p in sorted(permissions)]
    session.flush()
    after = {
        "name": role.name,
        "data_scope": role.data_scope,
        "permissions": sorted(role.permissions),
        "units": sorted(u.code for u in role.custom_units),
    }
    added = sorted(set(after["permissions"]) - set(before["permissions"]))
    removed = sorted(set(before["permissions"]) - set(after["permissions"]))
    summary = f"修改角色 {role.name}：数据权限 {before['data_scope']} → {after['data_scope']}"
    if added or removed:
        summary += f"；增加 {len(added)} 项、移除 {len(removed)} 项权限"
    _audit(session, actor, Action.GRANT, "role", role.id, summary, before=before, after=after)
    return role


def upsert_role(
    *,
    session: Session,
    code: str,
    name: str,
    data_scope: DataScope,
    permissions: set[str],
    units: list[OrgUnit],
) -> Role:
    """For seeding: create the role or reset it to this definition."""
    check_known(permissions)
    role = find_one(session, Role, code=code)
    if role is None:
        role = Role(code=code, name=name, data_scope=data_scope.value)
        session.add(role)
    role.name, role.data_scope = name, data_scope.value
    if role.permissions != permissions:
        role.permission_rows = [RolePermission(permission=p) for p in sorted(permissions)]
    if [u.id for u in role.custom_units] != [u.id for u in units]:
        role.custom_units = units
    session.flush()
    return role
