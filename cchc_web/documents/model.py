"""Declarative model of an official document; :func:`render` turns it into a PDF.

The model says *what* a document contains; the layout rules of Nghị định 30/2020/NĐ-CP live
only in the renderer, so every document of the system looks the same.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from .formatting import Text

Align = Literal["left", "center", "right", "justify"]
#: A signature or seal image: a file path or the image's bytes (PNG with transparency is best).
ImageSource = str | os.PathLike[str] | bytes
#: A table cell: text (escaped unless Markup), a number (Vietnamese format), or None (empty).
Cell = Text | int | float | Decimal | None


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph: 14 pt, justified, first line indented."""

    text: Text
    align: Align = "justify"
    indent: bool = True


@dataclass(frozen=True)
class Heading:
    """A section heading such as "I. KẾT QUẢ THỰC HIỆN": bold (level 3: bold italic)."""

    text: Text
    level: int = 1
    align: Align = "left"


@dataclass(frozen=True)
class Article:
    """An article of a decision: "**Điều 1.** text"."""

    number: int | str
    text: Text


@dataclass(frozen=True)
class Table:
    """A ruled table whose cells wrap; the header row is bold and repeats on every page.

    ``col_widths`` are relative weights (``[1, 6, 3]``), scaled to the page's text width, so
    the same table fits portrait and landscape pages; by default they follow the content.
    ``align`` gives one alignment per column (None: numbers right, text left).
    ``bold_rows`` are indexes into ``rows`` (totals, group rows).
    """

    columns: Sequence[Text]
    rows: Sequence[Sequence[Cell]]
    col_widths: Sequence[float] | None = None
    header_repeat: bool = True
    align: Sequence[Align | None] | None = None
    font_size: float = 12
    bold_rows: Sequence[int] = ()


@dataclass(frozen=True)
class Spacer:
    """Vertical space."""

    height_mm: float = 6


@dataclass(frozen=True)
class PageBreak:
    """Start a new page."""


Block = Paragraph | Heading | Article | Table | Spacer | PageBreak


@dataclass(frozen=True)
class SignatureBlock:
    """Who signs: e.g. ``["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]``.

    An empty box of ``space_mm`` is kept between the titles and the name; the renderer reports
    where it is (:class:`SignatureBox`) so a visible electronic signature can be put there.
    The optional signature and seal images are drawn inside that box.

    ``stamp_lines`` (e.g. "Ký bởi: ...", "Thời gian ký: ...") and ``qr_data`` (a URL) draw the
    visible mark of an electronic signature in the box: a framed stamp with the QR code at
    its left. The text is drawn here, with the document's font, because a signing library's
    own stamp text does not render Vietnamese well; the signing library then only signs the
    field at :attr:`RenderedDocument.signature_box`.
    """

    authority_lines: Sequence[str]
    signer_name: str
    signature_image: ImageSource | None = None
    seal_image: ImageSource | None = None
    space_mm: float = 30
    width_mm: float = 70
    stamp_lines: Sequence[str] = ()
    qr_data: str | None = None


@dataclass(frozen=True)
class Appendix:
    """An appendix on a new page: "Phụ lục", its title, "(Kèm theo ...)" and its blocks."""

    title: str = "Phụ lục"
    subtitle: Text = ""
    reference: Text = ""
    blocks: Sequence[Block] = ()
    landscape: bool = False


@dataclass(frozen=True, kw_only=True)
class OfficialDocument:
    """A document in the Nghị định 30 layout.

    Header: ``issuer_lines`` (bold, e.g. ``["ỦY BAN NHÂN DÂN", "XÃ CHÍ MINH"]``) under the
    optional ``parent_issuer_lines`` (regular weight), "Số: ``number_symbol``" (or, for a
    draft, a blank number before ``symbol``), the national name and motto, and
    "``place``, ngày ... " (``date`` None for a draft, with ``draft_year``). Without issuer and
    number (an application form) the national name is centred over the page.

    Then ``doc_type`` and ``summary`` centred (a letter has no type: its "V/v ..." summary
    goes under the number), ``issuer_authority`` ("CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ ..."),
    ``bases`` (punctuated for you), ``decides_line`` ("QUYẾT ĐỊNH:"), the ``body``, the
    ``signature`` (right) beside the ``recipients`` (left), and the ``appendices``.
    A ``secondary_signature`` (e.g. the secretary of minutes) takes the left column and the
    recipients move under it. ``national_header=False`` drops the two-column header block
    (a plain report or table); ``landscape=True`` turns every page but portrait appendices.
    ``watermark`` (e.g. "DỰ THẢO") is printed large and light across every page of a draft.
    """

    issuer_lines: Sequence[str] = ()
    parent_issuer_lines: Sequence[str] = ()
    number_symbol: str | None = None
    symbol: str = ""
    place: str = ""
    date: dt.date | None = None
    draft_year: int | None = None
    doc_type: str | None = None
    summary: Text | None = None
    issuer_authority: str | None = None
    bases: Sequence[Text] = ()
    decides_line: str | None = None
    body: Sequence[Block] = ()
    signature: SignatureBlock | None = None
    secondary_signature: SignatureBlock | None = None
    recipients: Sequence[Text] = ()
    appendices: Sequence[Appendix] = ()
    landscape: bool = False
    national_header: bool = True
    title: str | None = None
    watermark: str | None = None


@dataclass(frozen=True)
class SignatureBox:
    """Where the empty signature space was drawn: 0-based page and PDF points (origin bottom
    left), ready for pyHanko's ``SigFieldSpec(on_page=page_index, box=box)``."""

    page_index: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x1, self.y1, self.x2, self.y2)


@dataclass(frozen=True)
class RenderedDocument:
    """The PDF and what later steps (signing, storing) need to know about it."""

    pdf: bytes
    page_count: int
    signature_box: SignatureBox | None
    secondary_signature_box: SignatureBox | None = None
