"""Migrations: the schema is built by Alembic alone, matches the models, and upgrades keep data."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from shanhai.fixtures.loader import load_demo
from shanhai.indicators.models import DataValue
from shanhai.migrations import current_revision, downgrade, head_revision, upgrade
from shanhai.models import Base
from tests.conftest import Database


def test_upgrade_creates_every_table_and_matches_the_models(fresh_db: Database) -> None:
    upgrade(fresh_db.engine)
    assert current_revision(fresh_db.engine) == head_revision()
    tables = set(inspect(fresh_db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with fresh_db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_upgrading_a_populated_database_loses_nothing(fresh_db: Database) -> None:
    upgrade(fresh_db.engine)
    with Session(fresh_db.engine) as session:
        load_demo(session=session)
        session.commit()
        before = session.scalar(select(func.count()).select_from(DataValue))
    upgrade(fresh_db.engine)  # again: a no-op that must not touch the data
    with Session(fresh_db.engine) as session:
        assert session.scalar(select(func.count()).select_from(DataValue)) == before


def test_downgrade_to_base_and_back(fresh_db: Database) -> None:
    upgrade(fresh_db.engine)
    downgrade(fresh_db.engine, "base")
    assert not (set(Base.metadata.tables) & set(inspect(fresh_db.engine).get_table_names()))
    upgrade(fresh_db.engine)
    assert current_revision(fresh_db.engine) == head_revision()


def test_stepping_back_and_forward_over_the_newest_migration_keeps_the_data(fresh_db: Database) -> None:
    """Every value entered or reported comes back with its analytics row. (What records derive follows the
    records: a register the newest migration adds goes with its rows when it is stepped back over.)"""
    from alembic.script import ScriptDirectory

    from shanhai.documents.models import Source
    from shanhai.indicators.facts_table import AnalyticsValue
    from shanhai.migrations import alembic_config

    entered = (
        select(func.count())
        .select_from(DataValue)
        .join(Source, Source.id == DataValue.source_id)
        .where(func.coalesce(Source.record_table, "").not_like("derived:%"))
    )
    upgrade(fresh_db.engine)
    with Session(fresh_db.engine) as session:
        load_demo(session=session)
        session.commit()
        values = session.scalar(entered)
    head = ScriptDirectory.from_config(alembic_config()).get_revision("head")
    assert head is not None and head.down_revision is not None
    downgrade(fresh_db.engine, str(head.down_revision))
    upgrade(fresh_db.engine)
    with Session(fresh_db.engine) as session:
        assert session.scalar(entered) == values
        everything = session.scalar(select(func.count()).select_from(DataValue))
        assert session.scalar(select(func.count()).select_from(AnalyticsValue)) == everything  # backfilled


def test_a_report_value_of_a_records_kept_element_becomes_a_claim_and_back(fresh_db: Database) -> None:
    """Migration 0011 moves a report's figure out of a cell the records keep (the demo's 超百亿元 of park
    output) into the claims, with its analytics row; stepping back puts it back as the value it was. (Below
    0021 the enterprise registers and what their records made go; they are not compared here.)"""
    from sqlalchemy import text

    from shanhai.indicators.models import Claim

    park = (
        "SELECT count(*) FROM data_values v JOIN data_elements e ON e.id = v.data_element_id "
        "JOIN analytics_values a ON a.data_value_id = v.id "
        "JOIN sources s ON s.id = v.source_id WHERE e.code = 'PARK_OUTPUT' AND s.figure_text = '百亿元'"
    )
    upgrade(fresh_db.engine)
    with Session(fresh_db.engine) as session:
        load_demo(session=session)
        session.commit()
        assert session.scalar(select(func.count()).select_from(Claim)) == 13  # park output, 0022's, 0025's
        assert session.scalar(text(park)) == 0
    downgrade(fresh_db.engine, "0010")
    with fresh_db.engine.connect() as connection:
        assert connection.execute(text(park)).scalar() == 1  # a value again, with its analytics row
    upgrade(fresh_db.engine)
    with Session(fresh_db.engine) as session:
        assert session.scalar(text(park)) == 0
        claim = session.scalars(select(Claim).order_by(Claim.id)).first()
        assert claim is not None and claim.data_element.code == "PARK_OUTPUT"
        assert claim.source.figure_text == "百亿元"


def test_a_delegations_visit_leaves_the_school_exchanges_at_the_upgrade(fresh_db: Database) -> None:
    """Migration 0012: 交往交流 records no longer count as 中小学交流活动; a title naming schools makes a
    record 教育交流 with one school; the derived values are recounted."""
    from sqlalchemy import text

    upgrade(fresh_db.engine)
    with Session(fresh_db.engine) as session:
        load_demo(session=session)
        session.commit()
    downgrade(fresh_db.engine, "0011")
    count = (
        "SELECT v.value FROM data_values v JOIN data_elements e ON e.id = v.data_element_id "
        "WHERE e.code = 'EXCHANGE_EVENTS' AND v.period_id = '2025'"
    )
    with fresh_db.engine.begin() as connection:  # as the old rule had it: the visit counted (15 → 17)
        row = connection.execute(
            text("SELECT org_unit_id, programme_id, source_id FROM activities WHERE title LIKE '%中小学%'")
        ).one()
        connection.execute(
            text(
                "INSERT INTO activities (title, kind, held_on, organiser, sessions, qualifier, org_unit_id, "
                "programme_id, source_id, note, created_by_id, version, created_at, updated_at) VALUES "
                "('党政代表团考察', '交往交流', '2025-05-01', '', 2, 'exact', :u, :g, NULL, '', NULL, 1, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"u": row.org_unit_id, "g": row.programme_id},
        )
        connection.execute(
            text(
                "UPDATE data_values SET value = 17 WHERE id IN (SELECT v.id FROM data_values v JOIN "
                "data_elements e ON e.id = v.data_element_id WHERE e.code = 'EXCHANGE_EVENTS')"
            )
        )
    upgrade(fresh_db.engine)
    with fresh_db.engine.connect() as connection:
        assert connection.execute(text(count)).scalar() == 15
        kinds = dict(connection.execute(text("SELECT title, kind FROM activities")).tuples().all())
        assert kinds["党政代表团考察"] == "交往交流" and kinds["奎屯中小学交往交流活动"] == "教育交流"
