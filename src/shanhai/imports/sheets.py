"""A spreadsheet as officials send it, read row by row: `.xlsx` (Excel and WPS; formulas as their cached
values, merged header cells filled across), `.xls` (the old binary format), `.csv` (UTF-8 with or without BOM,
else GB18030, a superset of GBK). What it is comes from its first bytes, never from its name: a file that is
not a spreadsheet, a truncated one, or a zip that would unpack to far more than it weighs is refused with a
message in Chinese before anything is read into memory.

Rows come one at a time (`Sheet.rows`): the file's size is bounded, the rows are not held together."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from shanhai.errors import Invalid
from shanhai.lib.csvout import FORMULA_START

MAX_BYTES = 50 * 1024 * 1024  # an upload of more is refused before it is read
MAX_UNPACKED = 400 * 1024 * 1024  # what the parts of an .xlsx may unpack to
MAX_RATIO = 200  # unpacked ÷ packed, beyond which a part is a zip bomb, not a worksheet
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELL = 100_000  # characters of one CSV cell

XLSX = b"PK\x03\x04"
XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Sheet:
    kind: str  # xlsx xls csv
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (第N行 as the official sees it, the cells)


def normalize_header(text: Any) -> str:
    """A header as typed, compared: full-width letters and brackets as half-width, no spaces, no marks of
    a required column (*)."""
    value = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return "".join(value.split()).strip("*").replace("*", "")


def check(data: bytes, file_name: str = "") -> str:
    """What the file is (xlsx, xls or csv), from its first bytes; a file too big, empty or of another kind
    is refused."""
    if len(data) > MAX_BYTES:
        raise Invalid(f"文件过大（超过 {MAX_BYTES // 1024 // 1024}MB），请拆分后分批导入", field="file")
    if not data.strip():
        raise Invalid("文件是空的", field="file")
    if data.startswith(XLSX):
        return "xlsx"
    if data.startswith(XLS):
        return "xls"
    if file_name.lower().endswith((".xlsx", ".xls", ".et")) or b"\x00" in data[:4096]:
        raise Invalid(
            "文件不是 Excel 表格（.xlsx/.xls）或 CSV 文本，请用 Excel 或 WPS 另存后再导入", field="file"
        )
    return "csv"


def read(data: bytes, file_name: str = "") -> Sheet:
    kind = check(data, file_name)
    return _xlsx(data) if kind == "xlsx" else _xls(data) if kind == "xls" else _csv(data)


def _cells(row: Any) -> list[Any]:
    return [_value(c) for c in row][:MAX_COLUMNS]


def _value(cell: Any) -> Any:
    if isinstance(cell, str):
        text = cell.strip()
        return text or None
    if isinstance(cell, datetime) and cell.time() == time(0):
        return cell.date()
    return cell


def _numbered(rows: Iterator[list[Any]], first: int) -> Iterator[tuple[int, list[Any]]]:
    """Rows with their numbers, the empty ones skipped (a sheet of a million formatted but empty rows reads
    in seconds; a row after them is still read)."""
    filled = 0
    for n, cells in enumerate(rows, start=first):
        if all(c is None for c in cells):
            continue
        filled += 1
        if filled > MAX_ROWS + 1:  # the header and MAX_ROWS rows
            raise Invalid(f"表格超过 {MAX_ROWS:,} 行，请拆分后分批导入", field="file")
        yield n, cells


def _headers(cells: list[Any]) -> list[str]:
    """The header row, a merged cell's text carried into the cells it spans (they read as empty)."""
    out: list[str] = []
    for cell in cells:
        text = "" if cell is None else str(cell).strip()
        out.append(text)
    while out and not out[-1]:
        out.pop()
    return out


def _first_row(rows: Iterator[tuple[int, list[Any]]]) -> tuple[int, list[Any]]:
    try:
        return next(rows)
    except StopIteration:
        raise Invalid("表格中没有数据（第一行应为表头）", field="file") from None


def _merged_across(headers: list[str], merged: list[tuple[int, int]]) -> list[str]:
    for low, high in merged:  # columns low..high (0-based) of the header row are one merged cell
        for i in range(low + 1, min(high + 1, len(headers))):
            if not headers[i]:
                headers[i] = headers[low]
    return headers


