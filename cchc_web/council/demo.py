"""Demo data of the council: what follows the secretariat's review of the demo's rounds (told
by `initiatives/demo.py`). The 2025 round: a council of five established by the Chairman's
signed Decision, its scores and signed minutes, the recognition Decision signed by the
Vice-Chairman, one initiative nominated to the city. This year's round, open today: a council
composed, its establishment Decision waiting for the Chairman's signature."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ..core.demo import demo_seeder
from ..core.extensions import db
from ..core.timeutil import local_today, story_time
from ..decisions import services as decision_ops
from ..decisions.demo import ensure_demo_signers
from ..initiatives.demo import days_ago, demo_user
from ..models import Council, DecisionKind, Initiative, Round
from . import minutes
from . import services as council_ops

# Each accepted initiative's points (novelty, effectiveness, applicability) and vote; each
# member scores it a little differently (MEMBER_SHIFT) and never their own office's.
DEMO_POINTS = {
    "HCC": (27, 35, 26, True),
    "VP": (22, 30, 23, True),
    "KT": (19, 25, 20, True),
    "VHXH": (10, 14, 12, False),
}
DEMO_COUNCIL = [
    ("phochutich", "chair", 0),
    ("vhxh.lanhdao", "secretary", -1),
    ("vp.lanhdao", "member", 1),
    ("kt.lanhdao", "member", 0),
    ("hcc.lanhdao", "member", -1),
]
NOMINATED = ("HCC",)


def _uncounselled(year: int) -> Round | None:
    """The demo round of ``year`` when it has no council yet (else None: already told)."""
    rnd = db.session.scalar(select(Round).where(Round.year == year))
    if rnd is None or db.session.scalar(select(Council.id).where(Council.round_id == rnd.id)):
        return None
    return rnd


@demo_seeder(order=41)
def seed_council_2025() -> None:
    """The 2025 round from its council to the city nomination, each step through the
    services at the moment it happened."""
    rnd = _uncounselled(2025)
    if rnd is None:
        return
    secretariat = demo_user("vhxh.lanhdao")
    by_office: dict[str, Initiative] = {i.office.code: i for i in rnd.initiatives}

    # The council: composed, then established by the Chairman's signed Decision.
    with story_time(datetime(2025, 9, 16, 14, 0)):
        council = council_ops.create_council(rnd, secretariat)
        for username, position, _shift in DEMO_COUNCIL:
            council_ops.add_member(council, demo_user(username), position, secretariat)
        db.session.flush()
        ensure_demo_signers([m.user for m in council.members])
    with story_time(datetime(2025, 9, 16, 15, 0)):
        establishment = decision_ops.create_draft(
            DecisionKind.COUNCIL_ESTABLISHMENT, council.id, secretariat
        )
        decision_ops.submit(establishment, secretariat)
    with story_time(datetime(2025, 9, 17, 8, 15)):
        decision_ops.approve(establishment, demo_user("chutich"))
    with story_time(datetime(2025, 9, 17, 9, 0)):
        council_ops.open_scoring(council, secretariat)

    # Every member scores every initiative they may (never their own office's).
    for offset, (username, _position, shift) in enumerate(DEMO_COUNCIL):
        member = demo_user(username)
        for code, (novelty, effect, apply, yes) in DEMO_POINTS.items():
            initiative = by_office[code]
            if council.conflicted(council.member_for(member), initiative):
                continue
            with story_time(datetime(2025, 9, 22 + offset % 4, 14, 0)):
                council_ops.submit_score(
                    council,
                    member,
                    initiative,
                    {
                        "novelty": max(0, min(30, novelty + shift)),
                        "effectiveness": max(0, min(40, effect + shift)),
                        "applicability": max(0, min(30, apply + shift)),
                    },
                    yes,
                    "Sáng kiến có số liệu cụ thể." if yes else "Chưa thể hiện rõ tính mới.",
                )
    chair, secretary = demo_user("phochutich"), demo_user("vhxh.lanhdao")
    with story_time(datetime(2025, 9, 26, 16, 0)):
        council_ops.close_scoring(council, chair)
    with story_time(datetime(2025, 9, 26, 16, 30)):
        minutes.produce_minutes(council, secretary)
    with story_time(datetime(2025, 9, 26, 17, 0)):
        minutes.sign_minutes(council, chair)

    # The recognition Decision, drafted from the results, signed by the Vice-Chairman.
    with story_time(datetime(2025, 9, 27, 8, 0)):
        recognition = decision_ops.create_draft(
            DecisionKind.INITIATIVE_RECOGNITION, council.id, secretariat
        )
        decision_ops.submit(recognition, secretariat)
    with story_time(datetime(2025, 9, 29, 9, 0)):
        decision_ops.approve(recognition, chair)

    # The Chairman nominates the best one to the city.
    chairman = demo_user("chutich")
    with story_time(datetime(2025, 10, 6, 10, 0)):
        nomination = decision_ops.create_draft(
            DecisionKind.NOMINATION_DOSSIER,
            rnd.id,
            chairman,
            picked=[by_office[code].id for code in NOMINATED],
        )
    with story_time(datetime(2025, 10, 8, 9, 30)):
        decision_ops.approve(nomination, chairman)
    db.session.flush()


@demo_seeder(order=45)
def seed_open_council() -> None:
    """This year's round, open today: its council composed and the establishment Decision
    waiting for the Chairman's signature."""
    rnd = _uncounselled(local_today().year)
    if rnd is None or rnd.year <= 2025:
        return
    secretariat = demo_user("vhxh.lanhdao")
    with story_time(days_ago(4, 14)):
        council = council_ops.create_council(rnd, secretariat)
        for username, position in (
            ("phochutich", "chair"),
            ("vhxh.lanhdao", "secretary"),
            ("kt.lanhdao", "member"),
            ("ca.lanhdao", "member"),
            ("vhtt.lanhdao", "member"),
        ):
            council_ops.add_member(council, demo_user(username), position, secretariat)
        db.session.flush()
        ensure_demo_signers([m.user for m in council.members])
    with story_time(days_ago(2, 9)):
        establishment = decision_ops.create_draft(
            DecisionKind.COUNCIL_ESTABLISHMENT, council.id, secretariat
        )
        decision_ops.submit(establishment, secretariat)
    db.session.flush()


