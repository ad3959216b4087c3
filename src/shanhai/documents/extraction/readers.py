"""Plain text from an uploaded file: .txt (UTF-8, UTF-16 with BOM, GBK/GB18030), .docx and .pdf.

The text returned is the one figure offsets refer to: line ends are "\\n", a UTF-8 byte-order mark is
dropped, PDF pages are separated by a form feed. Every refusal is a `DocumentError` with a message in
Chinese that says what is wrong with the file and what to do.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from shanhai.errors import Invalid

MAX_BYTES = 20 * 1024 * 1024
MAX_CHARS = 5_000_000  # characters of text a file may hold (a small .docx can unpack to far more)
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
# Characters that never occur in a report's text; a few of them mean the bytes are not text at all.
_CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r\f\v") | {"\ufffd"}


class DocumentError(Invalid):
    """The file cannot be read as a document; `message` says why, in Chinese."""

    code = "bad_document"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


def read_path(path: str | Path, *, max_bytes: int = MAX_BYTES) -> str:
    """The plain text of the file at `path` (type chosen by its suffix)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(f"无法打开文件 {path.name}：{exc.strerror or exc}") from exc
    _check_size(size, max_bytes)
    return read_document(path.read_bytes(), path.name, max_bytes=max_bytes)


def read_document(data: bytes, filename: str, *, max_bytes: int = MAX_BYTES) -> str:
    """The plain text of an uploaded file; the suffix of `filename` says which reader to use."""
    from .formats import docx_text, pdf_text

    _check_size(len(data), max_bytes)
    if not data.strip():
        raise DocumentError("文件是空的，没有可读取的内容。")
    suffix = Path(filename).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        text = decode_text(data)
    elif suffix == ".docx":
        text = docx_text(data)
    elif suffix == ".pdf":
        text = pdf_text(data)
    else:
        raise DocumentError(f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 .txt、.docx 或 .pdf 文件。")
    text = strip_controls(normalize_newlines(text))
    if not text.strip():
        raise DocumentError("文件里没有文字内容。")
    if len(text) > MAX_CHARS:
        raise DocumentError(f"文件的文字过多（{len(text):,} 字，最多 {MAX_CHARS:,} 字），请拆分后上传。")
    return text


def decode_text(data: bytes) -> str:
    """Decode a text file: BOM first, then UTF-8, then GB18030 (a superset of GBK and GB2312)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                return _checked(data[len(bom) :].decode(encoding))
            except UnicodeDecodeError as exc:
                raise DocumentError(f"文件声明为 {encoding.upper()} 编码，但内容无法按此编码读取。") from exc
    if b"\x00" in data[:8192]:
        raise DocumentError("文件不是文本文件（含有二进制内容），请上传 .txt、.docx 或 .pdf 文件。")
    for encoding in ("utf-8", "gb18030"):
        try:
            return _checked(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise DocumentError("无法识别文件的文字编码：请另存为 UTF-8 或 GBK 编码的文本文件后再上传。")


def normalize_newlines(text: str) -> str:
    """\\r\\n and \\r become \\n, as when Python reads a text file."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


_STRIPPED = dict.fromkeys(c for c in [*range(32), 0x7F] if chr(c) not in "\t\n\f")


def strip_controls(text: str) -> str:
    """The one rule for text from files: NUL and the other control characters (but tab, line end and the
    form feed between PDF pages) are removed at reading — PostgreSQL refuses NUL, SQLite would keep it, and
    a backup of one would not restore into the other. Offsets refer to the text as returned."""
    return text.translate(_STRIPPED)


def _checked(text: str) -> str:
    sample = text[:20000]
    if sample and sum(ch in _CONTROL for ch in sample) > max(2, len(sample) // 200):
        raise DocumentError("文件不是文本文件（含有大量控制字符），请上传 .txt、.docx 或 .pdf 文件。")
    return text


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise DocumentError(
            f"文件过大（{size / 1024 / 1024:.1f} MB），"
            f"上限为 {max_bytes / 1024 / 1024:.0f} MB，请拆分后再上传。"
        )
    if size == 0:
        raise DocumentError("文件是空的，没有可读取的内容。")
