"""The matrix's cases for accounts, users, roles, API tokens, browser sessions, signing in and out, and the
administrators' audit and login pages: a user administrator's writes change nothing for anyone else, and
everyone reaches only their own account, tokens and sessions."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from shanhai.auth.models import User, UserSession
from tests.scope import Ctx, gated, public, viewer_role, visible_units, web_form


def other_user_id(ctx: Ctx) -> int:
    return ctx.session.scalars(select(User.id).where(User.username == "viewer")).one()


def user_detail(api: bool) -> Callable[[Ctx], None]:
    """A user's record: 403 without 用户查看, 404 for a user outside the administrator's scope (a district's
    user administrator read every account in the city), 200 within it."""

    def check(ctx: Ctx) -> None:
        units = visible_units(ctx.session, ctx.persona)
        for username in ("viewer", "jingkai_officer", "quanshan_officer"):
            target = ctx.session.scalars(select(User).where(User.username == username)).one()
            r = ctx.client.get(f"/api/v1/users/{target.id}" if api else f"/admin/users/{target.id}")
            if not ctx.allowed("users:view"):
                expected = 403
            elif units is None or target.org_unit_id in units or username == ctx.persona:
                expected = 200
            else:
                expected = 404
            assert r.status_code == expected, (ctx.persona, username, r.status_code, r.text[:200])

    return check


def admin_write(kind: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        user = ctx.session.get(User, other_user_id(ctx))
        assert user is not None
        role = viewer_role(ctx)
        before_user, before_role = (
            (user.display_name, user.version, user.password_hash),
            (role.name, role.version),
        )
        if kind == "put_user":
            r = ctx.client.put(
                f"/api/v1/users/{user.id}",
                json={
                    "version": user.version,
                    "display_name": "改名",
                    "org_unit_id": user.org_unit_id,
                    "role_ids": [],
                },
            )
            perm, ok = "users:edit", 200
        elif kind == "post_user_form":
            r = ctx.client.post(
                f"/admin/users/{user.id}",
                data={"version": user.version, "display_name": "改名", "org_unit_id": user.org_unit_id},
                follow_redirects=False,
            )
            perm, ok = "users:edit", 303
        elif kind == "unlock":
            r = ctx.client.post(f"/api/v1/users/{user.id}/unlock")
            perm, ok = "users:edit", 200
        elif kind == "unlock_form":
            r = ctx.client.post(f"/admin/users/{user.id}/unlock", follow_redirects=False)
            perm, ok = "users:edit", 303
        elif kind == "reset_password":
            r = ctx.client.post(f"/api/v1/users/{user.id}/password", json={"new_password": "Reset-2026"})
            perm, ok = "users:edit", 200
        elif kind == "reset_password_form":
            r = ctx.client.post(
                f"/admin/users/{user.id}/password",
                data={"new_password": "Reset-2026"},
                follow_redirects=False,
            )
            perm, ok = "users:edit", 303
        elif kind == "put_role":
            r = ctx.client.put(
                f"/api/v1/roles/{role.id}",
                json={"version": role.version, "name": "改名", "data_scope": "all", "permissions": []},
            )
            perm, ok = "roles:edit", 200
        elif kind == "post_role_form":
            r = ctx.client.post(
                f"/admin/roles/{role.id}",
                data={"version": role.version, "name": "改名", "data_scope": "all"},
                follow_redirects=False,
            )
            perm, ok = "roles:edit", 303
        elif kind == "create_user":
            r = ctx.client.post(
                "/api/v1/users",
                json={"username": "newbie", "password": "Strong-key-2026", "org_unit_id": user.org_unit_id},
            )
            perm, ok = "users:create", 201
        else:
            r = ctx.client.post(
                "/admin/users/new",
                data={"username": "newbie", "password": "Strong-key-2026", "org_unit_id": user.org_unit_id},
                follow_redirects=False,
            )
            perm, ok = "users:create", 303
        allowed = ctx.allowed(perm)
        units = visible_units(ctx.session, ctx.persona)
        city_wide = units is None
        if not allowed:
            expected = 403
        elif kind.startswith(("put_role", "post_role")) or kind.startswith("create_user"):
            # a role is no unit's record: editing one beyond one's own scope, or creating a user in a unit
            # beyond it, is refused as such
            expected = ok if city_wide else 403
        else:  # a user outside the administrator's scope reads as not there
            expected = ok if city_wide or user.org_unit_id in units else 404  # type: ignore[operator]
        assert r.status_code == expected, (ctx.persona, kind, r.status_code, r.text[:300])
        if expected != ok:
            ctx.session.refresh(user)
            ctx.session.refresh(role)
            assert (user.display_name, user.version, user.password_hash) == before_user
            assert (role.name, role.version) == before_role
            assert ctx.session.scalars(select(User).where(User.username == "newbie")).first() is None

    return check


def own_tokens(ctx: Ctx, action: str) -> None:
    if action == "list":
        r = ctx.client.get("/api/v1/tokens")
        assert r.status_code == 200 and len(r.json()) >= 1
    elif action == "create":
        r = ctx.client.post("/api/v1/tokens", json={"name": "脚本"})
        assert r.status_code == 201 and r.json()["token"].startswith("shk_")
    else:  # someone else's token: only a user administrator may revoke it
        from shanhai.auth.models import ApiToken

        other = ctx.session.scalars(select(ApiToken).join(User).where(User.username != ctx.persona)).first()
        if other is None:
            from tests.conftest import token_for

            token_for(ctx.session, "admin" if ctx.persona != "admin" else "viewer")
            other = ctx.session.scalars(
                select(ApiToken).join(User).where(User.username != ctx.persona)
            ).first()
        assert other is not None
        r = ctx.client.delete(f"/api/v1/tokens/{other.id}")
        allowed = ctx.allowed("users:edit")
        assert r.status_code == (204 if allowed else 404)
        ctx.session.refresh(other)
        assert (other.revoked_at is not None) == allowed


def own_session(ctx: Ctx) -> None:
    """Anyone may sign out one of their own browsers; another user's session is not found and stays."""
    from shanhai.auth import service as auth

    me = ctx.session.scalars(select(User).where(User.username == ctx.persona)).one()
    other = ctx.session.scalars(select(User).where(User.username != ctx.persona)).first()
    assert other is not None
    _, mine = auth.start_session(session=ctx.session, user=me, ip="10.0.0.1")
    _, theirs = auth.start_session(session=ctx.session, user=other, ip="10.0.0.2")
    assert ctx.client.post(f"/account/sessions/{theirs.id}/end").status_code == 404
    r = ctx.client.post(f"/account/sessions/{mine.id}/end", follow_redirects=False)
    assert r.status_code == 303, (ctx.persona, r.status_code)
    remaining = set(
        ctx.session.scalars(select(UserSession.id).where(UserSession.id.in_([mine.id, theirs.id])))
    )
    assert remaining == {theirs.id}


