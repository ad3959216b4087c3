"""任务分解表: an annual task handed to a department or district (its scope), with a deadline, an owner, a
status on the lifecycle (未开始 → 进行中 → 已完成) and its evidence — a linked project or a note of the
material that proves it done."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shanhai.db import Base
from shanhai.projects.models import Project
from shanhai.registers.models import RecordMixin

TASK_STAGES = ("未开始", "进行中", "已完成")


class Task(RecordMixin, Base):
    __tablename__ = "investment_tasks"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    title: Mapped[str] = mapped_column(String(256))
    year: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    owner: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default=TASK_STAGES[0])
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"))
    evidence: Mapped[str] = mapped_column(Text, default="")
    done_on: Mapped[date | None] = mapped_column(Date)
    project: Mapped[Project | None] = relationship(Project)
