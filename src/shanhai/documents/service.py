"""Documents and sources: register reports, record citations, and read a cited sentence back."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from shanhai.db import find_one, upsert
from shanhai.documents.models import Document, Source, SourceKind
from shanhai.errors import Invalid, NotFound
from shanhai.lib.changes import Change


def get_by_code(*, session: Session, code: str) -> Document:
    document = find_one(session, Document, code=code)
    if document is None:
        raise NotFound(f"文档不存在：{code}", field="document")
    return document


def upsert_document(
    *,
    session: Session,
    code: str,
    title: str,
    publisher: str = "",
    published_on: date | None = None,
    file_name: str | None = None,
    sha256: str | None = None,
    char_count: int | None = None,
    note: str = "",
    standing: str = "other",
) -> tuple[Document, Change]:
    """Create the document or bring it up to date."""
    fields = {
        "standing": standing,
        "title": title,
        "publisher": publisher,
        "published_on": published_on,
        "file_name": file_name,
        "sha256": sha256,
        "char_count": char_count,
        "note": note,
    }
    return upsert(session, Document, key={"code": code}, fields=fields)


def document_source(
    *,
    session: Session,
    document: Document,
    figure_text: str,
    span: tuple[int, int, int, int] | None,
    note: str = "",
) -> Source:
    """A citation of `figure_text` in `document`; span = (start, end, sentence_start, sentence_end).
    A document without text (known by description) takes no span."""
    if span is None:
        if document.file_name:
            raise Invalid(f"文档《{document.title}》有原文，引用必须给出字符位置", field="at")
        kind = SourceKind.DESCRIBED
        start = end = s_start = s_end = None
    else:
        start, end, s_start, s_end = span
        if not (0 <= s_start <= start < end <= s_end) or (
            document.char_count and s_end > document.char_count
        ):
            raise Invalid(f"引用位置无效：{span}", field="at")
        if end - start != len(figure_text):
            raise Invalid(f"引用位置 {start}-{end} 与数字“{figure_text}”的长度不符", field="at")
        kind = SourceKind.DOCUMENT
    source = Source(
        kind=kind.value,
        document=document,
        figure_text=figure_text,
        start=start,
        end=end,
        sentence_start=s_start,
        sentence_end=s_end,
        note=note,
    )
    session.add(source)
    return source


def same_citation(source: Source, document: Document, figure_text: str, span: tuple[int, ...] | None) -> bool:
    current = (source.start, source.end, source.sentence_start, source.sentence_end)
    wanted = tuple(span) if span else (None, None, None, None)
    return source.document_id == document.id and source.figure_text == figure_text and current == wanted


@dataclass(frozen=True)
class Excerpt:
    """The cited sentence split around the figure, for display: before + figure + after."""

    before: str
    figure: str
    after: str

    @property
    def sentence(self) -> str:
        return self.before + self.figure + self.after


def read_text(*, document: Document, sources_dir: Path | None) -> str | None:
    """The document's text: an uploaded report's stored plain text, or the file in the configured folder
    only if its sha256 is the one cited."""
    if document.plain_text is not None:
        return document.plain_text
    if sources_dir is None or not document.file_name:
        return None
    path = sources_dir / document.file_name
    if not path.is_file():
        return None
    raw = path.read_bytes()
    if document.sha256 and hashlib.sha256(raw).hexdigest() != document.sha256:
        return None  # a different version of the report: its offsets would point elsewhere
    return raw.decode("utf-8")


class TextCache:
    """Reads each document's text at most once per request."""

    def __init__(self, sources_dir: Path | None) -> None:
        self.sources_dir = sources_dir
        self._texts: dict[int, str | None] = {}

    def excerpt(self, source: Source) -> Excerpt | None:
        document = source.document
        if document is None or source.start is None or source.end is None:
            return None
        if document.id not in self._texts:
            self._texts[document.id] = read_text(document=document, sources_dir=self.sources_dir)
        text = self._texts[document.id]
        if text is None:
            return None
        s_start = source.sentence_start if source.sentence_start is not None else source.start
        s_end = source.sentence_end if source.sentence_end is not None else source.end
        return Excerpt(
            before=" ".join(text[s_start : source.start].split()),
            figure=text[source.start : source.end],
            after=" ".join(text[source.end : s_end].split()),
        )


def manual_source(*, session: Session, username: str, note: str = "") -> Source:
    source = Source(kind=SourceKind.MANUAL.value, figure_text="", note=note or f"{username} 录入")
    session.add(source)
    return source


def citation_label(source: Source) -> str:
    """《标题》第568–574字, or 《标题》（无原文） for a report known only by description."""
    if source.document is None:
        if (source.record_table or "").startswith("derived:"):
            return f"台账汇总（{source.note}）"
        if source.record_table:
            return f"记录 {source.record_table}#{source.record_id}"
        return f"人工录入（{source.note}）" if source.note else "人工录入"
    title = f"《{source.document.title}》"
    if source.start is None:
        return f"{title}（仅有描述，无原文）"
    return f"{title}第{source.start}–{source.end}字"
