"""Indicator store: periods, data elements and data values (org unit × element × period × programme),
actuals and targets side by side, each value with a source."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shanhai.db import Base, Timestamped
from shanhai.documents.models import Source
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme


class Aggregation(StrEnum):
    SUM = "sum"
    AVERAGE = "average"
    LAST = "last"
    COUNT = "count"  # how many values were reported (e.g. units that held an event)
    NONE = "none"  # ratios and growth rates: never added up


AGGREGATION_LABELS = {
    Aggregation.SUM: "求和",
    Aggregation.AVERAGE: "平均",
    Aggregation.LAST: "期末值",
    Aggregation.COUNT: "计数",
    Aggregation.NONE: "不汇总（比率）",
}


class Nature(StrEnum):
    """What kind of figure an element is, declared (issue 19): it decides how its values add up over time
    and whether a coarser value is a summary of finer ones."""

    FLOW = "flow"  # summed over periods: money paid, people trained
    STOCK = "stock"  # the value at the end of the period: 在岗人数, 门店数
    RATIO = "ratio"  # a rate or share: never added up
    CUMULATIVE = "cumulative"  # 截至6月底累计: the year so far, its last value stands for the year
    SINCE_START = "since_start"  # 十四五以来, 运营以来累计: a figure over several years


NATURE_LABELS = {
    Nature.FLOW: "流量（逐期相加）",
    Nature.STOCK: "存量（期末值）",
    Nature.RATIO: "比率（不相加）",
    Nature.CUMULATIVE: "年内累计（截至某月）",
    Nature.SINCE_START: "起始以来累计（多年）",
}
# the aggregations a nature allows (the first is its default)
NATURE_AGGREGATIONS = {
    Nature.FLOW: (Aggregation.SUM, Aggregation.COUNT),
    Nature.STOCK: (Aggregation.LAST, Aggregation.AVERAGE),  # never summed over time
    Nature.RATIO: (Aggregation.NONE, Aggregation.AVERAGE),
    Nature.CUMULATIVE: (Aggregation.LAST,),
    Nature.SINCE_START: (Aggregation.LAST, Aggregation.NONE),
}


def nature_of(aggregation: str) -> Nature:
    """The nature an element of this aggregation has unless declared otherwise."""
    return {
        Aggregation.SUM.value: Nature.FLOW,
        Aggregation.COUNT.value: Nature.FLOW,
        Aggregation.LAST.value: Nature.STOCK,
    }.get(aggregation, Nature.RATIO)


class ValueKind(StrEnum):
    ACTUAL = "actual"
    TARGET = "target"


class Period(Base):
    __tablename__ = "periods"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(64))


class DataElement(Base, Timestamped):
    __tablename__ = "data_elements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    unit: Mapped[str] = mapped_column(String(16))
    value_type: Mapped[str] = mapped_column(String(16), default="number")
    aggregation: Mapped[str] = mapped_column(String(16), default=Aggregation.SUM.value)
    group: Mapped[str] = mapped_column(String(32), default="", index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # what reports call it besides its name (援疆资金、拨付资金): read by the review suggestions
    aliases: Mapped[str] = mapped_column(String(512), default="", server_default="")
    # disaggregation by one category, e.g. 性别 with options 男,女 (empty: not disaggregated)
    category: Mapped[str] = mapped_column(String(32), default="", server_default="")
    category_options: Mapped[str] = mapped_column(String(256), default="", server_default="")
    # declared (issue 19): its nature, and the finest period its actual and target values are given for
    # (a value for a coarser period is a summary of the finer ones: lib.summaries)
    nature: Mapped[str] = mapped_column(String(16), default=Nature.FLOW.value, server_default="flow")
    grain: Mapped[str] = mapped_column(String(16), default="monthly", server_default="monthly")
    target_grain: Mapped[str] = mapped_column(String(16), default="monthly", server_default="monthly")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (an edit from a stale form is a 409)

    @property
    def options(self) -> list[str]:
        return [o for o in self.category_options.split(",") if o]

    def grain_of(self, kind: str) -> str:
        return self.target_grain if kind == ValueKind.TARGET.value else self.grain

    @property
    def summed(self) -> bool:
        """Its values add up (a flow): a value that covers others is then a summary of them and counts only
        what they do not (indicators.facts.settle)."""
        return self.aggregation == Aggregation.SUM.value and self.nature == Nature.FLOW.value


class Indicator(Base, Timestamped):
    """A formula over data elements: #{CODE}, #{CODE.target}, #{CODE.last_year}, numbers, + - * / ( )."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    formula: Mapped[str] = mapped_column(String(512))
    unit: Mapped[str] = mapped_column(String(16), default="")
    decimals: Mapped[int] = mapped_column(Integer, default=1)
    description: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DataValue(Base, Timestamped):
    __tablename__ = "data_values"
    __table_args__ = (
        CheckConstraint("kind in ('actual', 'target')", name="kind"),
        CheckConstraint("qualifier in ('exact', 'over', 'under', 'approx')", name="qualifier"),
        {"sqlite_autoincrement": True},  # ids are never re-used (migration 0006)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    data_element_id: Mapped[int] = mapped_column(
        ForeignKey("data_elements.id", ondelete="RESTRICT"), index=True
    )
    period_id: Mapped[str] = mapped_column(ForeignKey("periods.id", ondelete="RESTRICT"), index=True)
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8), default=ValueKind.ACTUAL.value)
    category_option: Mapped[str] = mapped_column(String(32), default="", server_default="")
    value: Mapped[Decimal] = mapped_column(Numeric(24, 4))
    qualifier: Mapped[str] = mapped_column(String(8), default="exact")
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="RESTRICT"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    org_unit: Mapped[OrgUnit] = relationship()
    data_element: Mapped[DataElement] = relationship()
    period: Mapped[Period] = relationship()
    programme: Mapped[Programme | None] = relationship()
    source: Mapped[Source] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


