"""A typed query made into search terms, and the highlighting of what they found."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from markupsafe import Markup, escape

from .abbreviations import ABBREVIATIONS
from .normal import fold, nfc

MAX_QUERY = 200  # characters: a title is at most 300, a query longer than this is a paste
MIN_TERM = 2  # characters of the longest word: one letter finds half the database
MAX_TERMS = 8  # words beyond these add nothing but statements' length

TOO_LONG = f"Từ khóa dài quá: hãy nhập tối đa {MAX_QUERY} ký tự."
NO_WORDS = "Hãy nhập chữ hoặc số để tìm."
_MARK = Markup("<mark>{}</mark>")
_EMPTY = Markup("")

TOO_SHORT = f"Hãy nhập ít nhất {MIN_TERM} ký tự để tìm."


@dataclass(frozen=True)
class Query:
    """What was typed (NFC, for showing back), its terms (canonical words or spelt-out
    abbreviations), the folded forms to highlight, and the reason it was refused, if so."""

    text: str = ""
    terms: tuple[str, ...] = ()
    error: str | None = None
    marks: tuple[str, ...] = field(default=())
    # The last word typed may be unfinished ("so hoa ho s"): it alone matches word beginnings,
    # the others whole words (else "ho" would find every "hoạch" and "hộ").
    prefix: str = ""

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def phrase(self) -> str:
        """The whole query as one canonical phrase (ranked first when found as typed)."""
        return " ".join(self.terms)


def search_terms(raw: str | None) -> Query:
    """The terms of a query as typed; an empty Query when nothing was typed, a Query with an
    `error` (in Vietnamese) when it cannot be searched."""
    text = nfc(str(raw or "")).strip()
    if not text:
        return Query()
    if len(text) > MAX_QUERY:
        return Query(text[:MAX_QUERY], error=TOO_LONG)
    words = fold(text).split()
    if not words:
        return Query(text, error=NO_WORDS)
    if max(len(w) for w in words) < MIN_TERM:
        return Query(text, error=TOO_SHORT)
    terms: list[str] = []
    marks: list[str] = []
    for word in words:
        term = ABBREVIATIONS.get(word, word)
        if term not in terms:
            terms.append(term)
        marks.append(term)
        if term != word:
            marks.append(word)  # the abbreviation as typed is highlighted too
    phrase = " ".join(terms)
    for short, spelt in ABBREVIATIONS.items():
        if f" {spelt} " in f" {phrase} ":
            marks.extend([short, spelt])  # "thủ tục hành chính" highlights a stored TTHC
    # The whole query first (a snippet starts where it is found as typed), longest first after.
    unique_marks = tuple(dict.fromkeys([phrase, *sorted(marks, key=len, reverse=True)]))
    terms = terms[:MAX_TERMS]
    last = words[-1]
    prefix = last if last not in ABBREVIATIONS and terms[-1] == last else ""
    return Query(text, tuple(terms), None, unique_marks, prefix)


def _mark_pattern(mark: str, query: Query) -> str:
    """Where a mark is in a folded text: whole words, but the last word typed may be the
    beginning of one."""
    end = "" if mark == query.prefix else r"(?![a-z0-9])"
    return r"(?<![a-z0-9])" + r"[^a-z0-9]+".join(map(re.escape, mark.split())) + end


def _folded_with_positions(text: str) -> tuple[str, list[int]]:
    """`text` folded character by character (same length rules as `fold`, but spaces kept
    where they are) and, for each folded character, the index of the original one."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        plain = _fold_char(ch)
        out.append(plain)
        where.extend([i] * len(plain))
    return "".join(out), where


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One character as `fold` makes it: its folded letters, or a space."""
    plain = ch.casefold().replace("đ", "d")
    plain = "".join(c for c in unicodedata.normalize("NFD", plain) if not unicodedata.combining(c))
    return "".join(c if ("a" <= c <= "z" or "0" <= c <= "9") else " " for c in plain) or " "


def highlight(text: str | None, query: Query | None) -> Markup:
    """`text` escaped, with every word-start occurrence of the query's marks in <mark>."""
    text = nfc(str(text or ""))
    if not query or not query.marks or not text:
        return escape(text)
    folded, where = _folded_with_positions(text)
    spans: list[tuple[int, int]] = []
    for mark in query.marks:
        for m in re.finditer(_mark_pattern(mark, query), folded):
            spans.append((where[m.start()], where[m.end() - 1] + 1))
    if not spans:
        return escape(text)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or not text[merged[-1][1] : start].strip()):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[Markup] = []
    at = 0
    for start, end in merged:
        parts.append(escape(text[at:start]))
        parts.append(_MARK.format(text[start:end]))  # format escapes the text
        at = end
    parts.append(escape(text[at:]))
    return _EMPTY.join(parts)


def snippet(text: str | None, query: Query | None, width: int = 160) -> Markup:
    """About `width` characters of `text` around the first place the query's marks are found,
    highlighted (the beginning when they are not found: the match was in another field)."""
    text = " ".join(nfc(str(text or "")).split())
    if len(text) <= width:
        return highlight(text, query)
    start = 0
    if query and query.marks:
        folded, where = _folded_with_positions(text)
        for mark in query.marks:
            if found := re.search(_mark_pattern(mark, query), folded):
                start = max(0, where[found.start()] - width // 3)
                break
    if start:
        start = text.find(" ", start) + 1 or start  # from the start of a word
    end = min(len(text), start + width)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    piece = highlight(text[start:end], query)
    return _EMPTY.join(["… " if start else "", piece, " …" if end < len(text) else ""])
