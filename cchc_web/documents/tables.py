"""Ruled data tables: wrapped cells, a bold header repeated on every page, Vietnamese numbers.

Plain cells are wrapped here into lines of plain strings instead of becoming ReportLab
Paragraphs: parsing and re-wrapping a Paragraph per cell on every page split made a 200-row
appendix take half a second; plain strings are never parsed, so user text is also safe.
Markup cells still become Paragraphs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup
from reportlab import platypus as rl
from reportlab.pdfbase.pdfmetrics import stringWidth

from .fonts import BOLD, REGULAR
from .formatting import format_number
from .model import Align, Cell, Table
from .styles import LINE_SPACING, cell_style, para

PADDING = 4
#: Rows looked at to size the columns: enough to see the shape of the data.
MEASURED_ROWS = 100


class _Measure:
    """Word widths at one size, cached: table text repeats the same syllables endlessly."""

    def __init__(self, size: float) -> None:
        self.size = size
        self._cache: dict[tuple[str, str], float] = {}

    def width(self, word: str, font: str) -> float:
        key = (word, font)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = stringWidth(word, font, self.size)
        return found

    def wrap(self, text: str, font: str, width: float) -> str:
        """Greedy line breaking; a word longer than the line is cut between letters."""
        space = self.width(" ", font)
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line: list[str] = []
            used = 0.0
            for word in paragraph.split():
                word_width = self.width(word, font)
                if line and used + space + word_width > width:
                    lines.append(" ".join(line))
                    line, used = [], 0.0
                if word_width > width:
                    *full, word = self._cut(word, font, width)
                    lines += full
                    word_width = self.width(word, font)
                used += word_width + (space if line else 0)
                line.append(word)
            lines.append(" ".join(line))
        return "\n".join(lines)

    def _cut(self, word: str, font: str, width: float) -> list[str]:
        pieces, piece = [], ""
        for letter in word:
            if piece and stringWidth(piece + letter, font, self.size) > width:
                pieces.append(piece)
                piece = ""
            piece += letter
        return [*pieces, piece]


def _is_number(value: Cell) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _decimals(values: Sequence[Cell]) -> int:
    """Decimals a column of numbers needs (at most 2), so that 84 reads 84,0 beside 84,5."""
    needed = [len(format_number(v).partition(",")[2]) for v in values if _is_number(v)]
    return max(needed, default=0)


def _cell_text(value: Cell, decimals: int) -> str | Markup:
    if value is None:
        return ""
    if _is_number(value):
        if isinstance(value, int) and not decimals:
            return format_number(value)
        return format_number(Decimal(value), decimals, fixed=True)
    if isinstance(value, Markup):
        return value
    return unicodedata.normalize("NFC", str(value))


def _auto_align(table: Table, column: int) -> Align:
    """Numbers to the right, text to the left."""
    values = [row[column] for row in table.rows if row[column] is not None]
    return "right" if values and all(map(_is_number, values)) else "left"


def _auto_weights(columns: Sequence[str], texts: list[list[str | Markup]]) -> list[float]:
    """Weights from the content: long texts get room, short codes stay narrow."""
    weights = []
    for j, header in enumerate(columns):
        values = [str(row[j]) for row in texts[:MEASURED_ROWS] if row[j]]
        words = [w for text in [str(header), *values] for w in text.split()]
        longest_word = max((len(w) for w in words), default=1)
        average = sum(map(len, values)) / len(values) if values else 0
        weights.append(max(longest_word + 1.5, min(average, 60), 3))
    return weights


def _column_widths(
    columns: Sequence[str],
    texts: list[list[str | Markup]],
    weights: Sequence[float],
    width: float,
    measure: _Measure,
) -> list[float]:
    """Share ``width`` by ``weights``, but never narrower than a column's longest word.

    Otherwise words get cut between letters ("S/T/T", "H/ĐND"); widening such a column at
    the expense of the others is what a person would do.
    """
    minimum = []
    for j, header in enumerate(columns):
        words = {
            w
            for text in [str(header), *(r[j] for r in texts[:MEASURED_ROWS])]
            for w in text.split()
        }
        minimum.append(max((measure.width(w, BOLD) for w in words), default=0) + 2 * PADDING + 1)
    if sum(minimum) >= width:
        return [width * m / sum(minimum) for m in minimum]
    fixed: dict[int, float] = {}
    while True:
        free = [j for j in range(len(columns)) if j not in fixed]
        room = width - sum(fixed.values())
        share = sum(weights[j] for j in free)
        widths = {j: room * weights[j] / share for j in free}
        narrow = [j for j in free if widths[j] < minimum[j]]
        if not narrow:
            return [fixed.get(j, widths.get(j, 0.0)) for j in range(len(columns))]
        fixed.update((j, minimum[j]) for j in narrow)


def build_table(table: Table, width: float) -> rl.Table:
    """Lay ``table`` out across ``width`` points."""
    n = len(table.columns)
    if any(len(row) != n for row in table.rows):
        raise ValueError(f"every row of the table must have {n} cells")
    decimals = [_decimals([row[j] for row in table.rows]) for j in range(n)]
    texts = [[_cell_text(v, decimals[j]) for j, v in enumerate(row)] for row in table.rows]
    weights = list(table.col_widths or _auto_weights(table.columns, texts))
    if len(weights) != n or min(weights) <= 0:
        raise ValueError(f"col_widths must have {n} positive weights")
    if table.align is not None and len(table.align) != n:
        raise ValueError(f"align must have {n} entries")
    aligns = [
        _auto_align(table, j) if a is None else a for j, a in enumerate(table.align or [None] * n)
    ]
    size, bold_rows = table.font_size, set(table.bold_rows)
    measure = _Measure(size)
    widths = _column_widths(table.columns, texts, weights, width, measure)

    header = [para(c, cell_style(size, True, "center")) for c in table.columns]
    body: list[list[object]] = []
    for i, row in enumerate(texts):
        bold = i in bold_rows
        font = BOLD if bold else REGULAR
        body.append(
            [
                para(text, cell_style(size, bold, aligns[j]))
                if isinstance(text, Markup)
                else measure.wrap(text, font, widths[j] - 2 * PADDING)
                for j, text in enumerate(row)
            ]
        )
    style: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("LEADING", (0, 0), (-1, -1), size * LINE_SPACING),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    # Plain strings cannot be justified: justified columns fall back to left for them.
    style += [
        ("ALIGN", (j, 1), (j, -1), "LEFT" if a == "justify" else a.upper())
        for j, a in enumerate(aligns)
    ]
    style += [("FONTNAME", (0, i + 1), (-1, i + 1), BOLD) for i in sorted(bold_rows)]
    return rl.Table(
        [header, *body],
        colWidths=widths,
        repeatRows=1 if table.header_repeat else 0,
        style=style,
        spaceBefore=6,
        spaceAfter=6,
    )
