"""Security: password hashing, lockout, CSRF, session fixation, tokens, headers, redirects, audit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shanhai.audit.models import AuditLog
from shanhai.auth import service as auth
from shanhai.auth.models import ApiToken, DataScope, LoginLog, User, UserSession
from shanhai.indicators.models import DataValue
from tests.conftest import LOCAL, PASSWORD, actor_of, token_for


def _user(session: Session, username: str) -> User:
    return session.scalars(select(User).where(User.username == username)).one()


def _login_form(client: TestClient) -> str:
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def _login(client: TestClient, username: str, password: str = PASSWORD, csrf: str | None = None):
    token = _login_form(client) if csrf is None else csrf
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


def _events(session: Session, username: str, app: object | None = None) -> list[str]:
    """The login log's events of a user; with the app, after its background writer wrote what it counted
    of anonymous refusals (auth.refusals)."""
    if app is not None:
        from shanhai.auth.refusals import write

        state = app.state  # type: ignore[attr-defined]
        write(state.refusals.drain(everything=True), state.session_factory)
    rows = session.scalars(select(LoginLog).where(LoginLog.username == username).order_by(LoginLog.id))
    return [r.event for r in rows]


def test_passwords_are_stored_as_argon2_hashes(session: Session) -> None:
    user = _user(session, "viewer")
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert auth.verify_password(user.password_hash, PASSWORD)
    assert not auth.verify_password(user.password_hash, PASSWORD + "x")
    assert not auth.verify_password("not-a-hash", PASSWORD)


def test_login_sets_a_safe_cookie_and_logs_in(anonymous: TestClient, session: Session) -> None:
    r = _login(anonymous, "viewer")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert "shanhai_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert anonymous.get("/").status_code == 200
    assert _events(session, "viewer")[-1] == "登录成功"


def test_wrong_password_then_lockout_then_admin_unlock(anonymous: TestClient, session: Session) -> None:
    for _attempt in range(1, auth.MAX_FAILED_LOGINS + 1):
        r = _login(anonymous, "viewer", "wrong-password-1")
        assert r.status_code == 401 and auth.LOGIN_REFUSED in r.text  # the same answer every time
    r = _login(anonymous, "viewer")  # the right password no longer helps
    assert r.status_code == 401 and auth.LOGIN_REFUSED in r.text
    assert _events(session, "viewer")[-2:] == ["账号锁定", "登录失败"]
    user = _user(session, "viewer")
    assert auth.is_locked(user)
    # a locked user's API token stops working too
    token = token_for(session, "viewer")
    assert anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    auth.unlock_user(session=session, actor=actor_of(session, "admin"), user_id=user.id)
    assert _login(anonymous, "viewer").status_code == 303


def test_login_without_or_with_a_forged_csrf_token_is_refused(
    anonymous: TestClient, session: Session
) -> None:
    _login_form(anonymous)
    r = _login(anonymous, "viewer", csrf="forged")
    assert r.status_code == 403 and "CSRF" in r.text
    fresh = TestClient(anonymous.app, client=LOCAL)
    r = fresh.post("/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": "x"})
    assert r.status_code == 403
    assert "登录成功" not in _events(session, "viewer")


def test_form_posts_need_the_session_csrf_token(anonymous: TestClient, session: Session) -> None:
    assert _login(anonymous, "city_admin").status_code == 303
    value = session.scalars(select(DataValue).order_by(DataValue.id)).first()
    assert value is not None
    before = value.version
    form = {"version": str(value.version), "value": "5", "qualifier": "exact"}
    r = anonymous.post(f"/values/{value.id}/edit", data=form, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = anonymous.post(
        f"/values/{value.id}/edit", data={**form, "csrf_token": "forged"}, follow_redirects=False
    )
    assert r.status_code == 403
    session.refresh(value)
    assert value.version == before
    page = anonymous.get(f"/values/{value.id}/edit")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    r = anonymous.post(
        f"/values/{value.id}/edit", data={**form, "csrf_token": csrf.group(1)}, follow_redirects=False
    )
    assert r.status_code == 303
    session.refresh(value)
    assert value.version == before + 1
    # an API call authenticated by the cookie needs the header too
    assert (
        anonymous.put(f"/api/v1/values/{value.id}", json={"version": value.version, "value": "6"}).status_code
        == 403
    )
    ok = anonymous.put(
        f"/api/v1/values/{value.id}",
        json={"version": value.version, "value": "6"},
        headers={"X-CSRF-Token": csrf.group(1)},
    )
    assert ok.status_code == 200


def test_session_fixation_a_planted_session_id_is_never_used(anonymous: TestClient, session: Session) -> None:
    anonymous.cookies.set("shanhai_session", "planted-by-attacker")
    r = _login(anonymous, "viewer")
    issued = r.cookies.get("shanhai_session")
    assert issued and issued != "planted-by-attacker"
    attacker = TestClient(anonymous.app, client=LOCAL, cookies={"shanhai_session": "planted-by-attacker"})
    assert attacker.get("/api/v1/me").status_code == 401
    assert (
        TestClient(anonymous.app, client=LOCAL, cookies={"shanhai_session": issued})
        .get("/api/v1/me")
        .status_code
        == 200
    )


def test_logout_ends_the_session(anonymous: TestClient, session: Session) -> None:
    _login(anonymous, "viewer")
    cookie = anonymous.cookies.get("shanhai_session")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', anonymous.get("/account").text)
    assert csrf and cookie
    assert (
        anonymous.post("/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False).status_code
        == 303
    )
    assert (
        TestClient(anonymous.app, client=LOCAL, cookies={"shanhai_session": cookie})
        .get("/api/v1/me")
        .status_code
        == 401
    )
    assert session.scalars(select(UserSession).join(User).where(User.username == "viewer")).first() is None


def test_tokens_are_hashed_revocable_and_expire(anonymous: TestClient, session: Session) -> None:
    token = token_for(session, "viewer")
    row = session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert row is not None and token not in (row.token_hash, row.prefix) and row.token_hash != token
    headers = {"Authorization": f"Bearer {token}"}
    assert anonymous.get("/api/v1/me", headers=headers).json()["username"] == "viewer"
    auth.revoke_token(session=session, actor=actor_of(session, "viewer"), token_id=row.id)
    r = anonymous.get("/api/v1/me", headers=headers)
    assert r.status_code == 401 and r.json()["error"]["message"] == "接口令牌无效、已过期或已吊销"
    assert _events(session, "（未登录）", anonymous.app)[-1] == "拒绝访问"
    expiring = auth.create_token(
        session=session,
        actor=actor_of(session, "viewer"),
        user=_user(session, "viewer"),
        name="short",
        days=1,
    )
    latest = session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert latest is not None and latest.expires_at is not None
    latest.expires_at = latest.created_at.replace(year=2000)
    session.flush()
    assert anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {expiring}"}).status_code == 401
    assert anonymous.get("/api/v1/me", headers={"Authorization": "Bearer shk_nonsense"}).status_code == 401


def test_another_districts_record_is_refused_and_logged(
    as_persona: Callable[[str], TestClient], session: Session
) -> None:
    jingkai_value = session.scalars(
        select(DataValue).join(DataValue.org_unit).where(DataValue.kind == "target")
    ).all()
    target = next(v for v in jingkai_value if v.org_unit.code == "XZ-JK")
    client = as_persona("quanshan_officer")
    r = client.get(f"/api/v1/values/{target.id}")
    missing = client.get("/api/v1/values/99999999")
    assert r.status_code == missing.status_code == 404  # out of scope reads as not there
    assert "经济技术开发区" not in r.text and r.json()["error"]["message"] == "数据不存在或不在您的数据范围内"
    r = client.put(f"/api/v1/values/{target.id}", json={"version": target.version, "value": "99"})
    assert r.status_code == 404
    session.refresh(target)
    assert target.value == 2
    assert _events(session, "quanshan_officer")[-2:] == ["拒绝访问", "拒绝访问"]
    html = client.get(f"/values/{target.id}/edit")
    assert html.status_code == 404 and "经济技术开发区" not in html.text


def test_writes_are_audited_with_before_and_after(client: TestClient, session: Session) -> None:
    value = session.scalars(select(DataValue).order_by(DataValue.id)).first()
    assert value is not None
    r = client.put(
        f"/api/v1/values/{value.id}", json={"version": value.version, "value": "12.5", "comment": "更正"}
    )
    assert r.status_code == 200
    entry = session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert entry is not None and entry.actor == "city_admin" and entry.action == "修改" and entry.ip
    assert entry.after is not None and entry.after["value"] == "12.5" and entry.before is not None
    stale = client.put(f"/api/v1/values/{value.id}", json={"version": value.version - 1, "value": "1"})
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["error"]["message"]


def test_audit_rows_cannot_be_changed_through_the_application(app) -> None:
    from tests.scope import app_routes

    writes = {(m, p) for m, p in app_routes(app) if m in {"POST", "PUT", "PATCH", "DELETE"}}
    assert not [p for _, p in writes if "audit" in p or "logins" in p]


def test_security_headers(anonymous: TestClient) -> None:
    r = anonymous.get("/login")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in r.text  # no inline script: the CSP would block it


def test_login_redirects_only_within_the_site(anonymous: TestClient) -> None:
    token = _login_form(anonymous)
    r = anonymous.post(
        "/login",
        data={
            "username": "viewer",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_anonymous_pages_redirect_to_login_and_api_says_401(anonymous: TestClient) -> None:
    r = anonymous.get("/values?year=2025", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/values")
    r = anonymous.get("/api/v1/values")
    assert r.status_code == 401 and r.json()["error"]["message"] == "请先登录"


def test_self_scope_sees_only_own_entries(as_persona: Callable[[str], TestClient], session: Session) -> None:
    role = auth.upsert_role(
        session=session,
        code="own_only",
        name="仅本人",
        data_scope=DataScope.SELF,
        permissions={"indicators:view", "indicators:create"},
        units=[],
    )
    user = _user(session, "jingkai_officer")
    user.roles = [role]
    session.flush()
    client = as_persona("jingkai_officer")
    assert client.get("/api/v1/values").json()["total"] == 0
    unit_id = user.org_unit_id
    created = client.post(
        "/api/v1/values",
        json={"data_element": "HNTE_APPLICATIONS", "org_unit_id": unit_id, "period": "2026", "value": "4"},
    )
    assert created.status_code == 201
    listed = client.get("/api/v1/values").json()
    assert [v["id"] for v in listed["items"]] == [created.json()["id"]]


def test_role_and_user_administration_is_audited(
    as_persona: Callable[[str], TestClient], session: Session
) -> None:
    admin = as_persona("admin")
    roles = {r["code"]: r for r in admin.get("/api/v1/roles").json()}
    viewer = roles["viewer"]
    r = admin.put(
        f"/api/v1/roles/{viewer['id']}",
        json={
            "version": viewer["version"],
            "name": "只读用户",
            "data_scope": "all",
            "permissions": ["dashboard:view"],
        },
    )
    assert r.status_code == 200 and r.json()["permissions"] == ["dashboard:view"]
    bad = admin.put(
        f"/api/v1/roles/{viewer['id']}",
        json={"version": r.json()["version"], "name": "x", "data_scope": "all", "permissions": ["nope:do"]},
    )
    assert bad.status_code == 422 and "未知的权限" in bad.json()["error"]["message"]
    new = admin.post(
        "/api/v1/users",
        json={"username": "li_si", "display_name": "李四", "password": "short", "org_unit_id": 1},
    )
    assert new.status_code == 422 and new.json()["error"]["field"] == "password"
    assert session.scalars(select(User).where(User.username == "li_si")).first() is None
    summaries = [a.summary for a in session.scalars(select(AuditLog).where(AuditLog.action == "授权"))]
    assert any(s.startswith("修改角色 只读用户") for s in summaries)


def test_audit_filters_blank_fields_mean_no_filter_and_bad_dates_are_named(
    as_persona: Callable[[str], TestClient],
) -> None:
    admin = as_persona("admin")
    blank = {"module": "", "action": "", "operator": "", "since": "", "until": "", "q": ""}
    assert admin.get("/admin/audit", params=blank).status_code == 200
    everything = admin.get("/api/v1/lists/audit").json()["total"]
    assert admin.get("/api/v1/lists/audit", params=blank).json()["total"] == everything > 0
    narrowed = admin.get("/api/v1/lists/audit", params={"module": "指标", "since": "2000-01-01"}).json()
    assert 0 < narrowed["total"] < everything
    bad = admin.get("/api/v1/lists/audit", params={"since": "2025-13-01"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "since"


def test_an_administrator_resets_a_forgotten_password(
    anonymous: TestClient, as_persona: Callable[[str], TestClient], session: Session
) -> None:
    viewer = _user(session, "viewer")
    assert _login(anonymous, "viewer").status_code == 303 and anonymous.get("/").status_code == 200
    admin = as_persona("admin")
    assert "重置密码" in admin.get(f"/admin/users/{viewer.id}").text
    weak = admin.post(f"/api/v1/users/{viewer.id}/password", json={"new_password": "12345678"})
    assert weak.status_code == 422 and weak.json()["error"]["field"] == "new_password"
    session.refresh(viewer)
    assert auth.verify_password(viewer.password_hash, PASSWORD)  # refused: nothing changed
    done = admin.post(
        f"/admin/users/{viewer.id}/password", data={"new_password": "Reset-2026"}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].endswith("saved=password")
    assert "密码已重置" in admin.get(done.headers["location"]).text
    assert anonymous.get("/", follow_redirects=False).status_code == 303  # the old browser session is gone
    assert _login(anonymous, "viewer").status_code == 401
    assert _login(anonymous, "viewer", "Reset-2026").status_code == 303
    logged = session.scalars(select(AuditLog).where(AuditLog.summary.like("重置用户 viewer 的密码%"))).all()
    assert len(logged) == 1
    assert "Reset-2026" not in f"{logged[0].before}{logged[0].after}{logged[0].summary}"
    # last, as the form's error path undoes the test's transaction: the message, beside the field
    weak_form = admin.post(f"/admin/users/{viewer.id}/password", data={"new_password": "12345678"})
    assert weak_form.status_code == 422 and "密码须同时包含字母和数字或符号" in weak_form.text


def test_audit_days_are_beijing_days(as_persona: Callable[[str], TestClient], session: Session) -> None:
    """An entry made at 01:00 on 2 January in Xuzhou (17:00 UTC on the 1st) is filed under 2 January, on the
    page, in the filter and in the export."""
    entry = AuditLog(
        at=datetime(2031, 1, 1, 17, 0, tzinfo=UTC),
        actor="测试",
        module="测试",
        action="update",
        object_type="test",
        summary="北京时间凌晨一点的操作",
    )
    session.add(entry)
    session.flush()
    admin = as_persona("admin")
    on = {"since": "2031-01-02", "until": "2031-01-02"}
    assert [e["id"] for e in admin.get("/api/v1/lists/audit", params=on).json()["items"]] == [entry.id]
    day_before = {"since": "2031-01-01", "until": "2031-01-01"}
    assert admin.get("/api/v1/lists/audit", params=day_before).json()["total"] == 0
    assert "2031-01-02 01:00:00" in admin.get("/admin/audit", params=on).text
    assert "2031-01-02 01:00:00" in admin.get(
        "/api/v1/lists/audit/export", params={**on, "format": "csv"}
    ).content.decode("utf-8-sig")


def test_a_user_sees_their_signed_in_browsers_and_signs_one_out(
    app, anonymous: TestClient, session: Session
) -> None:
    office = TestClient(app, client=LOCAL)
    assert _login(office, "viewer").status_code == 303
    assert _login(anonymous, "viewer").status_code == 303  # the phone
    page = anonymous.get("/account").text
    assert page.count("退出该浏览器") == 1 and "当前浏览器" in page
    office_session = session.scalars(
        select(UserSession).where(UserSession.user_id == _user(session, "viewer").id).order_by(UserSession.id)
    ).first()
    assert office_session is not None
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    r = anonymous.post(
        f"/account/sessions/{office_session.id}/end",
        data={"csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/account?ended=1"
    assert office.get("/", follow_redirects=False).status_code == 303  # the office PC must log in again
    assert anonymous.get("/").status_code == 200
    assert "由本人在其他浏览器结束" in " ".join(
        e.message for e in session.scalars(select(LoginLog).where(LoginLog.username == "viewer"))
    )
    # someone else's browser is not found, and stays signed in
    assert _login(office, "quanshan_officer").status_code == 303
    theirs = session.scalars(select(UserSession).join(User).where(User.username == "quanshan_officer")).one()
    r = anonymous.post(f"/account/sessions/{theirs.id}/end", data={"csrf_token": csrf.group(1)})
    assert r.status_code == 404 and office.get("/").status_code == 200


def test_password_spraying_from_one_address_is_slowed_down(anonymous: TestClient, session: Session) -> None:
    """Twenty failures from one address, spread over many accounts so that none locks, and that address must
    wait — even with a right password; other addresses are not affected."""
    for i in range(auth.MAX_FAILURES_PER_IP):
        assert _login(anonymous, f"guess-{i}", "Spray-2026").status_code == 401
    r = _login(anonymous, "viewer")
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    assert not auth.is_locked(_user(session, "viewer"))  # the account itself is fine
    assert (
        auth.authenticate(session=session, username="viewer", password=PASSWORD, ip="10.1.2.3").username
        == "viewer"
    )
    assert _events(session, "viewer")[-2] == "登录失败"  # the refused attempt, logged like any failure
    refused = session.scalars(
        select(LoginLog).where(LoginLog.username == "viewer").order_by(LoginLog.id)
    ).all()[-2]
    assert "暂停登录" in refused.message


def test_wrong_current_passwords_on_the_account_page_count_towards_the_lockout(
    as_persona: Callable[[str], TestClient], session: Session
) -> None:
    """Eight wrong tries on /account/password left the counter at 0 and four log rows: the form's error
    handling rolled the count back with the failed change."""
    viewer = as_persona("viewer")
    user = session.scalars(select(User).where(User.username == "viewer")).one()
    before = session.scalar(select(func.count()).select_from(LoginLog).where(LoginLog.username == "viewer"))
    form = {"old_password": "wrong", "new_password": "New-pass-2026", "confirm_password": "New-pass-2026"}
    for _ in range(4):
        r = viewer.post("/account/password", data=form)
        assert r.status_code == 422 and "原密码不正确" in r.text
    # the fifth locks the account, says so (not “原密码不正确”, the outside trial), and ends every session:
    # the one that guessed is likely not its owner's
    r = viewer.post("/account/password", data=form)
    assert r.status_code == 422 and "账号已锁定" in r.text and "原密码不正确" not in r.text
    assert viewer.get("/account", follow_redirects=False).status_code in (302, 303, 401)
    session.expire_all()
    user = session.get_one(User, user.id)
    assert user.failed_logins == 5 and user.locked_until is not None
    after = session.scalar(select(func.count()).select_from(LoginLog).where(LoginLog.username == "viewer"))
    assert after - before == 5


def test_an_anonymous_flood_is_logged_once_a_minute_per_address(
    anonymous: TestClient, session: Session
) -> None:
    """One 登录日志 row per refused anonymous request let a client add 300–400 rows a second, each taking the
    write lock: now the request only counts (no row is written while it is served), and one row per address
    and minute says how many were refused."""
    from shanhai.auth.refusals import RefusalCounter

    before = len(_events(session, "（未登录）"))
    for _ in range(50):
        assert anonymous.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert len(_events(session, "（未登录）")) == before  # nothing written on the request's path
    after = _events(session, "（未登录）", anonymous.app)
    assert 1 <= len(after) - before <= 2  # two only if a minute turned meanwhile
    logged = session.scalars(select(LoginLog).where(LoginLog.username == "（未登录）").order_by(LoginLog.id))
    assert sum(int(m) for r in logged for m in re.findall(r"共 (\d+) 次", r.message)) in (50, 49, 48)
    counter = RefusalCounter()
    counter.note("10.0.0.1", "GET /a", now=60.0)
    for i in range(3):
        counter.note("10.0.0.1", "GET /b", now=61.0 + i)
    counter.note("10.0.0.2", "GET /c", now=62.0)  # another address is its own
    assert counter.drain(now=100.0) == []  # the minute is not over
    done = counter.drain(now=125.0)
    assert [(r.ip, r.count, r.message) for r in done] == [
        ("10.0.0.1", 4, "GET /a"),
        ("10.0.0.2", 1, "GET /c"),
    ]
    assert "共 4 次" in done[0].row_message() and len(counter) == 0


def test_the_login_log_is_pruned_after_its_retention(tmp_path: Path) -> None:
    from datetime import timedelta

    from shanhai.db import make_engine, utcnow
    from shanhai.migrations import upgrade

    url = f"sqlite:///{tmp_path / 'logs.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as db:
        db.add_all(
            [
                LoginLog(username="a", ip="", event="登录成功", at=utcnow() - timedelta(days=400)),
                LoginLog(username="b", ip="", event="登录成功", at=utcnow() - timedelta(days=10)),
            ]
        )
        db.commit()
    env = {**os.environ, "SHANHAI_DATABASE_URL": url, "SHANHAI_LOG_RETENTION_DAYS": "180"}
    done = subprocess.run(
        [sys.executable, "-m", "shanhai", "logs", "prune"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "已删除 1 条" in done.stdout, done.stderr
    with Session(engine) as db:
        assert [r.username for r in db.scalars(select(LoginLog))] == ["b"]
    engine.dispose()
