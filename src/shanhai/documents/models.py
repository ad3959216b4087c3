"""Documents (reports) and sources: where a value came from — a span of a report, or a record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shanhai.db import Base, Timestamped

STANDINGS = {  # a document's standing, highest first
    "city": "市级正式报告、通报",
    "district": "区县、部门、工作组报告",
    "news": "新闻报道",
    "other": "其他",
}


def standing_rank(standing: str) -> int:
    """0 for the highest standing; unknown standings rank last."""
    order = list(STANDINGS)
    return order.index(standing) if standing in order else len(order)


class Document(Base, Timestamped):
    """A report. Its text may be available (file_name + sha256) or only described (no text)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(256))
    publisher: Mapped[str] = mapped_column(String(128), default="")
    # how much its figures weigh when reports disagree (STANDINGS): the city's own summary outranks a
    # district briefing, which outranks a news item
    standing: Mapped[str] = mapped_column(String(16), default="other", server_default="other")
    published_on: Mapped[date | None] = mapped_column(Date)
    file_name: Mapped[str | None] = mapped_column(String(256))
    sha256: Mapped[str | None] = mapped_column(String(64))
    char_count: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    # an uploaded report: its plain text (what the offsets refer to), whose unit's scope it is in, who sent it
    plain_text: Mapped[str | None] = mapped_column(Text)
    org_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    size: Mapped[int | None] = mapped_column(Integer)


class SourceKind(StrEnum):
    DOCUMENT = "document"  # a character span of a document's text
    DESCRIBED = "described"  # a document known by description only: no text, no offsets
    RECORD = "record"  # another record of the system produced the value
    MANUAL = "manual"  # entered by a person through the UI or the API


class Source(Base, Timestamped):
    """The citation of one value: document + figure span + sentence span, or the producing record."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="RESTRICT"), index=True
    )
    figure_text: Mapped[str] = mapped_column(String(64), default="")
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    sentence_start: Mapped[int | None] = mapped_column(Integer)
    sentence_end: Mapped[int | None] = mapped_column(Integer)
    record_table: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")

    document: Mapped[Document | None] = relationship()


class CandidateStatus(StrEnum):
    PENDING = "待审"
    ACCEPTED = "采纳"
    REJECTED = "驳回"
    CORRECTED = "已更正"  # accepted with the reviewer's value, unit or qualifier


class Candidate(Base, Timestamped):
    """A figure the extractor found in an uploaded document, waiting for a reviewer: accepted into a data
    value (which then cites the figure), corrected and accepted, or rejected. The suggestion (element, unit,
    period, programme) and the words that led to it are kept beside the figure."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("document_id", "start", "end", name="uq_candidates_span"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(64))
    value: Mapped[Decimal] = mapped_column(Numeric(30, 4))
    value_max: Mapped[Decimal | None] = mapped_column(Numeric(30, 4))
    unit: Mapped[str] = mapped_column(String(16))
    qualifier: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(128), default="")
    status: Mapped[str] = mapped_column(String(8), default=CandidateStatus.PENDING.value, index=True)
    element_id: Mapped[int | None] = mapped_column(ForeignKey("data_elements.id", ondelete="SET NULL"))
    suggested_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="SET NULL"))
    period_id: Mapped[str | None] = mapped_column(String(16))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500), default="")  # the words that led to the suggestion
    # the best three of each field with their reasons, JSON: {"element": [[id, why], …], "org_unit": …}
    alternatives: Mapped[str] = mapped_column(Text, default="", server_default="")
    kind: Mapped[str] = mapped_column(String(8), default="actual", server_default="actual")  # or target
    value_id: Mapped[int | None] = mapped_column(ForeignKey("data_values.id", ondelete="SET NULL"))
    # accepted for a cell a register or a data set keeps: a claim (indicators.models.Claim), not a value
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    document: Mapped[Document] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
