"""The organisation tree: city → districts/departments → towns/units, work groups, parks, and the partner
places as their own branch. A materialised path ("/1/4/17/") makes "this unit and everything below" one
indexed prefix match."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shanhai.db import Base, Timestamped

MAX_DEPTH = 6  # levels of the tree: 市 → 区 → 街道/乡镇 → 村/社区 → … (the analytics table has a column each)


class OrgKind(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    DEPARTMENT = "department"
    TOWN = "town"
    UNIT = "unit"
    WORKGROUP = "workgroup"
    PARK = "park"
    INSTITUTION = "institution"
    PARTNER_BRANCH = "partner_branch"
    PARTNER = "partner"


ORG_KIND_LABELS = {
    OrgKind.CITY: "市",
    OrgKind.DISTRICT: "县（市、区）",
    OrgKind.DEPARTMENT: "部门",
    OrgKind.TOWN: "镇（街道）",
    OrgKind.UNIT: "单位",
    OrgKind.WORKGROUP: "工作组",
    OrgKind.PARK: "园区",
    OrgKind.INSTITUTION: "机构",
    OrgKind.PARTNER_BRANCH: "对口地区",
    OrgKind.PARTNER: "对口地区",
}


class OrgUnit(Base, Timestamped):
    __tablename__ = "org_units"
    # varchar_pattern_ops lets PostgreSQL use the index for `path LIKE '/1/4/%'` under any collation
    __table_args__ = (Index("ix_org_units_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    path: Mapped[str] = mapped_column(String(512), default="")
    level: Mapped[int] = mapped_column(Integer, default=1)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # 撤销: a closed unit keeps its history (values, users) but takes no new records and is not offered
    closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # checked by edit forms

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (an edit from a stale form is a 409)

    @property
    def kind_label(self) -> str:
        return ORG_KIND_LABELS.get(OrgKind(self.kind), self.kind)
