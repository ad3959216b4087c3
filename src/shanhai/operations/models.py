"""The records behind the programme totals: work groups and the people they dispatch, fund plans with their
tranches and disbursements, industrial parks by year, activities, consumption-aid sales, project attachments.

Every record has an org unit (the partner place or unit it belongs to, which is also its data scope), an
optional programme, an optional source (the report span it was read from), a creator and a version (an edit
from a stale form is a 409)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shanhai.db import Base, Timestamped
from shanhai.orgunits.models import OrgUnit
from shanhai.projects.models import Project
from shanhai.registers.models import RecordMixin

PERSON_CATEGORIES = ("党政干部", "教师", "医生", "农技人员", "其他专业技术人才")
PERSON_STATUSES = ("在岗", "期满", "轮换")
ACTIVITY_KINDS = ("招聘会", "技能培训", "招商推介", "教育交流", "交往交流", "医疗巡诊", "书信往来", "其他")


class WorkGroup(RecordMixin, Base):
    """A batch of the work group in a partner place: 第十一批徐州援疆工作组 in 奎屯 since April 2023.
    `org_unit_id` is the work group's own unit in the tree; `place_id` the place it works in."""

    __tablename__ = "work_groups"

    name: Mapped[str] = mapped_column(String(128))
    batch: Mapped[int] = mapped_column(Integer)
    place_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    leader: Mapped[str] = mapped_column(String(64), default="")
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)

    place_unit: Mapped[OrgUnit] = relationship(foreign_keys=[place_unit_id])


class Pairing(RecordMixin, Base):
    """结对关系: a district or county of the city (`org_unit_id`, the sender) paired with a partner place
    (`place_unit_id`) in a programme, from a date (to a date). A sending district's claim (泉山区 拨付宝鸡
    1.2亿) is reconciled against the receiving place's records through it."""

    __tablename__ = "pairings"
    __table_args__ = (CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="term"),)

    place_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)

    place_unit: Mapped[OrgUnit] = relationship(foreign_keys=[place_unit_id])


class Person(RecordMixin, Base):
    """Somebody dispatched: a cadre or a professional, posted to a place (`org_unit_id`) for a term."""

    __tablename__ = "people"
    __table_args__ = (CheckConstraint("end_on >= start_on", name="term"),)

    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16), index=True)
    home_org: Mapped[str] = mapped_column(String(128), default="")
    post: Mapped[str] = mapped_column(String(128), default="")  # the destination unit and job
    work_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_groups.id", ondelete="RESTRICT"), index=True
    )
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    full_time: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(8), default="在岗")
    id_number: Mapped[str] = mapped_column(String(32), default="")  # 身份证号: sensitive
    phone: Mapped[str] = mapped_column(String(32), default="")  # sensitive

    work_group: Mapped[WorkGroup | None] = relationship()


class FundPlan(RecordMixin, Base):
    """The year's planned funds of a programme for one partner place (援疆 1.18亿元 for 2025)."""

    __tablename__ = "fund_plans"
    __table_args__ = (
        UniqueConstraint("programme_id", "org_unit_id", "year", name="uq_fund_plans_key"),
        CheckConstraint("amount > 0", name="amount"),
    )

    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(24, 2))
    closed: Mapped[bool] = mapped_column(Boolean, default=False)

    tranches: Mapped[list[Tranche]] = relationship(
        back_populates="plan", order_by="Tranche.due_on, Tranche.id", cascade="all, delete-orphan"
    )


class Tranche(RecordMixin, Base):
    """A part of a plan due by a date."""

    __tablename__ = "fund_tranches"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)

    plan_id: Mapped[int] = mapped_column(ForeignKey("fund_plans.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(24, 2))

    plan: Mapped[FundPlan] = relationship(back_populates="tranches")


class Disbursement(RecordMixin, Base):
    """Money paid against a plan (and, where known, for a tranche and a project)."""

    __tablename__ = "disbursements"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)

    plan_id: Mapped[int] = mapped_column(ForeignKey("fund_plans.id", ondelete="RESTRICT"), index=True)
    plan_year: Mapped[int] = mapped_column(Integer)  # the plan's year, which the payment counts against
    tranche_id: Mapped[int | None] = mapped_column(
        ForeignKey("fund_tranches.id", ondelete="SET NULL"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), index=True)
    paid_on: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(24, 2))
    purpose: Mapped[str] = mapped_column(String(256), default="")
    voucher: Mapped[str] = mapped_column(String(64), default="")
    over_reason: Mapped[str] = mapped_column(Text, default="")  # why it goes beyond the plan
    # 全年合计: the year's payments up to `paid_on`, of which other rows may be the details (lib.summaries)
    summary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    plan: Mapped[FundPlan] = relationship()
    tranche: Mapped[Tranche | None] = relationship()
    project: Mapped[Project | None] = relationship()


class ParkYear(RecordMixin, Base):
    """An industrial park's year (`org_unit_id` is the park's unit): firms, investment, jobs, output."""

    __tablename__ = "park_years"
    __table_args__ = (UniqueConstraint("org_unit_id", "year", name="uq_park_years_key"),)

    year: Mapped[int] = mapped_column(Integer)
    firms: Mapped[int | None] = mapped_column(Integer)
    investment: Mapped[Decimal | None] = mapped_column(Numeric(24, 2))
    jobs: Mapped[int | None] = mapped_column(Integer)
    output: Mapped[Decimal | None] = mapped_column(Numeric(24, 2))
    qualifier: Mapped[str] = mapped_column(String(8), default="exact")


class Activity(RecordMixin, Base):
    """A job fair, training, promotion, exchange, medical mission … held in a place."""

    __tablename__ = "activities"

    title: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    organiser: Mapped[str] = mapped_column(String(128), default="")
    sessions: Mapped[int] = mapped_column(Integer, default=1)  # 场次 (a series counts each)
    participants: Mapped[int | None] = mapped_column(Integer)
    schools: Mapped[int | None] = mapped_column(Integer)  # 参与学校数: 教育交流 counts when schools took part
    placements: Mapped[int | None] = mapped_column(Integer)  # 促成就业（人次）
    patients: Mapped[int | None] = mapped_column(Integer)  # 诊疗（人次）
    qualifier: Mapped[str] = mapped_column(String(8), default="exact")
    # 全年合计: the year's activities up to `held_on`, of which other rows may be the details
    summary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ConsumptionSale(RecordMixin, Base):
    """Consumption aid: sales of a partner place's products through a channel in a period."""

    __tablename__ = "consumption_sales"

    channel: Mapped[str] = mapped_column(String(128))
    outlets: Mapped[int | None] = mapped_column(Integer)
    period_id: Mapped[str] = mapped_column(ForeignKey("periods.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(24, 2))
    qualifier: Mapped[str] = mapped_column(String(8), default="exact")


class Attachment(Base, Timestamped):
    """A file of a project (photo, approval …), its bytes stored once by their SHA-256."""

    __tablename__ = "attachments"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are never re-used (migration 0020)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(256))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    caption: Mapped[str] = mapped_column(String(256), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    project: Mapped[Project] = relationship()
