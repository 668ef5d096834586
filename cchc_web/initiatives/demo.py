"""Demo data of the initiatives domain: the 2025 round of Xã Chí Minh (seed 000: deadline 20/9,
Decision by 30/9) and this year's round, open today, with initiatives of several offices in
different states. What follows the secretariat's review (the council, its scores and minutes,
the recognition Decision, the city nomination) is told by `council/demo.py`."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..admin.services import office_by_code, user_by_username
from ..core import demo, tenancy
from ..core.extensions import db
from ..core.timeutil import local_now, story_time
from ..models import Round
from . import services

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


def demo_user(username: str):
    user = user_by_username(username)
    assert user is not None, f"demo account {username} missing: seed_organisation runs first"
    return user


def _evidence(initiative_title: str, office_name: str, uploader) -> list:
    """A one-page report of the application, as an office would attach it."""
    from werkzeug.datastructures import FileStorage

    from ..documents import OfficialDocument, Paragraph, render
    from ..records import attachments

    pdf = render(
        OfficialDocument(
            issuer_lines=[office_name],
            doc_type="Báo cáo",
            summary=f"Kết quả áp dụng sáng kiến “{initiative_title}”",
            body=[
                Paragraph(
                    "Sáng kiến được áp dụng tại đơn vị từ ngày 01/7/2025; số liệu trước và sau "
                    "khi áp dụng được tổng hợp hằng tháng và lưu tại đơn vị."
                )
            ],
        ),
        invariant=True,
    ).pdf
    upload = FileStorage(
        stream=io.BytesIO(pdf),
        filename="Bao cao ket qua ap dung.pdf",
        content_type="application/pdf",
    )
    return attachments.store_uploads([upload], uploader)


def days_ago(days: int, hour: int) -> datetime:
    """A moment of the open round's story: ``days`` before today at ``hour``, never later
    than half an hour ago nor before the story starts."""
    now = local_now().replace(tzinfo=None)
    moment = datetime.combine(now.date() - timedelta(days=days), time(hour))
    return max(min(moment, now - timedelta(minutes=30)), demo.STORY_START)


# The round open today: (office, title, field, author, state, days before today it was
# handed in, evidence?).
OPEN_ROUND = [
    (
        "HCC",
        "Tra cứu tình trạng hồ sơ bằng mã QR in trên phiếu hẹn trả kết quả",
        "tthc",
        "hcc.canbo",
        "accepted",
        9,
        True,
    ),
    (
        "VP",
        "Theo dõi văn bản đến, đi và hạn xử lý trên phần mềm HP-eOffice thay sổ giấy",
        "chinh_quyen_so",
        "vp.canbo",
        "accepted",
        7,
        True,
    ),
    (
        "VHTT",
        "Hướng dẫn nộp hồ sơ trực tuyến bằng video ngắn trên trang Zalo của xã",
        "chinh_quyen_so",
        "vhtt.canbo",
        "submitted",
        3,
        False,
    ),
    (
        "QS",
        "Quản lý hồ sơ đăng ký nghĩa vụ quân sự trên bảng tính dùng chung",
        "to_chuc_bo_may",
        "qs.canbo",
        "draft",
        0,
        False,
    ),
]


@demo.demo_seeder(order=44)
def seed_open_round() -> None:
    """This year's round, open on the day the demo is built: applications in each state; its
    council composed (by `council/demo.py`, which runs next)."""
    today = local_now().date()
    if today.year <= 2025 or db.session.scalar(select(Round).where(Round.year == today.year)):
        return
    at = days_ago
    secretariat = demo_user("vhxh.lanhdao")
    with story_time(at(20, 8)):
        rnd = services.create_round(
            services.RoundData(
                year=today.year,
                title=f"Sáng kiến cải cách hành chính năm {today.year}",
                submission_deadline=today + timedelta(days=12),
                decision_deadline=today + timedelta(days=25),
            ),
            secretariat,
        )
    for code, title, field, author, state, handed_in, with_evidence in OPEN_ROUND:
        office = office_by_code(code)
        drafter = demo_user(author)
        with story_time(at(handed_in + 4, 9)):
            evidence = _evidence(title, office.name, drafter) if with_evidence else []
            initiative = services.create_initiative(
                rnd,
                office,
                services.InitiativeData(
                    title=title,
                    field=field,
                    current_situation="Việc này đang làm thủ công, người dân phải đến hỏi trực "
                    "tiếp hoặc gọi điện.",
                    solution=title + ": quy trình, phân công và công cụ được mô tả chi tiết.",
                    novelty="Lần đầu áp dụng tại xã.",
                    first_applied_on=today - timedelta(days=60) if with_evidence else None,
                    applied_where=office.name if with_evidence else "",
                    effectiveness="Giảm thời gian chờ của người dân; có số liệu 2 tháng.",
                    authors=[services.AuthorData(user_id=drafter.id, share=100)],
                ),
                drafter,
                evidence,
            )
        if state == "draft":
            continue
        with story_time(at(handed_in, 10)):
            services.submit_initiative(initiative, demo_user(f"{code.lower()}.lanhdao"))
        if state == "accepted":
            with story_time(at(handed_in - 1, 14)):
                services.accept_initiative(initiative, secretariat)
    db.session.flush()


@demo.demo_seeder(order=40)
def seed_initiatives() -> None:
    """The 2025 round (seed 000) up to the secretariat's review, each step through the
    services at the moment it happened: initiatives of several offices submitted, returned,
    accepted or still in draft (the council's part is told by `council/demo.py`). Does
    nothing when the round exists."""
    if db.session.scalar(select(Round).where(Round.year == 2025)) is not None:
        return
    secretariat = demo_user("vhxh.lanhdao")
    with story_time(datetime(2025, 9, 5, 8, 30)):
        rnd = services.create_round(
            services.RoundData(
                year=2025,
                title="Sáng kiến cải cách hành chính năm 2025",
                submission_deadline=date(2025, 9, 20),
                decision_deadline=date(2025, 9, 30),
            ),
            secretariat,
        )
    for day, (code, title, field, authors, state, text) in enumerate(DEMO_INITIATIVES, start=8):
        office = office_by_code(code)
        author_rows = [services.AuthorData(user_id=demo_user(u).id, share=s) for u, s in authors]
        drafter = demo_user(authors[0][0])
        with story_time(datetime(2025, 9, min(day, 14), 9, 0)):
            evidence = _evidence(title, office.name, drafter) if state == "accepted" else []
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
                evidence,
            )
        if state == "draft":
            continue
        head = demo_user(f"{code.lower()}.lanhdao")
        with story_time(datetime(2025, 9, 15, 9, 30)):
            services.submit_initiative(initiative, head)
        with story_time(datetime(2025, 9, 16, 10, 0)):
            if state == "returned":
                services.return_initiative(
                    initiative,
                    "Bổ sung số liệu hiệu quả (số tài khoản đã kích hoạt) và minh chứng.",
                    secretariat,
                )
            elif state == "accepted":
                services.accept_initiative(initiative, secretariat)
    db.session.flush()


# Phường Gia Viên's round (seed 002): (office, drafter, head, title, field, day of September).
SECOND_COMMUNE_INITIATIVES = [
    (
        "KT",
        "gv.kt.canbo",
        "gv.kt.lanhdao",
        "Tiếp nhận và trả kết quả cấp phép xây dựng nhà ở riêng lẻ qua một đầu mối của phường",
        "tthc",
        22,
    ),
    (
        "VHXH",
        "gv.vhxh.canbo",
        "gv.vhxh.lanhdao",
        "Bảng theo dõi hằng tháng các chỉ số PAR Index, SIPAS và DTI của phường",
        "chi_so",
        24,
    ),
]


@demo.demo_seeder(order=91)
def seed_second_commune_round() -> None:
    """Phường Gia Viên's 2025 round as its call of 19/9/2025 set it (seed 002): fields a) to
    h), applications before 25/9, the Chairman's Decision by 30/9; two offices handed theirs in
    before the deadline. Does nothing without the ward or when its round exists."""
    from ..models import Commune, commune_settings

    commune_id = db.session.scalar(select(Commune.id).where(Commune.name == "Phường Gia Viên"))
    if commune_id is None:
        return
    with tenancy.acting_for(db.session(), commune_id):
        if db.session.scalar(select(Round).where(Round.year == 2025)) is not None:
            return
        # The ward's own settings (admin/cli.py SECOND_SETTINGS): fields a) to h), 25/9, 30/9.
        submission, decision = commune_settings.current().round_deadlines(2025)
        with story_time(datetime(2025, 9, 19, 14, 0)):
            rnd = services.create_round(
                services.RoundData(
                    year=2025,
                    title="Sáng kiến cải cách hành chính năm 2025",
                    submission_deadline=submission,
                    decision_deadline=decision,
                ),
                demo_user("gv.vhxh.lanhdao"),
            )
        for code, drafter, head, title, field, day in SECOND_COMMUNE_INITIATIVES:
            office = office_by_code(code)
            author = demo_user(drafter)
            with story_time(datetime(2025, 9, day, 9, 0)):
                initiative = services.create_initiative(
                    rnd,
                    office,
                    services.InitiativeData(
                        title=title,
                        field=field,
                        current_situation="Người dân và doanh nghiệp phải đến nhiều nơi, "
                        "hỏi nhiều lần; số liệu theo dõi nằm rải rác ở các phòng.",
                        solution=title + ": quy trình, phân công và biểu mẫu được mô tả chi tiết.",
                        novelty="Lần đầu áp dụng tại phường Gia Viên.",
                        first_applied_on=date(2025, 7, 1),
                        applied_where=office.name,
                        effectiveness="Thời gian giải quyết giảm một phần ba; có số liệu 2 tháng.",
                        authors=[services.AuthorData(user_id=author.id, share=100)],
                    ),
                    author,
                )
            with story_time(datetime(2025, 9, day, 15, 0)):
                services.submit_initiative(initiative, demo_user(head))
        db.session.flush()


# This year's round of the ward, open today: drafts of two offices, still to be handed in.
SECOND_COMMUNE_DRAFTS = [
    ("KT", "gv.kt.canbo", "Bản đồ số các công trình xây dựng đã được cấp phép trên địa bàn phường"),
    ("VP", "gv.vp.lanhdao", "Lịch tiếp công dân và trả lời kiến nghị đăng công khai hằng tuần"),
]


@demo.demo_seeder(order=92)
def seed_second_commune_open_round() -> None:
    """Phường Gia Viên's round of this year, open on the day the demo is built (fields a) to
    h), deadline in ten days): KT and VP have drafts to finish and hand in."""
    from ..models import Commune

    today = local_now().date()
    commune_id = db.session.scalar(select(Commune.id).where(Commune.name == "Phường Gia Viên"))
    if commune_id is None or today.year <= 2025:
        return
    with tenancy.acting_for(db.session(), commune_id):
        if db.session.scalar(select(Round).where(Round.year == today.year)) is not None:
            return
        with story_time(days_ago(15, 8)):
            rnd = services.create_round(
                services.RoundData(
                    year=today.year,
                    title=f"Sáng kiến cải cách hành chính năm {today.year}",
                    submission_deadline=today + timedelta(days=10),
                    decision_deadline=today + timedelta(days=15),
                ),
                demo_user("gv.vhxh.lanhdao"),
            )
        for code, drafter, title in SECOND_COMMUNE_DRAFTS:
            office = office_by_code(code)
            author = demo_user(drafter)
            with story_time(days_ago(6, 9)):
                services.create_initiative(
                    rnd,
                    office,
                    services.InitiativeData(
                        title=title,
                        field="chinh_quyen_so" if code == "KT" else "chi_dao_dieu_hanh",
                        current_situation="Thông tin nằm rải rác, người dân phải hỏi nhiều nơi.",
                        solution=title + ": cách làm và phân công được mô tả chi tiết.",
                        authors=[services.AuthorData(user_id=author.id, share=100)],
                    ),
                    author,
                )
        db.session.flush()