# One value per org unit × element × period × programme × kind × category option. The programme is
# optional, so the key uses coalesce(programme_id, 0): NULLs would otherwise never collide. The key
# leads with org_unit_id so that the table can later be distributed by organisation.
Index(
    "uq_data_values_key",
    DataValue.org_unit_id,
    DataValue.data_element_id,
    DataValue.period_id,
    func.coalesce(DataValue.programme_id, 0),
    DataValue.kind,
    DataValue.category_option,
    unique=True,
)


class Claim(Base, Timestamped):
    """What a document says about a cell that a register or a data set keeps: evidence with its citation,
    never a value. Several documents may claim one cell. A claim is never in the analytics table, never
    blocks a record or a report, and is reconciled with the records (对账): a person with 审核 may resolve
    a difference with a reason and certify a figure (核定数); the decision is in the history."""

    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint("kind in ('actual', 'target')", name="kind"),
        CheckConstraint("qualifier in ('exact', 'over', 'under', 'approx')", name="qualifier"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    data_element_id: Mapped[int] = mapped_column(
        ForeignKey("data_elements.id", ondelete="RESTRICT"), index=True
    )
    period_id: Mapped[str] = mapped_column(ForeignKey("periods.id", ondelete="RESTRICT"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(8), default=ValueKind.ACTUAL.value)
    category_option: Mapped[str] = mapped_column(String(32), default="", server_default="")
    value: Mapped[Decimal] = mapped_column(Numeric(24, 4))
    qualifier: Mapped[str] = mapped_column(String(8), default="exact")
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="RESTRICT"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # the decision on a difference: why it stands (口径不同, 跨年拨付 …) and the certified figure, if any
    resolution: Mapped[str] = mapped_column(String(500), default="", server_default="")
    certified: Mapped[Decimal | None] = mapped_column(Numeric(24, 4))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    org_unit: Mapped[OrgUnit] = relationship()
    data_element: Mapped[DataElement] = relationship()
    period: Mapped[Period] = relationship()
    programme: Mapped[Programme | None] = relationship()
    source: Mapped[Source] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
