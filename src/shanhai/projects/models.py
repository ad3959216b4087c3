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
SIGNED_STAGES = ("签约", "开工", "投产")  # an investment lead in one of these has been signed
LEAD_SOURCES = ("产业链招商", "以商招商", "资本招商", "招商推介活动", "外出招商", "企业自主来访", "其他")
# size classes of an investment lead by its planned investment, largest first (招引百亿级项目2个 …)
SIZE_CLASSES = (
    ("百亿级", Decimal("1e10")),
    ("五十亿级", Decimal("5e9")),
    ("十亿级", Decimal("1e9")),
    ("亿元级", Decimal("1e8")),
)
SMALL = "亿元以下"


def size_class(investment: Decimal | None) -> str:
    """百亿级 for ≥100亿元, 五十亿级 for ≥50亿, 十亿级 for ≥10亿, 亿元级 for ≥1亿; '' when none is planned."""
    if investment is None:
        return ""
    return next((name for name, floor in SIZE_CLASSES if investment >= floor), SMALL)


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
    # an investment lead's (招商项目): who invests, where the lead came from, its industry (GB/T 4754), the
    # department that carries it (包挂), its size class (from the planned investment), the day it was signed
    # and the day it reached its present stage (a lead long in one stage is stalled)
    investor: Mapped[str] = mapped_column(String(256), default="", server_default="")
    lead_source: Mapped[str] = mapped_column(String(16), default="", server_default="")
    industry_code: Mapped[str | None] = mapped_column(String(4))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    size_class: Mapped[str] = mapped_column(String(8), default="", server_default="")
    signed_on: Mapped[date | None] = mapped_column(Date)
    stage_since: Mapped[date | None] = mapped_column(Date)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    programme: Mapped[Programme | None] = relationship()
    org_unit: Mapped[OrgUnit] = relationship(foreign_keys=[org_unit_id])
    department: Mapped[OrgUnit | None] = relationship(foreign_keys=[department_id])
    source: Mapped[Source | None] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
