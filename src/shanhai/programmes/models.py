"""Programmes (对口支援, 东西部协作, 对口帮扶, 对口合作, and the city's own campaigns) and partner places."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shanhai.db import Base, Timestamped
from shanhai.orgunits.models import OrgUnit


class ProgrammeKind(StrEnum):
    PAIRED_SUPPORT = "对口支援"
    EAST_WEST = "东西部协作"
    PAIRED_ASSISTANCE = "对口帮扶"
    PAIRED_COOPERATION = "对口合作"
    INVESTMENT = "招商引资"
    INNOVATION = "科技创新"


PAIRING_KINDS = (
    ProgrammeKind.PAIRED_SUPPORT,
    ProgrammeKind.EAST_WEST,
    ProgrammeKind.PAIRED_ASSISTANCE,
    ProgrammeKind.PAIRED_COOPERATION,
)


class Place(Base, Timestamped):
    """A partner region: 新疆伊犁州奎屯市, 青海玉树州, 陕西宝鸡市 ... with its node in the org tree."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    full_name: Mapped[str] = mapped_column(String(256))
    province: Mapped[str] = mapped_column(String(64))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), unique=True)

    org_unit: Mapped[OrgUnit] = relationship()


programme_places = Table(
    "programme_places",
    Base.metadata,
    Column("programme_id", ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True),
    Column("place_id", ForeignKey("places.id", ondelete="RESTRICT"), primary_key=True),
)


class Programme(Base, Timestamped):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    short_name: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    lead_org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    start_year: Mapped[int | None] = mapped_column(Integer)
    end_year: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    lead_org_unit: Mapped[OrgUnit] = relationship()
    places: Mapped[list[Place]] = relationship(secondary=programme_places, order_by=Place.id)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def years(self) -> str:
        if self.start_year and self.end_year:
            return f"{self.start_year}—{self.end_year}年"
        return f"{self.start_year}年起" if self.start_year else ""
