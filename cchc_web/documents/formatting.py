"""Text helpers for Vietnamese administrative documents (Nghị định 30/2020/NĐ-CP)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

from markupsafe import Markup, escape

#: Text of a document. A plain ``str`` is user text and is escaped; a :class:`markupsafe.Markup`
#: is trusted ReportLab inline markup (``<b>``, ``<i>``, ``<br/>``, ``<font>`` ...).
#: ``Markup("<b>{}</b>").format(user_text)`` escapes the user part.
Text = str | Markup

# Runs of ordinary spaces collapse in a paragraph; the blanks of a draft must stay visible.
_BLANK = "\u00a0" * 6


def _pad(value: int, below: int) -> str:
    return f"{value:02d}" if value < below else str(value)


def format_date_long(date: dt.date) -> str:
    """``ngày 05 tháng 01 năm 2025``: days below 10 and months below 3 get a leading zero.

    Nghị định 30/2020, Phụ lục I: "Đối với những số chỉ ngày nhỏ hơn 10 và tháng nhỏ hơn 3
    thì phải ghi thêm số 0 ở trước".
    """
    return f"ngày {_pad(date.day, 10)} tháng {_pad(date.month, 3)} năm {date.year}"


def format_date_short(date: dt.date) -> str:
    """``05/01/2025``, ``30/9/2025``: the same padding rule, for references in running text."""
    return f"{_pad(date.day, 10)}/{_pad(date.month, 3)}/{date.year}"


def format_number_symbol(number: int, symbol: str) -> str:
    """``05/QĐ-UBND``: numbers below 10 get a leading zero."""
    if number < 1:
        raise ValueError(f"document numbers start at 1, got {number}")
    return f"{_pad(number, 10)}/{symbol.strip().lstrip('/')}"


def draft_number_symbol(symbol: str) -> str:
    """``     /QĐ-UBND``: the number is left blank until the document is issued."""
    return f"{_BLANK}/{symbol.strip().lstrip('/')}"


def place_date_line(place: str, date: dt.date | None, year: int | None = None) -> str:
    """``Chí Minh, ngày 30 tháng 9 năm 2025``; a draft (no date) leaves day and month blank."""
    if date is None:
        when = f"ngày{_BLANK}tháng{_BLANK}năm {year or dt.date.today().year}"
    else:
        when = format_date_long(date)
    return f"{place.strip()}, {when}" if place.strip() else when[0].upper() + when[1:]


def format_number(value: int | float | Decimal, decimals: int = 2, fixed: bool = False) -> str:
    """Vietnamese number format: ``1.234``, ``85,5`` (dot groups thousands, comma is decimal).

    At most ``decimals`` decimals, trailing zeros dropped unless ``fixed``.
    """
    if isinstance(value, int):
        text = f"{value:,}"
    else:
        text = f"{value:,.{decimals}f}"
        if "." in text and not fixed:
            text = text.rstrip("0").rstrip(".")
    return text.translate(str.maketrans(",.", ".,"))


def punctuate(items: Iterable[Text], separator: str = ";", last: str = ".") -> list[Text]:
    """End every item with ``separator`` and the last one with ``last``.

    Whatever punctuation the author typed (none, ``;``, ``.``, ``,``) is replaced, so that
    "Căn cứ ...;" lines and recipient lists always read as Nghị định 30 wants.
    """
    cleaned = [item.strip().rstrip(" ;.,:").rstrip() for item in items]
    cleaned = [item for item in cleaned if item]
    return [item + (last if i == len(cleaned) - 1 else separator) for i, item in enumerate(cleaned)]


def to_markup(text: Text) -> str:
    """ReportLab paragraph markup for ``text``: user text escaped, newlines kept, NFC.

    NFC matters: decomposed input (from some keyboards and PDFs) would place combining
    marks on their own glyphs, which draws badly.
    """
    if not isinstance(text, Markup):
        text = escape(text)
    return unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\n", "<br/>")
