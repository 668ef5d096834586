"""The similar-initiative warning measured on labelled pairs of initiative titles.

- tests/data/similarity_pairs.tsv: two thirds for tuning (the synonym groups of paraphrase.py,
  the weights and both thresholds were chosen on them), every third pair held out.
- tests/data/similarity_pairs_fresh.tsv: 72 pairs written and committed before the embeddings
  were tried or anything was tuned, with no title of the first file; never used for tuning.

The figures asserted here are the ones README reports (each measured once, after the method
and its threshold were fixed on the tuning pairs); the test fails if a change moves them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cchc_web.initiatives import paraphrase, semantic, similarity

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[list[str]]:
    return [
        line.split("\t")
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]


def pairs(part: str) -> list[tuple[bool, str, str, str]]:
    """`tuning`, `held_out` (every third pair of the first file) or `fresh`."""
    if part == "fresh":
        rows = _rows("similarity_pairs_fresh.tsv")
    else:
        rows = [
            row
            for i, row in enumerate(_rows("similarity_pairs.tsv"))
            if (i % 3 == 2) == (part == "held_out")
        ]
    return [(label == "1", kind, a, b) for label, kind, a, b in rows]


def measure(part: str, method: str = "mixed") -> tuple[int, int, int]:
    """True positives, flagged pairs and same-idea pairs of `part`: a pair is flagged when its
    score reaches the method's threshold, with the IDF weights of a corpus of that part's
    titles (as the warning weighs by the initiatives it compares with)."""
    rows = pairs(part)
    corpus = paraphrase.corpus_with({t for _, _, a, b in rows for t in (a, b)})
    tp = flagged = same_total = 0
    for same, _kind, a, b in rows:
        if method == "mixed":
            hit = semantic.mixed(a, b, corpus) >= semantic.THRESHOLD
        else:  # the lexical score alone: the fallback, and the warning before the embeddings
            hit = paraphrase.combined(a, b, corpus) >= paraphrase.THRESHOLD
        tp += hit and same
        flagged += hit
        same_total += same
    return tp, flagged, same_total


def test_the_labelled_sets_are_big_enough_balanced_and_distinct():
    old = pairs("tuning") + pairs("held_out")
    fresh = pairs("fresh")
    assert len(old) >= 80 and len(fresh) >= 60
    for rows in (old, fresh):
        assert {kind for _, kind, _, _ in rows} == {"paraphrase", "same_topic", "unrelated"}
        assert all(same == (kind == "paraphrase") for same, kind, _, _ in rows)
    assert len(pairs("held_out")) == len(old) // 3
    old_titles = {t for _, _, a, b in old for t in (a, b)}
    assert not old_titles & {t for _, _, a, b in fresh for t in (a, b)}


def test_the_model_is_there():
    # Everything below measures the embeddings: they must not silently be the fallback.
    assert semantic.available()


# (true positives, flagged, same-idea pairs) as README reports them.
FIGURES = {
    ("mixed", "tuning"): (31, 35, 31),  # precision 0.89, recall 1.00
    ("mixed", "held_out"): (12, 13, 14),  # precision 0.92, recall 0.86
    ("mixed", "fresh"): (24, 30, 36),  # precision 0.80, recall 0.67
    ("lexical", "tuning"): (29, 35, 31),  # precision 0.83, recall 0.94
    ("lexical", "held_out"): (10, 12, 14),  # precision 0.83, recall 0.71
    ("lexical", "fresh"): (17, 21, 36),  # precision 0.81, recall 0.47
}


@pytest.mark.parametrize(("method", "part"), list(FIGURES))
def test_figures_as_reported_in_the_readme(method, part):
    assert measure(part, method) == FIGURES[method, part]


def test_the_embeddings_catch_more_paraphrases_than_the_lexical_score_alone():
    """On both sets it was not tuned on, at no loss of precision (±1 pair): the issue's target
    (recall ≥ 0.9 at precision ≥ 0.8) is still not met on either."""
    for part in ("held_out", "fresh"):
        tp, flagged, same = measure(part)
        tp_lex, flagged_lex, _ = measure(part, "lexical")
        assert tp > tp_lex
        assert tp / flagged >= tp_lex / flagged_lex - 0.02


def test_the_token_set_ratio_alone_catches_fewer_held_out_paraphrases():
    """Rapidfuzz's token-set ratio at the first warning's threshold (84 of 100), even on the
    words with synonyms merged: 4 of 14 (on raw folded words: 2 of 14)."""
    rows = pairs("held_out")
    found = sum(1 for same, _, a, b in rows if same and paraphrase.lexical(a, b) >= 0.84)
    assert found / sum(1 for same, *_ in rows if same) < 0.3


@pytest.mark.parametrize(
    ("draft", "earlier"),
    [
        (
            "Tổ công nghệ số cộng đồng hướng dẫn người dân sử dụng dịch vụ công trực tuyến",
            "Thành lập tổ công nghệ số cộng đồng hỗ trợ người dân nộp hồ sơ trực tuyến toàn trình",
        ),
        (
            "Quét mã QR để xem hồ sơ đang xử lý đến đâu",
            "Ứng dụng mã QR tra cứu tình trạng giải quyết hồ sơ thủ tục hành chính",
        ),
        (  # missed by the lexical score alone: few words in common
            "Lắp camera theo dõi thái độ phục vụ của công chức Bộ phận Một cửa",
            "Camera giám sát hoạt động tại Bộ phận tiếp nhận và trả kết quả",
        ),
    ],
)
def test_the_issues_missed_paraphrases_are_caught(draft, earlier):
    assert similarity.score(draft, earlier) >= similarity.THRESHOLD


def test_concepts_fold_spell_out_and_merge_synonyms():
    assert paraphrase.concepts("Trợ lý ảo giải đáp TTHC qua mạng") == [
        "tro_ly_ao",
        "tra_loi",
        "thu",
        "tuc",
        "hanh",
        "chinh",
        "truc_tuyen",
    ]
