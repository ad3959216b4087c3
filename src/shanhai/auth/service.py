"""Accounts — the package's entry points: passwords (auth.passwords), login with lockout (auth.login),
browser sessions and API tokens (auth.sessions), administration of users and roles (auth.admin), and the
signed-in user's own account page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shanhai.auth.admin import (
    WrongCurrentPassword,
    change_password,
    create_user,
    get_role,
    get_user,
    list_roles,
    reset_password,
    unlock_user,
    update_role,
    update_user,
    upsert_role,
    view_user,
)
from shanhai.auth.login import (
    LOGIN_REFUSED,
    MAX_FAILED_LOGINS,
    MAX_FAILURES_PER_IP,
    Check,
    Throttled,
    Unauthenticated,
    authenticate,
    check_password,
    is_locked,
)
from shanhai.auth.passwords import (
    check_password_strength,
    check_username_free,
    hash_password,
    normalise_username,
    verify_password,
)
from shanhai.auth.schemas import AccountRead, MeRead, SessionRead, TokenRead
from shanhai.auth.scope import Actor
from shanhai.auth.sessions import (
    SESSION_HOURS,
    create_token,
    end_own_session,
    end_session,
    list_sessions,
    list_tokens,
    resolve_session,
    resolve_token,
    revoke_token,
    start_session,
    token_needs_touch,
    touch_token,
)

__all__ = [
    "LOGIN_REFUSED",
    "MAX_FAILED_LOGINS",
    "MAX_FAILURES_PER_IP",
    "SESSION_HOURS",
    "Check",
    "Throttled",
    "Unauthenticated",
    "WrongCurrentPassword",
    "account",
    "authenticate",
    "change_password",
    "check_password",
    "check_password_strength",
    "check_username_free",
    "create_token",
    "create_user",
    "end_own_session",
    "end_session",
    "get_role",
    "get_user",
    "hash_password",
    "is_locked",
    "list_roles",
    "list_sessions",
    "list_tokens",
    "normalise_username",
    "reset_password",
    "resolve_session",
    "resolve_token",
    "revoke_token",
    "start_session",
    "token_needs_touch",
    "touch_token",
    "unlock_user",
    "update_role",
    "update_user",
    "upsert_role",
    "verify_password",
    "view_user",
]  # fmt: skip


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
