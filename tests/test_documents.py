"""The Nghị định 30 document layout (cchc_web.documents), checked through poppler's tools.

pdftotext / pdffonts / pdfinfo read the PDF the way a reader would: the text and fonts that
are really in the file, not what the code meant to put there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4

from cchc_web.documents import (
    Appendix,
    Article,
    Markup,
    OfficialDocument,
    Paragraph,
    RenderedDocument,
    SignatureBlock,
    Table,
    format_date_long,
    format_date_short,
    format_number,
    format_number_symbol,
    place_date_line,
    punctuate,
    render,
)
from cchc_web.documents.formatting import to_markup

PAGE_WIDTH, PAGE_HEIGHT = A4
TOP_MARGIN = 20 / 25.4 * 72
TITLES = [
    "Một cửa số & tra cứu hồ sơ",
    "Mã QR <nhanh> cho thủ tục",
    "Sổ tay điện tử cho người dân",
]
TABLE_HEADER = ["STT", "Tên sáng kiến", "Tác giả", "Cơ quan", "Điểm"]


def recognition_decision(
    signature: SignatureBlock | None = None, body_repeat: int = 1
) -> OfficialDocument:
    """A recognition Decision like the one the system issues (SPEC §5, §6)."""
    rows = [
        [i + 1, title, "Nguyễn Văn An, Trần Thị Bình", "Văn phòng HĐND&UBND", 85.5 - i]
        for i, title in enumerate(TITLES)
    ]
    articles = [
        Article(
            1, "Công nhận 03 sáng kiến cải cách hành chính cấp xã năm 2025 (danh sách kèm theo)."
        ),
        Article(2, "Tác giả của sáng kiến được công nhận được hưởng quyền lợi theo quy định."),
        Article(
            3,
            "Chánh Văn phòng HĐND&UBND xã, Trưởng phòng Văn hóa - Xã hội và các cá nhân có tên "
            "tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
        ),
    ]
    return OfficialDocument(
        issuer_lines=["ỦY BAN NHÂN DÂN", "XÃ CHÍ MINH"],
        number_symbol=format_number_symbol(5, "QĐ-UBND"),
        place="Chí Minh",
        date=dt.date(2025, 9, 30),
        doc_type="Quyết định",
        summary="Về việc công nhận sáng kiến cải cách hành chính cấp xã năm 2025",
        issuer_authority="Chủ tịch Ủy ban nhân dân xã Chí Minh",
        bases=[
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025.",
            "Căn cứ Nghị định số 13/2012/NĐ-CP ngày 02 tháng 3 năm 2012 của Chính phủ",
            "Theo đề nghị của Hội đồng xét công nhận sáng kiến xã;",
        ],
        decides_line="Quyết định:",
        body=articles * body_repeat,
        signature=signature or SignatureBlock(["Chủ tịch"], "Nguyễn Văn Minh"),
        recipients=["Như Điều 3", "Lưu: VT, VHXH"],
        appendices=[
            Appendix(
                subtitle="DANH SÁCH SÁNG KIẾN ĐƯỢC CÔNG NHẬN",
                reference="(Kèm theo Quyết định số 05/QĐ-UBND ngày 30/9/2025 "
                "của Chủ tịch UBND xã Chí Minh)",
                blocks=[Table(TABLE_HEADER, rows, col_widths=[1, 6, 5, 4, 1.5])],
            )
        ],
    )


# --- poppler helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def poppler() -> None:
    missing = [t for t in ("pdftotext", "pdffonts", "pdfinfo") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"poppler-utils is not installed ({', '.join(missing)} missing)")


def _run(tool: str, pdf: bytes, tmp: Path, *args: str) -> str:
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        [tool, *args, str(path), "-"] if tool == "pdftotext" else [tool, *args, str(path)],
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


def pdf_text(pdf: bytes, tmp: Path, page: int | None = None) -> str:
    """The text of the PDF (or of one 1-based page), whitespace collapsed."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return " ".join(_run("pdftotext", pdf, tmp, *pages).split())


