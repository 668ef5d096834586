"""Small-page documents (A6, A5): a slip handed over the counter with a dossier's receipt,
such as the satisfaction survey slip with its QR code.

Not a Nghị định 30 document (no number, no signature): the issuing body on top, a title, a
few labelled facts, a QR code with its code printed under it for those who type it, and short
instructions. The same fonts as every document, every style naming the embedded family.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from reportlab import platypus as rl
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A5, A6
from reportlab.lib.units import mm

from .fonts import BOLD, ITALIC, REGULAR, register_fonts
from .formatting import Text
from .styles import para, style

SIZES = {"A6": A6, "A5": A5}
MARGIN = 8 * mm


@dataclass(frozen=True)
class Slip:
    """A small page: ``issuer_lines`` (bold, centred), ``title``, ``facts`` (label, value),
    ``qr_data`` (a URL) drawn ``qr_mm`` wide with ``code_text`` under it, ``instructions``
    (one paragraph each) and a ``footer`` in italics."""

    issuer_lines: Sequence[str]
    title: str
    facts: Sequence[tuple[str, Text]] = ()
    qr_data: str | None = None
    code_text: str = ""
    instructions: Sequence[Text] = ()
    footer: Text = ""
    size: Literal["A6", "A5"] = "A6"
    qr_mm: float = 38
    document_title: str = ""


class _Rule(rl.Flowable):
    def __init__(self, width: float) -> None:
        super().__init__()
        self.width, self.height = width, 7  # clear of the descenders above
        self.hAlign = "CENTER"

    def draw(self) -> None:
        self.canv.setLineWidth(0.6)
        self.canv.line(0, 3, self.width, 3)


def _styles(scale: float) -> dict:
    def s(name, size, font=REGULAR, align=TA_CENTER, **kw):
        return style(f"slip-{name}-{scale}", size * scale, font, align, **kw)

    return {
        "issuer": s("issuer", 9.5, BOLD),
        "title": s("title", 13, BOLD, spaceBefore=6, spaceAfter=4),
        "label": s("label", 9.5, REGULAR, TA_LEFT),
        "value": s("value", 9.5, BOLD, TA_LEFT),
        "code": s("code", 15, BOLD, spaceBefore=2),
        "text": s("text", 9, REGULAR, TA_LEFT, spaceBefore=3),
        "footer": s("footer", 8, ITALIC, spaceBefore=4),
    }


def render_slip(slip: Slip) -> bytes:
    """The slip as a one-page PDF with the embedded fonts."""
    from reportlab.graphics.barcode.qr import QrCode

    register_fonts()
    width, height = SIZES[slip.size]
    scale = 1.0 if slip.size == "A6" else 1.3
    st = _styles(scale)
    frame_width = width - 2 * MARGIN
    story: list = [para(line.upper(), st["issuer"]) for line in slip.issuer_lines]
    if slip.issuer_lines:
        story.append(_Rule(22 * mm * scale))
    story.append(para(slip.title.upper(), st["title"]))
    if slip.facts:
        label_width = frame_width * 0.36
        table = rl.Table(
            [[para(label, st["label"]), para(value, st["value"])] for label, value in slip.facts],
            colWidths=[label_width, frame_width - label_width],
            style=[
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
            ],
        )
        story.append(table)
    if slip.qr_data:
        side = slip.qr_mm * mm * scale
        code = QrCode(slip.qr_data, width=side, height=side, qrBorder=0, qrLevel="M")
        holder = rl.Table(
            [[code]],
            colWidths=[frame_width],
            style=[
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
            ],
        )
        story.append(holder)
    if slip.code_text:
        story.append(para(slip.code_text, st["code"]))
    story += [para(text, st["text"]) for text in slip.instructions]
    if slip.footer:
        story.append(para(slip.footer, st["footer"]))
    buffer = io.BytesIO()
    template = rl.SimpleDocTemplate(
        buffer,
        pagesize=(width, height),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=slip.document_title or slip.title,
        author=" ".join(slip.issuer_lines),
        creator="CCHC Web",
        lang="vi-VN",
        initialFontName=REGULAR,
    )
    # A slip is one page: what does not fit is shrunk rather than spilled onto a second one.
    template.build([rl.KeepInFrame(frame_width, height - 2 * MARGIN, story, mode="shrink")])
    return buffer.getvalue()
