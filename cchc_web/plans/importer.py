"""Reading a plan's tasks and objectives from CSV or Excel, checking every row before saving.

The shape is that of `data/ke_hoach_cchc_2025_h2_chi_minh.csv` (ma, linh_vuc, noi_dung,
chu_tri, phoi_hop, thoi_gian) and `data/muc_tieu_cchc_2025_h2_chi_minh.csv` (ma, chi_tieu,
phep_so_sanh, gia_tri, don_vi, phu_trach). Parsing never touches the database session: it
returns the rows it understood and one `ImportIssue` per problem (row and column), and the
caller saves only when there is no issue at all.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from ..core import spreadsheets
from ..models import commune_settings
from ..models.plans import COMPARISONS, FIELDS, Timing
from ..web.inputs import strip_control

TASK_COLUMNS = ("ma", "linh_vuc", "noi_dung", "chu_tri", "phoi_hop", "thoi_gian")
OBJECTIVE_COLUMNS = ("ma", "chi_tieu", "phep_so_sanh", "gia_tri", "don_vi", "phu_trach")
COLUMN_LABELS = {
    "ma": "Mã",
    "linh_vuc": "Lĩnh vực",
    "noi_dung": "Nội dung",
    "chu_tri": "Chủ trì",
    "phoi_hop": "Phối hợp",
    "thoi_gian": "Thời gian",
    "chi_tieu": "Chỉ tiêu",
    "phep_so_sanh": "Phép so sánh",
    "gia_tri": "Giá trị",
    "don_vi": "Đơn vị tính",
    "phu_trach": "Phụ trách",
}
ALL_SPECIALISED = "CQCM"  # "các cơ quan chuyên môn": every specialised office
MAX_ROWS = 2000
_COMPARISON_ALIASES = {"≥": ">=", "≤": "<=", "=>": ">=", "=<": "<=", "==": "="}


@dataclass(frozen=True)
class ImportIssue:
    row: int  # the spreadsheet's row number (the header is row 1); 0 for the whole file
    column: str  # a column key, or "" for the whole row
    message: str

    @property
    def column_label(self) -> str:
        return COLUMN_LABELS.get(self.column, self.column)


@dataclass
class TaskRow:
    row: int
    code: str
    field: str
    content: str
    lead_codes: list[str]
    coordinating_codes: list[str]
    timing: str
    due_month: date | None


@dataclass
class ObjectiveRow:
    row: int
    code: str
    indicator: str
    comparison: str
    target: Decimal
    unit: str
    owner_code: str


@dataclass
class ParseResult:
    tasks: list[TaskRow] = field(default_factory=list)
    objectives: list[ObjectiveRow] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


class ImportFileError(ValueError):
    """The file cannot be read at all (wrong type, encoding, no header)."""


# -- reading files -----------------------------------------------------------------------------
def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m")  # Excel turned "2025-07" into a date
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = strip_control(unicodedata.normalize("NFC", str(value))).strip()
    return spreadsheets.restore_text(text)


def read_table(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV or XLSX file as (row number, {column: text}), header names lower-cased."""
    name = (filename or "").lower()
    try:
        spreadsheets.check_upload_size(data)
        if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
            rows = spreadsheets.read_xlsx_rows(data, MAX_ROWS + 1)
        elif name.endswith(".csv") or name.endswith(".txt") or not name:
            rows = _read_csv(data)
        else:
            raise ImportFileError("Chỉ nhận tệp CSV (UTF-8) hoặc Excel (.xlsx).")
    except spreadsheets.SpreadsheetRefused as refused:
        raise ImportFileError(refused.message) from refused
    if not rows:
        raise ImportFileError("Tệp không có dữ liệu.")
    header = [_cell_text(h).lower() for h in rows[0]]
    result = []
    for number, values in enumerate(rows[1:], start=2):
        texts = [_cell_text(v) for v in values]
        if not any(texts):
            continue  # blank lines between sections are common in hand-made sheets
        padded = texts + [""] * (len(header) - len(texts))
        result.append((number, dict(zip(header, padded, strict=False))))
        if len(result) > MAX_ROWS:
            raise ImportFileError(f"Tệp có quá {MAX_ROWS} dòng.")
    return [(0, {"__header__": ",".join(header)}), *result]


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ImportFileError(
            "Tệp CSV không phải mã UTF-8. Khi lưu từ Excel, hãy chọn “CSV UTF-8”."
        ) from err
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") and "\t" not in sample else ","
    try:
        return spreadsheets.read_csv_rows(text, delimiter, MAX_ROWS + 1)
    except csv.Error as err:  # e.g. a cell longer than csv's field limit (131 072 characters)
        raise ImportFileError(
            "Không đọc được tệp CSV: có ô quá dài (trên 131.072 ký tự) hoặc sai định dạng."
        ) from err


