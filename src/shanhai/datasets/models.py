"""Periodic data entry: data sets (which elements, which units, which period type, due day), their
validation rules, and one submission per data set × unit × period with its approval workflow."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Column, ForeignKey, Integer, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shanhai.db import Base, Timestamped, UTCDateTime
from shanhai.indicators.models import DataElement
from shanhai.orgunits.models import OrgUnit


class SubmissionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


STATUS_LABELS = {
    SubmissionStatus.DRAFT: "草稿",
    SubmissionStatus.SUBMITTED: "已提交",
    SubmissionStatus.APPROVED: "已审核",
    SubmissionStatus.RETURNED: "已退回",
}

data_set_units = Table(
    "data_set_units",
    Base.metadata,
    Column("data_set_id", ForeignKey("data_sets.id", ondelete="CASCADE"), primary_key=True),
    Column("org_unit_id", ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True),
)


class DataSetElement(Base):
    __tablename__ = "data_set_elements"

    data_set_id: Mapped[int] = mapped_column(ForeignKey("data_sets.id", ondelete="CASCADE"), primary_key=True)
    data_element_id: Mapped[int] = mapped_column(
        ForeignKey("data_elements.id", ondelete="CASCADE"), primary_key=True
    )
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    min_value: Mapped[Decimal | None] = mapped_column(Numeric(24, 4))
    max_value: Mapped[Decimal | None] = mapped_column(Numeric(24, 4))
    integer_only: Mapped[bool] = mapped_column(Boolean, default=False)

    data_element: Mapped[DataElement] = relationship(lazy="selectin")


class ValidationRule(Base):
    """A cross-field rule: left operator right, each side a formula over the set's elements (#{CODE})."""

    __tablename__ = "validation_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data_set_id: Mapped[int] = mapped_column(ForeignKey("data_sets.id", ondelete="CASCADE"), index=True)
    left: Mapped[str] = mapped_column(String(256))
    operator: Mapped[str] = mapped_column(String(4))
    right: Mapped[str] = mapped_column(String(256))
    message: Mapped[str] = mapped_column(String(256))


class DataSet(Base, Timestamped):
    __tablename__ = "data_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    period_type: Mapped[str] = mapped_column(String(16))
    due_day: Mapped[int] = mapped_column(Integer, default=10)  # due on this day of the following period
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    elements: Mapped[list[DataSetElement]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=DataSetElement.sort_order
    )
    units: Mapped[list[OrgUnit]] = relationship(
        secondary=data_set_units, lazy="selectin", order_by=OrgUnit.path
    )
    rules: Mapped[list[ValidationRule]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Submission(Base, Timestamped):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("data_set_id", "org_unit_id", "period_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data_set_id: Mapped[int] = mapped_column(ForeignKey("data_sets.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    period_id: Mapped[str] = mapped_column(ForeignKey("periods.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default=SubmissionStatus.DRAFT.value)
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # who submitted: the approver must be someone else
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    data_set: Mapped[DataSet] = relationship(lazy="selectin")
    org_unit: Mapped[OrgUnit] = relationship(lazy="selectin")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
