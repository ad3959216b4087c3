"""Documents (reports) and sources: where a value came from — a span of a report, or a record."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shanhai.db import Base, Timestamped


class Document(Base, Timestamped):
    """A report. Its text may be available (file_name + sha256) or only described (no text)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(256))
    publisher: Mapped[str] = mapped_column(String(128), default="")
    published_on: Mapped[date | None] = mapped_column(Date)
    file_name: Mapped[str | None] = mapped_column(String(256))
    sha256: Mapped[str | None] = mapped_column(String(64))
    char_count: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")


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
