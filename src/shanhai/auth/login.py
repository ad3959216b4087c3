"""Login: password checks with lockout per account and throttling per address, in one row each."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, case, or_, update
from sqlalchemy.orm import Session

from shanhai.audit.service import Action, record
from shanhai.auth.models import LoginThrottle, User
from shanhai.auth.passwords import HASHER, hash_password, normalise_username, verify_password
from shanhai.auth.scope import Actor, log_event
from shanhai.db import dialect_insert, find_one, utcnow
from shanhai.errors import Invalid, ShanhaiError

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
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
