"""What a new deployment starts with: a SIPAS-style questionnaire, the procedure fields a
commune's one-stop centre receives dossiers for, and its counters. All editable.

The questionnaire follows the five aspects of the Ministry of Home Affairs' satisfaction
index (SIPAS, Đề án đo lường sự hài lòng, Quyết định 2640/QĐ-BNV): access to the service,
the administrative procedure, the civil servant who handled it, the result, and how
suggestions and complaints are received and handled. Its 22 criteria are condensed here into
two statements per aspect, rated on the usual five-point scale, so that a person at the
counter answers in about a minute; the secretariat can add the others. The fifth aspect is
optional: only people who made a suggestion can judge how it was handled.
"""

from __future__ import annotations

DEFAULT_TITLE = "Phiếu khảo sát sự hài lòng về sự phục vụ hành chính"
DEFAULT_INTRO = (
    "Xin Ông/Bà cho biết mức độ hài lòng về việc giải quyết thủ tục hành chính vừa thực "
    "hiện. Phiếu không ghi tên, không cần đăng nhập; ý kiến của Ông/Bà giúp Ủy ban nhân dân "
    "xã phục vụ tốt hơn."
)
DEFAULT_SCALE = [
    "Rất không hài lòng",
    "Không hài lòng",
    "Bình thường",
    "Hài lòng",
    "Rất hài lòng",
]

# (code, title, [(statement, required)])
DEFAULT_ASPECTS: list[tuple[str, str, list[tuple[str, bool]]]] = [
    (
        "tiep_can",
        "Tiếp cận dịch vụ",
        [
            ("Nơi ngồi chờ và trang thiết bị phục vụ tại Bộ phận Một cửa", True),
            ("Việc tìm hiểu thông tin, liên hệ để thực hiện thủ tục", True),
        ],
    ),
    (
        "thu_tuc",
        "Thủ tục hành chính",
        [
            ("Thủ tục hành chính được niêm yết công khai đầy đủ, chính xác", True),
            ("Thành phần hồ sơ, phí, lệ phí và thời hạn giải quyết theo quy định", True),
        ],
    ),
    (
        "cong_chuc",
        "Công chức trực tiếp giải quyết công việc",
        [
            ("Thái độ giao tiếp, sự lắng nghe của công chức", True),
            ("Sự hướng dẫn kê khai hồ sơ của công chức (tận tình, dễ hiểu)", True),
        ],
    ),
    (
        "ket_qua",
        "Kết quả giải quyết thủ tục hành chính",
        [
            ("Kết quả nhận được đúng quy định, thông tin đầy đủ, chính xác", True),
            ("Thời gian trả kết quả so với giấy hẹn", True),
        ],
    ),
    (
        "gop_y",
        "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
        [
            (
                "Cách thức tiếp nhận góp ý, phản ánh, kiến nghị (hòm thư, đường dây nóng, trực "
                "tuyến)",
                False,
            ),  # fmt: skip
            ("Việc xử lý và thông báo kết quả xử lý góp ý, phản ánh, kiến nghị", False),
        ],
    ),
]

# (code, name, office answering its suggestions): the fields of a commune's one-stop centre
# after the 2025 reform (land and construction with the economic office, civil status and
# certification with the People's Committee's office, social affairs with VH-XH).
DEFAULT_FIELDS: list[tuple[str, str, str]] = [
    ("dat_dai", "Đất đai", "KT"),
    ("xay_dung", "Xây dựng", "KT"),
    ("ho_tich", "Hộ tịch", "VP"),
    ("chung_thuc", "Chứng thực", "VP"),
    ("kinh_doanh", "Đăng ký kinh doanh", "KT"),
    ("lao_dong_xa_hoi", "Lao động, người có công và xã hội", "VHXH"),
    ("y_te_giao_duc", "Y tế, giáo dục", "VHXH"),
    ("khac", "Lĩnh vực khác", "HCC"),
]

DEFAULT_COUNTERS = [
    "Quầy 1 – Đất đai, xây dựng, kinh doanh",
    "Quầy 2 – Tư pháp, hộ tịch, chứng thực",
    "Quầy 3 – Văn hóa - xã hội và lĩnh vực khác",
]
