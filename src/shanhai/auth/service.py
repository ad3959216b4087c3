"""Accounts: passwords (argon2), login with lockout, sessions, API tokens, users and roles."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session

from shanhai.audit.service import Action, record
from shanhai.auth.models import ApiToken, DataScope, LoginThrottle, Role, RolePermission, User, UserSession
from shanhai.auth.permissions import check_known
from shanhai.auth.schemas import AccountRead, MeRead, SessionRead, TokenRead
from shanhai.auth.scope import Actor, log_event
from shanhai.db import dialect_insert, find_one, unique_or, utcnow
from shanhai.errors import Conflict, Forbidden, Invalid, NotFound, ShanhaiError
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
LOGIN_REFUSED = f"用户名或密码错误；连续 {MAX_FAILED_LOGINS} 次错误账号将锁定 {LOCK_MINUTES} 分钟"


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


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


USERNAME = re.compile(r"^[a-z0-9](?:[a-z0-9]|[_.-](?=[a-z0-9])){1,63}$")  # no trailing or doubled separators
# the most used passwords and keyboard runs (lower case; compared without digits and symbols too)
COMMON_PASSWORDS = frozenset(
    [
        "password",
        "passw0rd",
        "p@ssw0rd",
        "p@ssword",
        "admin",
        "administrator",
        "root",
        "qwerty",
        "qwertyuiop",
        "asdfghjkl",
        "zxcvbnm",
        "1qaz2wsx",
        "qazwsx",
        "abc123",
        "abcd1234",
        "a1b2c3d4",
        "letmein",
        "welcome",
        "iloveyou",
        "monkey",
        "dragon",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "master",
        "superman",
        "batman",
        "trustno1",
        "shadow",
        "michael",
        "jennifer",
        "changeme",
        "default",
        "guest",
        "test",
        "tester",
        "secret",
        "login",
        "user123",
        "admin123",
        "admin888",
        "root123",
        "woaini",
        "woaini1314",
        "huawei",
        "xiaomi",
        "china",
        "zhongguo",
        "beijing",
        "shanghai",
        "xuzhou",
        "shanhai",
        "aaaaaaaa",
        "11111111",
        "12345678",
        "123456789",
        "1234567890",
        "87654321",
        "00000000",
        "88888888",
        "66666666",
        "123123123",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "qweasdzxc",
    ]
)


_RUNS = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm", "01234567890", "9876543210")


def _beyond_runs(password: str) -> str:
    """What is left of a password without its guessable parts: runs of three or more along the alphabet,
    a keyboard row or the digits (abc, qwer, 1234, 987), and repeats (aaa, 111)."""
    left, i = [], 0
    while i < len(password):
        end = i + 1
        while end < len(password) and (
            password[end] == password[end - 1] or any(password[end - 1 : end + 1] in run for run in _RUNS)
        ):
            end += 1
        if end - i < 3:
            left.append(password[i:end])
        i = end
    return "".join(left)


def check_username_free(*, session: Session, username: str) -> None:
    """Refuse a name that is taken, or that differs from a taken one only by . _ - (admin. beside admin)."""
    skeleton = re.sub(r"[._-]", "", username)
    for taken in session.scalars(select(User.username)):
        if taken == username or re.sub(r"[._-]", "", taken) == skeleton:
            raise Conflict(f"用户名“{username}”已存在或与“{taken}”过于相似", field="username")


def normalise_username(username: str) -> str:
    """NFKC and lower case ("ＡＤＭＩＮ" and "ADMIN" are "admin"); letters a–z, digits, _ . - only, so
    look-alikes from other scripts ("аdmin" with a Cyrillic а) cannot sit beside a real name."""
    name = unicodedata.normalize("NFKC", username).strip().lower()
    if not USERNAME.fullmatch(name):
        raise Invalid(
            "用户名须为 2–64 位小写字母、数字、下划线、点或连字符，并以字母或数字开头", field="username"
        )
    return name


def check_password_strength(password: str, field: str = "password", username: str = "") -> None:
    """Length, not all letters or all digits, not a common password, not the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"密码至少 {MIN_PASSWORD_LENGTH} 位", field=field)
    if len(password) > 256:
        raise Invalid("密码不能超过 256 位", field=field)
    if password.isdigit() or password.isalpha():
        raise Invalid("密码须同时包含字母和数字或符号", field=field)
    lowered = password.lower()
    letters = re.sub(r"[^a-z]", "", lowered)
    if lowered in COMMON_PASSWORDS or letters in COMMON_PASSWORDS or len(_beyond_runs(lowered)) < 4:
        raise Invalid("密码过于常见或简单，请换一个不易猜到的密码", field=field)
    name = unicodedata.normalize("NFKC", username).strip().lower()
    if len(name) >= 3 and name in lowered:
        raise Invalid("密码不能包含用户名", field=field)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_locked(user: User, now: datetime | None = None) -> bool:
    until = user.locked_until
    return until is not None and until > (now or utcnow())


