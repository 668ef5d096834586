"""NFC, control characters, folding."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .abbreviations import expand

# C0 control characters but tab, newline and carriage return, DEL and the C1 controls; the
# zero-width space, the direction marks and overrides and the byte-order mark a paste may carry
# (the zero-width joiners stay: emoji sequences need them).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")

# The five tone marks (grave, acute, tilde, hook above, dot below); the other marks (â, ă, ơ, ư)
# belong to the letter and never move.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")  # NFD letters and their marks


def nfc(text: str | None) -> str:
    """NFC (composed) form of `text`; control characters removed."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text or ""))


def strip_control(text: str) -> str:
    return _CONTROL.sub("", text)


def nfc_deep(value: Any) -> Any:
    """`nfc` applied to every string in a JSON-like value (lists, dicts)."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [nfc_deep(v) for v in value]
    if isinstance(value, dict):
        return {k: nfc_deep(v) for k, v in value.items()}
    return value


def _retone(word: str) -> str:
    """One NFD word with its tone mark where the new placement puts it."""
    marks = [i for i, c in enumerate(word) if c in _TONES]
    if len(marks) != 1:
        return word
    tone = word[marks[0]]
    chars = [c for c in word if c not in _TONES]  # letters and their own marks
    letters = [i for i, c in enumerate(chars) if not unicodedata.combining(c)]
    plain = "".join(chars[i] for i in letters).lower()
    carrier = sum(1 for i in letters if i < marks[0]) - 1  # the letter the tone sits on
    target = carrier
    if plain.startswith("qu") and carrier == 1 and len(plain) > 2:
        target = 2  # qúy → quý: the u of qu is a consonant, the tone goes on the vowel
    elif (
        plain[-2:] in ("oa", "oe", "uy")
        and carrier == len(plain) - 1
        and not (plain.startswith("qu") and len(plain) == 3)  # quý keeps its place
    ):
        target = len(plain) - 2  # hoà → hòa, khoẻ → khỏe, thuỷ → thủy
    if target == carrier:
        return word
    at = letters[target] + 1
    while at < len(chars) and unicodedata.combining(chars[at]):
        at += 1  # after the letter's own marks, as NFD orders them
    chars.insert(at, tone)
    return "".join(chars)


def tone_normalised(text: str) -> str:
    """NFC with the tone mark of a final oa, oe, uy on its first vowel (hoà → hòa, thuỷ →
    thủy, khoẻ → khỏe) and never on the u of qu (qúy → quý)."""
    decomposed = unicodedata.normalize("NFD", nfc(text))
    return unicodedata.normalize("NFC", _WORD.sub(lambda m: _retone(m.group(0)), decomposed))


def fold(text: str) -> str:
    """The search key of `text`: lower-case ASCII letters and digits separated by single
    spaces (NFC, case folded, diacritics removed, đ → d, everything else a space)."""
    text = nfc(text).casefold().replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", text).strip()


def canonical(text: str) -> str:
    """`fold` with the abbreviations spelt out: the form both a stored key and a query take."""
    return expand(fold(text))
