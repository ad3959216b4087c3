"""Accounts: passwords (argon2), login with lockout, sessions, API tokens, users and roles."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from shanhai.audit.service import Action, record
from shanhai.auth.models import ApiToken, DataScope, LoginLog, Role, RolePermission, User, UserSession
from shanhai.auth.permissions import check_known
from shanhai.auth.scope import Actor, log_event
from shanhai.db import find_one, utcnow
from shanhai.errors import Conflict, Invalid, NotFound, ShanhaiError
from shanhai.lib.beijing import beijing
from shanhai.orgunits.models import OrgUnit

HASHER = PasswordHasher()
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
SESSION_HOURS = 12
MIN_PASSWORD_LENGTH = 8
MAX_FAILURES_PER_IP = 20  # failed logins from one address, over all accounts, before it must wait
IP_WINDOW_MINUTES = 15
MODULE = "系统管理"


class Unauthenticated(ShanhaiError):
    code = "unauthenticated"
    status = 401


class Throttled(Unauthenticated):
    """Too many failed logins from one address: password spraying across accounts, which the per-account
    lockout alone does not stop."""

    code = "too_many_requests"
    status = 429


def _audit(
    session: Session,
    actor: Actor | str,
    action: Action,
    object_type: str,
    object_id: int,
    summary: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str = "",
) -> None:
    """An 操作日志 entry of the 系统管理 module (accounts, tokens, roles)."""
    record(
        session=session,
        actor=actor,
        module=MODULE,
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary,
        before=before,
        after=after,
        ip=ip,
    )


def _failures_from(session: Session, ip: str) -> int:
    since = utcnow() - timedelta(minutes=IP_WINDOW_MINUTES)
    return int(
        session.scalar(
            select(func.count())
            .select_from(LoginLog)
            .where(LoginLog.at >= since, LoginLog.ip == ip, LoginLog.event.in_(("登录失败", "账号锁定")))
        )
        or 0
    )


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"密码至少 {MIN_PASSWORD_LENGTH} 位", field=field)
    if password.isdigit() or password.isalpha():
        raise Invalid("密码须同时包含字母和数字或符号", field=field)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_locked(user: User, now: datetime | None = None) -> bool:
    until = user.locked_until
    return until is not None and until > (now or utcnow())


def authenticate(*, session: Session, username: str, password: str, ip: str) -> User:
    """Check a password; count failures and lock after MAX_FAILED_LOGINS. Every attempt is logged. An address
    with MAX_FAILURES_PER_IP failures in IP_WINDOW_MINUTES is refused before any password is checked."""

    def note(event: str, message: str, who: User | None = None) -> None:
        name, user_id = (who.username, who.id) if who else (username[:64], None)
        log_event(session=session, username=name, user_id=user_id, ip=ip, event=event, message=message)

    if ip and _failures_from(session, ip) >= MAX_FAILURES_PER_IP:
        note("登录失败", f"该 IP {IP_WINDOW_MINUTES} 分钟内失败 {MAX_FAILURES_PER_IP} 次以上，暂停登录")
        raise Throttled(f"登录失败次数过多，请 {IP_WINDOW_MINUTES} 分钟后再试")
    user = find_one(session, User, username=username.strip())
    if user is None or not user.is_active:
        note("登录失败", "用户不存在或已停用")
        raise Unauthenticated("用户名或密码错误")
    if is_locked(user):
        note("登录失败", "账号已锁定", user)
        raise Unauthenticated(f"账号已锁定，请 {LOCK_MINUTES} 分钟后再试或联系管理员解锁")
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = utcnow() + timedelta(minutes=LOCK_MINUTES)
            note("账号锁定", f"连续 {user.failed_logins} 次密码错误", user)
            raise Unauthenticated(f"密码连续错误 {MAX_FAILED_LOGINS} 次，账号已锁定 {LOCK_MINUTES} 分钟")
        note("登录失败", "密码错误", user)
        left = MAX_FAILED_LOGINS - user.failed_logins
        raise Unauthenticated(f"用户名或密码错误（再错 {left} 次将锁定账号）")
    user.failed_logins = 0
    user.locked_until = None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    note("登录成功", "", user)
    return user


def start_session(*, session: Session, user: User, ip: str) -> tuple[str, UserSession]:
    """A brand-new session id for this login (never one the browser brought along: no fixation)."""
    token = secrets.token_urlsafe(32)
    row = UserSession(
        token_hash=_sha(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(24),
        ip=ip,
        expires_at=utcnow() + timedelta(hours=SESSION_HOURS),
    )
    session.add(row)
    session.flush()
    return token, row


def resolve_session(*, session: Session, token: str) -> UserSession | None:
    row = find_one(session, UserSession, token_hash=_sha(token))
    if row is None or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row


def end_session(*, session: Session, token: str, ip: str) -> None:
    row = find_one(session, UserSession, token_hash=_sha(token))
    if row is not None:
        log_event(session=session, username=row.user.username, user_id=row.user_id, ip=ip, event="退出")
        session.delete(row)


def list_sessions(*, session: Session, user: User) -> list[UserSession]:
    """The user's browser sessions that have not expired, newest first."""
    return list(
        session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.expires_at > utcnow())
            .order_by(UserSession.created_at.desc(), UserSession.id.desc())
        )
    )


