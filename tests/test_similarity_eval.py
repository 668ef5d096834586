"""The similar-initiative warning measured on the labelled pairs of
tests/data/similarity_pairs.tsv: two thirds for tuning (the synonym groups, the weights and
THRESHOLD were chosen on them), every third pair held out. The held-out figures are the ones
README reports; the test fails if a change makes them worse."""

from __future__ import annotations

from pathlib import Path

import pytest

from cchc_web.initiatives import paraphrase, similarity

PAIRS_FILE = Path(__file__).parent / "data" / "similarity_pairs.tsv"


def pairs(part: str) -> list[tuple[bool, str, str, str]]:
    rows = [
        line.split("\t")
        for line in PAIRS_FILE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    held_out = [i % 3 == 2 for i in range(len(rows))]
    return [
        (label == "1", kind, a, b)
        for (label, kind, a, b), held in zip(rows, held_out, strict=True)
        if held == (part == "held_out")
    ]


def measure(part: str, threshold: float = paraphrase.THRESHOLD) -> tuple[float, float]:
    """Precision and recall: a pair is flagged when its score reaches the threshold, with the
    weights of a corpus of that part's titles (as the warning weighs by the initiatives it
    compares with)."""
    rows = pairs(part)
    corpus = paraphrase.corpus_with({t for _, _, a, b in rows for t in (a, b)})
    tp = fp = fn = 0
    for same, _kind, a, b in rows:
        flagged = paraphrase.combined(a, b, corpus) >= threshold
        tp += flagged and same
        fp += flagged and not same
        fn += same and not flagged
    return tp / (tp + fp), tp / (tp + fn)


def test_the_labelled_set_is_big_enough_and_balanced():
    every = pairs("tuning") + pairs("held_out")
    assert len(every) >= 80
    kinds = {kind for _, kind, _, _ in every}
    assert kinds == {"paraphrase", "same_topic", "unrelated"}
    assert len(pairs("held_out")) == len(every) // 3


def test_tuning_figures():
    precision, recall = measure("tuning")
    assert (round(precision, 2), round(recall, 2)) == (0.83, 0.94)


def test_held_out_figures_as_reported_in_the_readme():
    # Measured once, after THRESHOLD was fixed on the tuning pairs: precision 10/12,
    # recall 10/14. The issue's target (recall ≥ 0.9 at precision ≥ 0.8) is not met.
    precision, recall = measure("held_out")
    assert precision >= 0.83
    assert recall >= 0.71


def test_the_lexical_score_alone_catches_fewer_held_out_paraphrases():
    """Rapidfuzz's token-set ratio at the former threshold (84 of 100), even on the words
    with synonyms merged: 4 of 14 (the former warning, on raw folded words: 2 of 14)."""
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
