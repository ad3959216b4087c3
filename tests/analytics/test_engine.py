"""The analytics engine against a naive Python roll-up: random small trees, values with gaps, scoped
actors — on SQLite and PostgreSQL. Plus relative periods, formulas and bad input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.analytics.engine import analytics
from shanhai.analytics.replica import Replica
from shanhai.analytics.request import parse_periods
from shanhai.auth.scope import SYSTEM
from shanhai.documents.service import manual_source
from shanhai.errors import Invalid
from shanhai.indicators import service as indicators
from shanhai.indicators.models import Aggregation, DataElement, Indicator, ValueKind
from shanhai.lib.cnnum import Qualifier
from shanhai.orgunits import service as orgunits
from shanhai.orgunits.models import OrgKind, OrgUnit

MONTHS = [f"2030{m:02d}" for m in range(1, 7)]

trees = st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=7)  # parent picks
cells = st.dictionaries(
    st.tuples(st.integers(0, 7), st.integers(0, 2), st.sampled_from(MONTHS)),
    st.decimals(min_value=-1000, max_value=100000, places=2, allow_nan=False, allow_infinity=False),
    max_size=25,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
)
@given(parents=trees, values=cells, scope_pick=st.integers(0, 8))
@pytest.mark.parametrize("engine", ["database", "duckdb"])
def test_engine_equals_naive_rollup(
    session: Session, engine: str, parents: list[int], values: dict, scope_pick: int
) -> None:
    """On the main database, and on a DuckDB replica loaded before the values are written (so they reach
    it through the change feed)."""
    nested = session.begin_nested()
    replica = Replica(session.connection()) if engine == "duckdb" else None
    try:
        if replica is not None:
            replica.load()
        _check(session, parents, values, scope_pick, replica)
    finally:
        if replica is not None:
            replica.close()
        nested.rollback()


def _check(
    session: Session, parents: list[int], values: dict, scope_pick: int, replica: Replica | None
) -> None:
    root = orgunits.create(session=session, code="T-ROOT", name="测试根", kind=OrgKind.CITY, parent=None)
    units: list[OrgUnit] = [root]
    parent_of: dict[int, int | None] = {root.id: None}
    for i, pick in enumerate(parents):
        parent = units[pick % len(units)]
        if parent.level >= 4:
            parent = root
        unit = orgunits.create(
            session=session, code=f"T-{i}", name=f"单位{i}", kind=OrgKind.UNIT, parent=parent
        )
        units.append(unit)
        parent_of[unit.id] = parent.id
    elements = []
    for code, agg in (
        ("T_SUM", Aggregation.SUM),
        ("T_AVG", Aggregation.AVERAGE),
        ("T_CNT", Aggregation.COUNT),
    ):
        element, _ = indicators.upsert_element(
            session=session, code=code, name=code, unit="个", aggregation=agg, group="测试"
        )
        elements.append(element)
    source = manual_source(session=session, username="测试")
    stored: dict[tuple[int, int, str], Decimal] = {}
    for (u, e, month), value in values.items():
        unit, element = units[u % len(units)], elements[e]
        period = indicators.ensure_period(session=session, period_id=month)
        indicators.set_value(
            session=session,
            actor=SYSTEM,
            org_unit=unit,
            element=element,
            period=period,
            programme=None,
            kind=ValueKind.ACTUAL,
            value=value,
            qualifier=Qualifier.EXACT,
            source=source,
        )
        stored[(unit.id, element.id, month)] = value.quantize(Decimal("0.0001"))

    def under(unit_id: int, top_id: int) -> bool:
        current: int | None = unit_id
        while current is not None:
            if current == top_id:
                return True
            current = parent_of[current]
        return False

    # a value at a unit covers its sub-units' values of the same cell (lib.summaries): it counts only what
    # they do not, from the deepest units up
    depth = {u.id: u.level for u in units}
    counted: dict[tuple[int, int, str], Decimal] = {}
    for key in sorted(stored, key=lambda k: -depth[k[0]]):
        uid, eid, month = key
        below = sum(
            (
                c
                for (u2, e2, m2), c in counted.items()
                if e2 == eid and m2 == month and u2 != uid and under(u2, uid)
            ),
            Decimal(0),
        )
        counted[key] = max(stored[key] - below, Decimal(0))

    scope_root = units[scope_pick % len(units)]
    actor = (
        SYSTEM
        if scope_pick >= len(units)
        else replace(SYSTEM, scope_all=False, subtree_paths=(scope_root.path,))
    )
    periods = {"2030": MONTHS, "2030Q1": MONTHS[:3], "2030Q2": MONTHS[3:], "203002": ["203002"]}
    store = replica.store() if replica is not None else None
    dims = {"dx": "T_SUM;T_AVG;T_CNT", "pe": ";".join(periods)}
    result = analytics(session=session, actor=actor, ou="T-ROOT;LEVEL-2", store=store, **dims)
    result_root = analytics(session=session, actor=actor, ou="T-ROOT", store=store, **dims)
    level2 = [u for u in units if u.level == 2]
    for target_units, res in ((level2, result), ([root], result_root)):
        for ou in target_units:
            for element in elements:
                for pe, months in periods.items():
                    keys = [
                        (uid, eid, m)
                        for (uid, eid, m) in stored
                        if eid == element.id
                        and m in months
                        and under(uid, ou.id)
                        and (actor.scope_all or under(uid, scope_root.id))
                    ]
                    parts = [stored[k] for k in keys]
                    got = res.value(element.code, ou.code, pe)
                    if not parts:
                        assert got is None, (element.code, ou.code, pe, got)
                    elif element.aggregation == "sum":
                        assert got == sum((counted[k] for k in keys), Decimal(0)), (element.code, ou.code, pe)
                    elif element.aggregation == "count":
                        assert got == len(parts), (element.code, ou.code, pe)
                    else:
                        assert got is not None
                        assert abs(got - sum(parts, Decimal(0)) / len(parts)) < Decimal("0.001")


def test_relative_periods() -> None:
    today = date(2026, 2, 15)
    assert [p.id for p in parse_periods("THIS_YEAR;LAST_QUARTER", today)] == ["2026", "2025Q4"]
    months = [p.id for p in parse_periods("LAST_12_MONTHS", today)]
    assert months[0] == "202502" and months[-1] == "202601" and len(months) == 12


def test_formula_indicator_and_division_by_zero(session: Session) -> None:
    result = analytics(session=session, actor=SYSTEM, dx="FUNDS_RATE", ou="XZ", pe="2025")
    assert result.value("FUNDS_RATE", "XZ", "2025") == Decimal("100.0")
    session.add(Indicator(code="ZERO_DIV", name="除零", formula="#{FUNDS} / (#{FUNDS} - #{FUNDS})", unit="%"))
    session.flush()
    result = analytics(session=session, actor=SYSTEM, dx="ZERO_DIV;FUNDS", ou="XZ", pe="2025")
    assert result.value("ZERO_DIV", "XZ", "2025") is None  # empty, not an error
    assert result.value("FUNDS", "XZ", "2025") == Decimal("336930000")


def test_self_referencing_formula_is_rejected(session: Session) -> None:
    session.add(Indicator(code="LOOP_A", name="循环A", formula="#{LOOP_B} + 1"))
    session.add(Indicator(code="LOOP_B", name="循环B", formula="#{LOOP_A} * 2"))
    session.flush()
    with pytest.raises(Invalid, match="循环引用"):
        analytics(session=session, actor=SYSTEM, dx="LOOP_A", ou="XZ", pe="2025")


@pytest.mark.parametrize(
    ("dx", "ou", "pe", "field"),
    [
        ("NOPE", "XZ", "2025", "dx"),
        ("FUNDS", "NOWHERE", "2025", "ou"),
        ("FUNDS", "XZ", "2025Q7", "pe"),
        ("FUNDS", "XZ;LEVEL-9", "2025", "ou"),
        ("", "XZ", "2025", "dx"),
        ("FUNDS.bogus", "XZ", "2025", "dx"),
    ],
)
def test_bad_dimensions_name_the_item(session: Session, dx: str, ou: str, pe: str, field: str) -> None:
    with pytest.raises(Invalid) as info:
        analytics(session=session, actor=SYSTEM, dx=dx, ou=ou, pe=pe)
    assert info.value.field == field


def test_a_changed_value_shows_at_once(session: Session) -> None:
    before = analytics(session=session, actor=SYSTEM, dx="HNTE_APPLICATIONS", ou="XZ", pe="2025").value(
        "HNTE_APPLICATIONS", "XZ", "2025"
    )
    unit = session.query(OrgUnit).filter_by(code="XZ-GL").one()
    element = session.query(DataElement).filter_by(code="HNTE_APPLICATIONS").one()
    indicators.set_value(
        session=session,
        actor=SYSTEM,
        org_unit=unit,
        element=element,
        period=indicators.ensure_period(session=session, period_id="2025"),
        programme=None,
        kind=ValueKind.ACTUAL,
        value=Decimal(7),
        qualifier=Qualifier.EXACT,
        source=manual_source(session=session, username="测试"),
    )
    after = analytics(session=session, actor=SYSTEM, dx="HNTE_APPLICATIONS", ou="XZ", pe="2025").value(
        "HNTE_APPLICATIONS", "XZ", "2025"
    )
    assert before is not None and after == before + 7


def test_a_pinned_view_appears_on_the_owners_dashboard_within_scope(as_persona, session: Session) -> None:
    officer = as_persona("quanshan_officer")
    r = officer.post(
        "/api/v1/views",
        json={
            "name": "泉山科技贷款",
            "dx": "TECH_LOAN_FIRMS;SCI_PROJECT_FIRMS",
            "ou": "XZ",
            "pe": "2025;2024-2025",
            "pinned": True,
        },
    )
    assert r.status_code == 201
    html = officer.get("/").text
    assert "泉山科技贷款" in html and 'class="chart pivot-chart"' in html
    bad = officer.post("/api/v1/views", json={"name": "坏", "dx": "NOPE", "ou": "XZ", "pe": "2025"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "dx"
    assert "泉山科技贷款" not in as_persona("city_admin").get("/").text  # views are private to their owner


def test_category_options_add_up_and_can_be_asked_for_one_by_one(as_persona, session: Session) -> None:
    """Entered by the district through its report (the report owns these values), approved by the city."""
    city, officer = as_persona("city_admin"), as_persona("quanshan_officer")
    unit = session.query(OrgUnit).filter_by(code="XZ-QS").one()
    data_set = officer.get("/api/v1/datasets").json()[0]
    url = f"/api/v1/datasets/{data_set['id']}/entry"
    values = {
        "MONTHLY_TRAINED": "50",
        "MONTHLY_PLACED": "40",
        "MONTHLY_MIGRANT_WORKERS:男": "30",
        "MONTHLY_MIGRANT_WORKERS:女": "25",
    }
    params = {"org_unit_id": unit.id, "period": "202603"}
    saved = officer.put(url, params=params, json={"values": values, "submit": True})
    assert saved.status_code == 200, saved.text
    submission = next(s for s in city.get("/api/v1/submissions").json() if s["period"] == "202603")
    assert city.post(f"/api/v1/submissions/{submission['id']}/approve").status_code == 200
    wrong = officer.put(
        url, params={**params, "period": "202604"}, json={"values": {"MONTHLY_MIGRANT_WORKERS:其他": "1"}}
    )
    assert wrong.status_code == 422
    r = city.get(
        "/api/v1/analytics",
        params={"dx": "MONTHLY_MIGRANT_WORKERS;MONTHLY_MIGRANT_WORKERS:女", "ou": "XZ", "pe": "2026Q1"},
    )
    cells = {row[0]: row[3] for row in r.json()["rows"]}
    assert cells == {"MONTHLY_MIGRANT_WORKERS": "55", "MONTHLY_MIGRANT_WORKERS:女": "25"}
    assert r.json()["names"]["MONTHLY_MIGRANT_WORKERS:女"] == "外出务工就业人数（女）"
    bad = city.get(
        "/api/v1/analytics", params={"dx": "MONTHLY_MIGRANT_WORKERS:其他", "ou": "XZ", "pe": "2026"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "dx"


def test_the_entry_grid_takes_one_input_per_option(as_persona, session: Session) -> None:
    officer = as_persona("quanshan_officer")
    unit = session.query(OrgUnit).filter_by(code="XZ-QS").one()
    data_set = officer.get("/api/v1/datasets").json()[0]
    url = f"/api/v1/datasets/{data_set['id']}/entry"
    params = {"org_unit_id": unit.id, "period": "202602"}
    values = {
        "MONTHLY_TRAINED": "50",
        "MONTHLY_PLACED": "40",
        "MONTHLY_MIGRANT_WORKERS:男": "12",
        "MONTHLY_MIGRANT_WORKERS:女": "9",
    }
    r = officer.put(url, params=params, json={"values": values, "submit": True})
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert officer.get(url, params=params).json()["values"] == values
    again = officer.put(url, params=params, json={"values": values})
    assert again.status_code == 409 and "不能再修改" in again.json()["error"]["message"]
    html = officer.get(f"/datasets/{data_set['id']}/entry", params=params).text
    assert 'id="v_MONTHLY_MIGRANT_WORKERS:男"' in html and "外出务工就业人数（女）" in html


@pytest.mark.parametrize("pe", ["1900", "1900Q1", "190001"])
def test_year_on_year_at_the_first_valid_year_is_an_empty_cell(client: TestClient, pe: str) -> None:
    """The previous year of 1900 failed the period check: a 500."""
    r = client.get("/api/v1/analytics", params={"dx": "TRAINED_GROWTH", "ou": "XZ", "pe": pe})
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == []


def test_a_stock_takes_each_parts_value_at_the_periods_end(session: Session) -> None:
    """Found by an attack on 期末值 elements: a mid-year figure beat the full year's (300 instead of 700),
    and of 男/女 (or of two programmes) only one was kept. The last value is taken per option and
    programme, the one whose period ends last (of two that end together, the longer)."""
    nested = session.begin_nested()
    try:
        element, _ = indicators.upsert_element(
            session=session,
            code="T_STAFF",
            name="在岗人数",
            unit="人",
            aggregation=Aggregation.LAST,
            group="测试",
            category="性别",
            options=["男", "女"],
        )
        unit = session.scalars(select(OrgUnit).where(OrgUnit.code == "XZ-QS")).one()
        source = manual_source(session=session, username="测试")
        for period, option, value in (
            ("2031", "", 700),
            ("203106", "", 300),
            ("2032", "男", 40),
            ("2032", "女", 60),
        ):
            indicators.set_value(
                session=session,
                actor=SYSTEM,
                org_unit=unit,
                element=element,
                period=indicators.ensure_period(session=session, period_id=period),
                programme=None,
                kind=ValueKind.ACTUAL,
                value=Decimal(value),
                qualifier=Qualifier.EXACT,
                source=source,
                category_option=option,
            )
        assert element.nature == "stock"
        result = analytics(session=session, actor=SYSTEM, dx="T_STAFF", ou="XZ-QS", pe="2031;2032")
        assert result.value("T_STAFF", "XZ-QS", "2031") == 700
        assert result.value("T_STAFF", "XZ-QS", "2032") == 100
    finally:
        nested.rollback()


def test_a_half_year_sums_its_months_and_counts_once_beside_them(
    as_persona: Callable[[str], TestClient],
) -> None:
    """上半年 (2026S1, DHIS2's SixMonthly): a half-year value beside its months is their summary, counted only
    where it exceeds them; asked for by half-year, quarter or year, the figure is the same one fact."""
    city = as_persona("city_admin")
    for period, value in (("202601", "10"), ("202602", "20"), ("2026S1", "100"), ("202608", "5")):
        body = {"data_element": "LETTERS_SENT", "org_unit_id": 4, "period": period, "value": value}
        assert city.post("/api/v1/values", json=body).status_code == 201, period

    def total(pe: str) -> str:
        rows = city.get("/api/v1/analytics", params={"dx": "LETTERS_SENT", "ou": "XZ-QS", "pe": pe}).json()[
            "rows"
        ]
        return rows[0][-1] if rows else ""

    assert float(total("2026S1")) == 100  # the summary, not 130
    assert float(total("2026Q1")) == 30  # the months it holds
    assert float(total("2026S2")) == 5
    assert float(total("2026")) == 105
