"""Benchmark: a recognition Decision with 200 appendix rows, rendered by the documents module
and signed with pyHanko (what an approval does), against the same content laid out by bare
ReportLab without the app. Not a test: prints milliseconds (median of the runs).

    .venv/bin/python bench/decision_pdf.py [--runs 15]

Target (issue 5): app render + sign <= 300 ms and <= 1.5x the bare render.
Two bare renders are timed: the idiomatic one (a Paragraph per table cell, which is how
ReportLab wraps cell text) and a leaner one (cells pre-wrapped with simpleSplit as plain
strings, the approach the documents module takes); the ratio is reported against both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROWS = 200
TITLES = [
    "Số hóa hồ sơ một cửa và trả kết quả qua Zalo",
    "Mã QR tra cứu thủ tục hành chính",
    "Sổ tay điện tử hướng dẫn người dân",
    "Quy trình tiếp nhận hồ sơ đất đai rút gọn",
]


def initiatives() -> list[dict]:
    return [
        {
            "title": f"{TITLES[i % len(TITLES)]} ({i + 1})",
            "authors": ["Nguyễn Văn An", "Trần Thị Bình"],
            "office": "Trung tâm Phục vụ hành chính công",
            "field": "Cải cách thủ tục hành chính",
            "score": 70 + (i % 30) / 2,
        }
        for i in range(ROWS)
    ]


def interleaved_ms(funcs: dict, runs: int) -> dict[str, tuple[float, float]]:
    """(min, median) ms of each function, the runs interleaved so that load from other
    processes on the machine falls on all of them alike."""
    for func in funcs.values():
        func()  # warm-up: fonts, caches
    times: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(runs):
        for name, func in funcs.items():
            start = time.perf_counter()
            func()
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: (min(t), statistics.median(t)) for name, t in times.items()}


def app_render_and_sign(tmp: Path):
    from cchc_web import create_app
    from cchc_web.decisions import signing
    from cchc_web.decisions.pdf import build_document, verify_url
    from cchc_web.decisions.texts import recognition_content
    from cchc_web.documents import capacity_lines, render
    from cchc_web.models import Decision

    signing.make_demo_pki(tmp, "Xã Chí Minh")
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI="sqlite://",
        UPLOAD_DIR=str(tmp / "uploads"),
        CCHC_SIGNING_P12=str(tmp / signing.DEMO_P12),
        CCHC_SIGNING_PASSPHRASE=(tmp / signing.DEMO_PASSPHRASE).read_text().strip(),
        CCHC_SIGNING_CA=str(tmp / signing.DEMO_CA),
    )
    content = recognition_content("Xã Chí Minh", 2025, initiatives())
    decision = Decision(
        kind="initiative_recognition",
        state="approved",
        competence="chairman",
        year=2025,
        symbol="QĐ-UBND",
        number=12,
        issued_on=dt.date(2025, 9, 30),
        place="Chí Minh",
        issuer_lines=["ỦY BAN NHÂN DÂN", "XÃ CHÍ MINH"],
        issuer_authority="CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ CHÍ MINH",
        summary=content.summary,
        bases=content.bases,
        articles=content.articles,
        recipients=content.recipients,
        appendix_title=content.appendix_title,
        appendix_columns=content.appendix_columns,
        appendix_widths=content.appendix_widths,
        appendix_rows=content.appendix_rows,
        signer_name="Trần Quốc Hưng",
    )
    context = app.app_context()
    context.push()
    assert signing.state(app).signer is not None
    # As an approval signs: the Chairman's own certificate, then the commune's seal.
    p12, passphrase = signing.issue_demo_certificate(
        tmp, "Trần Quốc Hưng", "Chủ tịch UBND xã Chí Minh"
    )
    person = signing.Credential(signing.load_pkcs12(p12, passphrase), "Trần Quốc Hưng")
    seal = signing.organisation_credential()

    def run() -> bytes:
        document = build_document(
            decision,
            signer_name="Trần Quốc Hưng",
            authority=capacity_lines("chairman", False),
            final=True,
            stamp_lines=[
                "Ký bởi: Trần Quốc Hưng",
                "Chứng thư số: UBND Xã Chí Minh",
                "Thời gian ký: 30/09/2025 10:15",
            ],
            qr_data=verify_url("https://cchc.chiminh.gov.vn", 12, 2025),
        )
        rendered = render(document)
        box = rendered.signature_box
        return signing.sign_in_turn(
            rendered.pdf,
            [
                signing.SignatureRequest(
                    person, signing.SIGNATURE_FIELD, "Ban hành", "Chí Minh", box.page_index, box.box
                ),
                signing.SignatureRequest(seal, signing.SEAL_FIELD, "Ban hành", "Chí Minh"),
            ],
        )

    return run, content


def bare_reportlab(content, *, paragraph_cells: bool):
    """The same content with plain ReportLab: no app, no signature."""
    from reportlab import platypus as rl
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit

    from cchc_web.documents import register_fonts

    register_fonts()  # once per process, as in the app; not timed
    font, bold, italic = "LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic"

    def style(name, size, face=font, align=TA_CENTER, **kw):
        return ParagraphStyle(
            name, fontName=face, fontSize=size, leading=size * 1.2, alignment=align, **kw
        )

    centre_b13, centre_b14 = style("b13", 13, bold), style("b14", 14, bold)
    basis = style("basis", 14, italic, TA_JUSTIFY, firstLineIndent=12.7 * mm)
    body = style("body", 14, font, TA_JUSTIFY, firstLineIndent=12.7 * mm)
    cell = style("cell", 12, font, 0)
    head = style("head", 12, bold, TA_CENTER)
    width = A4[0] - 45 * mm
    weights = content.appendix_widths
    col_widths = [width * w / sum(weights) for w in weights]

    def run() -> bytes:
        buffer = io.BytesIO()
        doc = rl.SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=30 * mm,
            rightMargin=15 * mm,
            topMargin=20 * mm,
            bottomMargin=20 * mm,
            initialFontName=font,
        )
        header = rl.Table(
            [
                [
                    rl.Paragraph("ỦY BAN NHÂN DÂN<br/>XÃ CHÍ MINH", centre_b13),
                    rl.Paragraph(
                        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br/>Độc lập - Tự do - Hạnh phúc",
                        centre_b13,
                    ),
                ],
                [
                    rl.Paragraph("Số: 12/QĐ-UBND", style("n", 13)),
                    rl.Paragraph("Chí Minh, ngày 30 tháng 9 năm 2025", style("d", 14, italic)),
                ],
            ],
            colWidths=[width * 0.4, width * 0.6],
        )
        story = [
            header,
            rl.Paragraph("QUYẾT ĐỊNH", centre_b14),
            rl.Paragraph(content.summary, centre_b14),
            rl.Paragraph("CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ CHÍ MINH", centre_b14),
        ]
        story += [rl.Paragraph(b, basis) for b in content.bases]
        story.append(rl.Paragraph("QUYẾT ĐỊNH:", centre_b14))
        story += [
            rl.Paragraph(f"<b>Điều {i}.</b> {a}", body) for i, a in enumerate(content.articles, 1)
        ]
        story.append(
            rl.Table(
                [
                    [
                        rl.Paragraph("Nơi nhận:<br/>" + "<br/>".join(content.recipients), cell),
                        [
                            rl.Paragraph("CHỦ TỊCH", centre_b14),
                            rl.Spacer(1, 30 * mm),
                            rl.Paragraph("Trần Quốc Hưng", centre_b14),
                        ],
                    ]
                ],
                colWidths=[width * 0.4, width * 0.6],
            )
        )
        story += [
            rl.PageBreak(),
            rl.Paragraph("Phụ lục", centre_b14),
            rl.Paragraph(content.appendix_title, centre_b14),
        ]
        rows = [[rl.Paragraph(c, head) for c in content.appendix_columns]]
        for row in content.appendix_rows:
            cells = []
            for value, w in zip(row, col_widths, strict=True):
                text = str(value)
                if paragraph_cells:
                    cells.append(rl.Paragraph(text, cell))
                else:
                    cells.append("\n".join(simpleSplit(text, font, 12, w - 8)))
            rows.append(cells)
        story.append(
            rl.Table(
                rows,
                colWidths=col_widths,
                repeatRows=1,
                style=[
                    ("GRID", (0, 0), (-1, -1), 0.5, (0, 0, 0)),
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("FONTSIZE", (0, 0), (-1, -1), 12),
                    ("LEADING", (0, 0), (-1, -1), 14.4),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ],
            )
        )
        doc.build(story)
        return buffer.getvalue()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app_run, content = app_render_and_sign(Path(tmp))
        pdf = app_run()
        results = interleaved_ms(
            {
                "app": app_run,
                "para": bare_reportlab(content, paragraph_cells=True),
                "plain": bare_reportlab(content, paragraph_cells=False),
            },
            args.runs,
        )
    (app_min, app_med), (para_min, para_med), (plain_min, plain_med) = results.values()
    print(
        f"Recognition Decision, {ROWS} appendix rows, {len(pdf) // 1024} kB, "
        f"{args.runs} interleaved runs: min / median ms"
    )
    print(
        f"  app: documents.render + pyHanko sign : {app_min:6.1f} / {app_med:6.1f}"
        "   (target <= 300 ms)"
    )
    print(
        f"  bare ReportLab, Paragraph cells      : {para_min:6.1f} / {para_med:6.1f}"
        f"   ratio {app_min / para_min:.2f}x / {app_med / para_med:.2f}x"
    )
    print(
        f"  bare ReportLab, pre-wrapped cells    : {plain_min:6.1f} / {plain_med:6.1f}"
        f"   ratio {app_min / plain_min:.2f}x / {app_med / plain_med:.2f}x  (target <= 1.5x)"
    )
    ok = app_min <= 300 and app_min <= 1.5 * min(para_min, plain_min)
    print("  within target (on the minimum)" if ok else "  OVER TARGET")


def measure(runs: int = 15) -> dict:
    """The figures `make bench` records: medians of interleaved runs, in ms."""
    with tempfile.TemporaryDirectory() as tmp:
        app_run, content = app_render_and_sign(Path(tmp))
        app_run()
        results = interleaved_ms(
            {"app": app_run, "plain": bare_reportlab(content, paragraph_cells=False)}, runs
        )
    (_app_min, app_med), (_plain_min, plain_med) = results.values()
    return {"decision_200_ms": round(app_med, 1), "bare_reportlab_ms": round(plain_med, 1)}


if __name__ == "__main__":
    main()
