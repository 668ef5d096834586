"""Similar-initiative warning (SPEC §5: an initiative is recognised only once).

Vietnamese text is compared with its diacritics folded ("Số hóa" = "so hoa"), the usual
abbreviations expanded (TTHC, HCC, DVC…), and the words that every initiative shares
("xã", "của", "người dân"…) removed; rapidfuzz's token-set ratio then scores two texts 0–100,
so a short title typed so far matches a longer past title that contains its words.
The threshold was measured on the labelled set in tests/test_initiatives_similarity.py.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import select

from ..core.extensions import db
from ..models import Initiative, InitiativeState, User

THRESHOLD = 84  # measured: precision 0.92, recall 1.0 on the labelled set
MIN_QUERY_WORDS = 2  # fewer words than this say too little to compare

_ABBREVIATIONS = {
    "tthc": "thu tuc hanh chinh",
    "hcc": "hanh chinh cong",
    "dvc": "dich vu cong",
    "dvctt": "dich vu cong truc tuyen",
    "cchc": "cai cach hanh chinh",
    "cntt": "cong nghe thong tin",
    "ai": "tri tue nhan tao",
    "chatbot": "tro ly ao",
    "cbcc": "can bo cong chuc",
    "qppl": "quy pham phap luat",
    "vbqppl": "van ban quy pham phap luat",
    "ioc": "trung tam dieu hanh thong minh",
}
# Folded function words and words common to every initiative: they say nothing about the idea.
_STOPWORDS = frozenset(
    [
        "va",
        "cua",
        "cho",
        "cac",
        "trong",
        "tai",
        "tren",
        "voi",
        "de",
        "la",
        "bang",
        "qua",
        "theo",
        "khi",
        "nhung",
        "mot",
        "nhieu",
        "duoc",
        "ve",
        "tu",
        "den",
        "o",
        "thi",
        "co",
        "nay",
        "do",
        "viec",
        "su",
        "dung",
        "ung",
        "dung",
        "xay",
        "dung",
        "thuc",
        "hien",
        "nang",
        "cao",
        "hieu",
        "qua",
        "giai",
        "phap",
        "sang",
        "kien",
        "xa",
        "phuong",
        "ubnd",
        "uy",
        "ban",
        "nhan",
        "dan",
        "nguoi",
        "lai",
    ]
)


def fold(text: str) -> str:
    """Lower-case ASCII: diacritics removed, đ → d, punctuation → spaces."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def words(text: str) -> list[str]:
    """The meaningful syllables of `text`, folded, abbreviations expanded, stopwords removed."""
    out: list[str] = []
    for token in fold(text).split():
        out.extend(_ABBREVIATIONS.get(token, token).split())
    return [w for w in out if w not in _STOPWORDS]


def score(a: str, b: str) -> float:
    """0–100: how much the two texts say the same thing."""
    wa, wb = words(a), words(b)
    if len(wa) < MIN_QUERY_WORDS or len(wb) < MIN_QUERY_WORDS:
        return 0.0
    return fuzz.token_set_ratio(" ".join(wa), " ".join(wb))


@dataclass(frozen=True)
class Match:
    initiative: Initiative
    score: float
    # False: another office's recognised initiative the viewer may not open, matched and shown
    # by its title only (recognition is public: the Decision lists it).
    full: bool = True


RECOGNISED_STATES = frozenset({InitiativeState.RECOGNISED, InitiativeState.NOMINATED})


def similar_initiatives(
    title: str,
    content: str = "",
    *,
    viewer: User | None = None,
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[Match]:
    """Past initiatives (any year, handed in) whose title or content is similar.

    With a `viewer` (the htmx warning always passes one), only what they may open is compared
    in full (title and solution) and shown; other offices' recognised initiatives are compared
    and shown by title only; nothing else: the solution of an initiative one may not open is
    never compared, so typing cannot probe it. Without a viewer: every handed-in initiative.
    """
    if len(words(title)) < MIN_QUERY_WORDS and len(words(content)) < MIN_QUERY_WORDS:
        return []
    stmt = select(Initiative).where(Initiative.submitted_at.is_not(None))
    if exclude_id:
        stmt = stmt.where(Initiative.id != exclude_id)
    matches = []
    for other in db.session.scalars(stmt):
        full = viewer is None or other.can_view(viewer)
        if not full and other.state not in RECOGNISED_STATES:
            continue
        best = score(title, other.title)
        if full and content and other.solution:
            best = max(best, score(content, other.solution))
        if best >= THRESHOLD:
            matches.append(Match(other, round(best), full))
    matches.sort(key=lambda m: -m.score)
    return matches[:limit]


#: Below this the closest earlier initiatives are not worth a reviewer's time.
SHOW_FROM = 50


@dataclass(frozen=True)
class Earlier:
    """An earlier initiative like the one under review, and whether the reviewer may open it."""

    initiative: Initiative
    score: int
    openable: bool

    @property
    def likely_duplicate(self) -> bool:
        return self.score >= THRESHOLD


def closest_earlier(initiative: Initiative, viewer, *, limit: int = 3) -> list[Earlier]:
    """What a reviewer (the secretariat accepting, a council member scoring) should compare
    the initiative with: handed-in initiatives of other offices, or of earlier years, most
    similar first (title against title, solution against solution). An initiative the viewer
    may not open is shown by title, office and year only."""
    from ..models import Round

    stmt = (
        select(Initiative)
        .join(Round)
        .where(
            Initiative.id != initiative.id,
            Initiative.submitted_at.is_not(None),
            (Initiative.office_id != initiative.office_id) | (Round.year < initiative.round.year),
        )
    )
    found = []
    for other in db.session.scalars(stmt):
        best = max(
            score(initiative.title, other.title),
            score(initiative.solution, other.solution)
            if initiative.solution and other.solution
            else 0.0,
        )
        if best >= SHOW_FROM:
            found.append((best, other))
    found.sort(key=lambda pair: (-pair[0], pair[1].id))
    return [Earlier(other, round(best), other.can_view(viewer)) for best, other in found[:limit]]
