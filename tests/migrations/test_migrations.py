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
    from alembic.script import ScriptDirectory

    from shanhai.indicators.facts_table import AnalyticsValue
    from shanhai.migrations import alembic_config

    upgrade(fresh_db.engine)
    with Session(fresh_db.engine) as session:
        load_demo(session=session)
        session.commit()
        values = session.scalar(select(func.count()).select_from(DataValue))
    head = ScriptDirectory.from_config(alembic_config()).get_revision("head")
    assert head is not None and head.down_revision is not None
    downgrade(fresh_db.engine, str(head.down_revision))
    upgrade(fresh_db.engine)
    with Session(fresh_db.engine) as session:
        assert session.scalar(select(func.count()).select_from(DataValue)) == values
        assert session.scalar(select(func.count()).select_from(AnalyticsValue)) == values  # backfilled


def test_a_report_value_of_a_records_kept_element_becomes_a_claim_and_back(fresh_db: Database) -> None:
    """Migration 0011 moves a report's figure out of a cell the records keep (the demo's 超百亿元 of park
    output) into the claims, with its analytics row; stepping back puts it back as the value it was."""
    from shanhai.indicators.facts_table import AnalyticsValue
    from shanhai.indicators.models import Claim

    upgrade(fresh_db.engine)
    with Session(fresh_db.engine) as session:
        load_demo(session=session)
        session.commit()
        values = session.scalar(select(func.count()).select_from(DataValue))
        assert session.scalar(select(func.count()).select_from(Claim)) == 1
    downgrade(fresh_db.engine, "0010")
    with Session(fresh_db.engine) as session:
        assert session.scalar(select(func.count()).select_from(DataValue)) == values + 1
        assert session.scalar(select(func.count()).select_from(AnalyticsValue)) == values + 1
    upgrade(fresh_db.engine)
    with Session(fresh_db.engine) as session:
        assert session.scalar(select(func.count()).select_from(DataValue)) == values
        assert session.scalar(select(func.count()).select_from(AnalyticsValue)) == values
        claim = session.scalars(select(Claim)).one()
        assert claim.data_element.code == "PARK_OUTPUT" and claim.source.figure_text == "百亿元"
