"""The visible electronic-signature stamp and the draft watermark of cchc_web.documents."""

from __future__ import annotations

import dataclasses

from cchc_web.documents import SignatureBlock, render

from .test_documents import pdf_text, poppler, recognition_decision, tmp  # noqa: F401

STAMP = ["Ký bởi: Trần Quốc Hưng", "Thời gian ký: 30/09/2025 10:15"]


def test_stamp_lines_and_qr_are_drawn_in_the_signature_box(poppler, tmp):  # noqa: F811
    block = SignatureBlock(
        ["Chủ tịch"], "Trần Quốc Hưng", stamp_lines=STAMP, qr_data="http://x/verify?n=5"
    )
    rendered = render(recognition_decision(block))
    text = pdf_text(rendered.pdf, tmp, page=rendered.signature_box.page_index + 1)
    assert "Ký bởi: Trần Quốc Hưng" in text
    assert "Thời gian ký: 30/09/2025 10:15" in text
    plain = render(recognition_decision(SignatureBlock(["Chủ tịch"], "Trần Quốc Hưng")))
    assert "Ký bởi" not in pdf_text(plain.pdf, tmp)
    # The QR code is drawn as vector squares: the stamped page is much heavier.
    assert len(rendered.pdf) > len(plain.pdf) + 1000


def test_watermark_on_every_page_of_a_draft(poppler, tmp):  # noqa: F811
    draft = dataclasses.replace(recognition_decision(), watermark="DỰ THẢO")
    rendered = render(draft)
    for page in range(1, rendered.page_count + 1):
        # pdftotext reads turned text piecemeal letter by letter: its "Ự" is enough.
        assert "Ự" in pdf_text(rendered.pdf, tmp, page=page).split()
    assert "Ự" not in pdf_text(render(recognition_decision()).pdf, tmp).split()