def _reserve_ip_attempt(session: Session, ip: str) -> int:
    """Count one more login attempt from `ip` in the current window, atomically (one upsert), and return
    the count: parallel guesses cannot all read "under the limit" before any of them is counted."""
    now = utcnow()
    cutoff = now - timedelta(minutes=IP_WINDOW_MINUTES)
    table = LoginThrottle.__table__
    insert = dialect_insert(session, LoginThrottle).values(ip=ip, window_start=now, failures=1)
    stale = table.c.window_start < cutoff
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.ip],
        set_={
            "failures": case((stale, 1), else_=table.c.failures + 1),
            "window_start": case((stale, now), else_=table.c.window_start),
        },
    ).returning(table.c.failures)
    return int(session.execute(statement).scalar_one())


def _refund_ip_attempt(session: Session, ip: str) -> None:
    """A successful login does not count against its address."""
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.ip == ip, LoginThrottle.failures > 0)
        .values(failures=LoginThrottle.failures - 1)
        .execution_options(synchronize_session=False)
    )


def _reserve_password_check(session: Session, user_id: int) -> int | None:
    """Take one of the account's MAX_FAILED_LOGINS password checks, atomically; None when the account is
    locked or its checks are used up (a lock that has run out starts a fresh count). The version column is
    not touched: a login never conflicts with an administrator's edit."""
    now = utcnow()
    expired = and_(User.locked_until.is_not(None), User.locked_until <= now)
    statement = (
        update(User)
        .where(
            User.id == user_id,
            or_(and_(User.locked_until.is_(None), User.failed_logins < MAX_FAILED_LOGINS), expired),
        )
        .values(
            failed_logins=case((expired, 1), else_=User.failed_logins + 1),
            locked_until=case((expired, None), else_=User.locked_until),
        )
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).scalar_one_or_none()


def _lock(session: Session, user_id: int) -> None:
    until = utcnow() + timedelta(minutes=LOCK_MINUTES)
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(locked_until=until)
        .execution_options(synchronize_session=False)
    )


def _clear_failures(session: Session, user_id: int, new_hash: str | None = None) -> None:
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
    if new_hash:
        values["password_hash"] = new_hash
    session.execute(
        update(User).where(User.id == user_id).values(**values).execution_options(synchronize_session=False)
    )


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


