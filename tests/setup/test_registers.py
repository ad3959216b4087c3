"""Self-service administration: the office edits its own set-up (units, programmes, elements, indicators,
data sets, roles) through services that check the permission, the scope and every field, audit each change,
and keep the figures consistent (a moved unit's values roll up under its new parent)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.analytics.engine import analytics
from shanhai.audit.models import AuditLog
from shanhai.errors import Conflict, Forbidden, Invalid, OutOfScope
from shanhai.indicators import service as indicators
from shanhai.indicators.models import DataElement, Indicator, ValueKind
from shanhai.lib.cnnum import Qualifier
from shanhai.orgunits.models import OrgUnit
from shanhai.setup import datasets as ds_setup
from shanhai.setup import metadata, orgunits, programmes, roles
from tests.conftest import actor_of


def _unit(session: Session, code: str) -> OrgUnit:
    return session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


def _last_audit(session: Session) -> AuditLog:
    entry = session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert entry is not None
    return entry


def _value(session: Session, unit: OrgUnit, amount: int, period: str = "209903") -> None:
    indicators.create_value(
        session=session,
        actor=actor_of(session, "admin"),
        element_code="FUNDS",
        org_unit_id=unit.id,
        period_id=period,
        programme_id=None,
        kind=ValueKind.ACTUAL,
        value=Decimal(amount),
        qualifier=Qualifier.EXACT,
    )


def test_moving_a_unit_moves_its_subtree_and_its_figures(session: Session) -> None:
    admin = actor_of(session, "admin")
    quanshan, gulou = _unit(session, "XZ-QS"), _unit(session, "XZ-GL") if _has(session, "XZ-GL") else None
    target = gulou or next(
        u for u in session.scalars(select(OrgUnit).where(OrgUnit.level == 2)) if u.id != quanshan.id
    )
    office = orgunits.create_unit(
        session=session, actor=admin, code_="QS-OFFICE", name="泉山区某办", kind="unit", parent_id=quanshan.id
    )
    team = orgunits.create_unit(
        session=session, actor=admin, code_="QS-TEAM", name="某办一组", kind="unit", parent_id=office.id
    )
    assert _last_audit(session).action == "新增" and "某办一组" in _last_audit(session).summary
    _value(session, team, 700)

    def funds(code: str) -> Decimal:
        result = analytics(session=session, actor=admin, dx="FUNDS", ou=code, pe="2099")
        return result.value("FUNDS", code, "2099") or Decimal(0)

    assert funds("XZ-QS") == 700 and funds(target.code) == 0
    orgunits.update_unit(
        session=session,
        actor=admin,
        unit_id=office.id,
        version=office.version,
        name="某办",
        kind="unit",
        parent_id=target.id,
        sort_order=0,
    )
    session.refresh(team)
    assert team.path == f"{target.path}{office.id}/{team.id}/" and team.level == target.level + 2
    assert funds("XZ-QS") == 0 and funds(target.code) == 700 and funds("QS-OFFICE") == 700
    with pytest.raises(Invalid) as info:
        orgunits.update_unit(
            session=session,
            actor=admin,
            unit_id=office.id,
            version=office.version,
            name="某办",
            kind="unit",
            parent_id=team.id,
            sort_order=0,
        )
    assert info.value.field == "parent_id"


def _has(session: Session, code: str) -> bool:
    return session.scalars(select(OrgUnit).where(OrgUnit.code == code)).first() is not None


def test_a_closed_unit_keeps_its_history_and_takes_no_new_records(session: Session) -> None:
    admin = actor_of(session, "admin")
    parent = orgunits.create_unit(
        session=session,
        actor=admin,
        code_="TMP-P",
        name="临时",
        kind="unit",
        parent_id=_unit(session, "XZ-QS").id,
    )
    child = orgunits.create_unit(
        session=session, actor=admin, code_="TMP-C", name="临时下级", kind="unit", parent_id=parent.id
    )
    _value(session, child, 5)
    with pytest.raises(Invalid, match="下级"):
        orgunits.close_unit(session=session, actor=admin, unit_id=parent.id, version=parent.version)
    orgunits.close_unit(session=session, actor=admin, unit_id=child.id, version=child.version)
    orgunits.close_unit(session=session, actor=admin, unit_id=parent.id, version=parent.version)
    with pytest.raises(Invalid, match="已撤销"):
        _value(session, child, 6, period="209904")
    assert (
        analytics(session=session, actor=admin, dx="FUNDS", ou="TMP-C", pe="2099").value(
            "FUNDS", "TMP-C", "2099"
        )
        == 5
    )
    with pytest.raises(Invalid, match="上级"):
        orgunits.close_unit(
            session=session, actor=admin, unit_id=child.id, version=child.version, closed=False
        )
    with pytest.raises(Conflict, match="版本"):
        orgunits.close_unit(session=session, actor=admin, unit_id=child.id, version=None, closed=False)
    with pytest.raises(Conflict):
        orgunits.close_unit(session=session, actor=admin, unit_id=parent.id, version=1, closed=False)


def test_units_are_refused_to_others_and_outside_the_scope(session: Session) -> None:
    with pytest.raises(Forbidden):
        orgunits.create_unit(
            session=session,
            actor=actor_of(session, "quanshan_officer"),
            code_="X",
            name="x",
            kind="unit",
            parent_id=_unit(session, "XZ-QS").id,
        )
    with pytest.raises(Invalid) as info:
        orgunits.create_unit(
            session=session,
            actor=actor_of(session, "admin"),
            code_="bad code!",
            name="x",
            kind="unit",
            parent_id=1,
        )
    assert info.value.field == "code"
    with pytest.raises(Conflict) as clash:
        orgunits.create_unit(
            session=session,
            actor=actor_of(session, "admin"),
            code_="XZ-QS",
            name="x",
            kind="unit",
            parent_id=1,
        )
    assert clash.value.field == "code"


def test_programmes_check_fields_versions_and_use(session: Session) -> None:
    admin = actor_of(session, "admin")
    lead = _unit(session, "XZ").id
    fields = dict(
        name="新疆某协作",
        short_name="某协作",
        kind="对口支援",
        lead_org_unit_id=lead,
        start_year=2026,
        end_year=2030,
        description="",
        sort_order=50,
    )
    place = programmes.create_place(
        session=session,
        actor=admin,
        code_="PL-NEW",
        name="某县",
        full_name="某省某县",
        province="某省",
        parent_id=lead,
    )
    created = programmes.create_programme(
        session=session, actor=admin, code_="NEW-PROG", place_ids=[place.id], **fields
    )
    assert [p.code for p in created.places] == ["PL-NEW"]
    with pytest.raises(Invalid) as info:
        programmes.update_programme(
            session=session,
            actor=admin,
            programme_id=created.id,
            version=created.version,
            place_ids=[],
            **{**fields, "end_year": 2020},
        )
    assert info.value.field == "end_year"
    session.rollback() if False else None
    with pytest.raises(Conflict):
        programmes.update_programme(
            session=session, actor=admin, programme_id=created.id, version=99, place_ids=[], **fields
        )
    used = session.scalars(select(DataElement)).first()
    assert used is not None
    yj = session.scalars(select(type(created)).where(type(created).code == "YJ")).one()
    with pytest.raises(Conflict, match="使用"):
        programmes.delete_programme(session=session, actor=admin, programme_id=yj.id, version=yj.version)


def test_elements_and_indicators(session: Session) -> None:
    admin = actor_of(session, "admin")
    element = metadata.create_element(
        session=session,
        actor=admin,
        code_="NEW_COUNT",
        name="新计数",
        unit="个",
        aggregation="sum",
        group="测试",
        description="",
        category="",
        options="",
    )
    with pytest.raises(Conflict):
        metadata.create_element(
            session=session,
            actor=admin,
            code_="NEW_COUNT",
            name="x",
            unit="个",
            aggregation="sum",
            group="",
            description="",
            category="",
            options="",
        )
    funds = session.scalars(select(DataElement).where(DataElement.code == "FUNDS")).one()
    with pytest.raises(Invalid) as info:
        metadata.update_element(
            session=session,
            actor=admin,
            element_id=funds.id,
            version=funds.version,
            name=funds.name,
            unit="元",
            aggregation="average",
            group=funds.group,
            description="",
            category="",
            options="",
        )
    assert info.value.field == "aggregation"
    with pytest.raises(Conflict, match="使用"):
        metadata.delete_element(session=session, actor=admin, element_id=funds.id)
    metadata.delete_element(session=session, actor=admin, element_id=element.id)
    for bad, field in (("#{NOPE} + 1", "formula"), ("#{FUNDS} +", "formula"), ("", "formula")):
        with pytest.raises(Invalid) as info:
            metadata.create_indicator(
                session=session,
                actor=admin,
                code_="BAD",
                name="坏",
                formula=bad,
                unit="",
                decimals=1,
                description="",
            )
        assert info.value.field == field
    first = metadata.create_indicator(
        session=session,
        actor=admin,
        code_="IND_A",
        name="甲",
        formula="#{FUNDS} / 10000",
        unit="万元",
        decimals=2,
        description="",
    )
    metadata.create_indicator(
        session=session,
        actor=admin,
        code_="IND_B",
        name="乙",
        formula="#{IND_A} * 2",
        unit="万元",
        decimals=2,
        description="",
    )
    with pytest.raises(Invalid, match="循环"):
        metadata.update_indicator(
            session=session,
            actor=admin,
            indicator_id=first.id,
            version=first.version,
            name="甲",
            formula="#{IND_B} + 1",
            unit="",
            decimals=1,
            description="",
        )
    with pytest.raises(Conflict, match="IND_B"):
        metadata.delete_indicator(session=session, actor=admin, indicator_id=first.id)
    shown = metadata.preview(
        session=session, actor=admin, code_="", formula="#{FUNDS} / 10000", unit="万元", decimals=2
    )
    funds_year = analytics(session=session, actor=admin, dx="FUNDS", ou="XZ", pe=str(shown.year)).value(
        "FUNDS", "XZ", str(shown.year)
    )
    assert shown.operands == ["FUNDS"]
    if funds_year is not None:
        assert shown.value == (funds_year / 10000).quantize(Decimal("0.01")).normalize() or shown.value == (
            funds_year / 10000
        ).quantize(Decimal("0.01"))


def test_data_sets_with_rules(session: Session) -> None:
    admin = actor_of(session, "admin")
    ids = list(
        session.scalars(
            select(DataElement.id).where(DataElement.code.in_(["MONTHLY_TRAINED", "MONTHLY_PLACED"]))
        )
    )
    unit = _unit(session, "XZ-QS").id
    base = dict(
        name="测试月报",
        period_type="monthly",
        due_day=10,
        programme_id=None,
        element_ids=ids,
        required_ids=ids[:1],
        unit_ids=[unit],
    )
    with pytest.raises(Invalid) as info:
        ds_setup.create_data_set(
            session=session, actor=admin, code_="DS_T", rules="#{FUNDS} <= 1 | 不对", **base
        )
    assert info.value.field == "rules"
    created = ds_setup.create_data_set(
        session=session,
        actor=admin,
        code_="DS_T2",
        rules="#{MONTHLY_PLACED} <= #{MONTHLY_TRAINED} | 就业不应超过培训",
        **base,
    )
    assert [r.operator for r in created.rules] == ["<="] and created.elements[0].required
    with pytest.raises(Invalid) as due:
        ds_setup.update_data_set(
            session=session,
            actor=admin,
            data_set_id=created.id,
            version=created.version,
            rules="",
            **{**base, "due_day": 31},
        )
    assert due.value.field == "due_day"
    reported = session.scalars(select(type(created)).order_by(type(created).id)).first()
    assert reported is not None
    from shanhai.datasets.models import Submission

    if session.scalars(select(Submission).where(Submission.data_set_id == reported.id)).first():
        with pytest.raises(Conflict, match="报表"):
            ds_setup.delete_data_set(session=session, actor=admin, data_set_id=reported.id)
    ds_setup.delete_data_set(session=session, actor=admin, data_set_id=created.id)
    assert _last_audit(session).action == "删除"


def test_roles_new_copy_and_delete(session: Session) -> None:
    admin = actor_of(session, "admin")
    made = roles.create_role(
        session=session,
        actor=admin,
        code_="auditor",
        name="审计员",
        data_scope="all",
        permissions={"audit:view"},
    )
    copied = roles.copy_role(session=session, actor=admin, role_id=made.id, code_="auditor2", name="审计员二")
    assert copied.permissions == {"audit:view"} and copied.data_scope == "all"
    roles.delete_role(session=session, actor=admin, role_id=copied.id, version=copied.version)
    viewer = session.scalars(select(type(made)).where(type(made).code == "viewer")).one()
    with pytest.raises(Conflict, match="持有"):
        roles.delete_role(session=session, actor=admin, role_id=viewer.id, version=viewer.version)
    with pytest.raises(Forbidden):
        roles.create_role(
            session=session, actor=actor_of(session, "city_admin"), code_="x", name="x", data_scope="unit"
        )


def test_a_form_keeps_what_was_typed_and_names_the_field(as_persona: Callable[[str], TestClient]) -> None:
    client = as_persona("admin")
    page = client.get("/admin/elements/new")
    assert page.status_code == 200
    reply = client.post(
        "/admin/elements/new",
        data={
            "code": "GOOD_CODE",
            "name": "",
            "unit": "个",
            "aggregation": "sum",
            "description": "说明文字保留",
        },
    )
    assert reply.status_code == 422
    assert "请填写名称" in reply.text and 'value="GOOD_CODE"' in reply.text and "说明文字保留" in reply.text
    assert "has-error" in reply.text
    bad_int = client.post(
        "/admin/orgunits/new", data={"code": "Q1", "name": "单位", "kind": "unit", "sort_order": "第一"}
    )
    assert bad_int.status_code == 422 and "排序" in bad_int.text and 'value="第一"' in bad_int.text


def test_the_same_form_sent_twice_creates_one_record(
    as_persona: Callable[[str], TestClient], session: Session
) -> None:
    client = as_persona("admin")
    body = {"code": "TWICE", "name": "两次", "unit": "个", "aggregation": "sum"}
    first = client.post("/api/v1/elements", json=body)
    second = client.post("/api/v1/elements", json=body)
    assert (
        first.status_code == 201
        and second.status_code == 409
        and "TWICE" in second.json()["error"]["message"]
    )
    assert len(session.scalars(select(DataElement).where(DataElement.code == "TWICE")).all()) == 1


def test_out_of_scope_unit_is_not_found(session: Session) -> None:
    with pytest.raises((OutOfScope, Forbidden)):
        orgunits.get_unit(
            session=session, actor=actor_of(session, "quanshan_officer"), unit_id=_unit(session, "XZ").id
        )


def test_formulas_refuse_absurd_numbers_and_a_huge_result_is_an_empty_cell(
    session: Session, as_persona: Callable[[str], TestClient]
) -> None:
    admin = actor_of(session, "admin")
    with pytest.raises(Invalid, match="过大"):
        metadata.preview(session=session, actor=admin, code_="", formula="9" * 30, unit="", decimals=1)
    cube = metadata.create_indicator(
        session=session,
        actor=admin,
        code_="CUBE",
        name="立方",
        formula="#{FUNDS} * #{FUNDS} * #{FUNDS}",
        unit="",
        decimals=4,
        description="",
    )
    result = analytics(session=session, actor=admin, dx="CUBE", ou="XZ", pe="2025")
    assert result.value("CUBE", "XZ", "2025") is None  # 10^25: no figure, and no error
    client = as_persona("admin")
    assert (
        client.post(
            "/api/v1/views",
            json={"name": "立方", "dx": cube.code, "ou": "XZ", "pe": "2025", "chart": "bar", "pinned": True},
        ).status_code
        == 201
    )
    assert client.get("/api/v1/dashboard?year=2025").status_code == 200
    assert client.get("/").status_code == 200
    rule = "#{MONTHLY_PLACED} * 99999999999999 * 99999999999999 <= 1 | 过大"
    ids = list(
        session.scalars(
            select(DataElement.id).where(DataElement.code.in_(["MONTHLY_TRAINED", "MONTHLY_PLACED"]))
        )
    )
    data_set = ds_setup.create_data_set(
        session=session,
        actor=admin,
        code_="BIG_RULE",
        name="大数规则",
        period_type="monthly",
        due_day=10,
        programme_id=None,
        element_ids=ids,
        required_ids=[],
        unit_ids=[_unit(session, "XZ-QS").id],
        rules=rule,
    )
    _numbers, errors, rules = datasets_validate(
        data_set, {"MONTHLY_PLACED": "999999999999", "MONTHLY_TRAINED": "1"}
    )
    assert not errors and not rules  # a side beyond any real figure is not checked, and nothing fails


def datasets_validate(data_set, raw):  # type: ignore[no-untyped-def]
    from shanhai.datasets.service import validate

    return validate(data_set, raw, complete=False)


def test_the_tree_keeps_one_root_and_places_follow_the_unit_rules(session: Session) -> None:
    admin = actor_of(session, "admin")
    with pytest.raises(Invalid) as root:
        orgunits.create_unit(
            session=session, actor=admin, code_="ROOT2", name="第二个根", kind="city", parent_id=None
        )
    assert root.value.field == "parent_id"
    quanshan = _unit(session, "XZ-QS")
    with pytest.raises(Invalid) as top:
        orgunits.update_unit(
            session=session,
            actor=admin,
            unit_id=quanshan.id,
            version=quanshan.version,
            name=quanshan.name,
            kind=quanshan.kind,
            parent_id=None,
            sort_order=0,
        )
    assert top.value.field == "parent_id"
    shut = orgunits.create_unit(
        session=session, actor=admin, code_="SHUT", name="将撤销", kind="unit", parent_id=quanshan.id
    )
    orgunits.close_unit(session=session, actor=admin, unit_id=shut.id, version=shut.version)
    with pytest.raises(Invalid, match="已撤销"):
        programmes.create_place(
            session=session,
            actor=admin,
            code_="PL-SHUT",
            name="某地",
            full_name="某地",
            province="某省",
            parent_id=shut.id,
        )
    with pytest.raises(Invalid, match="已撤销"):
        orgunits.close_unit(session=session, actor=admin, unit_id=shut.id, version=shut.version)


def test_a_stale_or_missing_version_is_a_conflict(session: Session) -> None:
    admin = actor_of(session, "admin")
    unit = _unit(session, "XZ-QS")
    fields = dict(name=unit.name, kind=unit.kind, parent_id=unit.parent_id, sort_order=unit.sort_order)
    for version in (unit.version + 5, None):
        with pytest.raises(Conflict):
            orgunits.update_unit(session=session, actor=admin, unit_id=unit.id, version=version, **fields)
    funds = session.scalars(select(DataElement).where(DataElement.code == "FUNDS")).one()
    with pytest.raises(Conflict):
        metadata.update_element(
            session=session,
            actor=admin,
            element_id=funds.id,
            version=funds.version + 1,
            name="x",
            unit="元",
            aggregation="sum",
            group="",
            description="",
            category="",
            options="",
        )


def test_codes_are_shared_by_elements_and_indicators_and_previews_nest(session: Session) -> None:
    admin = actor_of(session, "admin")
    metadata.create_indicator(
        session=session,
        actor=admin,
        code_="HALF_FUNDS",
        name="半",
        formula="#{FUNDS} / 2",
        unit="元",
        decimals=0,
        description="",
    )
    with pytest.raises(Conflict) as clash:
        metadata.create_element(
            session=session,
            actor=admin,
            code_="HALF_FUNDS",
            name="x",
            unit="个",
            aggregation="sum",
            group="",
            description="",
            category="",
            options="",
        )
    assert clash.value.field == "code"
    nested = metadata.preview(
        session=session, actor=admin, code_="", formula="#{HALF_FUNDS} * 2", unit="元", decimals=0
    )
    direct = metadata.preview(
        session=session, actor=admin, code_="", formula="#{FUNDS}", unit="元", decimals=0
    )
    assert nested.operands == ["FUNDS"] and nested.value == direct.value


@pytest.mark.parametrize(
    ("taken", "error"),
    [
        ("funds", Conflict),
        ("FUNDS.target", Invalid),
        ("XZ", Conflict),
        ("this_year", Invalid),
        ("fUnDs_Rate", Conflict),
        ("2025", Invalid),  # a period: dx=2025 read as the year
        ("2025Q1", Invalid),
        ("LEVEL-2", Invalid),  # a unit keyword
        ("USER_ORGUNIT", Invalid),
    ],
)
def test_a_code_that_collides_in_analytics_is_refused(session: Session, taken: str, error: type) -> None:
    """funds, FUNDS.target, XZ and THIS_YEAR were accepted as indicator codes and collided with an element,
    a modifier, a unit and a relative period in analytics queries."""
    admin = actor_of(session, "admin")
    fields = dict(name="撞", formula="#{FUNDS} / 2", unit="元", decimals=0, description="")
    with pytest.raises(error) as clash:
        metadata.create_indicator(session=session, actor=admin, code_=taken, **fields)
    assert clash.value.field == "code"


def test_a_district_administrator_sees_and_manages_its_own_scope_only(
    session: Session, as_persona: Callable[[str], TestClient]
) -> None:
    admin = actor_of(session, "admin")
    role = roles.create_role(
        session=session,
        actor=admin,
        code_="qs_admin",
        name="泉山区管理员",
        data_scope="unit_and_below",
        permissions={"users:view", "audit:view", "orgunits:view", "orgunits:edit"},
    )
    from shanhai.auth import service as auth

    quanshan = _unit(session, "XZ-QS")
    auth.create_user(
        session=session,
        actor=admin,
        username="qs_admin",
        display_name="泉山管理员",
        password="Quanshan-admin-2026",
        org_unit_id=quanshan.id,
        role_ids=[role.id],
    )
    district = actor_of(session, "qs_admin")
    with pytest.raises(OutOfScope):
        orgunits.update_unit(
            session=session,
            actor=district,
            unit_id=quanshan.id,
            version=quanshan.version,
            name="改名",
            kind=quanshan.kind,
            parent_id=quanshan.parent_id,
            sort_order=0,
        )
    client = as_persona("qs_admin")
    users = client.get("/api/v1/lists/users", params={"limit": 200}).json()["items"]
    assert users and {u["org_unit"] for u in users} <= {"泉山区"} | {
        u.name for u in _below(session, quanshan)
    }
    actors = {e["actor"] for e in client.get("/api/v1/lists/audit", params={"limit": 200}).json()["items"]}
    assert "admin" not in actors and "city_admin" not in actors


def _below(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    return list(session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(unit.path))))


def test_dates_far_outside_the_calendar_are_refused_not_a_500(
    as_persona: Callable[[str], TestClient],
) -> None:
    client = as_persona("admin")
    for params in ({"since": "0001-01-01"}, {"until": "9999-12-31"}):
        for url in ("/api/v1/lists/audit", "/api/v1/lists/logins", "/admin/audit"):
            reply = client.get(url, params=params)
            assert reply.status_code == 422, (url, params, reply.status_code)


def test_formulas_are_limited_in_nesting_and_in_size_written_out(session: Session) -> None:
    admin = actor_of(session, "admin")
    fields = dict(unit="", decimals=1, description="")
    with pytest.raises(Invalid, match="嵌套过深"):
        metadata.create_indicator(
            session=session, actor=admin, code_="DEEP", name="深", formula="-" * 300 + "#{FUNDS}", **fields
        )
    metadata.create_indicator(
        session=session, actor=admin, code_="L1", name="一", formula="#{FUNDS}", **fields
    )
    wide = " + ".join(["#{L1}"] * 60)
    metadata.create_indicator(session=session, actor=admin, code_="L2", name="二", formula=wide, **fields)
    with pytest.raises(Invalid, match="过大"):
        metadata.create_indicator(
            session=session, actor=admin, code_="L3", name="三", formula=" + ".join(["#{L2}"] * 60), **fields
        )
    one = session.scalars(select(Indicator).where(Indicator.code == "L1")).one()
    with pytest.raises(
        Invalid, match="L2"
    ):  # changing L1 so that L2, which uses it, could no longer be computed
        metadata.update_indicator(
            session=session,
            actor=admin,
            indicator_id=one.id,
            version=one.version,
            name="一",
            formula=" + ".join(["#{FUNDS}"] * 40),
            **fields,
        )


def test_a_registers_element_is_no_reports_field(session: Session) -> None:
    """Found by an attack: a data set could take FUNDS; figures typed into its report then sat beside the
    payments they describe (奎屯 1.28亿 against 1.18亿 on the card and the plan page)."""
    admin = actor_of(session, "admin")
    funds = session.scalars(select(DataElement.id).where(DataElement.code == "FUNDS")).one()
    with pytest.raises(Invalid, match="由工作台账汇总") as info:
        ds_setup.create_data_set(
            session=session,
            actor=admin,
            code_="DS_F",
            name="资金月报",
            period_type="monthly",
            due_day=10,
            programme_id=None,
            element_ids=[funds],
            required_ids=[],
            unit_ids=[_unit(session, "XZ-QS").id],
            rules="",
        )
    assert info.value.field == "element_ids"


def test_the_demos_elements_are_editable_with_the_nature_their_aggregation_implies(session: Session) -> None:
    """Found by an attack: the demo made every element a flow, so a 期末值 or 比率 element with values could
    not even be renamed (its nature did not allow its aggregation)."""
    from shanhai.setup import metadata

    admin = actor_of(session, "admin")
    for element in session.scalars(select(DataElement).where(DataElement.aggregation != "sum")):
        assert element.nature != "flow", element.code
        fields = dict(
            name=element.name + "（改）",
            unit=element.unit,
            aggregation=element.aggregation,
            group=element.group,
            description=element.description,
            category=element.category,
            options=element.category_options,
            nature=element.nature,
        )
        metadata.update_element(
            session=session, actor=admin, element_id=element.id, version=element.version, **fields
        )


def test_an_elements_aliases_are_kept_cleaned_and_checked(as_persona: Callable[[str], TestClient]) -> None:
    """同义词: what reports call an element besides its name, read by the review suggestions; edited on the
    element's form and through the API, separated by 顿号 or commas, each word 2–16 characters."""
    admin = as_persona("admin")
    body = {
        "code": "FAIRS_HELD",
        "name": "举办招聘会场次",
        "unit": "场",
        "aliases": "招聘会, 专场招聘、招聘会",
    }
    created = admin.post("/api/v1/elements", json=body)
    assert created.status_code == 201, created.text
    read = admin.get(f"/api/v1/elements/{created.json()['id']}").json()
    assert read["aliases"] == "招聘会、专场招聘"
    for odd in ("招", "资金\u0007投入", "资金\u202e投入", "资金\u200b投入", "<script>"):
        bad = admin.post("/api/v1/elements", json=body | {"code": "FAIRS_TWO", "aliases": odd})
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "aliases", odd
    page = admin.get(f"/admin/elements/{created.json()['id']}")
    assert "同义词" in page.text and "招聘会、专场招聘" in page.text
