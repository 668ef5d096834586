"""Similar-initiative warning: measured precision and recall on a small labelled set
(tests/similarity_cases.py), and the database query behind the htmx warning."""

from cchc_web.initiatives import similarity

from .factories import make_initiative, make_round
from .similarity_cases import PAST, QUERIES


def measure(threshold: float) -> tuple[float, float]:
    tp = fp = fn = 0
    for query, gold in QUERIES:
        for past_id, title in PAST.items():
            hit = similarity.score(query, title) >= threshold
            tp += hit and past_id in gold
            fp += hit and past_id not in gold
            fn += (not hit) and past_id in gold
    return tp / (tp + fp), tp / (tp + fn)


def test_precision_and_recall_on_the_labelled_set():
    # Measured at THRESHOLD = 84 on 18 drafts × 14 past titles: precision 12/13, recall 12/12.
    precision, recall = measure(similarity.THRESHOLD)
    assert precision >= 0.9
    assert recall >= 0.9


def test_folding_and_abbreviations():
    assert similarity.fold("Số hóa hồ sơ, Đăng ký!") == "so hoa ho so dang ky"
    assert similarity.words("Giải quyết TTHC của xã") == ["quyet", "thu", "tuc", "hanh", "chinh"]
    assert similarity.score("Số hóa", "x") == 0.0  # too short to say anything


def test_query_finds_past_initiatives_of_any_year_and_office_but_not_drafts(commune):
    old = make_round(year=2023)
    new = make_round(year=2025)
    past = make_initiative(old, "HCC", title=PAST[2], state="accepted")
    make_initiative(new, "VP", title=PAST[3])  # a draft of another office: private
    matches = similarity.similar_initiatives("Nhắc lịch trả kết quả hồ sơ qua Zalo OA")
    assert [m.initiative.id for m in matches] == [past.id]
    assert similarity.similar_initiatives("Tra cứu hồ sơ bằng mã QR") == []
    assert similarity.similar_initiatives(PAST[2], exclude_id=past.id) == []


def test_content_is_compared_too(commune):
    rnd = make_round(year=2024)
    past = make_initiative(
        rnd,
        "KT",
        title="Chợ văn minh",
        solution="Mỗi hộ kinh doanh có mã QR riêng để nộp phí chợ, đối soát tự động hằng ngày.",
        state="submitted",
    )
    matches = similarity.similar_initiatives(
        "Cải tiến thu phí", "Hộ kinh doanh nộp phí chợ bằng mã QR riêng, đối soát tự động."
    )
    assert [m.initiative.id for m in matches] == [past.id]
