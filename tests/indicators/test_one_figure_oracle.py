"""One figure per fact, checked against an oracle: true facts are drawn first (programme × district ×
男/女 × month), then descriptions of them at coarser grains — a city's, a programme-less, a total beside its
breakdown, a year beside its months — each the exact truth of what it describes, entered in a random order,
and claims beside them. Every total that the descriptions determine must equal the truth: on the main
database (SQLite and PostgreSQL), on the DuckDB replica, and after a rebuild of the analytics table.

The register side has the same oracle: monthly sales and 全年合计 payments beside the rows they sum up."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.analytics.engine import analytics
from shanhai.analytics.replica import Replica
from shanhai.auth.scope import SYSTEM
from shanhai.documents.service import manual_source
from shanhai.flows.rebuild import rebuild_analytics
from shanhai.indicators import claims
from shanhai.indicators import service as indicators
from shanhai.indicators.models import Aggregation, ValueKind
from shanhai.lib.cnnum import Qualifier
from shanhai.orgunits import service as orgunits
from shanhai.orgunits.models import OrgKind, OrgUnit
from shanhai.programmes.models import Programme
from shanhai.registers import kit as reg

YEAR = "2031"
MONTHS = [f"{YEAR}{m:02d}" for m in (1, 2, 3)]
OPTIONS = ["男", "女"]
DISTRICTS = ["D1", "D2"]


@dataclass(frozen=True)
class Region:
    """What a figure describes: None / '' / the year stand for 'all of them'."""

    programme: str | None
    unit: str  # "R" (the city) or a district
    option: str
    period: str

    def children(self, programmes: list[str]) -> list[Region]:
        if self.programme is None:
            return [Region(p, self.unit, self.option, self.period) for p in programmes]
        if self.unit == "R":
            return [Region(self.programme, d, self.option, self.period) for d in DISTRICTS]
        if not self.option:
            return [Region(self.programme, self.unit, o, self.period) for o in OPTIONS]
        if self.period == YEAR:
            return [Region(self.programme, self.unit, self.option, m) for m in MONTHS]
        return []


def _tree(programmes: list[str]) -> list[Region]:
    out, todo = [], [Region(None, "R", "", YEAR)]
    while todo:
        node = todo.pop()
        out.append(node)
        todo.extend(node.children(programmes))
    return out


truths = st.lists(st.integers(0, 500), min_size=24, max_size=24)  # 2 programmes × 2 districts × 2 × 3 months


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    truth=truths,
    include=st.lists(st.booleans(), min_size=39, max_size=39),
    removed=st.lists(st.booleans(), min_size=39, max_size=39),
    order=st.randoms(),
)
@pytest.mark.parametrize("engine", ["database", "duckdb", "rebuild"])
def test_every_determined_total_equals_the_truth(
    session: Session, engine: str, truth: list[int], include: list[bool], removed: list[bool], order
) -> None:
    nested = session.begin_nested()
    replica = Replica(session.connection()) if engine == "duckdb" else None
    try:
        if replica is not None:
            replica.load()
        _check_values(session, engine, truth, include, removed, order, replica)
    finally:
        if replica is not None:
            replica.close()
        nested.rollback()


def _check_values(session, engine, truth, include, removed, order, replica) -> None:
    programmes = [p.code for p in session.scalars(select(Programme).order_by(Programme.id).limit(2))]
    city = orgunits.create(session=session, code="O-R", name="城市", kind=OrgKind.CITY, parent=None)
    units = {"R": city} | {
        d: orgunits.create(session=session, code=f"O-{d}", name=f"区{d}", kind=OrgKind.UNIT, parent=city)
        for d in DISTRICTS
    }
    element, _ = indicators.upsert_element(
        session=session,
        code="O_FLOW",
        name="检验流量",
        unit="个",
        aggregation=Aggregation.SUM,
        group="测试",
        category="性别",
        options=OPTIONS,
    )
    facts = dict(
        zip(
            itertools.product(programmes, DISTRICTS, OPTIONS, MONTHS),
            (Decimal(t) for t in truth),
            strict=True,
        )
    )

    def true_total(r: Region) -> Decimal:
        return sum(
            (
                v
                for (p, d, o, m), v in facts.items()
                if (r.programme in (None, p))
                and r.unit in ("R", d)
                and r.option in ("", o)
                and r.period in (YEAR, m)
            ),
            Decimal(0),
        )

    nodes = _tree(programmes)
    assert len(nodes) == len(include)
    described = [n for n, keep in zip(nodes, include, strict=True) if keep]
    order.shuffle(described)
    source = manual_source(session=session, username="检验")
    programme_of = {p.code: p for p in session.scalars(select(Programme))}
    entered = {}
    for r in described:
        kwargs = dict(
            org_unit=units[r.unit],
            element=element,
            period=indicators.ensure_period(session=session, period_id=r.period),
            programme=programme_of[r.programme] if r.programme else None,
            kind=ValueKind.ACTUAL,
            qualifier=Qualifier.EXACT,
            source=source,
        )
        entered[r] = indicators.set_value(
            session=session, actor=SYSTEM, value=true_total(r), category_option=r.option, **kwargs
        )
    # a claim of every region, twice the truth: claims never count
    for r in nodes[:5]:
        claims.add_claim(
            session=session,
            actor=SYSTEM,
            element=element,
            org_unit=units[r.unit],
            period=indicators.ensure_period(session=session, period_id=r.period),
            programme=programme_of[r.programme] if r.programme else None,
            kind=ValueKind.ACTUAL,
            value=true_total(r) * 2,
            qualifier=Qualifier.EXACT,
            source=source,
        )
    session.flush()
    # then some of them deleted again: a summary that covered one counts what it covered anew (the outside
    # look found a year of 100 shown as 70 after a month of 30 under it was deleted)
    gone = {n for n, drop in zip(nodes, removed, strict=True) if drop and n in entered}
    for r in sorted(gone, key=nodes.index):
        value = entered[r]
        indicators.delete_value(session=session, actor=SYSTEM, value_id=value.id, version=value.version)
    session.flush()
    if engine == "rebuild":
        rebuild_analytics(session=session)

    kept = set(described) - gone
    determined: dict[Region, bool] = {}
    for node in reversed(nodes):  # children before their parents
        kids = node.children(programmes)
        determined[node] = node in kept or (bool(kids) and all(determined[k] for k in kids))
    store = replica.store() if replica is not None else None
    checked = 0
    for node in nodes:
        if not determined[node]:
            continue
        dx = "O_FLOW" + (f":{node.option}" if node.option else "")
        result = analytics(
            session=session,
            actor=SYSTEM,
            dx=dx,
            ou=units[node.unit].code,
            pe=node.period,
            programme=node.programme,
            store=store,
        )
        got = result.value(dx, units[node.unit].code, node.period)
        assert got == true_total(node), (engine, node, got, true_total(node))
        checked += 1
    assert checked >= len(kept)


@pytest.fixture
def kuitun(session: Session) -> Iterator[tuple[OrgUnit, Programme]]:
    unit = session.scalars(select(OrgUnit).where(OrgUnit.code == "P-XJ-KT")).one()
    programme = session.scalars(select(Programme).where(Programme.code == "YJ")).one()
    yield unit, programme


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    months=st.lists(st.integers(0, 900), min_size=12, max_size=12),
    recorded=st.lists(st.booleans(), min_size=12, max_size=12),
    with_total=st.booleans(),
)
def test_sales_beside_their_years_total_count_once(
    session: Session,
    kuitun: tuple[OrgUnit, Programme],
    months: list[int],
    recorded: list[bool],
    with_total: bool,
) -> None:
    """Monthly sales of a year nobody has touched (2032), some of them recorded, and perhaps the year's
    total as a row of its own: the year is the truth whenever the records determine it."""
    nested = session.begin_nested()
    try:
        unit, programme = kuitun
        rtype = reg.get_type("sales")
        actor = SYSTEM
        base = {"org_unit_id": str(unit.id), "programme_id": str(programme.id), "channel": "检验"}
        for m, (amount, keep) in enumerate(zip(months, recorded, strict=True), start=1):
            if keep and amount:
                reg.create(
                    session=session,
                    actor=actor,
                    rtype=rtype,
                    raw=base | {"period_id": f"2032{m:02d}", "amount": str(amount)},
                )
        if with_total and sum(months):
            reg.create(
                session=session,
                actor=actor,
                rtype=rtype,
                raw=base | {"period_id": "2032", "amount": str(sum(months))},
            )
        determined = with_total or all(r or not a for r, a in zip(recorded, months, strict=True))
        result = analytics(session=session, actor=SYSTEM, dx="CONSUMPTION_SALES", ou="P-XJ-KT", pe="2032")
        got = result.value("CONSUMPTION_SALES", "P-XJ-KT", "2032")
        if determined:
            assert (got or 0) == sum(months)
        else:
            assert (got or 0) == sum(a for a, r in zip(months, recorded, strict=True) if r)
    finally:
        nested.rollback()
