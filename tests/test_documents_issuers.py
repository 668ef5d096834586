"""Who issues and who signs (Nghị định 30, Phụ lục I): one owner for the lines every PDF uses."""

import pytest

from cchc_web.documents import (
    authority_title,
    capacity_lines,
    committee_issuer,
    office_issuer,
)


def test_committee_issuer_and_authority():
    assert committee_issuer("Xã Chí Minh") == ["ỦY BAN NHÂN DÂN", "XÃ CHÍ MINH"]
    assert authority_title("chairman", "Xã Chí Minh") == "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ CHÍ MINH"
    assert authority_title("committee", "Phường Gia Viên") == "ỦY BAN NHÂN DÂN PHƯỜNG GIA VIÊN"


@pytest.mark.parametrize(
    ("office", "issuer"),
    [
        # The trailing "xã" goes (the line above names the commune); no "/ XÃ" orphan.
        ("Văn phòng HĐND và UBND xã", ["VĂN PHÒNG HĐND VÀ UBND"]),
        ("Phòng Kinh tế", ["PHÒNG KINH TẾ"]),
        ("Phòng Văn hóa - Xã hội", ["PHÒNG VĂN HÓA - XÃ HỘI"]),
        # Too long for the column: two balanced lines.
        ("Trung tâm Phục vụ hành chính công", ["TRUNG TÂM PHỤC VỤ", "HÀNH CHÍNH CÔNG"]),
        (
            "Trung tâm Văn hóa - Thể thao và Truyền thông",
            ["TRUNG TÂM VĂN HÓA - THỂ THAO", "VÀ TRUYỀN THÔNG"],
        ),
        ("Ban Chỉ huy Quân sự xã", ["BAN CHỈ HUY QUÂN SỰ"]),
    ],
)
def test_office_issuer_breaks_lines_where_they_read(office, issuer):
    parent, lines = office_issuer(office, "Xã Chí Minh")
    assert parent == ["UBND XÃ CHÍ MINH"]
    assert lines == issuer


def test_capacity_lines():
    assert capacity_lines("chairman", False) == ["CHỦ TỊCH"]
    assert capacity_lines("chairman", True) == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert capacity_lines("committee", True) == [
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
    ]
