"""Spreadsheets in and out: bounded reading of uploaded tables, inert cells in every export.

Reading (issue 15: a 1.5 KB .xlsx declaring `A1:XFD10000` took a worker to 1.38 GB, a
shared-strings bomb cost 101 s and 1.6 GB). Before openpyxl sees an .xlsx, the archive is
checked from its central directory: member count, each member's and the total uncompressed
size; then every XML part is scanned (decompressed in chunks, nothing kept) for a DOCTYPE,
which OOXML never uses and entity bombs need. Rows are then read with explicit `max_col` and
`max_row`, so the sheet's declared dimension is never trusted, and reading stops as soon as the
row limit is passed. CSV is read row by row with the same limit. Every importer goes through
`read_xlsx_rows` / `read_csv_rows` and `check_upload_size`.

Writing (OWASP "CSV injection"): a text cell starting with `=`, `+`, `-`, `@`, a tab or a
carriage return can be run as a formula by Excel or LibreOffice. In CSV such a cell gets a
leading apostrophe (`inert_text`); in XLSX every string is written as a string, never a
formula, and shown with Excel's quote prefix (`workbook_bytes`). The importers take the
apostrophe off again (`restore_text`), so an export re-imports unchanged.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from .storage import format_size

MAX_IMPORT_BYTES = 2 * 1024 * 1024  # a 2,000-row plan in .xlsx is about 150 KB
MAX_COLUMNS = 30
MAX_MEMBERS = 200
MAX_SHEET_BYTES = 24 * 1024 * 1024  # uncompressed sheet XML (2,000 long rows: about 3 MB)
MAX_STRINGS_BYTES = 8 * 1024 * 1024  # uncompressed sharedStrings.xml
MAX_PART_BYTES = 4 * 1024 * 1024  # any other part (styles, workbook, relationships…)
MAX_TOTAL_BYTES = 48 * 1024 * 1024
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_CHUNK = 1 << 16


class SpreadsheetRefused(ValueError):
    """The file cannot be read safely; `message` is Vietnamese, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


DAMAGED = "Không đọc được tệp Excel (.xlsx); tệp có thể bị hỏng."
UNUSUAL = (
    "Tệp Excel có cấu trúc bất thường ({why}), không phải một bảng nhập liệu thông thường: "
    "không đọc. Hãy mở tệp bằng Excel, chép bảng sang một tệp mới rồi lưu lại."
)


def check_upload_size(data: bytes, max_bytes: int = MAX_IMPORT_BYTES) -> None:
    if len(data) > max_bytes:
        raise SpreadsheetRefused(f"Tệp nhập lớn hơn {format_size(max_bytes)}.")


def _part_limit(name: str) -> int:
    if name.startswith("xl/worksheets/"):
        return MAX_SHEET_BYTES
    if name == "xl/sharedStrings.xml":
        return MAX_STRINGS_BYTES
    return MAX_PART_BYTES


def check_xlsx_archive(data: bytes) -> None:
    """Refuse an .xlsx whose archive would cost more than a real table, before opening it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError) as err:
        raise SpreadsheetRefused(DAMAGED) from err
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise SpreadsheetRefused(UNUSUAL.format(why=f"{len(members)} thành phần"))
        total = 0
        for member in members:
            total += member.file_size
            if member.file_size > _part_limit(member.filename) or total > MAX_TOTAL_BYTES:
                size = format_size(member.file_size)
                raise SpreadsheetRefused(
                    UNUSUAL.format(why=f"phần {member.filename} giải nén ra {size}")
                )
        for member in members:
            if member.filename.endswith((".xml", ".rels")) and _declares_doctype(archive, member):
                raise SpreadsheetRefused(UNUSUAL.format(why="có khai báo DOCTYPE"))


def _declares_doctype(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Stream the part and look for a DOCTYPE anywhere (a comment may push it far down)."""
    tail = b""
    try:
        with archive.open(member) as part:
            while chunk := part.read(_CHUNK):
                window = (tail + chunk).upper()
                if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                    return True
                tail = chunk[-16:]
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as err:
        raise SpreadsheetRefused(DAMAGED) from err
    return False


def _blank(values: Iterable[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def read_xlsx_rows(data: bytes, max_rows: int, max_cols: int = MAX_COLUMNS) -> list[list[object]]:
    """The first sheet's rows (values), at most `max_rows` non-blank ones (header included)
    among at most twice as many rows in all, each cut to `max_cols` columns.

    Raises SpreadsheetRefused for an unsafe or damaged file or too many rows.
    """
    from openpyxl import load_workbook

    check_upload_size(data)
    check_xlsx_archive(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many types for a damaged file
        raise SpreadsheetRefused(DAMAGED) from err
    physical_limit = 2 * max_rows + 1
    rows: list[list[object]] = []
    try:
        sheet = workbook.worksheets[0]
        # The declared dimension (`A1:XFD1048576` in a bomb) is never used to size rows.
        sheet.reset_dimensions()
        counted = 0
        for number, values in enumerate(
            sheet.iter_rows(max_row=physical_limit + 1, max_col=max_cols, values_only=True),
            start=1,
        ):
            if number > physical_limit:
                raise SpreadsheetRefused(_too_many(max_rows))
            row = list(values)
            while row and row[-1] is None:  # padded to max_cols: drop what is not there
                row.pop()
            if not _blank(row):
                counted += 1
                if counted > max_rows:
                    raise SpreadsheetRefused(_too_many(max_rows))
            rows.append(row)
    except SpreadsheetRefused:
        raise
    except Exception as err:  # noqa: BLE001 - a damaged sheet part
        raise SpreadsheetRefused(DAMAGED) from err
    finally:
        workbook.close()
    return rows


def _too_many(max_rows: int) -> str:
    return (
        f"Tệp có quá {max_rows - 1} dòng dữ liệu (hoặc quá nhiều dòng trống). "
        "Hãy chia thành nhiều tệp, hoặc xóa các dòng thừa ở cuối trang tính."
    )


def read_csv_rows(text: str, delimiter: str, max_rows: int) -> list[list[str]]:
    """CSV rows, at most `max_rows` non-blank ones (header included), read one at a time."""
    rows: list[list[str]] = []
    counted = 0
    reader: Iterator[list[str]] = csv.reader(io.StringIO(text), delimiter=delimiter)
    for row in reader:
        if not _blank(row):
            counted += 1
            if counted > max_rows:
                raise SpreadsheetRefused(_too_many(max_rows))
        rows.append(row[:MAX_COLUMNS])
    return rows


# -- writing ----------------------------------------------------------------------------------
def inert_text(value: Any) -> Any:
    """A CSV cell that no spreadsheet will run: text starting like a formula gets a leading
    apostrophe (OWASP). Numbers and everything else pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def inert_row(values: Iterable[Any]) -> list[Any]:
    return [inert_text(v) for v in values]


def restore_text(text: str) -> str:
    """Undo `inert_text` on import: "'=A1" was exported from "=A1"."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def make_inert(workbook) -> None:
    """No cell of `workbook` is a formula: openpyxl turns any string starting with "=" into
    one; such cells become strings again, shown with the quote prefix (so editing the cell in
    Excel keeps it text). Our exports contain no formulas of their own."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS)
                ):
                    cell.data_type = "s"
                    cell.quotePrefix = True


def workbook_bytes(workbook) -> bytes:
    """The .xlsx bytes of `workbook`, made inert first: every export saves through here."""
    make_inert(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    """CSV with a BOM (Excel then reads the Vietnamese text as UTF-8), every cell inert."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(inert_row(header))
    for row in rows:
        writer.writerow(inert_row("" if v is None else v for v in row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
