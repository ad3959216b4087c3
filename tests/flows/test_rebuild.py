"""`shanhai analytics rebuild` gives back exactly the table the incremental writers keep: after the table is
emptied or drifts, a rebuild equals what was there, approvals of reports included."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from shanhai.datasets import service as datasets
from shanhai.flows import rebuild
from shanhai.indicators.facts_table import AnalyticsValue
from shanhai.orgunits.models import OrgUnit
from tests.conftest import Database, actor_of
from tests.reliability.harness import demo_database


def _table(session: Session) -> list[tuple[object, ...]]:
    columns = [c for c in AnalyticsValue.__table__.columns]
    return sorted(tuple(row) for row in session.execute(select(*columns)).all())


def test_a_rebuild_equals_the_incrementally_kept_table(backend: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(rebuild, "BATCH", 7)  # many small batches
    db = Database(backend, tmp_path)
    engine = demo_database(db.url)
    try:
        with Session(engine) as session:
            unit = session.scalars(select(OrgUnit).where(OrgUnit.code == "XZ-QS")).one()
            officer = actor_of(session, "quanshan_officer")
            values = {"MONTHLY_TRAINED": "30", "MONTHLY_PLACED": "20"}
            for period, submit in (("202501", True), ("202502", False)):
                datasets.save(
                    session=session,
                    actor=officer,
                    data_set_id=1,
                    org_unit_id=unit.id,
                    period_id=period,
                    raw=values,
                    submit=submit,
                )
            submission = next(s for s in datasets.pending(session=session, actor=officer))
            datasets.approve(session=session, actor=actor_of(session, "admin"), submission_id=submission.id)
            session.commit()
            before = _table(session)
            assert any(
                row for row in before if row[-1] is False or row[-1] == 0
            )  # a draft does not count yet
            session.execute(delete(AnalyticsValue).where(AnalyticsValue.data_value_id % 2 == 0))
            session.execute(update(AnalyticsValue).values(value=0, approved=True))
            session.commit()
            progress: list[int] = []
            written = rebuild.rebuild_analytics(session=session, progress=progress.append)
            session.commit()
            assert written == sum(progress) == len(before) and len(progress) > 3
            assert _table(session) == before
    finally:
        engine.dispose()
        db.drop()
