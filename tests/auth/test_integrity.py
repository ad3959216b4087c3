"""Integrity findings of the outside probe, one test each: report-owned values, one rule set per write,
separation of duties with history, provenance kept on edit, 仅本人 creation, grants within one's rights,
tokens revoked with the password, the same answer for every failed login, strong passwords, usernames."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.auth import login
from shanhai.auth import service as auth
from shanhai.auth.models import ApiToken, DataScope, Role, User
from shanhai.auth.seed import SYSTEM_ADMIN
from shanhai.datasets.models import Submission
from shanhai.errors import Conflict, Forbidden, Invalid, NotFound
from shanhai.indicators.models import DataValue
from shanhai.lifecycle.models import StageChange
from shanhai.orgunits.models import OrgUnit
from tests.conftest import actor_of, token_for

Persona = Callable[[str], TestClient]
GRID = {"MONTHLY_TRAINED": "100", "MONTHLY_PLACED": "60"}


def _unit(session: Session, code: str) -> OrgUnit:
    return session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


def _report(as_persona: Persona, session: Session, period: str = "202507", approve: bool = True) -> DataValue:
    """泉山区 submits its monthly report; the city approves it. Returns its 培训 value."""
    officer = as_persona("quanshan_officer")
    unit = _unit(session, "XZ-QS")
    r = officer.put(
        "/api/v1/datasets/1/entry",
        params={"org_unit_id": unit.id, "period": period},
        json={"values": GRID, "submit": True},
    )
    assert r.status_code == 200, r.text
    if approve:
        submission = session.scalars(select(Submission).where(Submission.period_id == period)).one()
        assert (
            as_persona("city_admin").post(f"/api/v1/submissions/{submission.id}/approve").status_code == 200
        )
    return session.scalars(
        select(DataValue).where(DataValue.org_unit_id == unit.id, DataValue.period_id == period)
    ).first()  # type: ignore[return-value]


def test_a_value_of_an_approved_or_submitted_report_cannot_be_changed_through_the_value_api(
    as_persona: Persona, session: Session
) -> None:
    city = as_persona("city_admin")
    for period, approve, state in (("202507", True, "已审核"), ("202508", False, "已提交")):
        value = _report(as_persona, session, period, approve)
        before = city.get("/api/v1/analytics", params={"dx": "MONTHLY_TRAINED", "ou": "XZ-QS", "pe": period})
        r = city.put(f"/api/v1/values/{value.id}", json={"version": value.version, "value": "5000"})
        assert r.status_code == 409 and state in r.json()["error"]["message"]
        assert "泉山区" in r.json()["error"]["message"] and "区县重点工作月报" in r.json()["error"]["message"]
        d = city.delete(f"/api/v1/values/{value.id}", params={"version": value.version})
        assert d.status_code == 409
        page = city.post(
            f"/values/{value.id}/edit", data={"version": value.version, "value": "-3"}, follow_redirects=False
        )
        assert page.status_code == 409 and state in page.text, page.text[:3000]
        after = city.get("/api/v1/analytics", params={"dx": "MONTHLY_TRAINED", "ou": "XZ-QS", "pe": period})
        assert after.json()["rows"] == before.json()["rows"]
        session.refresh(value)
        assert value.value == Decimal(100)


def test_a_data_set_element_cannot_be_created_outside_its_report(
    as_persona: Persona, session: Session
) -> None:
    unit = _unit(session, "XZ-JK")
    body = {"data_element": "MONTHLY_TRAINED", "org_unit_id": unit.id, "period": "202507", "value": "9"}
    r = as_persona("city_admin").post("/api/v1/values", json=body)
    assert r.status_code == 409 and "填报页" in r.json()["error"]["message"]
    root = _unit(session, "XZ")
    r = as_persona("city_admin").post("/api/v1/values", json={**body, "org_unit_id": root.id})
    assert r.status_code == 409 and "区县重点工作月报" in r.json()["error"]["message"]


def test_the_grid_refuses_future_periods_and_non_ascii_digits(as_persona: Persona, session: Session) -> None:
    officer = as_persona("quanshan_officer")
    unit = _unit(session, "XZ-QS")
    r = officer.put(
        "/api/v1/datasets/1/entry", params={"org_unit_id": unit.id, "period": "209912"}, json={"values": GRID}
    )
    assert r.status_code == 422 and "尚未开始" in r.json()["error"]["message"]
    r = officer.put(
        "/api/v1/datasets/1/entry",
        params={"org_unit_id": unit.id, "period": "202506"},
        json={"values": {"MONTHLY_TRAINED": "１２"}},
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "MONTHLY_TRAINED"


def test_the_approver_is_not_the_submitter_and_every_move_is_in_the_history(
    as_persona: Persona, session: Session
) -> None:
    city = as_persona("city_admin")
    unit = _unit(session, "XZ-QS")
    r = city.put(
        "/api/v1/datasets/1/entry",
        params={"org_unit_id": unit.id, "period": "202509"},
        json={"values": GRID, "submit": True},
    )
    assert r.status_code == 200
    submission = session.scalars(select(Submission).where(Submission.period_id == "202509")).one()
    own = city.post(f"/api/v1/submissions/{submission.id}/approve")
    assert own.status_code == 403 and "自己提交" in own.json()["error"]["message"]
    admin = as_persona("admin")
    assert (
        admin.post(f"/api/v1/submissions/{submission.id}/return", json={"comment": "请核实"}).status_code
        == 200
    )
    moves = session.scalars(
        select(StageChange).where(StageChange.kind == "submission", StageChange.record_id == submission.id)
    ).all()
    assert [(m.from_stage, m.to_stage, m.actor) for m in moves] == [
        (None, "submitted", "city_admin"),
        ("submitted", "returned", "admin"),
    ]
    assert moves[-1].note == "请核实" and moves[-1].at is not None


def test_editing_a_value_keeps_its_source_and_shows_its_history(client: TestClient, session: Session) -> None:
    value = session.scalars(
        select(DataValue).where(DataValue.source_id.is_not(None)).order_by(DataValue.id)
    ).first()
    assert value is not None
    source_id = value.source_id
    r = client.put(f"/api/v1/values/{value.id}", json={"version": value.version, "value": str(value.value)})
    assert r.status_code == 200
    session.refresh(value)
    assert value.source_id == source_id
    history = client.get(f"/api/v1/values/{value.id}/history").json()
    assert history[-1]["actor"] == "city_admin" and history[-1]["action"] == "修改"
    page = client.get(f"/values/{value.id}/edit")
    assert "修改历史" in page.text and "city_admin" in page.text


def test_the_value_page_keeps_what_was_typed(client: TestClient, session: Session) -> None:
    value = session.scalars(
        select(DataValue).where(DataValue.kind == "target").order_by(DataValue.id)
    ).first()
    assert value is not None
    r = client.post(
        f"/values/{value.id}/edit", data={"version": value.version, "value": "12x", "comment": "我的说明"}
    )
    assert r.status_code == 422 and 'value="12x"' in r.text and "我的说明" in r.text


@pytest.mark.parametrize("number", ["1e999999999", "9999999999999999", "1.23456", "NaN"])
def test_numbers_that_would_not_read_back_exactly_are_refused(client: TestClient, number: str) -> None:
    body = {"data_element": "HNTE_APPLICATIONS", "org_unit_id": 1, "period": "2019", "value": number}
    r = client.post("/api/v1/values", json=body)
    assert r.status_code == 422, r.text


def _self_scoped_user(session: Session) -> User:
    role = auth.upsert_role(
        session=session,
        code="self_entry",
        name="仅本人录入",
        data_scope=DataScope.SELF,
        permissions={"indicators:view", "indicators:create"},
        units=[],
    )
    user = User(
        username="self_only",
        display_name="仅本人",
        password_hash=auth.hash_password("Self-only-2025"),
        org_unit=_unit(session, "XZ-QS"),
        roles=[role],
    )
    session.add(user)
    session.flush()
    return user


def test_a_self_only_role_creates_rows_in_its_own_unit_only(app, session: Session) -> None:
    _self_scoped_user(session)
    client = TestClient(app, headers={"Authorization": f"Bearer {token_for(session, 'self_only')}"})
    body = {"data_element": "HNTE_APPLICATIONS", "period": "2019", "value": "3"}
    city = client.post("/api/v1/values", json={**body, "org_unit_id": _unit(session, "XZ").id})
    assert city.status_code == 404
    own = client.post("/api/v1/values", json={**body, "org_unit_id": _unit(session, "XZ-QS").id})
    assert own.status_code == 201, own.text


def test_grants_stay_within_ones_own_rights(session: Session) -> None:
    admin_role = session.scalars(select(Role).where(Role.code == SYSTEM_ADMIN)).one()
    quanshan = _unit(session, "XZ-QS")
    editor = User(
        username="user_editor",
        display_name="用户管理员",
        password_hash=auth.hash_password("Editor-pass-2025"),
        org_unit=quanshan,
    )
    role = auth.upsert_role(
        session=session,
        code="user_editor",
        name="用户管理",
        data_scope=DataScope.UNIT_AND_BELOW,
        permissions={"users:view", "users:edit"},
        units=[],
    )
    editor.roles = [role]
    session.add(editor)
    session.flush()
    actor = actor_of(session, "user_editor")
    with pytest.raises(Forbidden, match="自己的角色"):
        auth.update_user(
            session=session,
            actor=actor,
            user_id=editor.id,
            version=editor.version,
            display_name="x",
            org_unit_id=quanshan.id,
            role_ids=[role.id, admin_role.id],
            is_active=True,
        )
    viewer = session.scalars(select(User).where(User.username == "quanshan_officer")).one()
    with pytest.raises(Forbidden, match="超出本人"):
        auth.update_user(
            session=session,
            actor=actor,
            user_id=viewer.id,
            version=viewer.version,
            display_name=viewer.display_name,
            org_unit_id=quanshan.id,
            role_ids=[r.id for r in viewer.roles] + [admin_role.id],
            is_active=True,
        )
    city_admin = session.scalars(select(User).where(User.username == "admin")).one()
    # the city's administrator is outside the district's scope: not there for it (404), as any record
    with pytest.raises(NotFound, match="不在您的数据范围内"):
        auth.reset_password(session=session, actor=actor, user_id=city_admin.id, new="Taken-over-2025")


def test_password_change_reset_and_deactivation_revoke_api_tokens(
    session: Session, anonymous: TestClient
) -> None:
    def live(username: str) -> int:
        return len(
            session.scalars(
                select(ApiToken).join(User).where(User.username == username, ApiToken.revoked_at.is_(None))
            ).all()
        )

    token = token_for(session, "viewer")
    user = session.scalars(select(User).where(User.username == "viewer")).one()
    auth.change_password(session=session, user=user, old="Shanhai-demo-2025", new="Another-pass-77", ip="")
    assert live("viewer") == 0
    assert anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    token_for(session, "viewer")
    admin = actor_of(session, "admin")
    auth.reset_password(session=session, actor=admin, user_id=user.id, new="Reset-pass-8899")
    assert live("viewer") == 0
    token_for(session, "viewer")
    auth.update_user(
        session=session,
        actor=admin,
        user_id=user.id,
        version=user.version,
        display_name=user.display_name,
        org_unit_id=user.org_unit_id,
        role_ids=[r.id for r in user.roles],
        is_active=False,
    )
    assert live("viewer") == 0


def test_unknown_and_known_users_get_the_same_answer_after_the_same_work(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []
    real = auth.verify_password
    monkeypatch.setattr(login, "verify_password", lambda h, p: checks.append(h) or real(h, p))
    answers = []
    for name in ("nobody_here", "viewer"):
        with pytest.raises(auth.Unauthenticated) as refused:
            auth.authenticate(session=session, username=name, password="Wrong-pass-123", ip="")
        answers.append(refused.value.message)
    assert answers[0] == answers[1] == auth.LOGIN_REFUSED
    assert len(checks) == 2  # an argon2 check for the unknown user too


def test_a_wrong_current_password_counts_towards_the_lockout(session: Session) -> None:
    user = session.scalars(select(User).where(User.username == "viewer")).one()
    for attempt in range(auth.MAX_FAILED_LOGINS):
        last = attempt == auth.MAX_FAILED_LOGINS - 1
        with pytest.raises(Invalid, match="账号已锁定" if last else "原密码不正确"):
            auth.change_password(session=session, user=user, old="guess-1234", new="New-pass-2026", ip="")
    session.refresh(user)
    assert auth.is_locked(user)


@pytest.mark.parametrize(
    ("password", "why"),
    [("short1", "至少"), ("password123", "常见"), ("xuzhou2025!", "常见"), ("Viewer-2025x", "用户名")],
)
def test_weak_passwords_are_refused(password: str, why: str) -> None:
    with pytest.raises(Invalid, match=why):
        auth.check_password_strength(password, username="viewer")


@pytest.mark.parametrize(("name", "clash"), [("ADMIN", True), ("ｖｉｅｗｅｒ", True), ("аdmin", False)])
def test_usernames_are_normalised_and_look_alikes_refused(session: Session, name: str, clash: bool) -> None:
    admin = actor_of(session, "admin")
    role = session.scalars(select(Role).where(Role.code == "viewer")).first()
    with pytest.raises(Conflict if clash else Invalid):
        auth.create_user(
            session=session,
            actor=admin,
            username=name,
            display_name="x",
            password="Strong-pass-2025",
            org_unit_id=_unit(session, "XZ").id,
            role_ids=[role.id] if role else [],
        )


def test_a_bad_number_in_the_grid_names_its_field_and_keeps_everything_typed(
    as_persona: Persona, session: Session
) -> None:
    officer = as_persona("quanshan_officer")
    unit = _unit(session, "XZ-QS")
    r = officer.post(
        "/datasets/1/entry",
        params={"org_unit_id": unit.id, "period": "202504"},
        data={"v_MONTHLY_TRAINED": "12O", "v_MONTHLY_PLACED": "7", "v_MONTHLY_LEADS": "3", "action": "draft"},
    )
    assert r.status_code == 422 and "培训" in r.text
    assert 'value="12O"' in r.text and 'value="7"' in r.text and 'value="3"' in r.text


def test_a_report_owned_value_is_refused_under_any_programme_and_targets_obey_the_rules(
    as_persona: Persona, session: Session
) -> None:
    officer = as_persona("quanshan_officer")
    unit = _unit(session, "XZ-QS")
    body = {"data_element": "MONTHLY_PLACED", "org_unit_id": unit.id, "period": "202507", "value": "5000"}
    assert officer.post("/api/v1/values", json={**body, "programme_id": 1}).status_code == 409
    target = {**body, "kind": "target", "value": "-3"}
    r = officer.post("/api/v1/values", json=target)
    assert r.status_code == 422 and "不能小于" in r.json()["error"]["message"]
    r = officer.post("/api/v1/values", json={**target, "value": "1.5"})
    assert r.status_code == 422 and "整数" in r.json()["error"]["message"]


@pytest.mark.parametrize("number", ["１２", "١٢", "1_000", "1E+5", "1e5", " 12x"])
def test_the_value_api_takes_half_width_digits_only(client: TestClient, number: str) -> None:
    body = {"data_element": "HNTE_APPLICATIONS", "org_unit_id": 1, "period": "2018", "value": number}
    assert client.post("/api/v1/values", json=body).status_code == 422


def _user_admin(session: Session, unit_code: str, scope: DataScope = DataScope.UNIT_AND_BELOW) -> User:
    role = auth.upsert_role(
        session=session,
        code=f"users_{unit_code}",
        name=f"用户管理（{unit_code}）",
        data_scope=scope,
        permissions={"users:view", "users:edit", "roles:view", "roles:edit", "indicators:view"},
        units=[],
    )
    user = User(
        username=f"admin_{unit_code.lower().replace('-', '_')}",
        display_name="区用户管理员",
        password_hash=auth.hash_password("Unit-admin-2025"),
        org_unit=_unit(session, unit_code),
        roles=[role],
    )
    session.add(user)
    session.flush()
    return user


def test_a_district_user_admin_cannot_take_over_or_move_users_beyond_his_scope(session: Session) -> None:
    admin_qs = _user_admin(session, "XZ-QS")
    actor = actor_of(session, admin_qs.username)
    custom = session.scalars(select(Role).where(Role.data_scope == DataScope.CUSTOM.value)).first()
    assert custom is not None
    seconded = User(
        username="qs_seconded",
        display_name="借调",
        password_hash=auth.hash_password("Seconded-2025"),
        org_unit=_unit(session, "XZ-QS"),
        roles=[custom],
    )
    session.add(seconded)
    session.flush()
    with pytest.raises(Forbidden, match="无权管理"):  # his role opens 奎屯, beyond 泉山区
        auth.reset_password(session=session, actor=actor, user_id=seconded.id, new="Taken-over-7788")
    officer = session.scalars(select(User).where(User.username == "quanshan_officer")).one()
    with pytest.raises(Forbidden):
        auth.update_user(
            session=session,
            actor=actor,
            user_id=officer.id,
            version=officer.version,
            display_name=officer.display_name,
            org_unit_id=_unit(session, "XZ").id,  # the city root
            role_ids=[],
            is_active=True,
        )


def test_roles_cannot_be_widened_by_their_holder_or_beyond_the_editors_rights(session: Session) -> None:
    admin_qs = _user_admin(session, "XZ-QS", DataScope.UNIT)
    actor = actor_of(session, admin_qs.username)
    own = admin_qs.roles[0]
    with pytest.raises(Forbidden, match="自己持有"):
        auth.update_role(
            session=session,
            actor=actor,
            role_id=own.id,
            version=own.version,
            name=own.name,
            data_scope=DataScope.UNIT_AND_BELOW,
            permissions=own.permissions,
            custom_unit_ids=[],
        )
    system = session.scalars(select(Role).where(Role.code == SYSTEM_ADMIN)).one()
    with pytest.raises(Forbidden):
        auth.update_role(
            session=session,
            actor=actor,
            role_id=system.id,
            version=system.version,
            name=system.name,
            data_scope=DataScope.SELF,
            permissions={"dashboard:view"},
            custom_unit_ids=[],
        )


def test_a_missing_client_address_is_throttled_under_one_key(session: Session) -> None:
    for _ in range(auth.MAX_FAILURES_PER_IP):
        with pytest.raises(auth.Unauthenticated):
            auth.authenticate(session=session, username="nobody", password="Wrong-pass-1", ip="")
    with pytest.raises(auth.Throttled):
        auth.authenticate(session=session, username="nobody", password="Wrong-pass-1", ip="")


@pytest.mark.parametrize(
    "password", ["Aa123456", "abc12345", "12345678a", "qwer1234", "zxcv1234", "abcdefg1"]
)
def test_keyboard_and_alphabet_runs_are_weak(password: str) -> None:
    with pytest.raises(Invalid, match="常见或简单"):
        auth.check_password_strength(password)


@pytest.mark.parametrize("name", ["admin.", "vie.wer", "viewer_"])
def test_names_that_differ_only_by_separators_are_refused(session: Session, name: str) -> None:
    with pytest.raises((Conflict, Invalid)):
        auth.create_user(
            session=session,
            actor=actor_of(session, "admin"),
            username=name,
            display_name="x",
            password="Strong-key-2026",
            org_unit_id=_unit(session, "XZ").id,
            role_ids=[],
        )
