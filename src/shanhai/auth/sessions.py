"""Browser sessions and API tokens: created, resolved, ended, revoked; their use is recorded coarsely."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shanhai.audit.service import Action
from shanhai.auth.login import _audit, is_locked
from shanhai.auth.models import ApiToken, FormToken, User, UserSession
from shanhai.auth.scope import Actor, log_event
from shanhai.db import find_one, savepoint, utcnow
from shanhai.errors import Invalid, NotFound
from shanhai.lib.beijing import beijing

SESSION_HOURS = 12


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


FORM_TOKEN_LENGTH = 32


def new_form_token() -> str:
    return secrets.token_hex(FORM_TOKEN_LENGTH // 2)


def claim_form(*, session: Session, actor: Actor, token: str) -> FormToken | None:
    """Claim a form's one-time token for this request: None when it is the first post (go on and do the work,
    then `settle_form`), or the earlier post's row (the work is done: lead where it led). The database's key
    decides between two posts at the same moment: the second waits for the first and then finds its row."""
    token = token.strip()
    if len(token) != FORM_TOKEN_LENGTH or not all(c in "0123456789abcdef" for c in token):
        return None  # no token (an API client or an old page): nothing to remember
    earlier = session.get(FormToken, token)
    if earlier is not None:
        return earlier if earlier.user_id == actor.user_id else None
    try:
        with savepoint(session):
            session.add(FormToken(token=token, user_id=actor.user_id))
            session.flush()
    except IntegrityError:
        found = session.get(FormToken, token, populate_existing=True)
        return found if found is not None and found.user_id == actor.user_id else None
    return None


def settle_form(*, session: Session, token: str, result_url: str) -> None:
    row = session.get(FormToken, token.strip())
    if row is not None:
        row.result_url = result_url[:256]