def end_own_session(*, session: Session, actor: Actor, session_id: int) -> None:
    """Sign out one of your own browsers (a shared office PC, a lost phone); another user's is not found."""
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound("登录会话不存在", field="session_id")
    log_event(
        session=session,
        username=row.user.username,
        user_id=row.user_id,
        ip=actor.ip,
        event="退出",
        message=f"由本人在其他浏览器结束（登录于 {beijing(row.created_at)}，IP {row.ip or '未知'}）",
    )
    session.delete(row)


def create_token(*, session: Session, actor: Actor, user: User, name: str, days: int | None = None) -> str:
    """Issue an API token; the plaintext is returned once and only its hash is kept."""
    if not name.strip():
        raise Invalid("请填写令牌名称", field="name")
    token = "shk_" + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name.strip()[:64],
        prefix=token[:10],
        token_hash=_sha(token),
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    session.add(row)
    session.flush()
    _audit(session, actor, Action.GRANT, "api_token", row.id, f"为 {user.username} 创建接口令牌“{row.name}”")
    return token


TOKEN_TOUCH_SECONDS = 300  # a token's last use is recorded at most this often


def resolve_token(*, session: Session, token: str) -> ApiToken | None:
    """The live token row for a plaintext token (not revoked, not expired, its user active and unlocked).
    Reading it writes nothing; see `touch_token`."""
    row = find_one(session, ApiToken, token_hash=_sha(token))
    if row is None or row.revoked_at is not None:
        return None
    expires = row.expires_at
    if expires is not None and expires <= utcnow():
        return None
    if not row.user.is_active or is_locked(row.user):
        return None
    return row


def token_needs_touch(row: ApiToken) -> bool:
    used = row.last_used_at
    return used is None or used < utcnow() - timedelta(seconds=TOKEN_TOUCH_SECONDS)


def touch_token(*, session: Session, token_id: int) -> None:
    """Set last_used_at unless another request did so within TOKEN_TOUCH_SECONDS (one conditional UPDATE;
    the version column is untouched, so it conflicts with nothing)."""
    now = utcnow()
    cutoff = now - timedelta(seconds=TOKEN_TOUCH_SECONDS)
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id)
        .where(or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < cutoff))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


def list_tokens(*, session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(*, session: Session, actor: Actor, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != actor.user_id and not actor.can("users:edit")):
        raise NotFound(f"令牌不存在：{token_id}", field="token_id")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        _audit(
            session, actor, Action.GRANT, "api_token", row.id, f"吊销接口令牌“{row.name}”（{row.prefix}…）"
        )
    return row


def change_password(*, session: Session, user: User, old: str, new: str, ip: str) -> None:
    if not verify_password(user.password_hash, old):
        raise Invalid("原密码不正确", field="old_password")
    check_password_strength(new)
    _set_password(session, user, new)  # every other browser must log in again
    _audit(session, user.username, Action.UPDATE, "user", user.id, f"{user.username} 修改了自己的密码", ip=ip)


# --- users and roles (administration) ---------------------------------------------------------------


def get_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户不存在：{user_id}", field="user_id")
    return user


def list_users(*, session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


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
    username = username.strip()
    if not username or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise Invalid("用户名只能由字母、数字、下划线、点和连字符组成", field="username")
    if find_one(session, User, username=username):
        raise Conflict(f"用户名“{username}”已存在", field="username")
    check_password_strength(password)
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=hash_password(password),
        org_unit=_unit(session, org_unit_id),
        roles=_roles_by_ids(session, role_ids),
        password_changed_at=utcnow(),
    )
    session.add(user)
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
    user = get_user(session=session, user_id=user_id)
    if user.version != version:
        raise Conflict("该用户已被他人修改，请刷新后重试", field="version")
    before = _user_snapshot(user)
    user.display_name = display_name.strip() or user.username
    user.org_unit = _unit(session, org_unit_id)
    user.roles = _roles_by_ids(session, role_ids)
    user.is_active = is_active
    session.flush()
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


def _set_password(session: Session, user: User, new: str) -> int:
    """Store the new password and end all the user's sessions; return how many were ended."""
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    sessions = list(session.scalars(select(UserSession).where(UserSession.user_id == user.id)))
    for row in sessions:
        session.delete(row)
    return len(sessions)


def reset_password(*, session: Session, actor: Actor, user_id: int, new: str) -> User:
    """An administrator sets a user's password (forgotten, or a leaver's account handed over): the user is
    unlocked and logged out everywhere. The password itself is never written to the log."""
    actor.require("users:edit")
    user = get_user(session=session, user_id=user_id)
    check_password_strength(new, field="new_password")
    ended = _set_password(session, user, new)
    return _unlock(session, actor, user, f"重置用户 {user.username} 的密码（结束其 {ended} 个登录会话）")


def unlock_user(*, session: Session, actor: Actor, user_id: int) -> User:
    actor.require("users:edit")
    user = get_user(session=session, user_id=user_id)
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
