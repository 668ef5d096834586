"""Paragraph styles of Nghị định 30/2020/NĐ-CP, Phụ lục I (sizes in points)."""

from __future__ import annotations

from functools import lru_cache

from reportlab import platypus as rl
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from .fonts import BOLD, BOLD_ITALIC, ITALIC, REGULAR
from .formatting import Text, to_markup
from .model import Align

#: The decree allows single to 1.5 line spacing; 1.2 matches Word's "single" for this face.
LINE_SPACING = 1.2
FIRST_LINE_INDENT = 12.7 * mm
PARAGRAPH_SPACE = 6  # the decree's minimum space between paragraphs
ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT, "justify": TA_JUSTIFY}


def style(
    name: str, size: float, font: str = REGULAR, align: int = TA_CENTER, **kw: object
) -> ParagraphStyle:
    """A style that always names a Liberation face: ReportLab's default would pull in an
    unembedded Helvetica."""
    return ParagraphStyle(
        name, fontName=font, fontSize=size, leading=size * LINE_SPACING, alignment=align, **kw
    )


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    """The fixed styles of the document frame (header, title, closing, appendix title)."""
    body = {"firstLineIndent": FIRST_LINE_INDENT, "spaceBefore": PARAGRAPH_SPACE}
    return {
        "parent": style("parent", 13),
        "issuer": style("issuer", 13, BOLD),
        "number": style("number", 13),
        "letter_summary": style("letter_summary", 12),
        "nation": style("nation", 13, BOLD),
        "motto": style("motto", 14, BOLD),
        "place_date": style("place_date", 14, ITALIC),
        "place_date_right": style("place_date_right", 14, ITALIC, TA_RIGHT, spaceBefore=6),
        "doc_type": style("doc_type", 14, BOLD, spaceBefore=18, keepWithNext=1),
        "summary": style("summary", 14, BOLD, keepWithNext=1),
        "authority": style("authority", 14, BOLD, spaceBefore=12, keepWithNext=1),
        "basis": style("basis", 14, ITALIC, TA_JUSTIFY, **body),
        "decides": style("decides", 14, BOLD, spaceBefore=12, spaceAfter=6, keepWithNext=1),
        "recipients_title": style("recipients_title", 12, BOLD_ITALIC, TA_LEFT),
        "recipients": style("recipients", 11, REGULAR, TA_LEFT),
        "signature_title": style("signature_title", 14, BOLD),
        "signer": style("signer", 14, BOLD),
        "appendix_title": style("appendix_title", 14, BOLD),
        "appendix_reference": style("appendix_reference", 14, ITALIC),
    }


@lru_cache(maxsize=64)
def body_style(align: Align, indent: bool, font: str = REGULAR) -> ParagraphStyle:
    """14 pt body text; centred text never takes the first-line indent."""
    return style(
        f"body-{align}-{indent}-{font}",
        14,
        font,
        ALIGN[align],
        firstLineIndent=FIRST_LINE_INDENT if indent and align != "center" else 0,
        spaceBefore=PARAGRAPH_SPACE,
    )


@lru_cache(maxsize=64)
def cell_style(size: float, bold: bool, align: Align) -> ParagraphStyle:
    return style(f"cell-{size}-{bold}-{align}", size, BOLD if bold else REGULAR, ALIGN[align])


def para(text: Text, paragraph_style: ParagraphStyle) -> rl.Paragraph:
    """A paragraph of user text (escaped) or trusted Markup."""
    return rl.Paragraph(to_markup(text), paragraph_style)
