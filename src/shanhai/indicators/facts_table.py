"""The analytics table: one row per data value, denormalised with the unit's ancestors by level and the
period's buckets, so that a roll-up to any level and any period type is one GROUP BY without joins.
It is written in the same transaction as the value it mirrors, so a changed value is visible at once."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from shanhai.db import Base, UTCDateTime, utcnow
from shanhai.orgunits.models import MAX_DEPTH

MAX_LEVELS = MAX_DEPTH  # one ancestor column per level of the org tree
QUALIFIER_BITS = {"exact": 1, "over": 2, "under": 4, "approx": 8}
# A row's bucket columns are filled only as far as its period type reaches: a monthly value has year, quarter
# and month; a quarterly one year and quarter; a yearly one the year; a span of years (2021—2025) none. So a
# filter on the bucket columns of a period type also keeps out the coarser values, with no extra predicate.


class AnalyticsValue(Base):
    __tablename__ = "analytics_values"

    data_value_id: Mapped[int] = mapped_column(
        ForeignKey("data_values.id", ondelete="CASCADE"), primary_key=True
    )
    data_element_id: Mapped[int] = mapped_column(Integer)
    programme_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    category_option: Mapped[str] = mapped_column(String(32), default="", server_default="")
    org_unit_id: Mapped[int] = mapped_column(Integer)
    ou_l1: Mapped[int | None] = mapped_column(Integer)
    ou_l2: Mapped[int | None] = mapped_column(Integer)
    ou_l3: Mapped[int | None] = mapped_column(Integer)
    ou_l4: Mapped[int | None] = mapped_column(Integer)
    ou_l5: Mapped[int | None] = mapped_column(Integer)
    ou_l6: Mapped[int | None] = mapped_column(Integer)
    period_id: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    year: Mapped[int | None] = mapped_column(Integer)  # empty for a span of years (see above)
    quarter: Mapped[int | None] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(Numeric(24, 4))
    # exact / over / under / approx, as reported: a roll-up of one value keeps it (1万余人次)
    qualifier: Mapped[str] = mapped_column(String(8), default="exact", server_default="exact")
    # the same as one bit (QUALIFIER_BITS): a roll-up's qualifier is the OR of its parts' bits (cheap)
    qualifier_bit: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    # values entered through a data set count once their report is approved
    approved: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        Index("ix_analytics_values_element_year", "data_element_id", "year", "kind"),
        Index("ix_analytics_values_l2_element", "ou_l2", "data_element_id", "year"),
        Index("ix_analytics_values_org_unit", "org_unit_id"),
    )


class AnalyticsChange(Base):
    """The change feed of the analytics table: one row per data value written, approved, returned or deleted,
    in the same transaction. A DuckDB replica (analytics.replica) reads it to catch up before each query."""

    __tablename__ = "analytics_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    data_value_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)  # rows older than a week are pruned
