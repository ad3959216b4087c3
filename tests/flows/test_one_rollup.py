"""One roll-up: the dashboard's figures are the analytics engine's figures. A monthly value moves both alike,
a figure that is one reported value keeps its qualifier, and a district sees its own part of both."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.analytics.engine import analytics
from shanhai.flows.dashboard import build_dashboard, programme_detail
from shanhai.indicators import service as indicators
from shanhai.indicators.models import ValueKind
from shanhai.lib.cnnum import Qualifier
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme
from tests.conftest import actor_of, needs_seeds


def _key_count(dashboard, label: str) -> Decimal | None:  # type: ignore[no-untyped-def]
    found = next(k for k in dashboard.key_counts if k.label == label)
    return found.total.value if found.total else None


def _analytics_funds(session: Session, username: str, programme: str | None = None) -> Decimal:
    result = analytics(
        session=session,
        actor=actor_of(session, username),
        dx="FUNDS",
        ou="XZ",
        pe="2025",
        programme=programme,
    )
    return result.value("FUNDS", "XZ", "2025") or Decimal(0)


@needs_seeds
def test_a_monthly_value_moves_the_dashboard_and_analytics_alike(session: Session) -> None:
    admin = actor_of(session, "city_admin")
    before = build_dashboard(session=session, actor=admin, year=2025, sources_dir=None)
    assert _key_count(before, "资金到位") == _analytics_funds(session, "city_admin") == Decimal(336_930_000)
    unit = session.scalars(select(OrgUnit).where(OrgUnit.code == "XZ")).one()
    yj = session.scalars(select(Programme).where(Programme.code == "YJ")).one()
    indicators.create_value(
        session=session,
        actor=admin,
        element_code="FUNDS",
        org_unit_id=unit.id,
        period_id="202503",
        programme_id=yj.id,
        kind=ValueKind.ACTUAL,
        value=Decimal(1_000_000),
        qualifier=Qualifier.EXACT,
    )
    after = build_dashboard(session=session, actor=admin, year=2025, sources_dir=None)
    assert _analytics_funds(session, "city_admin") == Decimal(337_930_000)
    assert _key_count(after, "资金到位") == Decimal(337_930_000)
    card = next(c for c in after.cards if c.programme.code == "YJ")
    old = next(c for c in before.cards if c.programme.code == "YJ")
    assert card.funds_delivered is not None and old.funds_delivered is not None
    assert card.funds_delivered.value - old.funds_delivered.value == Decimal(1_000_000)
    assert card.funds_delivered.value == _analytics_funds(session, "city_admin", programme="YJ")
    detail = programme_detail(session=session, actor=admin, programme_id=yj.id, sources_dir=None)
    assert detail.card is not None and detail.card.funds_delivered == card.funds_delivered
    assert after.funds_chart.delivered[after.cards.index(card)] == card.funds_delivered.value / 10000


@needs_seeds
def test_a_figure_of_one_reported_value_keeps_its_qualifier(session: Session) -> None:
    admin = actor_of(session, "city_admin")
    dashboard = build_dashboard(session=session, actor=admin, year=2025, sources_dir=None)
    qualified = [
        total
        for card in dashboard.cards
        for total in (card.funds_delivered, card.funds_planned, card.consumption_sales, card.jobs)
        if total is not None and total.qualifier != "exact"
    ] + [k.total for k in dashboard.key_counts if k.total is not None and k.total.qualifier != "exact"]
    assert qualified, "the demo quotes figures such as 1万余人次; some roll-up must keep its qualifier"
    for total in qualified:
        assert (
            total.display.startswith(("超", "近", "约")) or "余" in total.display or "以上" in total.display
        )


def test_the_qualifier_of_a_roll_up_is_kept_through_the_engine(session: Session) -> None:
    admin = actor_of(session, "city_admin")
    unit = session.scalars(select(OrgUnit).where(OrgUnit.code == "XZ")).one()
    for period, value, qualifier in (("209901", 100, Qualifier.OVER), ("209902", 50, Qualifier.EXACT)):
        indicators.create_value(
            session=session,
            actor=admin,
            element_code="FUNDS",
            org_unit_id=unit.id,
            period_id=period,
            programme_id=None,
            kind=ValueKind.ACTUAL,
            value=Decimal(value),
            qualifier=qualifier,
        )
    result = analytics(session=session, actor=admin, dx="FUNDS", ou="XZ", pe="209901;209902;2099")
    assert result.qualifier("FUNDS", "XZ", "209901") == "over"
    assert result.qualifier("FUNDS", "XZ", "209902") == "exact"
    assert result.value("FUNDS", "XZ", "2099") == Decimal(150)
    assert result.qualifier("FUNDS", "XZ", "2099") == "over"  # over + exact is still over (超)


def test_an_unknown_programme_is_refused_naming_the_field(client: TestClient) -> None:
    reply = client.get(
        "/api/v1/analytics", params={"dx": "FUNDS", "ou": "XZ", "pe": "2025", "programme": "NOPE"}
    )
    assert reply.status_code == 422
    assert "NOPE" in reply.text and "programme" in reply.text


@needs_seeds
def test_a_district_sees_its_own_part_in_the_dashboard_and_in_analytics(session: Session) -> None:
    officer = actor_of(session, "quanshan_officer")
    dashboard = build_dashboard(session=session, actor=officer, year=2025, sources_dir=None)
    assert (_key_count(dashboard, "资金到位") or Decimal(0)) == _analytics_funds(session, "quanshan_officer")
    assert _analytics_funds(session, "quanshan_officer") < _analytics_funds(session, "city_admin")
