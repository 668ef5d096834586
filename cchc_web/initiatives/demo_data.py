"""Demo: the 2025 round of Xã Chí Minh (seed 000: deadline 20/9, Decision by 30/9) with
initiatives of several offices in different states, a council of five and some score sheets."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from .. import demo
from ..admin.services import office_by_code, user_by_username
from ..extensions import db
from ..models import Initiative, Round
from . import services

SUBMITTED_ON = date(2025, 9, 15)

# (office, title, field, [(author username, share)], final state, extra text)
DEMO_INITIATIVES = [
    (
        "HCC",
        "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại Trung tâm Phục vụ hành chính "
        "công xã",
        "chinh_quyen_so",
        [("hcc.canbo", 60), ("hcc.lanhdao", 40)],
        "accepted",
        "Quét, ký số và lưu hồ sơ, kết quả TTHC vào kho dữ liệu điện tử ngay khi tiếp nhận; "
        "người dân không phải nộp lại giấy tờ đã có. 3 tháng: 1.240 hồ sơ được số hóa, "
        "thời gian tra cứu giảm từ 15 phút xuống 1 phút.",
    ),
    (
        "VP",
        "Nhắc lịch hẹn trả kết quả thủ tục hành chính qua Zalo OA của UBND xã",
        "tthc",
        [("vp.canbo", 70), ("vp.lanhdao", 30)],
        "accepted",
        "Tự động gửi tin nhắn Zalo OA nhắc người dân ngày hẹn trả kết quả và hồ sơ cần bổ sung. "
        "Tỷ lệ trả kết quả đúng hẹn tăng từ 91% lên 98%.",
    ),
    (
        "KT",
        "Thu phí chợ và thuế khoán hộ kinh doanh không dùng tiền mặt bằng mã QR",
        "tai_chinh_cong",
        [("kt.canbo", 100)],
        "accepted",
        "Mỗi hộ kinh doanh có mã QR riêng để nộp phí chợ; đối soát tự động hằng ngày. "
        "85% hộ tại chợ trung tâm đã nộp qua QR, giảm 2 người thu tiền mặt.",
    ),
    (
        "VHXH",
        "Theo dõi tiến độ nhiệm vụ cải cách hành chính của các phòng bằng bảng tính dùng chung",
        "chi_dao_dieu_hanh",
        [("vhxh.canbo", 100)],
        "accepted",
        "Bảng tính dùng chung cập nhật tiến độ từng nhiệm vụ của kế hoạch CCHC; lãnh đạo xem "
        "được nhiệm vụ chậm tiến độ theo thời gian thực.",
    ),
    (
        "VHTT",
        "Tuyên truyền dịch vụ công trực tuyến qua hệ thống loa truyền thanh thông minh",
        "chinh_quyen_so",
        [("vhtt.canbo", 50), ("vhtt.lanhdao", 50)],
        "submitted",
        "Phát bản tin hướng dẫn nộp hồ sơ trực tuyến 3 buổi mỗi tuần trên loa thông minh.",
    ),
    (
        "CA",
        "Hỗ trợ kích hoạt tài khoản định danh điện tử VNeID tại nhà cho người cao tuổi",
        "chinh_quyen_so",
        [("ca.canbo", 80), ("ca.lanhdao", 20)],
        "returned",
        "Tổ công tác đến nhà hướng dẫn, kích hoạt tài khoản định danh mức 2.",
    ),
    (
        "QS",
        "Số hóa hồ sơ quản lý công dân trong độ tuổi thực hiện nghĩa vụ quân sự",
        "chinh_quyen_so",
        [("qs.canbo", 100)],
        "draft",
        "Lập cơ sở dữ liệu điện tử thay sổ theo dõi giấy.",
    ),
]

# (member username, office code of the initiative, novelty, effectiveness, applicability, yes?)
DEMO_SCORES = [
    ("phochutich", "HCC", 27, 35, 26, True),
    ("phochutich", "VP", 22, 30, 24, True),
    ("phochutich", "KT", 18, 24, 20, True),
    ("phochutich", "VHXH", 10, 15, 12, False),
    ("kt.lanhdao", "HCC", 28, 34, 27, True),
    ("kt.lanhdao", "VP", 21, 31, 22, True),
    ("hcc.lanhdao", "VP", 20, 28, 22, True),
    ("hcc.lanhdao", "KT", 17, 26, 19, True),
]


def _user(username: str):
    user = user_by_username(username)
    assert user is not None, f"demo account {username} missing: seed_organisation runs first"
    return user


@demo.demo_seeder(order=40)
def seed_initiatives() -> None:
    """The 2025 round, its initiatives and council; does nothing when the round exists."""
    if db.session.scalar(select(Round).where(Round.year == 2025)) is not None:
        return
    from ..council import services as council_ops

    secretariat = _user("vhxh.lanhdao")
    rnd = services.create_round(
        services.RoundData(
            year=2025,
            title="Sáng kiến cải cách hành chính năm 2025",
            submission_deadline=date(2025, 9, 20),
            decision_deadline=date(2025, 9, 30),
        ),
        secretariat,
    )
    by_office: dict[str, Initiative] = {}
    for code, title, field, authors, state, text in DEMO_INITIATIVES:
        office = office_by_code(code)
        author_rows = [services.AuthorData(user_id=_user(u).id, share=s) for u, s in authors]
        drafter = _user(authors[0][0])
        initiative = services.create_initiative(
            rnd,
            office,
            services.InitiativeData(
                title=title,
                field=field,
                current_situation="Trước đây việc này làm thủ công trên giấy, mất thời gian "
                "của người dân và cán bộ.",
                solution=text,
                novelty="Lần đầu tiên áp dụng tại xã Chí Minh.",
                first_applied_on=date(2025, 7, 1),
                applied_where=office.name,
                effectiveness=text,
                replication="Có thể áp dụng tại các xã, phường khác của thành phố.",
                conditions="Đường truyền Internet, thiết bị sẵn có của đơn vị.",
                authors=author_rows,
            ),
            drafter,
        )
        by_office[code] = initiative
        if state == "draft":
            continue
        head = _user(f"{code.lower()}.lanhdao")
        services.submit_initiative(initiative, head, today=SUBMITTED_ON)
        initiative.submitted_at = datetime(2025, 9, 15, 2, 30, tzinfo=UTC)
        if state == "returned":
            services.return_initiative(
                initiative,
                "Bổ sung số liệu hiệu quả (số tài khoản đã kích hoạt) và minh chứng.",
                secretariat,
            )
        elif state == "accepted":
            services.accept_initiative(initiative, secretariat)

    council = council_ops.create_council(rnd, secretariat)
    for username, position in (
        ("phochutich", "chair"),
        ("vhxh.lanhdao", "secretary"),
        ("vp.lanhdao", "member"),
        ("kt.lanhdao", "member"),
        ("hcc.lanhdao", "member"),
    ):
        council_ops.add_member(council, _user(username), position, secretariat)
    council_ops.record_decision(council, "112/QĐ-UBND", date(2025, 9, 22), secretariat)
    council_ops.open_scoring(council, secretariat)
    for username, code, novelty, effect, apply, yes in DEMO_SCORES:
        council_ops.submit_score(
            council,
            _user(username),
            by_office[code],
            {"novelty": novelty, "effectiveness": effect, "applicability": apply},
            yes,
            "Sáng kiến có số liệu cụ thể." if yes else "Chưa thể hiện rõ tính mới.",
        )
    db.session.flush()
