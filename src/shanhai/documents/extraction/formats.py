"""Text of Word (.docx) and PDF files.

.docx is read with the standard library (zipfile + ElementTree): paragraphs in document order, table
cells included, one paragraph per line. .pdf is read with pypdf's text layer, pages separated by a form
feed; a PDF without any text (a scan) or with a password is refused with a clear message.
"""

from __future__ import annotations

import io
import time
import zipfile
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as defused

from shanhai.lib.zipread import ZipBomb, foreign_parts, read_member

from .readers import DocumentError

if TYPE_CHECKING:
    from pypdf import PdfReader

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCUMENT_XML = "word/document.xml"
_MAX_XML_BYTES = 50 * 1024 * 1024  # uncompressed; a larger document.xml is a zip bomb, not a report
_MAX_DEPTH = 200  # elements within elements; Word nests tables in tables, never this deep
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def docx_text(data: bytes) -> str:
    """The paragraphs of a .docx, one per line (tabs and line breaks inside kept)."""
    if data.startswith(_OLE_MAGIC):
        raise DocumentError("这是旧版 Word（.doc）或已加密的 Word 文件：请去掉密码并另存为 .docx 后再上传。")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocumentError("文件不是有效的 Word 文档（.docx 应是 zip 压缩包），可能已损坏或扩展名有误。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if foreign_parts(archive.namelist()):
                raise DocumentError(
                    "Word 文档里含有宏、脚本或程序，不能作为报告上传：请另存为不含宏的 .docx。"
                )
            try:
                info = archive.getinfo(_DOCUMENT_XML)
            except KeyError as exc:
                raise DocumentError(
                    "压缩包里没有 Word 正文（word/document.xml）：这不是 Word 文档。"
                ) from exc
            xml = read_member(archive, info, limit=_MAX_XML_BYTES)
    except ZipBomb as exc:
        raise DocumentError("Word 正文解压后过大或压缩方式异常，不像正常的文档，无法读取。") from exc
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise DocumentError("Word 文档已损坏，无法解压。") from exc
    try:  # the parser refuses any DTD or entity, in whatever encoding the XML declares (UTF-16 included)
        return "\n".join(_body_paragraphs(xml))
    except DefusedXmlException as exc:
        raise DocumentError("Word 正文含有不允许的 XML 声明，无法读取。") from exc
    except ElementTree.ParseError as exc:
        raise DocumentError("Word 正文不是有效的 XML，文件可能已损坏。") from exc


def _body_paragraphs(xml: bytes) -> list[str]:
    """The text of the body's outermost paragraphs in document order (a paragraph's text read once, with
    anything nested in it), streamed: each element is dropped once read, so memory follows the longest
    paragraph, not the document (a tree of two million empty paragraphs took 1.4 GB). Structure (tables,
    content controls) nested deeper than _MAX_DEPTH is refused rather than walked."""
    texts: list[str] = []
    open_: list[ElementTree.Element] = []
    in_paragraph = 0  # paragraphs open around the current element (a text box holds paragraphs too)
    seen_body = False
    events = defused.iterparse(
        io.BytesIO(xml), events=("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    for event, node in events:
        if event == "start":
            open_.append(node)
            if not in_paragraph and len(open_) > _MAX_DEPTH:  # in a paragraph, read once however deep
                raise DocumentError("Word 正文的结构嵌套过深，不像正常的文档，无法读取。")
            seen_body = seen_body or node.tag == f"{_W}body"
            in_paragraph += node.tag == f"{_W}p"
            continue
        open_.pop()
        if node.tag == f"{_W}p":
            in_paragraph -= 1
            if in_paragraph == 0 and any(n.tag == f"{_W}body" for n in open_[:2]):
                texts.append(_paragraph(node))
        if in_paragraph == 0 and open_:
            open_[-1].remove(node)  # read: let it go
    if not seen_body:
        raise DocumentError("Word 文档里没有正文。")
    return texts


def _paragraph(paragraph: ElementTree.Element) -> str:
    parts: list[str] = []
    for node in paragraph.iter():
        tag = node.tag
        if tag == f"{_W}t":
            parts.append(node.text or "")
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts)


PDF_STREAM_BYTES = 8 * 1024 * 1024  # decompressed bytes of one stream; a report page's text is far less
PDF_CPU_SECONDS = 15.0  # of text extraction, counted page by page


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF, pages joined by a form feed. Every stream may decompress to at most
    PDF_STREAM_BYTES and the extraction may take at most PDF_CPU_SECONDS of CPU (pages that share one huge
    stream of drawing commands cost seconds each): beyond either the file is refused."""
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import PyPdfError

    if not data.lstrip()[:5] == b"%PDF-":
        raise DocumentError("文件不是有效的 PDF（缺少 PDF 文件头），可能已损坏或扩展名有误。")
    limits: dict[str, Any] = {
        name: PDF_STREAM_BYTES
        for name in (
            "maximum_declared_stream_length",
            "array_based_stream_maximum_output_length",
            "jbig2_maximum_output_length",
            "lzw_maximum_output_length",
            "run_length_maximum_output_length",
            "zlib_maximum_output_length",
            "brotli_maximum_output_length",
            "image_maximum_buffer_size",
        )
    }
    started = time.process_time()
    pages: list[str] = []
    try:
        with apply_configuration(**limits, stream_decoding_work_maximum_length=4 * PDF_STREAM_BYTES):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not _opens_without_password(reader):
                raise DocumentError("PDF 已加密（需要密码），请提供未加密的文件。")
            for page in reader.pages:
                pages.append(page.extract_text() or "")
                if time.process_time() - started > PDF_CPU_SECONDS:
                    raise DocumentError(
                        "PDF 的内容过于复杂，读取耗时过长：请另存为文字版 PDF 或 Word 后再上传。"
                    )
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise DocumentError(f"PDF 文件已损坏或内容过大，无法读取（{type(exc).__name__}）。") from exc
    if not pages:
        raise DocumentError("PDF 没有任何页面。")
    if not any(page.strip() for page in pages):
        raise DocumentError("PDF 没有文字层（可能是扫描件或图片）：请先做文字识别（OCR）后再上传。")
    return "\f".join(pages)


def _opens_without_password(reader: PdfReader) -> bool:
    """Many PDFs are encrypted with an empty user password (only permissions are restricted)."""
    from pypdf.errors import DependencyError, PyPdfError

    try:
        return bool(reader.decrypt(""))
    except (DependencyError, PyPdfError, NotImplementedError):
        return False
