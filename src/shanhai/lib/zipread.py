"""Reading a member of a zip archive (a .docx report, an .xlsx workbook) with bounded cost, whatever the
archive claims: Office files use only the stored and deflate methods, so any other method (bzip2 and lzma
decompress a whole compressed block at once: 1.5 KB of bzip2 becomes 1.5 GB in one call) is refused; the
declared size must be within the limit; the member is read in chunks and abandoned as soon as it passes the
limit or expands more than `MAX_RATIO` times its compressed size, so a header that lies costs nothing."""

from __future__ import annotations

import zipfile

CHUNK = 64 * 1024
MAX_RATIO = 200  # text XML deflates 5–20×; a thousandfold expansion is a bomb, not a document
ALLOWED = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


# parts no Word or Excel file of ours holds: programs, scripts, pages, macros; a zip carrying one is not
# taken for a document, whether uploaded as a report or attached to a project
FOREIGN = (
    ".exe", ".dll", ".bat", ".cmd", ".com", ".js", ".vbs", ".ps1", ".sh", ".html", ".htm", ".jar", ".scr",
    ".hta", ".svg", "vbaproject.bin", "vbadata.xml",
)  # fmt: skip


def foreign_parts(names: list[str]) -> list[str]:
    """The members of an Office file that no document of ours holds (see FOREIGN)."""
    return [n for n in names if n.lower().endswith(FOREIGN)]


class ZipBomb(ValueError):
    """The member would cost more than its limit, or uses a method Office files never use."""


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, limit: int) -> bytes:
    """The member's bytes, at most `limit` of them (ZipBomb beyond, or for an unusual method or ratio;
    zipfile.BadZipFile for a damaged member, a header that lies about the size included)."""
    if info.compress_type not in ALLOWED:
        raise ZipBomb(f"unsupported compression method {info.compress_type}")
    if info.file_size > limit:
        raise ZipBomb(f"{info.filename}: {info.file_size} bytes declared, more than {limit}")
    budget = min(limit, max(info.compress_size, 1) * MAX_RATIO)
    parts: list[bytes] = []
    total = 0
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            total += len(chunk)
            if total > budget:
                raise ZipBomb(f"{info.filename}: expands beyond {budget} bytes")
            parts.append(chunk)
    return b"".join(parts)
