"""Vietnamese text, once for the whole application (no web, no domain: layer 0).

- `nfc`: what is stored and compared is NFC (some keyboards and PDFs send NFD, where a
  letter and its marks are separate code points, so "hành" ≠ "hành" byte for byte).
- `fold`: the search key of a text: NFC, case folded, every diacritic removed (đ → d), so the
  old and new tone placements (hoà / hòa, thuỷ / thủy, qúy / quý) and an accent-free query
  ("so hoa ho so") all give the same key; anything that is not a letter or a digit is a space.
- `canonical`: `fold` with the administrative abbreviations spelt out (TTHC → thu tuc hanh
  chinh), so an abbreviation and its words find each other both ways.
- `search_terms`: a typed query made into terms, or a Vietnamese reason to refuse it.
- `highlight`: HTML of a text with the terms' occurrences in <mark>, everything else escaped.
"""

from .abbreviations import ABBREVIATIONS, expand
from .normal import (
    canonical,
    fold,
    nfc,
    nfc_deep,
    strip_control,
    tone_normalised,
)
from .query import MAX_QUERY, MIN_TERM, Query, highlight, search_terms, snippet

__all__ = [
    "ABBREVIATIONS",
    "MAX_QUERY",
    "MIN_TERM",
    "Query",
    "canonical",
    "expand",
    "fold",
    "highlight",
    "nfc",
    "nfc_deep",
    "search_terms",
    "snippet",
    "strip_control",
    "tone_normalised",
]
