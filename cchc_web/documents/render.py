"""Render an :class:`OfficialDocument` as a PDF in the Nghị định 30/2020/NĐ-CP layout.

This module is the only place that knows the layout (Phụ lục I of the decree): A4, margins,
font sizes, the two-column header, the signature block and the page numbers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape
from reportlab import platypus as rl
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from .fonts import BOLD, BOLD_ITALIC, ITALIC, REGULAR, register_fonts
from .formatting import Text, draft_number_symbol, place_date_line, punctuate, to_markup
from .model import (
    Appendix,
    Article,
    Block,
    Heading,
    ImageSource,
    OfficialDocument,
    PageBreak,
    Paragraph,
    RenderedDocument,
    SignatureBlock,
    SignatureBox,
    Spacer,
    Table,
)
from .styles import body_style, para, styles
from .tables import build_table

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


@dataclass(frozen=True)
class _Page:
    """A page orientation: its size and margins, in points."""

    id: str
    width: float
    height: float
    top: float
    bottom: float
    left: float
    right: float

    @property
    def frame_width(self) -> float:
        return self.width - self.left - self.right


# Nghị định 30 allows top/bottom 20–25, left 30–35, right 15–20 mm; we take the tightest.
PORTRAIT = _Page("portrait", *A4, top=20 * mm, bottom=20 * mm, left=30 * mm, right=15 * mm)
# A turned page is bound by its top edge, so the binding margin moves there.
LANDSCAPE = _Page(
    "landscape", *landscape(A4), top=30 * mm, bottom=15 * mm, left=20 * mm, right=20 * mm
)

#: Share of the text width given to the left column (issuer, recipients): 65 of 165 mm.
LEFT_COLUMN_SHARE = 0.394
RULE_WIDTH = 0.6


def _plain(text: Text) -> str:
    """``text`` without its inline markup: for measuring and for metadata."""
    return re.sub(r"<[^>]*>", "", str(text)) if isinstance(text, Markup) else text


def _plain_width(text: Text, font: str, size: float) -> float:
    return stringWidth(_plain(text), font, size)


class _Rule(rl.Flowable):
    """A short centred line: under the issuer, the motto and the summary.

    Drawn rather than underlined: ``<u>`` runs through the dot-below marks (ệ, ộ, ạ).
    """

    def __init__(self, width: float, space_before: float = 4, space_after: float = 0) -> None:
        super().__init__()
        self.width = width
        self.height = space_before + space_after
        self._space_after = space_after
        self.hAlign = "CENTER"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = min(self.width, available_width)
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setLineWidth(RULE_WIDTH)
        self.canv.line(0, self._space_after, self.width, self._space_after)


class _SignatureSpace(rl.Flowable):
    """The empty space for a visible electronic signature; records where it lands."""

    def __init__(
        self,
        block: SignatureBlock,
        width: float,
        sink: dict[str, SignatureBox],
        key: str,
    ) -> None:
        super().__init__()
        self.width = width
        self.height = block.space_mm * mm
        self.hAlign = "CENTER"
        self._block = block
        self._sink = sink
        self._key = key

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        x1, y1 = canv.absolutePosition(0, 0)
        x2, y2 = canv.absolutePosition(self.width, self.height)
        self._sink[self._key] = SignatureBox(canv.getPageNumber() - 1, x1, y1, x2, y2)
        w, h = self.width, self.height
        if self._block.signature_image is not None:
            _draw_image(canv, self._block.signature_image, 0, 0, w, h)
        if self._block.seal_image is not None:
            # The seal overlaps the left third of the signature, as on paper.
            _draw_image(canv, self._block.seal_image, w * 0.3 - h / 2, 0, h, h)
        if self._block.stamp_lines or self._block.qr_data:
            _draw_stamp(canv, self._block.stamp_lines, self._block.qr_data, w, h)


#: The stamp of an electronic signature: blue like the ink of a signature, text at most 10 pt.
STAMP_COLOUR = (0.05, 0.2, 0.6)
STAMP_MAX_SIZE = 10
STAMP_MIN_SIZE = 6


def _draw_stamp(canv, lines: Sequence[str], qr_data: str | None, w: float, h: float) -> None:
    """A framed box in the signature space: the QR code at the left, the lines beside it,
    each line shrunk (down to 6 pt) until the longest fits."""
    # The QrCode flowable draws plain rectangles; the QrCodeWidget's renderer would set a
    # default Helvetica in the page and so list an unembedded font.
    from reportlab.graphics.barcode.qr import QrCode

    pad = 2 * mm
    canv.saveState()
    canv.setStrokeColorRGB(*STAMP_COLOUR)
    canv.setFillColorRGB(*STAMP_COLOUR)
    canv.setLineWidth(0.8)
    canv.rect(0, 0, w, h)
    text_x = pad
    if qr_data:
        # 20 mm scans well from paper and leaves the text room to stay readable.
        side = min(h - 2 * pad, 20 * mm)
        code = QrCode(qr_data, width=side, height=side, qrBorder=0, qrLevel="M")
        canv.setFillColorRGB(0, 0, 0)
        code.drawOn(canv, pad, (h - side) / 2)
        canv.setFillColorRGB(*STAMP_COLOUR)
        text_x = side + 2 * pad
    if lines:
        room = w - text_x - pad
        widest = max(stringWidth(line, REGULAR, STAMP_MAX_SIZE) for line in lines)
        size = max(STAMP_MIN_SIZE, min(STAMP_MAX_SIZE, STAMP_MAX_SIZE * room / widest))
        leading = size * 1.25
        y = h / 2 + leading * (len(lines) - 1) / 2 - size * 0.3
        for i, line in enumerate(lines):
            canv.setFont(BOLD if i == 0 else REGULAR, size)
            canv.drawString(text_x, y - i * leading, line)
    canv.restoreState()


def render_stamp(lines: Sequence[str], width: float, height: float) -> bytes:
    """The stamp of an electronic signature alone, as a one-page PDF of ``width`` × ``height``
    points: the appearance of a signature added to a document that is already signed (the
    chair's signature on minutes the secretary signed), drawn like the stamps in the page."""
    from reportlab.pdfgen import canvas as rl_canvas

    register_fonts()
    buffer = io.BytesIO()
    canv = rl_canvas.Canvas(buffer, pagesize=(width, height), invariant=1)
    # Half the frame's line inside the page: a field's appearance is clipped at its edges.
    canv.translate(0.5, 0.5)
    _draw_stamp(canv, lines, None, width - 1, height - 1)
    canv.showPage()
    canv.save()
    return buffer.getvalue()


def _draw_image(canv, source: ImageSource, x: float, y: float, w: float, h: float) -> None:
    reader = ImageReader(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    canv.drawImage(reader, x, y, w, h, mask="auto", preserveAspectRatio=True, anchor="c")


def _cell_table(rows: list[list], widths: Sequence[float], aligns: Sequence[str], **kw) -> rl.Table:
    """A borderless layout table (header, signature row) without cell padding."""
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
    ]
    style += [("ALIGN", (i, 0), (i, -1), a) for i, a in enumerate(aligns)]
    return rl.Table(rows, colWidths=list(widths), style=style, **kw)


def _header(doc: OfficialDocument, width: float) -> list[rl.Flowable]:
    """Issuer and number on the left, national name, motto and place/date on the right."""
    st = styles()
    left: list[rl.Flowable] = [para(line.upper(), st["parent"]) for line in doc.parent_issuer_lines]
    left += [para(line.upper(), st["issuer"]) for line in doc.issuer_lines]
    left_width = width * LEFT_COLUMN_SHARE
    if doc.issuer_lines:
        widest = max(_plain_width(line.upper(), BOLD, 13) for line in doc.issuer_lines)
        left.append(_Rule(min(widest, left_width) * 0.4))
    number: list[rl.Flowable] = []
    if doc.number_symbol:
        number.append(para(f"Số: {doc.number_symbol}", st["number"]))
    elif doc.symbol:
        number.append(para(f"Số:{draft_number_symbol(doc.symbol)}", st["number"]))
    if doc.doc_type is None and doc.summary:
        number.append(para(doc.summary, st["letter_summary"]))
    nation = [
        para(NATIONAL_NAME, st["nation"]),
        para(MOTTO, st["motto"]),
        _Rule(stringWidth(MOTTO, BOLD, 14)),
    ]
    dated = bool(doc.place or doc.date or doc.number_symbol or doc.symbol)
    when = place_date_line(doc.place, doc.date, doc.draft_year) if dated else ""
    if not left and not number:
        # No issuing body (an application, an author's report): the national name is centred.
        return [*nation, *([para(when, st["place_date_right"])] if when else [])]
    rows = [[left or "", nation], [number or "", para(when, st["place_date"]) if when else ""]]
    table = _cell_table(rows, [left_width, width - left_width], ["CENTER", "CENTER"])
    # "Số:" is 13 pt beside a 14 pt date: a point more above it puts both on one baseline.
    table.setStyle([("TOPPADDING", (0, 1), (0, 1), 6.2), ("TOPPADDING", (1, 1), (1, 1), 5)])
    return [table]


def _title(doc: OfficialDocument, width: float) -> list[rl.Flowable]:
    """Type name, summary with its short rule, the authority, the bases, "QUYẾT ĐỊNH:"."""
    st = styles()
    out: list[rl.Flowable] = []
    if doc.doc_type:
        out.append(para(doc.doc_type.upper(), st["doc_type"]))
    if doc.doc_type and doc.summary:
        out.append(para(doc.summary, st["summary"]))
    if out:
        last = doc.summary if doc.doc_type and doc.summary else doc.doc_type.upper()
        out.append(_Rule(min(_plain_width(last, BOLD, 14), width) * 0.4))
    if doc.issuer_authority:
        out.append(para(doc.issuer_authority.upper(), st["authority"]))
    out += [para(basis, st["basis"]) for basis in punctuate(doc.bases)]
    if doc.decides_line:
        out.append(para(doc.decides_line.upper(), st["decides"]))
    return out


def _block(block: Block, width: float) -> list[rl.Flowable]:
    match block:
        case Paragraph():
            return [para(block.text, body_style(block.align, block.indent))]
        case Heading():
            font = BOLD_ITALIC if block.level >= 3 else BOLD
            style = body_style(block.align, block.align != "center", font)
            paragraph = para(block.text, style)
            paragraph.keepWithNext = 1
            return [paragraph]
        case Article():
            text = f"<b>Điều {escape(str(block.number))}.</b> {to_markup(block.text)}"
            return [rl.Paragraph(text, body_style("justify", True))]
        case Table():
            return [build_table(block, width)]
        case Spacer():
            return [rl.Spacer(1, block.height_mm * mm)]
        case PageBreak():
            return [rl.PageBreak()]
    raise TypeError(f"not a document block: {block!r}")


def _signature_cell(
    block: SignatureBlock, width: float, sink: dict[str, SignatureBox], key: str
) -> list[rl.Flowable]:
    st = styles()
    space = _SignatureSpace(block, min(block.width_mm * mm, width), sink, key)
    return [
        *(para(line.upper(), st["signature_title"]) for line in block.authority_lines),
        space,
        para(block.signer_name, st["signer"]),
    ]


def _recipients(recipients: Sequence[Text]) -> list[rl.Flowable]:
    if not recipients:
        return []
    st = styles()
    lines = [r if str(r).lstrip().startswith("-") else "- " + r for r in punctuate(recipients)]
    return [
        para("Nơi nhận:", st["recipients_title"]),
        *(para(line, st["recipients"]) for line in lines),
    ]


def _closing(doc: OfficialDocument, width: float, sink: dict[str, SignatureBox]) -> list:
    """Recipients at the left beside the signature at the right, as on a signed paper."""
    if not (doc.signature or doc.secondary_signature or doc.recipients):
        return []
    left_width = width * LEFT_COLUMN_SHARE
    right = (
        _signature_cell(doc.signature, width - left_width, sink, "main") if doc.signature else ""
    )
    recipients = _recipients(doc.recipients) or ""
    if doc.secondary_signature:
        left = _signature_cell(doc.secondary_signature, left_width, sink, "secondary")
        rows = [[left, right], [recipients, ""]]
        aligns = ["CENTER", "CENTER"]
    else:
        rows, aligns = [[recipients, right]], ["LEFT", "CENTER"]
    table = _cell_table(rows, [left_width, width - left_width], aligns, spaceBefore=12)
    if doc.secondary_signature and recipients:
        table.setStyle([("TOPPADDING", (0, 1), (-1, 1), 12)])
    return [table]


def _appendix(appendix: Appendix, width: float) -> list[rl.Flowable]:
    st = styles()
    out = [para(appendix.title, st["appendix_title"])]
    if appendix.subtitle:
        out.append(para(appendix.subtitle, st["appendix_title"]))
    if appendix.reference:
        out.append(para(appendix.reference, st["appendix_reference"]))
    last = appendix.reference or appendix.subtitle or appendix.title
    font = ITALIC if appendix.reference else BOLD
    out.append(_Rule(min(_plain_width(last, font, 14), width) * 0.3, space_after=6))
    for block in appendix.blocks:
        out += _block(block, width)
    return out


def _story(doc: OfficialDocument, sink: dict[str, SignatureBox]) -> list[rl.Flowable]:
    main = LANDSCAPE if doc.landscape else PORTRAIT
    width = main.frame_width
    story = _header(doc, width) if doc.national_header else []
    story += _title(doc, width)
    for block in doc.body:
        story += _block(block, width)
    closing = _closing(doc, width, sink)
    if closing and doc.body and isinstance(doc.body[-1], Paragraph | Article):
        # The signature never stands alone on a page: it takes the last paragraph along.
        closing = [rl.KeepTogether([story.pop(), *closing])]
    story += closing
    for appendix in doc.appendices:
        page = LANDSCAPE if appendix.landscape else PORTRAIT
        story += [rl.NextPageTemplate(page.id), rl.PageBreak()]
        story += _appendix(appendix, page.frame_width)
    return story


def _draw_watermark(canvas, page: _Page, text: str) -> None:
    """Large light text across the page, under the content: a draft is not an original."""
    canvas.saveState()
    canvas.setFillColorRGB(0.82, 0.82, 0.82)
    size = min(110, page.width * 0.9 / max(stringWidth(text, BOLD, 1), 1))
    canvas.setFont(BOLD, size)
    canvas.translate(page.width / 2, page.height / 2)
    canvas.rotate(45 if page.height > page.width else 30)
    canvas.drawCentredString(0, -size / 3, text)
    canvas.restoreState()


def _page_template(page: _Page, watermark: str | None = None) -> rl.PageTemplate:
    def number_page(canvas, _doc) -> None:
        if watermark:
            _draw_watermark(canvas, page, watermark)
        # Nghị định 30: pages are numbered from the second one, centred in the top margin.
        if canvas.getPageNumber() > 1:
            canvas.setFont(REGULAR, 13)
            canvas.drawCentredString(
                page.width / 2, page.height - page.top * 0.6, str(canvas.getPageNumber())
            )

    frame = rl.Frame(
        page.left,
        page.bottom,
        page.frame_width,
        page.height - page.top - page.bottom,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    return rl.PageTemplate(
        page.id, frames=[frame], pagesize=(page.width, page.height), onPage=number_page
    )


def _metadata_title(doc: OfficialDocument) -> str:
    if doc.title:
        return doc.title
    parts = [doc.doc_type or "", _plain(doc.summary or "")]
    return " ".join(p for p in parts if p).strip() or "Văn bản"


def render(document: OfficialDocument, *, invariant: bool = False) -> RenderedDocument:
    """Lay ``document`` out as an A4 PDF with embedded Liberation Serif.

    ``invariant=True`` gives byte-identical output for identical input (no timestamp or
    random file id), which makes re-rendering a frozen document checkable by its hash.
    """
    register_fonts()
    main = LANDSCAPE if document.landscape else PORTRAIT
    other = PORTRAIT if main is LANDSCAPE else LANDSCAPE
    buffer = io.BytesIO()
    template = rl.BaseDocTemplate(
        buffer,
        pagesize=(main.width, main.height),
        title=_metadata_title(document),
        author=" ".join(document.issuer_lines),
        creator="CCHC Web",
        lang="vi-VN",
        initialFontName=REGULAR,
        invariant=int(invariant),
    )
    template.addPageTemplates(
        [_page_template(main, document.watermark), _page_template(other, document.watermark)]
    )
    boxes: dict[str, SignatureBox] = {}
    template.build(_story(document, boxes))
    return RenderedDocument(
        pdf=buffer.getvalue(),
        page_count=template.page,
        signature_box=boxes.get("main"),
        secondary_signature_box=boxes.get("secondary"),
    )
