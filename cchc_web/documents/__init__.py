"""Official documents (văn bản hành chính) in the Nghị định 30/2020/NĐ-CP layout.

Every PDF of CCHC Web is described with these dataclasses and laid out by :func:`render`::

    doc = OfficialDocument(
        issuer_lines=["ỦY BAN NHÂN DÂN", "XÃ CHÍ MINH"],
        number_symbol=format_number_symbol(5, "QĐ-UBND"), place="Chí Minh", date=date(2025, 9, 30),
        doc_type="Quyết định", summary="Về việc công nhận sáng kiến ...",
        issuer_authority="Chủ tịch Ủy ban nhân dân xã Chí Minh",
        bases=["Căn cứ Luật Tổ chức chính quyền địa phương ..."], decides_line="QUYẾT ĐỊNH:",
        body=[Article(1, "Công nhận ..."), Article(2, "...")],
        signature=SignatureBlock(["Chủ tịch"], "Nguyễn Văn A"),
        recipients=["Như Điều 3", "Lưu: VT, VHXH"],
    )
    rendered = render(doc)  # .pdf, .page_count, .signature_box (for pyHanko)

Plain ``str`` is user text and is escaped; wrap trusted inline markup in
:class:`markupsafe.Markup` (``Markup("<b>{}</b>").format(user_text)`` escapes the user part).
"""

from markupsafe import Markup

from .fonts import register_fonts
from .formatting import (
    Text,
    format_date_long,
    format_date_short,
    format_number,
    format_number_symbol,
    place_date_line,
    punctuate,
)
from .issuers import (
    authority_title,
    capacity_lines,
    committee_issuer,
    head_of_office_lines,
    office_issuer,
)
from .model import (
    Appendix,
    Article,
    Block,
    Heading,
    OfficialDocument,
    PageBreak,
    Paragraph,
    RenderedDocument,
    SignatureBlock,
    SignatureBox,
    Spacer,
    Table,
)
from .render import render, render_stamp
from .slip import Slip, render_slip

__all__ = [
    "Appendix",
    "Article",
    "Block",
    "Heading",
    "Markup",
    "OfficialDocument",
    "PageBreak",
    "Paragraph",
    "RenderedDocument",
    "SignatureBlock",
    "SignatureBox",
    "Slip",
    "Spacer",
    "Table",
    "Text",
    "authority_title",
    "capacity_lines",
    "committee_issuer",
    "head_of_office_lines",
    "office_issuer",
    "format_date_long",
    "format_date_short",
    "format_number",
    "format_number_symbol",
    "place_date_line",
    "punctuate",
    "register_fonts",
    "render",
    "render_slip",
    "render_stamp",
]
