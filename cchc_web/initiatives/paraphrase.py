"""Does a new initiative say what an earlier one said, in other words?

Vietnamese writes a word as several syllables ("thủ tục", "hành chính"), so a word-level
comparison needs a segmenter. pyvi ships one (a CRF model inside the package) but brings
scikit-learn, scipy and numpy into a small intranet server; two-syllable words are most of
the vocabulary of these titles, so here adjacent syllable pairs (bigrams) stand for the
words, beside the syllables themselves. Before that, each text is folded (cchc_web/text:
case, diacritics, tone placement), its abbreviations spelt out (TTHC, DVC, IOC…), and the
phrases of a synonym group made one concept ("trợ lý ảo" = "chatbot" = "trí tuệ nhân tạo";
"qua mạng" = "trực tuyến"; "bưu điện" = "bưu chính công ích"). Each feature is weighted by
its inverse document frequency over a corpus (the earlier initiatives compared with, plus the
commune's real plan as a background), so "hồ sơ", "người dân", "thủ tục hành chính" weigh
little and "QR", "Zalo", "hộ tịch" much; the score is the cosine of the two weighted vectors.
`combined` mixes it with rapidfuzz's token-set ratio of the folded words (the earlier,
lexical score), which still catches a short title typed so far inside a longer one.

The synonym groups and THRESHOLD were tuned on two thirds of tests/data/similarity_pairs.tsv;
the third held out is measured in tests/test_similarity_eval.py and reported in README.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

from ..text import canonical

# Groups of folded phrases (abbreviations already spelt out) that say the same thing in these
# titles; the first of a group names it.
SYNONYMS: list[tuple[str, ...]] = [
    ("truc tuyen", "qua mang", "moi truong mang", "online", "toan trinh"),
    ("huong dan", "ho tro", "giup", "tu van"),
    ("nguoi dan", "cong dan", "nhan dan", "ho dan", "nguoi gia", "nguoi cao tuoi"),
    ("tra cuu", "xem", "theo doi"),
    ("thong bao", "nhac", "nhac lich", "bao cho", "bao"),
    ("tin nhan", "sms", "nhan tin"),
    ("tro ly ao", "chatbot", "tri tue nhan tao", "ai"),
    ("tra loi", "giai dap"),
    ("cau hoi", "thac mac"),
    ("danh gia", "cham diem", "xep loai", "khao sat"),
    ("may tinh bang", "thiet bi dien tu", "may tinh"),
    ("tai nha", "tan nha", "den nha", "ve nha"),
    ("buu chinh cong ich", "buu dien", "buu chinh"),
    ("cong thong tin dien tu", "trang thong tin dien tu", "trang thong tin", "website"),
    ("khong dung tien mat", "chuyen khoan", "thanh toan dien tu", "khong nhan tien mat"),
    ("le phi", "phi"),
    ("dat lich", "dang ky lich", "lich hen"),
    ("chi dao", "giao viec", "dieu hanh"),
    ("so hoa", "dien tu hoa"),
    ("co so du lieu", "kho du lieu", "du lieu dung chung"),
    ("loa truyen thanh", "phat thanh", "truyen thanh"),
    ("dien thoai", "di dong", "dien thoai di dong", "smartphone"),
    ("nhan dang", "boc tach", "tu dong nhap"),
    ("bao hiem y te", "bhyt"),
    ("6", "sau"),
    ("tre em", "tre"),
    ("so tay", "cam nang"),
    ("thuong gap", "hay thuc hien", "pho bien"),
    ("tu phuc vu", "tu nop", "tu lam"),
    ("vneid", "dinh danh dien tu", "tai khoan dinh danh"),
    ("thanh nien", "doan vien", "tinh nguyen"),
    ("ung dung", "phan mem", "app"),
    ("bai bo", "huy bo"),
    ("khong con phu hop", "het hieu luc", "trai quy dinh"),
    ("khong hen", "ngay khong hen", "trong ngay", "ngay trong ngay"),
    ("trung tam dieu hanh thong minh", "trung tam giam sat dieu hanh thong minh"),
    ("tre hen", "qua han"),
    ("xin loi", "thu xin loi"),
    ("video", "clip"),
    ("fanpage", "facebook", "trang mang xa hoi"),
    ("dung chung", "chia se"),
    ("khieu nai", "don thu"),
    ("nhiem vu", "cong viec"),
    ("ban sao dien tu", "ban sao dien tu co chung thuc"),
    ("phan anh", "gop y", "y kien"),
]
# Folded function words and the words of every initiative: they say nothing about the idea.
STOPWORDS = frozenset(
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
        "thuc",
        "hien",
        "nang",
        "cao",
        "hieu",
        "giai",
        "phap",
        "sang",
        "kien",
        "xa",
        "phuong",
        "uy",
        "ban",
        "nhan",
        "dan",
        "nguoi",
        "lai",
        "ra",
        "vao",
        "cung",
        "toan",
        "bo",
        "tung",
        "moi",
        "khong",
        "phai",
        "hoac",
        "dang",
        "ngay",
        "dai",
        "doi",
        "nham",
        "xay",
        "dung",
        "tang",
        "cuong",
        "mo",
        "hinh",
        "to",
        "chuc",
        "thanh",
        "lap",
        "trien",
        "khai",
        "ap",
        "dung",
    ]
)
THRESHOLD = 0.30  # tuned on two thirds of the labelled pairs (see the module's docstring)
FUZZY_WEIGHT = 0.25  # of the lexical score in `combined`, the rest is the concept cosine

_PHRASES = sorted(
    ((phrase, group[0].replace(" ", "_")) for group in SYNONYMS for phrase in group),
    key=lambda item: -len(item[0].split()),
)
_BACKGROUND = Path(__file__).resolve().parent.parent / "plans" / "data"


def concepts(text: str) -> list[str]:
    """The folded syllables of `text`, abbreviations spelt out, each synonym phrase made its
    group's one token, function words removed."""
    return list(_concepts(text or ""))