# The city's council (issue 20): Sở Nội vụ's director chairs it, its specialist is the
# secretary, the deputy director of Sở Khoa học và Công nghệ sits on it.
CITY_COUNCIL = [
    ("tp.snv.lanhdao", "chair"),
    ("tp.snv.canbo", "secretary"),
    ("tp.khcn.lanhdao", "member"),
]


@demo_seeder(order=96)
def seed_city_council() -> None:
    """The city's story of this year, after the city tenant exists (`seed_city`): Sở Nội vụ
    opened the city's round a month ago and received Xã Chí Minh's nomination of 2025; the
    city's council was established by the Chairman's signed Decision and is scoring (the
    secretary has scored, the chair and the member have not); Xã Chí Minh nominated a second
    initiative two days ago (waiting to be received), and a Decision of Sở Nội vụ waits for
    the city's Chairman's signature."""
    from ..core import tenancy
    from ..core.settings import application
    from ..decisions import certificates, signing
    from ..decisions.content import DraftContent
    from ..initiatives import nominations
    from ..initiatives import services as initiative_ops
    from ..models import Commune, InitiativeState
    from ..models.org import CommuneKind

    session = db.session()
    city = db.session.scalar(select(Commune).where(Commune.kind == CommuneKind.CITY))
    chiminh = tenancy.first_commune(session)
    today = local_today()  # not inside a story_time below: that is the story's day
    year = today.year
    if city is None or chiminh is None or year <= 2025:
        return
    with tenancy.acting_for(session, city.id):
        if db.session.scalar(select(Round.id).where(Round.year == year)) is not None:
            return  # told already
        folder = signing.demo_ca_folder(application())
        if folder is not None:
            certificates.register_demo_seal(folder, city)
        secretariat, specialist = demo_user("tp.snv.lanhdao"), demo_user("tp.snv.canbo")
        chairman = demo_user("tp.chutich")
        ensure_demo_signers([chairman])
        with story_time(days_ago(30, 9)):
            rnd = initiative_ops.create_round(
                initiative_ops.RoundData(
                    year=year,
                    title=f"Sáng kiến cải cách hành chính cấp thành phố năm {year}",
                    submission_deadline=today + timedelta(days=10),
                    decision_deadline=today + timedelta(days=25),
                ),
                secretariat,
            )
        # Xã Chí Minh's nomination of 2025 (its signed Tờ trình), received into this round.
        waiting = db.session.scalars(nominations.waiting_query(city)).all()
        for initiative in waiting[:1]:
            found = nominations.nomination(city, initiative.id)
            with story_time(days_ago(20, 9)):
                nominations.receive(found, specialist)
        db.session.flush()
        with story_time(days_ago(15, 14)):
            council = council_ops.create_council(rnd, secretariat)
            for username, position in CITY_COUNCIL:
                council_ops.add_member(council, demo_user(username), position, secretariat)
            db.session.flush()
            ensure_demo_signers([m.user for m in council.members])
        with story_time(days_ago(14, 9)):
            establishment = decision_ops.create_draft(
                DecisionKind.COUNCIL_ESTABLISHMENT, council.id, secretariat
            )
            decision_ops.submit(establishment, secretariat)
        with story_time(days_ago(12, 8)):
            decision_ops.approve(establishment, chairman)
        with story_time(days_ago(11, 9)):
            council_ops.open_scoring(council, secretariat)
        for initiative in council_ops.accepted_initiatives(council):
            with story_time(days_ago(5, 15)):
                council_ops.submit_score(
                    council,
                    specialist,
                    initiative,
                    {"novelty": 26, "effectiveness": 34, "applicability": 27},
                    True,
                    "Hồ sơ đầy đủ, số liệu hiệu quả rõ ràng; có thể nhân rộng toàn thành phố.",
                )
        # Sở Nội vụ's Decision on the council's support team, waiting for the Chairman.
        content = DraftContent(
            summary="Về việc thành lập Tổ giúp việc Hội đồng đánh giá sáng kiến cải cách hành "
            f"chính thành phố Hải Phòng năm {year}",
            bases=[
                "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
                f"Căn cứ Quyết định số {establishment.number_symbol} của Chủ tịch UBND thành "
                "phố về việc thành lập Hội đồng đánh giá sáng kiến cải cách hành chính thành "
                f"phố năm {year};",
                "Theo đề nghị của Giám đốc Sở Nội vụ.",
            ],
            articles=[
                "Thành lập Tổ giúp việc Hội đồng gồm các công chức Phòng Cải cách hành chính, "
                "Sở Nội vụ và Phòng Quản lý khoa học, Sở Khoa học và Công nghệ: tổng hợp hồ sơ "
                "đề nghị của các xã, phường, đặc khu và chuẩn bị các phiên họp của Hội đồng.",
                "Quyết định này có hiệu lực kể từ ngày ký.",
                "Chánh Văn phòng UBND thành phố, Giám đốc Sở Nội vụ, Giám đốc Sở Khoa học và "
                "Công nghệ và các cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết "
                "định này./.",
            ],
            recipients=["Như Điều 3", "Lưu: VT, SNV"],
        )
        with story_time(days_ago(2, 9)):
            support = decision_ops.create_from_content("other", content, secretariat)
        with story_time(days_ago(1, 10)):
            decision_ops.submit(support, secretariat)
        db.session.flush()
    # Xã Chí Minh nominates a second recognised initiative: it waits for the city.
    with tenancy.acting_for(session, chiminh):
        rnd2025 = db.session.scalar(select(Round).where(Round.year == 2025))
        more = [i for i in (rnd2025.initiatives if rnd2025 else []) if i.office.code == "VP"]
        if more and more[0].state == InitiativeState.RECOGNISED:
            leader = demo_user("chutich")
            with story_time(days_ago(3, 9)):
                tt = decision_ops.create_draft(
                    DecisionKind.NOMINATION_DOSSIER, rnd2025.id, leader, picked=[more[0].id]
                )
            with story_time(days_ago(2, 10)):
                decision_ops.approve(tt, leader)
        db.session.flush()
