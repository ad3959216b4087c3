"""What closing a unit (撤销) means, enforced in one place: it takes no new entries anywhere — the entry grid
included, which took a closed unit's values while the registers refused them — so what is open is handled
first: its reports waiting for approval, its active users; and a closed unit owes no overdue reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.auth.models import User
from shanhai.datasets import service as datasets
from shanhai.datasets.models import Submission
from shanhai.errors import Invalid
from shanhai.orgunits.models import OrgUnit
from shanhai.setup import orgunits as setup_units
from tests.conftest import actor_of


def _close(session: Session, unit: OrgUnit) -> None:
    setup_units.close_unit(
        session=session, actor=actor_of(session, "admin"), unit_id=unit.id, version=unit.version
    )


def test_closing_a_unit_handles_what_is_open_first(
    session: Session, as_persona: Callable[[str], TestClient]
) -> None:
    gulou = session.scalars(select(OrgUnit).where(OrgUnit.code == "XZ-GL")).one()
    city = as_persona("city_admin")
    r = city.put(
        "/api/v1/datasets/1/entry",
        params={"org_unit_id": gulou.id, "period": "202503"},
        json={"values": {"MONTHLY_TRAINED": "10", "MONTHLY_PLACED": "5"}, "submit": True},
    )
    assert r.status_code == 200, r.text
    with pytest.raises(Invalid, match="待审核的报表"):
        _close(session, gulou)
    submission = session.scalars(
        select(Submission).where(Submission.org_unit_id == gulou.id, Submission.period_id == "202503")
    ).one()
    assert as_persona("admin").post(f"/api/v1/submissions/{submission.id}/approve").status_code == 200
    clerk = User(username="gulou_clerk", display_name="鼓楼填报员", org_unit_id=gulou.id, password_hash="x")
    session.add(clerk)
    session.flush()
    with pytest.raises(Invalid, match="gulou_clerk"):
        _close(session, gulou)
    clerk.is_active = False
    session.flush()
    session.refresh(gulou)
    _close(session, gulou)
    r = city.put(
        "/api/v1/datasets/1/entry",
        params={"org_unit_id": gulou.id, "period": "202504"},
        json={"values": {"MONTHLY_TRAINED": "10", "MONTHLY_PLACED": "5"}},
    )
    assert r.status_code == 422 and "已撤销" in r.json()["error"]["message"], r.text
    late = datasets.overdue(session=session, actor=actor_of(session, "city_admin"), today=date(2025, 12, 20))
    assert all(o.unit.id != gulou.id for o in late)