def _check_header(
    rows: list[tuple[int, dict[str, str]]], columns: tuple[str, ...], issues: list[ImportIssue]
) -> list[tuple[int, dict[str, str]]]:
    header = rows[0][1]["__header__"].split(",")
    missing = [c for c in columns if c not in header]
    if missing:
        issues.append(
            ImportIssue(
                1,
                "",
                "Thiếu cột: "
                + ", ".join(missing)
                + ". Dòng tiêu đề phải là: "
                + ",".join(columns)
                + ".",
            )
        )
    return rows[1:]


# -- values ------------------------------------------------------------------------------------
def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def parse_field(value: str, code: str) -> str | None:
    """A field code, its Vietnamese name or its section number, among the commune's reform
    fields (Quản trị › Thiết lập); the task code's section ("3" of "3.2") when the cell is
    empty."""
    fields = commune_settings.current().plan_fields
    text = value.strip()
    if text in fields:
        return text
    by_name = {_plain(label): c for c, label in fields.items()}
    by_name.update({_plain(FIELDS[c]): c for c in fields if _plain(FIELDS[c]) not in by_name})
    if _plain(text) in by_name:
        return by_name[_plain(text)]
    number = text or code.split(".", 1)[0]
    if number.isdecimal():
        return dict(enumerate(fields, start=1)).get(int(number))
    return None


_MONTH_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})$"),
    re.compile(r"^(?:thang\s*)?(?P<m>\d{1,2})\s*/\s*(?P<y>\d{4})$"),
)


def parse_timing(value: str) -> tuple[str, date | None] | None:
    """ "2025-07", "Tháng 7/2025", "07/2025" → a due month; "thuong_xuyen" / "Thường xuyên" →
    ongoing; empty → no time (seed 001 leaves some tasks without one). None: not understood."""
    text = _plain(value)
    if not text:
        return Timing.NONE, None
    if text in ("thuong_xuyen", "thuong xuyen", "hang thang"):
        return Timing.ONGOING, None
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(text)
        if match:
            month, year = int(match["m"]), int(match["y"])
            if 1 <= month <= 12 and 2000 <= year <= 2100:
                return Timing.MONTH, date(year, month, 1)
    return None


def split_codes(value: str) -> list[str]:
    return [c.strip().upper() for c in re.split(r"[;,]", value) if c.strip()]


def parse_decimal(value: str) -> Decimal | None:
    text = value.strip().replace(" ", "").rstrip("%")
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # Vietnamese decimal comma
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number) < Decimal("1e10") else None