def _xlsx(data: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = 0
            for info in z.infolist():
                total += info.file_size
                if info.file_size > MAX_UNPACKED or (
                    info.compress_size and info.file_size / info.compress_size > MAX_RATIO
                ):
                    raise Invalid("文件内容异常（解压后过大），不是正常的 Excel 表格", field="file")
            if total > MAX_UNPACKED:
                raise Invalid("文件内容异常（解压后过大），不是正常的 Excel 表格", field="file")
            if "xl/workbook.xml" not in z.namelist():
                raise Invalid("文件不是 Excel 表格（.xlsx），请用 Excel 或 WPS 另存后再导入", field="file")
    except zipfile.BadZipFile:
        raise Invalid("文件已损坏或不完整，无法作为 Excel 表格读取", field="file") from None
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        # merged header cells: read them from a second, full look at the first rows only
        merged = _merged_header_ranges(data)
        rows = _numbered((_cells(r) for r in sheet.iter_rows(values_only=True)), 1)
        first, header_cells = _first_row(rows)
    except Invalid:
        raise
    except Exception:  # openpyxl's own errors for a broken part: one message for the official
        raise Invalid("文件已损坏或不完整，无法作为 Excel 表格读取", field="file") from None
    headers = _merged_across(_headers(header_cells), merged.get(first, []))
    return Sheet("xlsx", headers, _guarded(rows))


def _guarded(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    try:
        yield from rows
    except Invalid:
        raise
    except Exception:
        raise Invalid("文件已损坏或不完整，读到一半无法继续", field="file") from None


def _merged_header_ranges(data: bytes) -> dict[int, list[tuple[int, int]]]:
    """The first sheet's merged ranges by their top row (read from the sheet's XML: read-only mode does not
    keep them), as 0-based column spans."""
    import re

    from openpyxl.utils.cell import range_boundaries

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))
        if not names:
            return {}
        with z.open(names[0]) as f:
            head = f.read(4 * 1024 * 1024)  # mergeCells sit after the data: only a small sheet is looked at
    out: dict[int, list[tuple[int, int]]] = {}
    for ref in re.findall(rb'<mergeCell ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', head)[:1000]:
        low_col, low_row, high_col, _ = range_boundaries(ref.decode())
        out.setdefault(low_row, []).append((low_col - 1, high_col - 1))
    return out


def _xls(data: bytes) -> Sheet:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        sheet = book.sheet_by_index(0)
    except Exception:
        raise Invalid("文件已损坏或不完整，无法作为 Excel 表格（.xls）读取", field="file") from None

    def cell(c: Any) -> Any:
        if c.ctype == xlrd.XL_CELL_DATE:
            moment = xlrd.xldate.xldate_as_datetime(c.value, book.datemode)
            return moment.date() if moment.time() == time(0) else moment
        if c.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
            return None
        if c.ctype == xlrd.XL_CELL_NUMBER and float(c.value).is_integer():
            return int(c.value)
        return _value(c.value)

    rows = _numbered(([cell(c) for c in sheet.row(i)][:MAX_COLUMNS] for i in range(sheet.nrows)), 1)
    first, header_cells = _first_row(rows)
    merged = [(clo, chi - 1) for rlo, _, clo, chi in getattr(sheet, "merged_cells", []) if rlo == first - 1]
    return Sheet("xls", _merged_across(_headers(header_cells), merged), rows)


def _csv(data: bytes) -> Sheet:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # gb18030 decodes nearly any bytes: only broken ones get here
        raise Invalid(
            "无法识别文件的编码（应为 UTF-8 或 GBK），请用 Excel 或 WPS 另存为 CSV 后再导入", field="file"
        )
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;，")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    csv.field_size_limit(MAX_CELL)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = _numbered(([_unguarded(c) for c in _cells(r)] for r in _csv_guard(reader)), 1)
    _, header_cells = _first_row(rows)
    return Sheet("csv", _headers(header_cells), rows)


def _unguarded(cell: Any) -> Any:
    """A text that CSV exports (ours among them) guard against formulas with a quote ('=SUM…) is read as
    the text itself."""
    if isinstance(cell, str) and len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_START:
        return cell[1:]
    return cell


def _csv_guard(reader: Any) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise Invalid(f"CSV 文件中有超过 {MAX_CELL:,} 个字符的单元格，请检查文件", field="file") from None
        raise Invalid(
            "CSV 文件格式有误（引号不成对或行格式不一致），请用 Excel 或 WPS 另存后再导入", field="file"
        ) from None


def as_date(value: Any) -> Any:
    """A date cell as the form reads it: a date, an Excel serial number, or text (2025-03-31, 2025/3/31,
    2025年3月31日, 20250331)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20_000 < value < 80_000:
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if text.isdigit() and len(text) == 5 and 20_000 < int(text) < 80_000:  # a serial, written as text
            return as_date(int(text))
        text = text.replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
        if text.isdigit() and len(text) == 8:
            text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
        return text
    return value
