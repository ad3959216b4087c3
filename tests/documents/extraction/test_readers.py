"""Reading uploaded files: encodings of .txt, .docx built in the test, .pdf written by hand, bad input."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from shanhai.documents.extraction import DocumentError, extract_figures, read_document, read_path
from shanhai.errors import Invalid

SENTENCE = "全年投资1.18亿元，接待游客1万余人次。"

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def make_docx(body: str, *, parts: dict[str, str] | None = None) -> bytes:
    """A minimal Word file: [Content_Types].xml and word/document.xml with the given <w:body> content."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        document = (
            f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body>{body}</w:body></w:document>'
        )
        for name, content in (parts or {"word/document.xml": document}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def paragraph(*runs: str) -> str:
    return "<w:p>" + "".join(f'<w:r><w:t xml:space="preserve">{run}</w:t></w:r>' for run in runs) + "</w:p>"


def make_pdf(lines: list[str]) -> bytes:
    """One page; each line drawn with a CID font whose ToUnicode map is the identity on UCS-2."""
    ops = ["BT /F1 12 Tf 14 TL 72 720 Td"]
    ops += ["<" + line.encode("utf-16-be").hex() + "> Tj T*" for line in lines]
    content = "\n".join([*ops, "ET"]).encode()
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /U def /CMapType 2 def\n"
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        b"1 beginbfrange <0000> <FFFF> <0000> endbfrange\nendcmap end end"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [6 0 R]"
        b" /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def refused(data: bytes, filename: str, **kwargs: int) -> str:
    with pytest.raises(DocumentError) as caught:
        read_document(data, filename, **kwargs)
    assert isinstance(caught.value, Invalid) and caught.value.field == "file"
    return caught.value.message


@pytest.mark.parametrize(
    "data",
    [
        SENTENCE.encode("utf-8"),
        b"\xef\xbb\xbf" + SENTENCE.encode("utf-8"),
        SENTENCE.encode("gbk"),
        SENTENCE.encode("gb18030"),
        b"\xff\xfe" + SENTENCE.encode("utf-16-le"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "utf16-bom"],
)
def test_text_files_in_every_usual_encoding(data: bytes) -> None:
    assert read_document(data, "报告.txt") == SENTENCE


def test_gb18030_only_characters_and_line_ends() -> None:
    text = "㐀䶵 人数：1200人\r\n第二行\r末行"
    assert read_document(text.encode("gb18030"), "a.TXT") == "㐀䶵 人数：1200人\n第二行\n末行"


def test_offsets_refer_to_the_text_read(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "标题\r\n\r\n投资3693万元。".encode())
    text = read_path(path)
    (figure,) = extract_figures(text)
    assert text[figure.start : figure.end] == "3693万元"


@pytest.mark.parametrize(
    ("data", "filename", "words"),
    [
        (b"", "a.txt", "空"),
        (b" \n\t\r\n", "a.txt", "空"),
        (bytes(range(256)) * 8, "a.txt", "不是文本"),
        (b"\x01\x02\x03\x04abc\x05\x06\x07\x08" * 50, "a.txt", "不是文本"),
        (SENTENCE.encode(), "a.exe", "不支持"),
        (b"PK\x03\x04 not really a zip", "a.docx", "不是有效的 Word"),
        (SENTENCE.encode(), "a.docx", "不是有效的 Word"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.docx", "加密"),
        (make_docx("", parts={"readme.txt": "x", "data/sheet.xml": "<a/>"}), "a.docx", "不是 Word"),
        (make_docx("", parts={"word/document.xml": "<w:document"}), "a.docx", "XML"),
        (make_docx(paragraph("")), "a.docx", "没有文字"),
        (SENTENCE.encode(), "a.pdf", "不是有效的 PDF"),
        (b"%PDF-1.4\n1 0 obj garbage", "a.pdf", "损坏"),
        (encrypted(make_pdf(["投资1.18亿元"]), "secret"), "a.pdf", "加密"),
    ],
    ids=[
        "empty", "blank", "binary", "control-chars", "suffix", "broken-zip", "docx-is-text",
        "doc-or-encrypted", "zip-of-something-else", "bad-xml", "docx-without-text", "pdf-is-text",
        "broken-pdf", "encrypted-pdf",
    ],
)  # fmt: skip
def test_bad_files_get_a_clear_chinese_message(data: bytes, filename: str, words: str) -> None:
    assert words in refused(data, filename)


def test_a_scanned_pdf_without_text_layer() -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    assert "OCR" in refused(buffer.getvalue(), "扫描件.pdf")


def test_size_limit(tmp_path: Path) -> None:
    assert "文件过大" in refused(b"x" * 2048, "a.txt", max_bytes=1024)
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * 3 * 1024 * 1024)
    with pytest.raises(DocumentError, match="上限为 2 MB"):
        read_path(path, max_bytes=2 * 1024 * 1024)


def test_a_missing_file_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="无法打开"):
        read_path(tmp_path / "nowhere.txt")


def test_docx_paragraphs_tables_and_split_runs() -> None:
    table = "<w:tbl><w:tr><w:tc>" + paragraph("企业", "12家") + "</w:tc></w:tr></w:tbl>"
    body = paragraph("全年投资", "1.18", "亿元，") + paragraph("接待<w:tab/>游客") + table
    body = body.replace(
        '<w:t xml:space="preserve">接待<w:tab/>游客</w:t>', "<w:t>接待</w:t><w:tab/><w:t>游客</w:t>"
    )
    text = read_document(make_docx(body + "<w:p><w:r><w:delText>删除</w:delText></w:r></w:p>"), "a.docx")
    assert text == "全年投资1.18亿元，\n接待\t游客\n企业12家\n"
    assert [f.text for f in extract_figures(text)] == ["1.18亿元", "12家"]


def test_pdf_text_layer() -> None:
    text = read_document(make_pdf(["全年投资1.18亿元，", "接待游客1万余人次。"]), "a.pdf")
    assert [(f.text, f.value) for f in extract_figures(text)] == [
        ("1.18亿元", 118000000),
        ("1万余人次", 10000),
    ]


def test_a_pdf_encrypted_without_user_password_opens() -> None:
    """Owner-password-only PDFs (printing restricted, say) are readable without asking."""
    assert "1.18亿元" in read_document(encrypted(make_pdf(["投资1.18亿元"]), ""), "a.pdf")