# -- tasks and objectives ----------------------------------------------------------------------
def parse_tasks(
    rows: list[tuple[int, dict[str, str]]],
    office_codes: set[str],
    period: tuple[date, date] | None = None,
) -> ParseResult:
    """Check every task row; `office_codes` are the known office codes (upper case)."""
    result = ParseResult()
    issues = result.issues
    seen: dict[str, int] = {}
    for number, row in _check_header(rows, TASK_COLUMNS, issues):
        code = row.get("ma", "").strip()
        content = row.get("noi_dung", "").strip()
        problems_before = len(issues)
        if not code:
            issues.append(ImportIssue(number, "ma", "Thiếu mã nhiệm vụ."))
        elif len(code) > 20:
            issues.append(ImportIssue(number, "ma", "Mã nhiệm vụ dài tối đa 20 ký tự."))
        elif code in seen:
            hint = ""
            if code.startswith("6."):
                hint = (
                    " Văn bản 001 đánh số hai mục “6.”: mục thứ hai là lĩnh vực 7 "
                    "(chính quyền số), hãy đổi mã thành 7.x."
                )
            issues.append(
                ImportIssue(number, "ma", f"Mã “{code}” trùng với dòng {seen[code]}.{hint}")
            )
        else:
            seen[code] = number
        field_code = parse_field(row.get("linh_vuc", ""), code)
        if field_code is None:
            issues.append(
                ImportIssue(
                    number,
                    "linh_vuc",
                    f"Lĩnh vực “{row.get('linh_vuc', '')}” không có trong danh mục "
                    "lĩnh vực của đơn vị (mã, tên hoặc số thứ tự; Quản trị › Thiết lập).",
                )
            )
        if not content:
            issues.append(ImportIssue(number, "noi_dung", "Nội dung nhiệm vụ đang để trống."))
        leads = split_codes(row.get("chu_tri", ""))
        coordinating = split_codes(row.get("phoi_hop", ""))
        if not leads:
            issues.append(ImportIssue(number, "chu_tri", "Thiếu đơn vị chủ trì."))
        for column, codes in (("chu_tri", leads), ("phoi_hop", coordinating)):
            for office_code in codes:
                if office_code != ALL_SPECIALISED and office_code not in office_codes:
                    issues.append(
                        ImportIssue(
                            number,
                            column,
                            f"Không có đơn vị mã “{office_code}”. Các mã hợp lệ: "
                            + ", ".join(sorted(office_codes))
                            + f", {ALL_SPECIALISED}.",
                        )
                    )
        timing = parse_timing(row.get("thoi_gian", ""))
        if timing is None:
            issues.append(
                ImportIssue(
                    number,
                    "thoi_gian",
                    f"Thời gian “{row.get('thoi_gian', '')}” không hợp lệ: ghi tháng "
                    "(2025-07 hoặc Tháng 7/2025), “thuong_xuyen”, hoặc để trống.",
                )
            )
        elif timing[1] is not None and period is not None:
            first_month = period[0].replace(day=1)
            if not first_month <= timing[1] <= period[1]:
                issues.append(
                    ImportIssue(
                        number,
                        "thoi_gian",
                        f"Tháng {timing[1].month}/{timing[1].year} nằm ngoài thời gian của "
                        "kế hoạch.",
                    )
                )
        if len(issues) == problems_before and timing is not None and field_code is not None:
            result.tasks.append(
                TaskRow(number, code, field_code, content, leads, coordinating, *timing)
            )
    if not rows[1:] and not issues:
        issues.append(ImportIssue(0, "", "Tệp không có nhiệm vụ nào."))
    return result


def parse_objectives(rows: list[tuple[int, dict[str, str]]], office_codes: set[str]) -> ParseResult:
    result = ParseResult()
    issues = result.issues
    seen: dict[str, int] = {}
    for number, row in _check_header(rows, OBJECTIVE_COLUMNS, issues):
        before = len(issues)
        code = row.get("ma", "").strip()
        if not code:
            issues.append(ImportIssue(number, "ma", "Thiếu mã chỉ tiêu."))
        elif len(code) > 20:
            issues.append(ImportIssue(number, "ma", "Mã chỉ tiêu dài tối đa 20 ký tự."))
        elif code in seen:
            issues.append(ImportIssue(number, "ma", f"Mã “{code}” trùng với dòng {seen[code]}."))
        else:
            seen[code] = number
        indicator = row.get("chi_tieu", "").strip()
        if not indicator:
            issues.append(ImportIssue(number, "chi_tieu", "Nội dung chỉ tiêu đang để trống."))
        comparison = row.get("phep_so_sanh", "").strip()
        comparison = _COMPARISON_ALIASES.get(comparison, comparison)
        if comparison not in COMPARISONS:
            issues.append(
                ImportIssue(number, "phep_so_sanh", "Phép so sánh phải là >=, <=, >, < hoặc =.")
            )
        target = parse_decimal(row.get("gia_tri", ""))
        if target is None:
            issues.append(
                ImportIssue(number, "gia_tri", f"Giá trị “{row.get('gia_tri', '')}” không phải số.")
            )
        owner = row.get("phu_trach", "").strip().upper()
        if owner not in office_codes:
            issues.append(
                ImportIssue(
                    number,
                    "phu_trach",
                    f"Không có đơn vị mã “{owner}”." if owner else "Thiếu đơn vị phụ trách.",
                )
            )
        if len(issues) == before:
            result.objectives.append(
                ObjectiveRow(
                    number,
                    code,
                    indicator,
                    comparison,
                    target,  # type: ignore[arg-type]
                    row.get("don_vi", "").strip()[:30],
                    owner,
                )
            )
    return result
