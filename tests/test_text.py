"""The Vietnamese text module (cchc_web/text) and the one place everything stored becomes NFC
with its search key (models/search.py)."""

from __future__ import annotations

import unicodedata

import pytest

from cchc_web.core.extensions import db
from cchc_web.models import User
from cchc_web.models.search import search_key
from cchc_web.text import (
    ABBREVIATIONS,
    canonical,
    fold,
    highlight,
    nfc,
    search_terms,
    tone_normalised,
)
from cchc_web.text.abbreviations import abbreviate


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Hòa giải", "Hoà giải ở cơ sở"),
        ("Thuỷ lợi", "Thủy lợi nội đồng"),
        ("qúy", "Quý"),
        ("so hoa ho so", "Số hóa hồ sơ"),
        ("ĐƯỜNG AN", "đường an"),
        (nfd("hành chính công"), "Trung tâm Phục vụ hành chính công"),
    ],
)
def test_the_issue_pairs_fold_to_the_same_words(typed, stored):
    assert fold(typed) in fold(stored)


def test_fold_is_ascii_words_separated_by_one_space():
    assert fold("  Số hóa — hồ sơ; 100%_\u00a0ĐẮK\tLẮK ") == "so hoa ho so 100 dak lak"
    assert fold("!!!%%%___") == ""
    assert fold(nfd("Thủ tục")) == fold("Thủ tục") == "thu tuc"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("hoà", "hòa"),
        ("Hoà giải", "Hòa giải"),
        ("thuỷ lợi", "thủy lợi"),
        ("khoẻ", "khỏe"),
        ("qúy", "quý"),
        ("HUỶ", "HỦY"),
        ("Toà án", "Tòa án"),
    ],
)
def test_old_tone_placement_becomes_the_new(old, new):
    assert tone_normalised(old) == new
    assert tone_normalised(nfd(old)) == new


@pytest.mark.parametrize("word", ["quý", "quỳnh", "toán", "hoạt", "khuya", "thuở", "của", "hòa"])
def test_new_placement_and_other_words_stay(word):
    assert tone_normalised(word) == word


def test_nfc_composes_and_drops_control_characters():
    assert nfc(nfd("Thủy lợi")) == "Thủy lợi"
    assert len(nfc(nfd("ủ"))) == 1
    assert nfc("a\x00b\u200bc\u202ed\tline\n") == "abcd\tline\n"


def test_abbreviations_spelt_out_and_back():
    assert canonical("Giải quyết TTHC") == "giai quyet thu tuc hanh chinh"
    assert canonical("CĐS") == "chuyen doi so"
    assert canonical("UBND, HĐND xã") == "uy ban nhan dan hoi dong nhan dan xa"
    assert abbreviate("so hoa dich vu cong truc tuyen") == "so hoa dvctt"
    assert abbreviate(canonical("Trung tâm phục vụ hành chính công")) == "ttpvhcc"
    for short, words in ABBREVIATIONS.items():
        assert short.isalpha() and short == fold(short)
        assert words == fold(words)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("a", "ít nhất 2 ký tự"),
        ("x" * 10_000, "tối đa 200 ký tự"),
        ("%%% ___ !!!", "chữ hoặc số"),
        ("\x00\x01", None),
        ("", None),
    ],
)
def test_bad_queries_are_refused_in_vietnamese_or_empty(raw, message):
    query = search_terms(raw)
    assert not query.terms
    if message:
        assert message in query.error
    else:
        assert query.error is None


def test_query_terms_spell_out_abbreviations_and_drop_wildcards():
    query = search_terms("TTHC 50%_off")
    assert query.terms == ("thu tuc hanh chinh", "50", "off")
    assert "tthc" in query.marks
    assert search_terms("thủ tục hành chính").marks[0] == "thu tuc hanh chinh"
    assert "tthc" in search_terms("thủ tục hành chính").marks


def test_highlight_marks_words_and_escapes_the_rest():
    html = str(highlight("<b>Số hóa</b> hồ sơ & TTHC", search_terms("so hoa thủ tục hành chính")))
    assert (
        html == "&lt;b&gt;<mark>Số hóa</mark>&lt;/b&gt; hồ <mark>sơ</mark> &amp; <mark>TTHC</mark>"
    )
    assert str(highlight("khoa học", search_terms("hoa"))) == "khoa học"  # word starts only
    assert str(highlight("<i>", search_terms(""))) == "&lt;i&gt;"


def test_search_key_separates_title_from_the_rest():
    assert search_key("Số hóa TTHC", "Văn phòng") == " so hoa thu tuc hanh chinh ~ van phong "
    assert search_key("", "") == " ~ "


def test_every_string_is_stored_nfc_and_the_key_follows_the_record(commune):
    user = User(username="nfd", full_name=nfd("Nguyễn Thị Hoà"), position_title=nfd("Văn thư"))
    user.set_password("Demo@2025x")
    db.session.add(user)
    db.session.commit()
    db.session.expire_all()
    assert user.full_name == "Nguyễn Thị Hoà" and unicodedata.is_normalized("NFC", user.full_name)
    assert user.search_key == " nguyen thi hoa nfd ~ van thu "
    user.position_title = "Chuyên viên CĐS"
    db.session.commit()
    assert user.search_key == " nguyen thi hoa nfd ~ chuyen vien chuyen doi so "