def page_words(pdf: bytes, tmp: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    """(x_min, y_min, x_max, y_max, word) of one page; y grows downwards from the top."""
    html = _run("pdftotext", pdf, tmp, "-bbox", "-f", str(page), "-l", str(page))
    pattern = r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<'
    return [
        (float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(pattern, html)
    ]


@pytest.fixture(scope="module")
def tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("documents")


@pytest.fixture(scope="module")
def decision() -> RenderedDocument:
    return render(recognition_decision())


# --- the recognition Decision ---------------------------------------------------------------


def test_decision_has_the_official_lines(poppler, decision, tmp):
    text = pdf_text(decision.pdf, tmp)
    for expected in [
        "ỦY BAN NHÂN DÂN",
        "XÃ CHÍ MINH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 05/QĐ-UBND",
        "Chí Minh, ngày 30 tháng 9 năm 2025",
        "QUYẾT ĐỊNH Về việc công nhận sáng kiến cải cách hành chính cấp xã năm 2025",
        "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ CHÍ MINH",
        "QUYẾT ĐỊNH:",
        "Điều 1.",
        "Điều 2.",
        "Điều 3.",
        "Nơi nhận:",
        "- Như Điều 3;",
        "- Lưu: VT, VHXH.",
        "CHỦ TỊCH",
        "Nguyễn Văn Minh",
        "Phụ lục",
        "(Kèm theo Quyết định số 05/QĐ-UBND ngày 30/9/2025 của Chủ tịch UBND xã Chí Minh)",
        *TITLES,
    ]:
        assert expected in text, expected


def test_bases_are_punctuated_in_the_document(poppler, decision, tmp):
    text = pdf_text(decision.pdf, tmp, page=1)
    assert "ngày 16 tháng 6 năm 2025; Căn cứ Nghị định" in text
    assert "của Chính phủ; Theo đề nghị" in text
    assert "sáng kiến xã. QUYẾT ĐỊNH:" in text


def test_only_embedded_liberation_serif(poppler, decision, tmp):
    lines = _run("pdffonts", decision.pdf, tmp).splitlines()[2:]
    assert lines, "the PDF names no font"
    for line in lines:
        name, *_, embedded, _subset, _unicode, _obj, _gen = line.split()
        assert "LiberationSerif" in name, line
        assert embedded == "yes", line


def test_page_numbers_start_on_page_two(poppler, decision, tmp):
    assert decision.page_count == 2
    in_top_margin = [w for w in page_words(decision.pdf, tmp, 1) if w[3] < TOP_MARGIN]
    assert in_top_margin == []
    numbers = [w for w in page_words(decision.pdf, tmp, 2) if w[3] < TOP_MARGIN]
    assert [w[4] for w in numbers] == ["2"]
    x_min, _, x_max, _, _ = numbers[0]
    assert abs((x_min + x_max) / 2 - PAGE_WIDTH / 2) < 3


def test_signature_box_is_between_title_and_name(poppler, decision, tmp):
    box = decision.signature_box
    assert box is not None
    assert box.page_index == 0  # the last page of the body; the appendix follows
    assert PAGE_WIDTH / 2 <= box.x1 < box.x2 <= PAGE_WIDTH
    assert 0 <= box.y1 < box.y2 <= PAGE_HEIGHT
    assert box.y2 - box.y1 == pytest.approx(30 / 25.4 * 72)
    words = page_words(decision.pdf, tmp, 1)
    # pdftotext measures from the top; the box from the bottom.
    title_bottom = min(PAGE_HEIGHT - w[3] for w in words if w[4] == "TỊCH" and w[0] > box.x1)
    name_top = min(PAGE_HEIGHT - w[1] for w in words if w[4] == "Minh" and w[0] > box.x1)
    # pdftotext's word boxes include the font's descent, which reaches a little lower than ink.
    assert name_top <= box.y1 < box.y2 <= title_bottom + 1


def test_signature_box_takes_a_pyhanko_field(decision):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field, enumerate_sig_fields

    writer = IncrementalPdfFileWriter(io.BytesIO(decision.pdf))
    box = decision.signature_box
    append_signature_field(writer, SigFieldSpec("ChuTich", on_page=box.page_index, box=box.box))
    out = io.BytesIO()
    writer.write(out)
    reader = PdfFileReader(out)
    name, _value, field = next(enumerate_sig_fields(reader))
    widget = field.get_object()
    assert name == "ChuTich"
    assert [float(v) for v in widget["/Rect"]] == pytest.approx(list(box.box), abs=0.01)
    page_ref, _ = reader.find_page_for_modification(box.page_index)
    assert widget.raw_get("/P").idnum == page_ref.idnum


def test_vice_chairman_signs_on_the_last_body_page(poppler, tmp):
    kt = SignatureBlock(["KT. Chủ tịch", "Phó Chủ tịch"], "Trần Văn Phó")
    doc = recognition_decision(signature=kt, body_repeat=8)
    rendered = render(doc)
    body_pages = rendered.page_count - 1  # the appendix takes the last page
    assert body_pages >= 2
    box = rendered.signature_box
    assert box is not None and box.page_index == body_pages - 1
    text = pdf_text(rendered.pdf, tmp, page=body_pages)
    assert "KT. CHỦ TỊCH PHÓ CHỦ TỊCH" in text
    assert "Trần Văn Phó" in text


def test_draft_leaves_number_and_date_blank(poppler, tmp):
    doc = OfficialDocument(
        issuer_lines=["ỦY BAN NHÂN DÂN", "XÃ CHÍ MINH"],
        symbol="QĐ-UBND",
        place="Chí Minh",
        draft_year=2025,
        doc_type="Quyết định",
        summary="Về việc thành lập Hội đồng xét công nhận sáng kiến",
        body=[Article(1, "Thành lập Hội đồng.")],
        signature=SignatureBlock(["Chủ tịch"], "Nguyễn Văn Minh"),
    )
    pdf = render(doc).pdf
    words = page_words(pdf, tmp, 1)
    label = next(w for w in words if w[4] == "Số:")
    symbol = next(w for w in words if w[4].endswith("/QĐ-UBND"))
    assert symbol[4] == "/QĐ-UBND"  # no number yet
    assert abs(label[3] - symbol[3]) < 1 and symbol[0] - label[2] > 15  # a blank on one line
    assert "Chí Minh, ngày tháng năm 2025" in pdf_text(pdf, tmp)


def test_landscape_appendix(poppler, tmp):
    doc = recognition_decision()
    wide = Appendix(subtitle="BẢNG TỔNG HỢP", blocks=doc.appendices[0].blocks, landscape=True)
    rendered = render(dataclasses.replace(doc, appendices=[wide]))
    info = _run("pdfinfo", rendered.pdf, tmp, "-f", "1", "-l", "2")
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    (w1, h1), (w2, h2) = [(float(w), float(h)) for w, h in sizes]
    assert w1 < h1 and w2 > h2


def test_rendering_is_reproducible_when_invariant():
    doc = recognition_decision()
    assert render(doc, invariant=True).pdf == render(doc, invariant=True).pdf


# --- text safety ----------------------------------------------------------------------------


def test_user_text_is_escaped_not_interpreted(poppler, tmp):
    doc = OfficialDocument(
        doc_type="Báo cáo",
        summary="Kết quả <i>tháng</i> 9 & 10",
        national_header=False,
        body=[
            Paragraph("Nội dung <b>không đậm</b> & <br/> ký hiệu"),
            Paragraph(Markup("Chữ <b>{}</b> đậm").format("<tên>")),
        ],
    )
    text = pdf_text(render(doc).pdf, tmp)
    assert "Kết quả <i>tháng</i> 9 & 10" in text
    assert "Nội dung <b>không đậm</b> & <br/> ký hiệu" in text
    assert "Chữ <tên> đậm" in text


def test_markup_conversion():
    assert to_markup("a < b & c") == "a &lt; b &amp; c"
    assert to_markup(Markup("<b>x</b>")) == "<b>x</b>"
    assert to_markup("dòng 1\ndòng 2") == "dòng 1<br/>dòng 2"
    decomposed = unicodedata.normalize("NFD", "Hạnh phúc")
    assert to_markup(decomposed) == unicodedata.normalize("NFC", "Hạnh phúc")


# --- tables ---------------------------------------------------------------------------------


def test_long_table_paginates_and_repeats_its_header(poppler, tmp):
    rows = [[i, f"Tiêu chí số {i}", "Đã thực hiện", 1.5] for i in range(1, 121)]
    doc = OfficialDocument(
        doc_type="Bảng tự đánh giá",
        national_header=False,
        body=[Table(["STT", "Tiêu chí thành phần", "Giải trình", "Điểm"], rows)],
    )
    rendered = render(doc)
    assert rendered.page_count >= 3
    for page in range(1, rendered.page_count + 1):
        assert "Tiêu chí thành phần" in pdf_text(rendered.pdf, tmp, page=page), page
    assert "Tiêu chí số 120" in pdf_text(rendered.pdf, tmp, page=rendered.page_count)


def test_number_columns_share_their_decimals(poppler, tmp):
    table = Table(["STT", "Điểm"], [[1, 85], [2, 84.5], [3, None]])
    text = pdf_text(render(OfficialDocument(body=[table], national_header=False)).pdf, tmp)
    assert "1 85,0" in text and "2 84,5" in text


def test_table_rows_must_match_columns():
    doc = OfficialDocument(body=[Table(["A", "B"], [["1"]])], national_header=False)
    with pytest.raises(ValueError, match="2 cells"):
        render(doc)


# --- formatting rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (dt.date(2025, 1, 5), "ngày 05 tháng 01 năm 2025"),
        (dt.date(2025, 2, 9), "ngày 09 tháng 02 năm 2025"),
        (dt.date(2025, 3, 1), "ngày 01 tháng 3 năm 2025"),
        (dt.date(2025, 9, 30), "ngày 30 tháng 9 năm 2025"),
        (dt.date(2025, 12, 15), "ngày 15 tháng 12 năm 2025"),
    ],
)
def test_date_long_pads_small_days_and_months(date, expected):
    assert format_date_long(date) == expected