@lru_cache(maxsize=50_000)
def _concepts(text: str) -> tuple[str, ...]:
    """`concepts`, remembered: the same earlier titles are compared on every keystroke."""
    padded = f" {canonical(text)} "
    for phrase, concept in _PHRASES:
        if f" {phrase} " in padded:
            padded = padded.replace(f" {phrase} ", f" {concept} ")
    return tuple(w for w in padded.split() if w not in STOPWORDS)


def features(text: str) -> Counter:
    """Syllables and concepts, and the pairs of adjacent ones (standing for two-syllable
    words: "ho tich", "ma qr")."""
    units = _concepts(text or "")
    found = Counter(units)
    found.update(f"{a}+{b}" for a, b in zip(units, units[1:], strict=False))
    return found


class Corpus:
    """Document frequencies of the features over some texts: the weights of `cosine`."""

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self.documents = 0
        self.frequency: Counter = Counter()
        self.add(texts)

    def add(self, texts: Iterable[str]) -> Corpus:
        for text in texts:
            self.documents += 1
            self.frequency.update(set(features(text)))
        return self

    def weight(self, feature: str) -> float:
        return math.log((self.documents + 1) / (self.frequency[feature] + 0.5))

    def vector(self, text: str) -> dict[str, float]:
        return {f: n * self.weight(f) for f, n in features(text).items()}


@lru_cache(maxsize=1)
def _plan_texts() -> tuple[str, ...]:
    texts = []
    for path in sorted(_BACKGROUND.glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                texts.append(row.get("noi_dung") or row.get("chi_tieu") or "")
    return tuple(texts)


@lru_cache(maxsize=64)
def _background(field_texts: tuple[str, ...]) -> tuple[str, ...]:
    return field_texts + _plan_texts()


def background_texts() -> tuple[str, ...]:
    """The real plan of the seed commune (tasks and objectives) and the commune's initiative
    fields (Quản trị › Thiết lập): what every text of this domain shares, so that it weighs
    little from the first day."""
    from ..models import commune_settings

    return _background(tuple(commune_settings.current().initiative_fields.values()))


def corpus_with(texts: Iterable[str]) -> Corpus:
    return Corpus(background_texts()).add(texts)


def cosine(a: str, b: str, corpus: Corpus) -> float:
    va, vb = corpus.vector(a), corpus.vector(b)
    dot = sum(w * vb.get(f, 0.0) for f, w in va.items())
    norm = math.sqrt(sum(w * w for w in va.values())) * math.sqrt(sum(w * w for w in vb.values()))
    return dot / norm if norm else 0.0


def lexical(a: str, b: str) -> float:
    """0–1: rapidfuzz's token-set ratio of the folded, stopword-free syllables."""
    wa, wb = concepts(a), concepts(b)
    if len(wa) < 2 or len(wb) < 2:
        return 0.0
    return fuzz.token_set_ratio(" ".join(wa), " ".join(wb)) / 100


def combined(a: str, b: str, corpus: Corpus) -> float:
    """0–1: how much the two texts say the same thing."""
    return (1 - FUZZY_WEIGHT) * cosine(a, b, corpus) + FUZZY_WEIGHT * lexical(a, b)
