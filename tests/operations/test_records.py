"""The registers of the programme work and the values derived from them: each register checks its fields
and rules naming the field, keeps scope and versions, audits; the derived values follow every record change,
cannot be edited by hand, list the records behind them, and equal a direct count or sum after random edits."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shanhai.analytics.engine import analytics
from shanhai.errors import Conflict, Forbidden, Invalid, OutOfScope
from shanhai.indicators import service as indicators
from shanhai.indicators.models import DataElement, DataValue, ValueKind
from shanhai.lib.cnnum import Qualifier
from shanhai.operations import funds, people
from shanhai.operations.models import Activity, Disbursement, Person
from shanhai.operations.registers import move_project
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme
from shanhai.registers import derive
from shanhai.registers import kit as reg
from tests.conftest import actor_of


def _unit(session: Session, code: str) -> OrgUnit:
    return session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


def _programme(session: Session, code: str) -> Programme:
    return session.scalars(select(Programme).where(Programme.code == code)).one()


def _create(session: Session, register: str, /, who: str = "city_admin", **raw: Any) -> Any:
    return reg.create(session=session, actor=actor_of(session, who), rtype=reg.get_type(register), raw=raw)


def _cell(
    session: Session, element: str, unit: OrgUnit, period: str, kind: str = "actual"
) -> DataValue | None:
    return session.scalar(
        select(DataValue)
        .join(DataElement)
        .where(
            DataElement.code == element,
            DataValue.org_unit_id == unit.id,
            DataValue.period_id == period,
            DataValue.kind == kind,
        )
    )


def _plan(session: Session, year: int = 2031, amount: str = "100万", place: str = "P-XJ-KT") -> Any:
    return _create(
        session,
        "plans",
        programme_id=_programme(session, "YJ").id,
        org_unit_id=_unit(session, place).id,
        year=year,
        amount=amount,
    )


def test_a_late_tranche_is_computed_and_funds_are_derived(session: Session) -> None:
    kt = _unit(session, "P-XJ-KT")
    plan = _plan(session)
    assert plan.amount == Decimal("1000000.00")
    t1 = _create(session, "tranches", plan_id=plan.id, due_on="2031-03-31", amount="60万")
    _create(session, "tranches", plan_id=plan.id, due_on="2031-09-30", amount="40万")
    _create(session, "disbursements", plan_id=plan.id, paid_on="2031-03-20", amount="600000", voucher="V1")
    _create(session, "disbursements", plan_id=plan.id, paid_on="2031-10-15", amount="400000")
    status = funds.status_of(session, plan, on=date(2031, 12, 31))
    assert [t.state for t in status.tranches] == ["按时足额", "逾期15天足额"]
    assert status.tranches[0].id == t1.id
    assert status.in_full and not status.on_time and status.late_tranches == 1
    assert status.months[2].paid == Decimal(600000) and status.months[11].paid == Decimal(1000000)
    # the money is derived: by month of payment, as the actual; the plan as the target
    march = _cell(session, "FUNDS", kt, "203103")
    assert march is not None and march.value == Decimal(600000) and indicators.is_derived(march)
    target = _cell(session, "FUNDS", kt, "2031", "target")
    assert target is not None and target.value == Decimal(1000000)
    admin = actor_of(session, "admin")
    total = analytics(session=session, actor=admin, dx="FUNDS", ou="XZ", pe="2031")
    assert Decimal(total.rows[0][3]) == Decimal(1000000)
    # a derived value cannot be edited by hand; it lists its records
    with pytest.raises(Conflict, match="自动汇总"):
        indicators.update_value(
            session=session,
            actor=admin,
            value_id=march.id,
            version=march.version,
            value=Decimal(1),
            qualifier=Qualifier.EXACT,
            comment="",
        )
    d, rows, _parts = derive.records_behind(session=session, actor=admin, value_id=march.id)
    assert d.code == "funds_paid" and [r.voucher for r in rows] == ["V1"]


def test_a_short_tranche_past_due_and_a_payment_beyond_the_plan(session: Session) -> None:
    plan = _plan(session, amount="100万")
    _create(session, "tranches", plan_id=plan.id, due_on="2031-06-30", amount="100万")
    _create(session, "disbursements", plan_id=plan.id, paid_on="2031-06-01", amount="30万")
    status = funds.status_of(session, plan, on=date(2031, 7, 10))
    assert status.tranches[0].state.startswith("逾期10天未足额") and status.tranches[0].short == Decimal(
        700000
    )
    with pytest.raises(Invalid) as exc:
        _create(session, "disbursements", plan_id=plan.id, paid_on="2031-07-01", amount="80万")
    assert exc.value.field == "over_reason"
    _create(
        session, "disbursements", plan_id=plan.id, paid_on="2031-07-01", amount="80万", over_reason="追加"
    )
    assert funds.status_of(session, plan).paid == Decimal(1100000)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1,,0"}, "amount"),
        ({"amount": "²"}, "amount"),
        ({"amount": "99999999999999"}, "amount"),
        ({"year": "1800"}, "year"),
        ({"programme_id": ""}, "programme_id"),
        ({"bogus": "1"}, "bogus"),
    ],
)
def test_bad_plans_name_the_field_and_save_nothing(session: Session, raw: dict[str, str], field: str) -> None:
    before = session.scalar(select(func.count()).select_from(reg.get_type("plans").model))
    base = {
        "programme_id": str(_programme(session, "YJ").id),
        "org_unit_id": str(_unit(session, "P-XJ-KT").id),
        "year": "2032",
        "amount": "1000",
    }
    with pytest.raises(Invalid) as exc:
        _create(session, "plans", **(base | raw))
    assert exc.value.field == field
    assert session.scalar(select(func.count()).select_from(reg.get_type("plans").model)) == before


def test_closed_plan_takes_no_payment_and_tranches_stay_within_the_plan(session: Session) -> None:
    plan = _plan(session, amount="100万")
    with pytest.raises(Invalid, match="超过年度计划") as exc:
        _create(session, "tranches", plan_id=plan.id, due_on="2031-06-30", amount="120万")
    assert exc.value.field == "amount"
    reg.update(
        session=session,
        actor=actor_of(session, "city_admin"),
        rtype=reg.get_type("plans"),
        record_id=plan.id,
        raw={"closed": "1", "version": plan.version},
    )
    with pytest.raises(Invalid, match="已关闭") as exc:
        _create(session, "disbursements", plan_id=plan.id, paid_on="2031-06-01", amount="1")
    assert exc.value.field == "plan_id"


def _person(session: Session, **raw: Any) -> Any:
    base = {
        "name": "张援疆",
        "category": "医生",
        "home_org": "徐州市中心医院",
        "org_unit_id": _unit(session, "P-XJ-KT").id,
        "start_on": "2031-01-01",
        "end_on": "2032-06-30",
        "status": "在岗",
        "full_time": "1",
        "id_number": "320302199001011234",
        "phone": "13800001234",
    }
    return _create(session, "people", **(base | raw))


def test_people_terms_overlaps_and_sensitive_fields(session: Session) -> None:
    kt = _unit(session, "P-XJ-KT")
    person = _person(session)
    with pytest.raises(Invalid, match="两个全职岗位") as exc:
        _person(session, start_on="2032-01-01", end_on="2033-01-01")
    assert exc.value.field == "start_on"
    with pytest.raises(Invalid) as exc:
        _person(session, name="李", id_number="", start_on="2031-05-01", end_on="2031-04-01")
    assert exc.value.field == "end_on"
    # in post in both years it overlaps
    assert _cell(session, "CADRES_IN_POST", kt, "2031").value == 1  # type: ignore[union-attr]
    assert _cell(session, "CADRES_IN_POST", kt, "2032").value == 1  # type: ignore[union-attr]
    viewer, admin = actor_of(session, "viewer"), actor_of(session, "admin")
    masked = reg.shown(reg.get_type("people"), person, viewer)
    assert masked["id_number"] == "3203**********1234" and masked["phone"] == "138****1234"
    assert reg.shown(reg.get_type("people"), person, admin)["id_number"] == "320302199001011234"
    view = people.overview(session=session, actor=admin, on=date(2032, 5, 1))
    assert view.in_post >= 1 and any(r.name == "张援疆" for r in view.ending)
    # rotated: no longer in post, the derived count follows
    reg.update(
        session=session,
        actor=actor_of(session, "city_admin"),
        rtype=reg.get_type("people"),
        record_id=person.id,
        raw={"status": "轮换", "version": person.version},
    )
    assert _cell(session, "CADRES_IN_POST", kt, "2031") is None


def test_scope_and_permissions(session: Session) -> None:
    plan = _plan(session)
    with pytest.raises(OutOfScope):
        reg.get_record(
            session=session,
            actor=actor_of(session, "quanshan_officer"),
            rtype=reg.get_type("plans"),
            record_id=plan.id,
        )
    with pytest.raises(Forbidden):
        _create(
            session,
            "activities",
            who="viewer",
            title="x",
            kind="其他",
            held_on="2031-01-01",
            org_unit_id=_unit(session, "XZ-QS").id,
            sessions=1,
        )
    with pytest.raises(OutOfScope):  # a district cannot record in a partner place
        _create(
            session,
            "activities",
            who="quanshan_officer",
            title="x",
            kind="其他",
            held_on="2031-01-01",
            org_unit_id=_unit(session, "P-XJ-KT").id,
            sessions=1,
        )
    with pytest.raises(Conflict, match=r"版本|修改"):
        reg.update(
            session=session,
            actor=actor_of(session, "city_admin"),
            rtype=reg.get_type("plans"),
            record_id=plan.id,
            raw={"amount": "5", "version": plan.version + 7},
        )


def test_a_hand_value_in_the_cell_refuses_the_record(session: Session) -> None:
    kt = _unit(session, "P-XJ-KT")
    indicators.create_value(
        session=session,
        actor=actor_of(session, "admin"),
        element_code="JOB_FAIRS",
        org_unit_id=kt.id,
        period_id="2033",
        programme_id=None,
        kind=ValueKind.ACTUAL,
        value=Decimal(3),
        qualifier=Qualifier.EXACT,
    )
    with pytest.raises(Conflict, match="先删除"):
        _create(
            session,
            "activities",
            title="招聘",
            kind="招聘会",
            held_on="2033-05-01",
            org_unit_id=kt.id,
            sessions=2,
        )


def test_projects_are_created_moved_and_counted(session: Session) -> None:
    kt = _unit(session, "P-XJ-KT")
    city = actor_of(session, "city_admin")
    project = _create(
        session,
        "projects",
        code="T-P1",
        name="测试援建学校",
        kind="aid",
        category="教育",
        org_unit_id=kt.id,
        programme_id=_programme(session, "YJ").id,
        investment="500万",
    )
    assert project.stage == "储备"
    for stage in ("立项", "开工", "完工"):
        move_project(
            session=session, actor=city, project_id=project.id, to=stage, note="", version=project.version
        )
    year = project.completed_on.year
    cell = _cell(session, "PROJECTS_COMPLETED", kt, str(year))
    assert cell is not None and cell.value >= 1
    with pytest.raises(Conflict):  # a stage skipped
        move_project(
            session=session, actor=city, project_id=project.id, to="储备", note="", version=project.version
        )


def test_derived_values_equal_a_direct_count_after_random_edits(session: Session) -> None:
    """The property: after random creates, edits, moves and deletes, every derived cell equals a direct sum
    over the records, and a full recount changes nothing."""
    rng = random.Random(12)
    city = actor_of(session, "city_admin")
    places = [_unit(session, c) for c in ("P-XJ-KT", "P-SX-BJ", "P-QH-YS")]
    kinds = ["招聘会", "技能培训", "医疗巡诊"]
    made: list[Activity] = []
    for step in range(60):
        action = rng.random()
        if action < 0.5 or not made:
            made.append(
                _create(
                    session,
                    "activities",
                    title=f"活动{step}",
                    kind=rng.choice(kinds),
                    held_on=str(date(2034, 1, 1) + timedelta(days=rng.randrange(700))),
                    org_unit_id=rng.choice(places).id,
                    sessions=rng.randint(1, 5),
                    placements=rng.choice(["", str(rng.randint(0, 50))]),
                )
            )
        elif action < 0.85:
            a = rng.choice(made)
            reg.update(
                session=session,
                actor=city,
                rtype=reg.get_type("activities"),
                record_id=a.id,
                raw={
                    "version": a.version,
                    "sessions": rng.randint(1, 9),
                    "org_unit_id": rng.choice(places).id,
                    "kind": rng.choice(kinds),
                    "held_on": str(date(2034, 1, 1) + timedelta(days=rng.randrange(700))),
                },
            )
        else:
            a = made.pop(rng.randrange(len(made)))
            reg.delete(
                session=session,
                actor=city,
                rtype=reg.get_type("activities"),
                record_id=a.id,
                version=a.version,
            )
    for unit in places:
        for year in (2034, 2035):
            fairs = session.scalar(
                select(func.sum(Activity.sessions)).where(
                    Activity.org_unit_id == unit.id,
                    Activity.kind == "招聘会",
                    Activity.held_on >= date(year, 1, 1),
                    Activity.held_on <= date(year, 12, 31),
                )
            )
            placed = session.scalar(
                select(func.sum(Activity.placements)).where(
                    Activity.org_unit_id == unit.id,
                    Activity.held_on >= date(year, 1, 1),
                    Activity.held_on <= date(year, 12, 31),
                )
            )
            for element, direct in (("JOB_FAIRS", fairs), ("JOB_PLACEMENTS", placed)):
                cell = _cell(session, element, unit, str(year))
                assert (cell.value if cell else None) == (Decimal(direct) if direct is not None else None)
    before = session.scalar(select(func.count()).select_from(DataValue))
    counts = derive.recount(session=session, actor=city, codes=["job_fairs", "placements"])
    assert session.scalar(select(func.count()).select_from(DataValue)) == before
    assert counts["job_fairs"] >= 1


def test_disbursement_moves_between_plans_recount_both(session: Session) -> None:
    kt, bj = _unit(session, "P-XJ-KT"), _unit(session, "P-SX-BJ")
    a = _plan(session, place="P-XJ-KT")
    b = _plan(session, place="P-SX-BJ")
    pay = _create(session, "disbursements", plan_id=a.id, paid_on="2031-04-02", amount="1000")
    assert _cell(session, "FUNDS", kt, "203104").value == Decimal(1000)  # type: ignore[union-attr]
    reg.delete(
        session=session,
        actor=actor_of(session, "city_admin"),
        rtype=reg.get_type("disbursements"),
        record_id=pay.id,
        version=pay.version,
    )
    assert _cell(session, "FUNDS", kt, "203104") is None
    _create(session, "disbursements", plan_id=b.id, paid_on="2031-04-02", amount="2000")
    assert _cell(session, "FUNDS", bj, "203104").value == Decimal(2000)  # type: ignore[union-attr]
    assert (
        session.scalar(select(func.count()).select_from(Disbursement).where(Disbursement.plan_id == a.id))
        == 0
    )
    assert session.scalar(select(func.count()).select_from(Person)) is not None


def test_attacks_found_in_review_are_refused(session: Session) -> None:
    """A plan with payments keeps its place and programme and is not cut below what was paid; a tranche with
    payments is not deleted; odd numbers and invisible characters are named errors, never a crash."""
    city = actor_of(session, "city_admin")
    plan = _plan(session, amount="100万")
    tranche = _create(session, "tranches", plan_id=plan.id, due_on="2031-06-30", amount="50万")
    _create(session, "disbursements", plan_id=plan.id, paid_on="2031-06-01", amount="90万")
    plans = reg.get_type("plans")
    with pytest.raises(Invalid) as exc:
        reg.update(
            session=session,
            actor=city,
            rtype=plans,
            record_id=plan.id,
            raw={"org_unit_id": _unit(session, "P-SX-BJ").id, "version": plan.version},
        )
    assert exc.value.field == "org_unit_id"
    session.expire_all()  # the refused change was never flushed
    with pytest.raises(Invalid) as exc:
        reg.update(
            session=session,
            actor=city,
            rtype=plans,
            record_id=plan.id,
            raw={"amount": "60万", "version": plan.version},
        )
    assert exc.value.field == "amount"
    session.expire_all()  # the refused change was never flushed
    with pytest.raises(Conflict):
        reg.delete(
            session=session,
            actor=city,
            rtype=reg.get_type("tranches"),
            record_id=tranche.id,
            version=tranche.version,
        )
    for raw in ({"batch": "--5"}, {"batch": "1e3"}, {"name": "x\u202e"}):
        with pytest.raises(Invalid):
            _create(
                session,
                "workgroups",
                **(
                    {
                        "name": "组",
                        "batch": "1",
                        "org_unit_id": _unit(session, "XZ-WG-YJ11").id,
                        "place_unit_id": _unit(session, "P-XJ-KT").id,
                        "started_on": "2031-01-01",
                    }
                    | raw
                ),
            )
    with pytest.raises(Invalid) as exc:
        _plan(session, year=2040, amount="1e999999999999")
    assert exc.value.field == "amount"


def test_the_work_group_reports_its_month_with_the_records_beside_it(
    session: Session, as_persona: Callable[[str], TestClient]
) -> None:
    """援疆工作组月报: the work group member sees what the records hold for the month, fills in and submits
    the report through the same entry and approval flow as the districts; a district cannot open it."""
    from shanhai.datasets.models import DataSet

    data_set = session.scalars(select(DataSet).where(DataSet.code == "DS_WORKGROUP")).one()
    group = _unit(session, "XZ-WG-YJ11")
    member = as_persona("workgroup_member")
    url = f"/api/v1/datasets/{data_set.id}/entry"
    params = {"org_unit_id": group.id, "period": "202512"}
    entry = member.get(url, params=params)
    assert entry.status_code == 200, entry.text
    refs = entry.json()["references"]
    # 34 场次 in December; the 援疆医疗队 全年合计 row (1 场次) already covers the 12-24 义诊 of its kind
    assert refs["WG_FUNDS_PAID"] == "1.18亿元" and refs["WG_ACTIVITIES"] == "33场次"
    values = {
        "WG_IN_POST": "12",
        "WG_PROJECTS_ADVANCED": "3",
        "WG_PROJECTS_DONE": "1",
        "WG_FUNDS_PAID": "118000000",
        "WG_ACTIVITIES": "33",
    }
    saved = member.put(url, params=params, json={"values": values, "submit": True})
    assert saved.status_code == 200 and saved.json()["status"] == "submitted", saved.text
    page = member.get(f"/datasets/{data_set.id}/entry", params=params)
    assert '台账参考：1.18亿元（<span class="agreement ok">与台账一致</span>）' in page.text
    assert entry.json()["agreements"] == {} and member.get(url, params=params).json()["agreements"] == {
        "WG_IN_POST": reference_of(refs["WG_IN_POST"], "12"),
        "WG_PROJECTS_ADVANCED": reference_of(refs["WG_PROJECTS_ADVANCED"], "3"),
        "WG_PROJECTS_DONE": reference_of(refs["WG_PROJECTS_DONE"], "1"),
        "WG_FUNDS_PAID": "与台账一致",
        "WG_ACTIVITIES": "与台账一致",
    }
    assert as_persona("quanshan_officer").get(url, params=params).status_code == 404
    approve = as_persona("city_admin").post(
        f"/api/v1/submissions/{saved.json()['submission_id']}/approve", json={}
    )
    assert approve.status_code == 200, approve.text


def reference_of(shown: str, typed: str) -> str:
    """The comparison the form shows beside a typed figure, from the reference as it reads (“3人”)."""
    from shanhai.lib.cnnum import parse_quantity
    from shanhai.operations.reference import agreement

    return agreement(parse_quantity(shown).value, typed)


def test_a_form_sent_twice_creates_once(session: Session, as_persona: Callable[[str], TestClient]) -> None:
    """The same new-record form posted twice (a double click, a reload) creates one record and leads both
    posts to it; a corrected form after an error keeps its token and still creates once."""
    client = as_persona("city_admin")
    page = client.get("/records/activities/new")
    token = re.search(r'name="form_token" value="([0-9a-f]+)"', page.text)
    assert token
    form = {
        "form_token": token.group(1),
        "title": "双击活动",
        "kind": "其他",
        "held_on": "2031-02-03",
        "org_unit_id": str(_unit(session, "P-XJ-KT").id),
        "sessions": "1",
    }
    bad = client.post("/records/activities/new", data=form | {"sessions": "x"}, follow_redirects=False)
    assert bad.status_code == 422 and token.group(1) in bad.text
    first = client.post("/records/activities/new", data=form, follow_redirects=False)
    again = client.post("/records/activities/new", data=form, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert session.scalar(select(func.count()).select_from(Activity).where(Activity.title == "双击活动")) == 1


def test_attachments_are_checked_by_content(session: Session, tmp_path: Any) -> None:
    import io
    import zipfile

    from shanhai.operations import attachments
    from shanhai.projects.models import Project

    admin = actor_of(session, "admin")
    project = session.scalars(select(Project).order_by(Project.id)).first()
    assert project is not None

    def docx(*names: str) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name in names:
                archive.writestr(name, "x")
        return buffer.getvalue()

    def add(name: str, data: bytes) -> Any:
        return attachments.add(
            session=session, actor=admin, data_dir=tmp_path, project_id=project.id, file_name=name, data=data
        )

    good = add("批复.docx", docx("[Content_Types].xml", "word/document.xml"))
    assert good.content_type.endswith("wordprocessingml.document")
    assert add("again.docx", docx("[Content_Types].xml", "word/document.xml")).id == good.id  # stored once
    for name, data in (
        ("a.docx", docx("[Content_Types].xml", "word/evil.html", "payload.exe")),
        ("a.docx", docx("[Content_Types].xml", "xl/workbook.xml")),
        ("photo.png", b"just text"),
        ("empty.pdf", b""),
        ("big.pdf", b"%PDF-" + b"0" * attachments.MAX_ATTACHMENT),
        ("run.exe", b"MZ"),
    ):
        with pytest.raises(Invalid) as exc:
            add(name, data)
        assert exc.value.field == "file"
