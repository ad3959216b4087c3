"""The home page opens on a year with data: the current year when the actor sees an actual value in it,
otherwise the latest year that has one. A target for a coming year (a plan) is no data yet: it moved every
user's home page to an empty year (the figures issue)."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.indicators import service as indicators
from shanhai.indicators.models import ValueKind
from shanhai.lib.beijing import today
from shanhai.lib.cnnum import Qualifier
from shanhai.orgunits.models import OrgUnit
from tests.conftest import actor_of


def _enter(session: Session, period: str, kind: ValueKind, unit: str = "XZ-QS") -> None:
    city = actor_of(session, "city_admin")
    unit_id = session.scalars(select(OrgUnit.id).where(OrgUnit.code == unit)).one()
    indicators.create_value(
        session=session,
        actor=city,
        element_code="LETTERS_SENT",
        org_unit_id=unit_id,
        period_id=period,
        programme_id=None,
        kind=kind,
        value=Decimal(3),
        qualifier=Qualifier.EXACT,
    )


def test_a_target_for_a_coming_year_does_not_move_the_home_page(session: Session, client: TestClient) -> None:
    before = client.get("/api/v1/dashboard").json()
    coming = str(max(today().year, before["year"]) + 1)
    _enter(session, coming, ValueKind.TARGET)
    after = client.get("/api/v1/dashboard").json()
    assert after["year"] == before["year"] and int(coming) not in after["years"]
    assert after["has_data"] and after["cards"]
    empty = client.get("/api/v1/dashboard", params={"year": coming}).json()
    assert empty["has_data"] is False
    assert "年度暂无数据" in client.get("/", params={"year": coming}).text


def test_an_actual_value_of_this_year_opens_the_home_page_on_it(session: Session, client: TestClient) -> None:
    this_year = today().year
    _enter(session, f"{this_year}{today().month:02d}", ValueKind.ACTUAL)
    page = client.get("/api/v1/dashboard").json()
    assert page["year"] == this_year and page["has_data"] and this_year in page["years"]


def test_another_districts_year_is_not_the_officers(session: Session, as_persona) -> None:  # type: ignore[no-untyped-def]
    officer = as_persona("jingkai_officer")
    before = officer.get("/api/v1/dashboard").json()
    lone = 2001
    _enter(session, str(lone), ValueKind.ACTUAL, unit="XZ-QS")  # 泉山区: outside 经开区's scope
    after = officer.get("/api/v1/dashboard").json()
    assert lone not in after["years"] and after["year"] == before["year"]


def test_the_dashboard_is_cached_until_the_next_audited_write(session: Session, client: TestClient) -> None:
    """A second visit is served from the cache; a write (audited, as every write is) makes the next visit
    build the page again, so the new figure shows at once."""
    from shanhai.flows.dashboard import cache_stats

    def projects(page: dict) -> Decimal:
        total = next(k for k in page["key_counts"] if k["label"] == "援建项目")["total"]
        return Decimal(total["value"]) if total else Decimal(0)

    first = client.get("/api/v1/dashboard", params={"year": 2025}).json()
    before = cache_stats()
    assert client.get("/api/v1/dashboard", params={"year": 2025}).json() == first
    assert cache_stats()["hits"] == before["hits"] + 1
    indicators.create_value(
        session=session,
        actor=actor_of(session, "city_admin"),
        element_code="AID_PROJECTS",
        org_unit_id=session.scalars(select(OrgUnit.id).where(OrgUnit.code == "XZ-QS")).one(),
        period_id="2025",
        programme_id=None,
        kind=ValueKind.ACTUAL,
        value=Decimal(5),
        qualifier=Qualifier.EXACT,
    )
    after = client.get("/api/v1/dashboard", params={"year": 2025}).json()
    assert cache_stats()["misses"] == before["misses"] + 1
    assert projects(after) == projects(first) + 5


def test_under_others_writes_the_dashboard_is_at_most_moments_old(
    session: Session, client: TestClient, monkeypatch
) -> None:
    """Another user's write does not rebuild everyone's dashboard at once: within STALE_SECONDS the page
    already built is served (under a steady stream of writes it is built at most that often); after it, the
    change shows."""
    from shanhai.flows import dashboard

    def projects() -> Decimal:
        page = client.get("/api/v1/dashboard", params={"year": 2025}).json()
        total = next(k for k in page["key_counts"] if k["label"] == "援建项目")["total"]
        return Decimal(total["value"]) if total else Decimal(0)

    monkeypatch.setattr(dashboard, "STALE_SECONDS", 3600.0)
    first = projects()
    indicators.create_value(
        session=session,
        actor=actor_of(session, "quanshan_officer"),
        element_code="AID_PROJECTS",
        org_unit_id=session.scalars(select(OrgUnit.id).where(OrgUnit.code == "XZ-QS")).one(),
        period_id="2025",
        programme_id=None,
        kind=ValueKind.ACTUAL,
        value=Decimal(5),
        qualifier=Qualifier.EXACT,
    )
    assert projects() == first  # the city administrator's page of a moment ago
    monkeypatch.setattr(dashboard, "STALE_SECONDS", 0.0)
    assert projects() == first + 5


def test_users_of_one_scope_share_a_dashboard_and_still_see_their_own_write_at_once(
    session: Session, monkeypatch
) -> None:
    """The page is keyed by what decides it (permissions, data scope, year), not by who asks: a second
    user of the same scope is served the page the first one had built. A user who has written since it was
    built is not: their own change shows at once, even within STALE_SECONDS."""
    import dataclasses

    from shanhai.flows import dashboard

    monkeypatch.setattr(dashboard, "STALE_SECONDS", 3600.0)
    first = actor_of(session, "city_admin")
    twin = dataclasses.replace(first, user_id=-1, username="city_twin", display_name="另一位")
    shown = dashboard.build_dashboard(session=session, actor=first, year=2025, sources_dir=None)
    before = dashboard.cache_stats()
    assert dashboard.build_dashboard(session=session, actor=twin, year=2025, sources_dir=None) == shown
    assert dashboard.cache_stats()["hits"] == before["hits"] + 1
    _enter(session, "2025", ValueKind.ACTUAL)  # written by city_admin, not by the twin
    assert dashboard.build_dashboard(session=session, actor=twin, year=2025, sources_dir=None) == shown
    again = dashboard.build_dashboard(session=session, actor=first, year=2025, sources_dir=None)
    assert dashboard.cache_stats()["misses"] == before["misses"] + 1 and again != shown


def _slow_dashboards(monkeypatch, builds: list[int]):  # a build that takes a while, and the actor asking
    import time

    from shanhai.flows import dashboard

    def slow_build(**_: object) -> dashboard.Dashboard:
        builds.append(1)
        time.sleep(0.3)
        return dashboard.Dashboard(
            year=2025, years=[2025], has_data=True, cards=[], key_counts=[], values_total=len(builds),
            funds_chart=dashboard.FundsChart(categories=[], planned=[], delivered=[]), values=[],
        )  # fmt: skip

    monkeypatch.setattr(dashboard, "_build", slow_build)
    monkeypatch.setattr(dashboard, "pinned_panels", lambda **_: [])
    return dashboard.Actor(user_id=1, username="u", display_name="u", org_unit_id=None,
                           permissions=frozenset({"dashboard:view"}), scope_all=True)  # fmt: skip


class _Audit:
    """What the cache asks the database: the newest audit id (and the count near it), one's own newest."""

    def __init__(self, newest: int, own: int = 0) -> None:
        self.answers = [newest, 1, own]

    def scalar(self, _: object) -> int:
        return self.answers.pop(0)