def account_case(ctx: Ctx) -> None:
    r = ctx.client.get("/api/v1/account")
    assert r.status_code == 200 and r.json()["me"]["username"] == ctx.persona


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("GET", "/api/v1/me"): public("GET", "/api/v1/me"),
    ("GET", "/api/v1/tokens"): lambda ctx: own_tokens(ctx, "list"),
    ("POST", "/api/v1/tokens"): lambda ctx: own_tokens(ctx, "create"),
    ("DELETE", "/api/v1/tokens/{token_id}"): lambda ctx: own_tokens(ctx, "revoke_other"),
    ("GET", "/api/v1/permissions"): gated("GET", "/api/v1/permissions", "roles:view"),
    ("POST", "/api/v1/users"): admin_write("create_user"),
    ("GET", "/api/v1/users/{user_id}"): user_detail(api=True),
    ("PUT", "/api/v1/users/{user_id}"): admin_write("put_user"),
    ("POST", "/api/v1/users/{user_id}/unlock"): admin_write("unlock"),
    ("POST", "/api/v1/users/{user_id}/password"): admin_write("reset_password"),
    ("GET", "/api/v1/roles"): gated("GET", "/api/v1/roles", "roles:view"),
    ("GET", "/api/v1/roles/{role_id}"): lambda ctx: gated(
        "GET", f"/api/v1/roles/{viewer_role(ctx).id}", "roles:view"
    )(ctx),
    ("PUT", "/api/v1/roles/{role_id}"): admin_write("put_role"),
    ("GET", "/admin/users"): gated("GET", "/admin/users", "users:view"),
    ("GET", "/admin/users/new"): gated("GET", "/admin/users/new", "users:create"),
    ("POST", "/admin/users/new"): admin_write("create_user_form"),
    ("GET", "/admin/users/{user_id}"): user_detail(api=False),
    ("POST", "/admin/users/{user_id}"): admin_write("post_user_form"),
    ("POST", "/admin/users/{user_id}/unlock"): admin_write("unlock_form"),
    ("POST", "/admin/users/{user_id}/password"): admin_write("reset_password_form"),
    ("GET", "/admin/roles"): gated("GET", "/admin/roles", "roles:view"),
    ("GET", "/admin/roles/{role_id}"): lambda ctx: gated(
        "GET", f"/admin/roles/{viewer_role(ctx).id}", "roles:view"
    )(ctx),
    ("POST", "/admin/roles/{role_id}"): admin_write("post_role_form"),
    ("GET", "/admin/audit"): gated("GET", "/admin/audit", "audit:view"),
    ("GET", "/admin/logins"): gated("GET", "/admin/logins", "logins:view"),
    # account pages: every signed-in persona, only their own account
    ("GET", "/account"): public("GET", "/account"),
    ("POST", "/account/password"): web_form(
        "/account/password", {"old_password": "wrong", "new_password": "x"}
    ),
    ("POST", "/account/tokens"): web_form("/account/tokens", {"name": "脚本"}, ok=200),
    ("POST", "/account/sessions/{session_id}/end"): own_session,
    ("POST", "/account/tokens/{token_id}/revoke"): lambda ctx: (
        None
    ),  # covered by the API twin and test_security
    ("GET", "/login"): public("GET", "/login", ok=(200, 303)),
    ("POST", "/login"): lambda ctx: None,  # covered by test_security (CSRF, fixation, lockout)
    ("POST", "/logout"): lambda ctx: None,  # covered by test_security
    ("GET", "/api/v1/account"): lambda ctx: account_case(ctx),
}