def test_date_short_and_place_date_line():
    assert format_date_short(dt.date(2025, 1, 5)) == "05/01/2025"
    assert format_date_short(dt.date(2025, 9, 30)) == "30/9/2025"
    assert place_date_line("Chí Minh", dt.date(2025, 9, 30)) == "Chí Minh, ngày 30 tháng 9 năm 2025"
    draft = place_date_line("Chí Minh", None, 2025)
    assert draft.startswith("Chí Minh, ngày") and draft.endswith("năm 2025")
    assert not re.search(r"\d", draft.removesuffix("2025"))


def test_number_symbol():
    assert format_number_symbol(5, "QĐ-UBND") == "05/QĐ-UBND"
    assert format_number_symbol(123, "QĐ-UBND") == "123/QĐ-UBND"
    with pytest.raises(ValueError):
        format_number_symbol(0, "QĐ-UBND")


def test_vietnamese_numbers():
    assert format_number(1234567) == "1.234.567"
    assert format_number(85.5) == "85,5"
    assert format_number(80.0) == "80"
    assert format_number(80.0, decimals=0) == "80"


def test_punctuation_of_bases_and_recipients():
    assert punctuate(["Căn cứ A", "Căn cứ B;", "Căn cứ C.", "  ", "Theo đề nghị D; "]) == [
        "Căn cứ A;",
        "Căn cứ B;",
        "Căn cứ C;",
        "Theo đề nghị D.",
    ]