class Check(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # a wrong password, the account still open
    LOCKED_NOW = "locked_now"  # this wrong password was the last allowed: the account is now locked
    LOCKED = "locked"  # locked already: the password was not checked


def check_password(*, session: Session, user: User, password: str) -> Check:
    """Check a password against the account's lockout: at most MAX_FAILED_LOGINS checks before the lock,
    however many requests arrive at once; the last failure locks the account. Counters are updated in the
    database atomically and are written even though the caller goes on to refuse."""
    attempt = _reserve_password_check(session, user.id)
    if attempt is None:
        verify_password(_dummy_hash(), password)  # the same work as a real check
        return Check.LOCKED
    if verify_password(user.password_hash, password):
        rehash = hash_password(password) if HASHER.check_needs_rehash(user.password_hash) else None
        _clear_failures(session, user.id, rehash)
        return Check.OK
    if attempt >= MAX_FAILED_LOGINS:
        _lock(session, user.id)
        return Check.LOCKED_NOW
    return Check.WRONG


def authenticate(*, session: Session, username: str, password: str, ip: str) -> User:
    """Check a password; lock after MAX_FAILED_LOGINS failures. Every attempt is logged. An address with more
    than MAX_FAILURES_PER_IP attempts in IP_WINDOW_MINUTES is refused before any password is checked.
    Unknown users, wrong passwords and locked accounts get the same answer after the same work."""

    def note(event: str, message: str, who: User | None = None) -> None:
        name, user_id = (who.username, who.id) if who else (username[:64], None)
        log_event(session=session, username=name, user_id=user_id, ip=ip, event=event, message=message)

    # an address that does not parse (a proxy's bad header) is counted under one shared key
    if _reserve_ip_attempt(session, ip or "unknown") > MAX_FAILURES_PER_IP:
        note("登录失败", f"该 IP {IP_WINDOW_MINUTES} 分钟内失败 {MAX_FAILURES_PER_IP} 次以上，暂停登录")
        raise Throttled(f"登录失败次数过多，请 {IP_WINDOW_MINUTES} 分钟后再试")
    try:
        name = normalise_username(username)
    except Invalid:
        name = ""
    user = find_one(session, User, username=name) if name else None
    if user is None or not user.is_active:
        verify_password(_dummy_hash(), password)
        note("登录失败", "用户不存在或已停用")
        raise Unauthenticated(LOGIN_REFUSED)
    check = check_password(session=session, user=user, password=password)
    if check is Check.OK:
        _refund_ip_attempt(session, ip or "unknown")
        note("登录成功", "", user)
        return user
    if check is Check.LOCKED_NOW:
        note("账号锁定", f"连续 {MAX_FAILED_LOGINS} 次密码错误，锁定 {LOCK_MINUTES} 分钟", user)
    else:
        note("登录失败", "账号已锁定" if check is Check.LOCKED else "密码错误", user)
    raise Unauthenticated(LOGIN_REFUSED)


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
    """A wrong current password counts towards the lockout like a failed login (a stolen session must not
    become a way to guess the password)."""
    if check_password(session=session, user=user, password=old) is not Check.OK:
        log_event(
            session=session,
            username=user.username,
            user_id=user.id,
            ip=ip,
            event="登录失败",
            message="修改密码时原密码错误",
        )
        raise Invalid("原密码不正确（连续错误将锁定账号）", field="old_password")
    check_password_strength(new, field="new_password", username=user.username)
    _set_password(session, user, new)  # every other browser and every API token must log in again
    _audit(session, user.username, Action.UPDATE, "user", user.id, f"{user.username} 修改了自己的密码", ip=ip)


# --- users and roles (administration) ---------------------------------------------------------------


def get_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户不存在：{user_id}", field="user_id")
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
    user = get_user(session=session, user_id=user_id)
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
    user = get_user(session=session, user_id=user_id)
    _check_may_administer(actor, user)
    check_password_strength(new, field="new_password", username=user.username)
    ended = _set_password(session, user, new)
    return _unlock(
        session, actor, user, f"重置用户 {user.username} 的密码（结束其 {ended} 个登录会话和接口令牌）"
    )


def unlock_user(*, session: Session, actor: Actor, user_id: int) -> User:
    actor.require("users:edit")
    user = get_user(session=session, user_id=user_id)
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


def account(*, session: Session, actor: Actor, current_session: int | None) -> AccountRead:
    """The signed-in user's own account: the data of /account and of /api/v1/account."""
    user = get_user(session=session, user_id=actor.user_id or 0)
    return AccountRead(
        me=MeRead(
            user_id=actor.user_id,
            username=actor.username,
            display_name=actor.display_name,
            roles=list(actor.roles),
            permissions=sorted(actor.permissions),
        ),
        org_unit=user.org_unit.name,
        role_names=sorted(r.name for r in user.roles),
        sessions=[SessionRead.model_validate(s) for s in list_sessions(session=session, user=user)],
        current_session=current_session,
        tokens=[TokenRead.model_validate(t) for t in list_tokens(session=session, user=user)],
    )
