"""Projects: aid projects (储备→立项→开工→完工→投用) and investment leads (线索→洽谈→签约→开工→投产)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shanhai.db import Base, Timestamped
from shanhai.documents.models import Source
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme


class ProjectKind(StrEnum):
    AID = "aid"
    INVESTMENT = "investment"


STAGES: dict[ProjectKind, tuple[str, ...]] = {
    ProjectKind.AID: ("储备", "立项", "开工", "完工", "投用"),
    ProjectKind.INVESTMENT: ("线索", "洽谈", "签约", "开工", "投产"),
}

KIND_LABELS = {ProjectKind.AID: "援建项目", ProjectKind.INVESTMENT: "招商项目"}
CATEGORIES = ("产业", "民生", "教育", "医疗", "就业", "文化交流", "基础设施", "其他")
DONE_STAGES = ("完工", "投用", "投产")  # a project in one of these has been built


class Project(Base, Timestamped):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16))
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="RESTRICT"), index=True
    )
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    investment: Mapped[Decimal | None] = mapped_column(Numeric(24, 2))
    partners: Mapped[str] = mapped_column(String(256), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(16), default="", server_default="")
    fund_sources: Mapped[str] = mapped_column(String(256), default="", server_default="")
    responsible_person: Mapped[str] = mapped_column(String(64), default="", server_default="")
    progress: Mapped[int | None] = mapped_column(Integer)  # percent
    completed_on: Mapped[date | None] = mapped_column(Date)  # the day it reached 完工 (or 投产)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    programme: Mapped[Programme | None] = relationship()
    org_unit: Mapped[OrgUnit] = relationship()
    source: Mapped[Source | None] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
