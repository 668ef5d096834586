"""A Decision row as an :class:`OfficialDocument`: the draft preview and the issued original.

Only the documents module lays pages out; this module maps the stored fields onto its model.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from urllib.parse import urlencode

from ..documents import (
    Appendix,
    Article,
    Block,
    Heading,
    Markup,
    OfficialDocument,
    Paragraph,
    SignatureBlock,
    Table,
    format_date_short,
    format_number_symbol,
    punctuate,
)
from ..documents.formatting import draft_number_symbol
from ..models import Competence, Decision, DecisionKind

DRAFT_MARK = "DỰ THẢO"
DEFAULT_SYMBOL = "QĐ-UBND"


def verify_url(
    public_url: str,
    number: int,
    year: int,
    symbol: str = DEFAULT_SYMBOL,
    commune: int | None = None,
) -> str:
    """The verification page of a Decision, for its QR code: always under the configured
    public address (CCHC_PUBLIC_URL), never the Host a request happened to carry: whatever is
    printed here is frozen into a signed legal document. Every commune numbers its own
    Decisions: `commune` names it, except for the first commune (whose codes were printed
    before the city had several, without it)."""
    query: dict[str, object] = {"number": number, "year": year}
    if symbol != DEFAULT_SYMBOL:
        query["symbol"] = symbol
    if commune is not None:
        query["commune"] = commune
    return f"{public_url.rstrip('/')}/verify?{urlencode(query)}"


def _issuer_of_reference(decision: Decision) -> str:
    """ "của Chủ tịch UBND xã Chí Minh" for the appendix's "(Kèm theo ...)" line."""
    body = " ".join(decision.issuer_lines[1:]).title()
    for unit in ("Xã ", "Phường ", "Đặc Khu ", "Thành Phố "):
        if body.startswith(unit):
            body = unit.lower() + body[len(unit) :]
    who = "Chủ tịch UBND" if decision.competence == Competence.CHAIRMAN else "UBND"
    return f"của {who} {body}".strip()


def _appendix(decision: Decision, issued_on: dt.date | None) -> list[Appendix]:
    if not decision.appendix_rows and not decision.appendix_title:
        return []
    if decision.number and issued_on:
        ref = f"số {format_number_symbol(decision.number, decision.symbol)} ngày "
        ref += format_date_short(issued_on)
    else:
        blank = "\u00a0" * 5
        ref = f"số{draft_number_symbol(decision.symbol)} ngày{blank}/{blank}/{decision.year}"
    blocks: list[Block] = []
    if decision.appendix_rows and decision.kind == DecisionKind.NOMINATION_DOSSIER:
        blocks = _described_items(decision.appendix_columns, decision.appendix_rows)
    elif decision.appendix_rows:
        widths = decision.appendix_widths or None
        if widths and len(widths) != len(decision.appendix_columns):
            widths = None
        blocks.append(Table(decision.appendix_columns, decision.appendix_rows, col_widths=widths))
    reference = f"(Kèm theo {decision.doc_type} {ref} {_issuer_of_reference(decision)})"
    return [Appendix(subtitle=decision.appendix_title, reference=reference, blocks=blocks)]


def _described_items(columns: Sequence[str], rows: Sequence[Sequence]) -> list[Block]:
    """Long descriptions (a dossier's) as sections, not table cells: "1. <title>" then one
    "<b>Label:</b> value" paragraph per other column. Column 0 is the order, 1 the title."""
    blocks: list[Block] = []
    for row in rows:
        number, title, *rest = [*row, "", ""][: max(len(row), 2)]
        blocks.append(Heading(f"{number}. {title}".strip(". ")))
        for label, value in zip(columns[2:], rest, strict=False):
            if str(value).strip():
                blocks.append(Paragraph(Markup("<b>{}:</b> {}").format(label, str(value))))
    return blocks


_SECTION = re.compile(r"^[IVX]+\. [^a-zà-ỹ]+$")


def _prose(text: str) -> Block:
    return Heading(text) if _SECTION.match(text) else Paragraph(text)


def build_document(
    decision: Decision,
    *,
    signer_name: str,
    authority: Sequence[str],
    final: bool = False,
    stamp_lines: Sequence[str] = (),
    qr_data: str | None = None,
) -> OfficialDocument:
    """The Decision as a document: ``final`` carries its number and date, otherwise it is a
    draft with blanks for them and the "DỰ THẢO" watermark.

    A Tờ trình (the nomination dossier) or a Kế hoạch has no "QUYẾT ĐỊNH:" line and no
    numbered articles: "Kính gửi: ..." (a Tờ trình) and then plain paragraphs, a paragraph
    that is a section title ("I. MỤC TIÊU") set as a heading.
    """
    issued_on = decision.issued_on if final else None
    is_submission = decision.is_prose
    texts = [text for text in decision.articles if text.strip()]
    body: list[Block]
    if is_submission:
        # "Kính gửi" stands right under the title; the bases then open the body.
        body = [_prose(text) for text in [*punctuate(decision.bases), *texts]]
        if decision.addressee.strip():
            addressee = Markup("Kính gửi: {}.").format(decision.addressee.strip().rstrip("."))
            body.insert(0, Paragraph(addressee, align="center", indent=False))
    else:
        body = [Article(i, text) for i, text in enumerate(texts, start=1)]
    return OfficialDocument(
        issuer_lines=list(decision.issuer_lines),
        number_symbol=(
            format_number_symbol(decision.number, decision.symbol)
            if final and decision.number
            else None
        ),
        symbol=decision.symbol,
        place=decision.place,
        date=issued_on,
        draft_year=decision.year,
        doc_type=decision.doc_type,
        summary=decision.summary,
        issuer_authority=None if is_submission else decision.issuer_authority,
        bases=[] if is_submission else list(decision.bases),
        decides_line=None if is_submission else "Quyết định:",
        body=body,
        signature=SignatureBlock(
            list(authority), signer_name, stamp_lines=list(stamp_lines), qr_data=qr_data
        ),
        recipients=list(decision.recipients),
        appendices=_appendix(decision, issued_on),
        watermark=None if final else DRAFT_MARK,
        title=f"{decision.doc_type} {decision.summary}".strip(),
    )