def test_requests_that_miss_together_wait_for_one_build(monkeypatch) -> None:
    """Sixteen requests that find no page at once: one builds it, the fifteen others wait for it and
    take it (under load each used to build its own, and the dashboard's p95 reached seconds)."""
    import threading

    from shanhai.flows import dashboard

    builds: list[int] = []
    actor = _slow_dashboards(monkeypatch, builds)
    pages: list[dashboard.Dashboard] = []

    def ask() -> None:
        pages.append(dashboard.build_dashboard(session=_Audit(7), actor=actor, year=2025, sources_dir=None))  # type: ignore[arg-type]

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1 and len(pages) == 16 and all(p.values_total == 1 for p in pages)


def test_while_a_page_is_rebuilt_the_others_get_the_last_one_unless_they_wrote_since(monkeypatch) -> None:
    """After others' writes and STALE_SECONDS, one request rebuilds the page; those arriving meanwhile are
    served the page it replaces at once — except one who wrote after that page was built, who waits for
    the new one and sees the write."""
    import threading

    from shanhai.flows import dashboard

    builds: list[int] = []
    actor = _slow_dashboards(monkeypatch, builds)

    def ask(newest: int, own: int = 0) -> dashboard.Dashboard:
        return dashboard.build_dashboard(
            session=_Audit(newest, own), actor=actor, year=2025, sources_dir=None
        )  # type: ignore[arg-type]

    assert ask(10).values_total == 1  # built at audit id 10
    monkeypatch.setattr(dashboard, "STALE_SECONDS", 0.0)
    rebuilding = threading.Thread(target=ask, args=(11,))
    rebuilding.start()
    while len(builds) < 2:  # the rebuild has started
        threading.Event().wait(0.01)
    assert ask(11).values_total == 1 and len(builds) == 2  # the last page, not a third build
    assert ask(11, own=11).values_total == 2  # wrote after it: waited for the new page
    rebuilding.join()
