"""企业库: enterprises (by 统一社会信用代码, district or zone, industry and size, contacts as child rows), the
qualifications they hold with their validity (科技型中小企业 入库, 高新技术企业 certificates, 专精特新, 瞪羚,
(潜在)独角兽) and the support they receive (loans such as 苏科贷, subsidies and awards, science-programme
grants, rent relief). Each is a register of the kit (`registers.models.RecordMixin`): its org unit is the
firm's district or zone, which is also its data scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shanhai.db import Base
from shanhai.registers.models import RecordMixin

SIZES = ("大型", "中型", "小型", "微型")
QUALIFICATION_KINDS = (
    "科技型中小企业",
    "高新技术企业",
    "专精特新中小企业",
    "专精特新“小巨人”企业",
    "瞪羚企业",
    "潜在独角兽企业",
    "独角兽企业",
)
SUPPORT_KINDS = ("贷款", "补贴奖励", "科技项目资助", "减免租金")
LOAN_PRODUCTS = ("苏科贷", "高企贷", "科创e贷", "其他贷款")
MATURITIES = ("实验室阶段", "小试", "中试", "工程化", "产业化")
PUSH_OUTCOMES = ("已推送", "有意向", "洽谈中", "已签约", "未采纳")
SEARCHED = ("name", "former_names", "credit_code", "initials")  # what the list's search box looks in


class Enterprise(RecordMixin, Base):
    __tablename__ = "enterprises"
    __table_args__ = (
        Index("ix_enterprises_name_key", "name_key"),
        # search by any part of a name, code or initials: trigram indexes on PostgreSQL (pg_trgm), plain
        # ones elsewhere
        *(
            Index(
                f"ix_enterprises_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
                # entries go straight into the index: no pending list that every search reads until vacuum
                postgresql_with={"fastupdate": "off"},
            )
            for column in SEARCHED
        ),
        {"sqlite_autoincrement": True},  # a deleted or merged firm's id is never given again
    )

    name: Mapped[str] = mapped_column(String(200))
    # unique when given (NULL for a firm known only from a report, until its code is filled in)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    former_names: Mapped[str] = mapped_column(String(500), default="")
    industry_code: Mapped[str | None] = mapped_column(String(4))
    size: Mapped[str | None] = mapped_column(String(8))
    founded_on: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(256), default="")
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # derived from the name on every save: pinyin initials (徐州联超光电 → xzlcgd) and the name without its
    # place and legal form (联超光电科技), which near-duplicates share
    initials: Mapped[str] = mapped_column(String(200), default="")
    name_key: Mapped[str] = mapped_column(String(200), default="")


class _OfEnterprise:
    """A record about one enterprise: its scope is the firm's (set from it on every save). A *summary* row
    names no firm: it is what a report gives for a place and a year (苏科贷 16.44亿元 for 384 firm-times),
    and counts only beyond the rows of that place and the places below it (registers.derive)."""

    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    summary: Mapped[bool] = mapped_column(Boolean, default=False)
    qualifier: Mapped[str] = mapped_column(String(8), default="exact")  # 超2200家: over


class Qualification(_OfEnterprise, RecordMixin, Base):
    __tablename__ = "qualifications"
    __table_args__ = (
        # a cell's firms of a year, and whether a summary stands over them (registers.derive)
        Index("ix_qualifications_cell", "org_unit_id", "year"),
        Index(
            "ix_qualifications_summaries",
            "programme_id",
            "year",
            postgresql_where=text("summary"),
            sqlite_where=text("summary"),
        ),
        CheckConstraint(
            "expires_on IS NULL OR issued_on IS NULL OR expires_on > issued_on", name="expires_after_issue"
        ),
        {"sqlite_autoincrement": True},
    )

    kind: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)  # 入库 / 认定 year
    certificate_no: Mapped[str] = mapped_column(String(64), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    firms: Mapped[int] = mapped_column(Integer, default=1)  # 1 for a firm's row; a summary's count
    enterprise: Mapped[Enterprise | None] = relationship(Enterprise)


class Support(_OfEnterprise, RecordMixin, Base):
    __tablename__ = "enterprise_support"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        # a cell's records of a month, and whether a summary stands over them (registers.derive)
        Index("ix_enterprise_support_cell", "org_unit_id", "granted_on"),
        Index(
            "ix_enterprise_support_summaries",
            "programme_id",
            "granted_on",
            postgresql_where=text("summary"),
            sqlite_where=text("summary"),
        ),
        # what a summary over the units below covers, read from the index alone (registers.derive)
        Index(
            "ix_enterprise_support_covered",
            "programme_id",
            "kind",
            "granted_on",
            postgresql_include=["product", "org_unit_id", "amount", "times"],
            postgresql_where=text("NOT summary"),
            sqlite_where=text("NOT summary"),
        ),
        {"sqlite_autoincrement": True},
    )

    kind: Mapped[str] = mapped_column(String(16))
    product: Mapped[str] = mapped_column(String(64), default="")  # 苏科贷, 高企贷 … for a loan
    provider: Mapped[str] = mapped_column(String(128), default="")  # the bank, department or incubator
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    granted_on: Mapped[date] = mapped_column(Date)  # a summary: the day it sums up to (its year so far)
    times: Mapped[int] = mapped_column(Integer, default=1)  # 家次: 1 for a firm's row; a summary's count
    enterprise: Mapped[Enterprise | None] = relationship(Enterprise)


class Achievement(RecordMixin, Base):
    """科技成果: what a university, institute or firm has to offer, with what a matcher will need (its field
    and industry, keywords, maturity). Its unit is the one that records it (the city's 科技局, a district)."""

    __tablename__ = "achievements"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    title: Mapped[str] = mapped_column(String(256))
    field: Mapped[str] = mapped_column(String(64), default="")  # 高端装备, 新材料 …
    industry_code: Mapped[str | None] = mapped_column(String(4))  # GB/T 4754 division
    keywords: Mapped[str] = mapped_column(String(256), default="")
    owner_institution: Mapped[str] = mapped_column(String(128), default="")
    maturity: Mapped[str] = mapped_column(String(16), default="")


class Push(RecordMixin, Base):
    """A push of an achievement to an enterprise and what came of it; a summary row (汇总记录) names neither
    and gives its count (推送科技成果5100项), counting only beyond the pushes of its place and those below."""

    __tablename__ = "achievement_pushes"
    __table_args__ = (
        Index("ix_achievement_pushes_cell", "org_unit_id", "pushed_on"),
        {"sqlite_autoincrement": True},
    )

    achievement_id: Mapped[int | None] = mapped_column(
        ForeignKey("achievements.id", ondelete="RESTRICT"), index=True
    )
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    pushed_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(8), default="已推送")
    summary: Mapped[bool] = mapped_column(Boolean, default=False)
    pushes: Mapped[int] = mapped_column(Integer, default=1)
    qualifier: Mapped[str] = mapped_column(String(8), default="exact")
    achievement: Mapped[Achievement | None] = relationship(Achievement)
    enterprise: Mapped[Enterprise | None] = relationship(Enterprise)
