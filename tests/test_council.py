"""The evaluation council (SPEC §5): conflicts of interest enforced on every read and write,
no peeking at others' sheets before submitting, score ranges, the chair's powers, the pass rule
on hand-computed cases (ties, missing quorum), and the minutes."""

import re
import shutil
import subprocess
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.council import services
from cchc_web.models import AuditLog, CouncilMember, Role, Round, Score

from .decisions_support import pki, run_tool  # noqa: F401
from .factories import (
    give_certificate,
    make_council,
    make_initiative,
    make_round,
    make_signer,
    make_user,
    score_as,
)

SECRET = "NHẬN-XÉT-BÍ-MẬT"


@pytest.fixture
def setup(commune):
    """A council of five as in the demo, and accepted initiatives of VP, KT and HCC."""
    rnd = make_round()
    people = {
        "chair": make_user(roles=("vice_chairman",), office=None, username="phochutich"),
        "secretary": make_user(roles=("head", "secretariat"), office="VHXH", username="vhxh.ld"),
        "vp": make_user(roles=("head",), office="VP", username="vp.lanhdao"),
        "kt": make_user(roles=("head",), office="KT", username="kt.lanhdao"),
        "hcc": make_user(roles=("head",), office="HCC", username="hcc.lanhdao"),
    }
    council = make_council(
        rnd,
        [
            (people["chair"], "chair"),
            (people["secretary"], "secretary"),
            (people["vp"], "member"),
            (people["kt"], "member"),
            (people["hcc"], "member"),
        ],
    )
    initiatives = {
        "VP": make_initiative(rnd, "VP", title="Nhắc lịch hẹn qua Zalo OA", state="accepted"),
        "KT": make_initiative(rnd, "KT", title="Thu phí chợ bằng mã QR", state="accepted"),
        "HCC": make_initiative(rnd, "HCC", title="Số hóa hồ sơ tại HCC", state="accepted"),
    }
    return council, people, initiatives


def login(client, user):
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True


def urls(council, initiative):
    base = f"/council/{council.id}/initiatives/{initiative.id}"
    return {"page": base, "total": base + "/total", "sheets": base + "/scores"}


def points(novelty=25, effectiveness=30, applicability=20, **extra):
    return {
        "points-novelty": str(novelty),
        "points-effectiveness": str(effectiveness),
        "points-applicability": str(applicability),
        **extra,
    }


def n_scores() -> int:
    return db.session.scalar(select(func.count(Score.id)))


# -- conflicts ----------------------------------------------------------------------------------
def test_vp_head_gets_403_on_every_url_of_a_vp_initiative(client, setup):
    council, people, initiatives = setup
    vp = initiatives["VP"]
    login(client, people["vp"])
    u = urls(council, vp)
    assert client.get(u["page"]).status_code == 403
    assert client.post(u["page"], data=points()).status_code == 403
    assert client.post(u["total"], data=points()).status_code == 403
    assert client.get(u["sheets"]).status_code == 403
    assert client.get(u["sheets"], headers={"HX-Request": "true"}).status_code == 403
    assert n_scores() == 0
    # Not even listed; the others are.
    listing = client.get(f"/council/{council.id}/score").get_data(as_text=True)
    assert vp.title not in listing and initiatives["KT"].title in listing
    assert client.get(urls(council, initiatives["KT"])["page"]).status_code == 200


def test_the_service_refuses_a_conflicted_score_too(setup):
    council, people, initiatives = setup
    with pytest.raises(DomainError, match="đơn vị mình"):
        services.submit_score(council, people["kt"], initiatives["KT"], {}, True, "")


def test_an_author_stays_conflicted_after_moving_office(client, setup):
    council, people, initiatives = setup
    author = make_user(roles=("staff",), office="CA")
    initiative = make_initiative(council.round, "CA", authors=[(author, 100)], state="accepted")
    # The author later moves to KT and sits on the council (added directly: the council is
    # already scoring, which the service would refuse).
    author.office = people["kt"].office
    db.session.add(CouncilMember(council=council, user=author, position="member"))
    db.session.commit()
    assert not council.conflicted(council.member_for(people["kt"]), initiative)
    assert council.conflicted(council.member_for(author), initiative)
    login(client, author)
    assert client.get(urls(council, initiative)["page"]).status_code == 403
    assert client.post(urls(council, initiative)["page"], data=points()).status_code == 403
    assert n_scores() == 0


def test_non_member_gets_403_and_nothing_is_stored(client, setup):
    council, _people, initiatives = setup
    outsider = make_user(roles=("head", "council_member"), office="CA")
    login(client, outsider)
    u = urls(council, initiatives["VP"])
    assert client.get(u["page"]).status_code == 403
    assert client.post(u["page"], data=points()).status_code == 403
    assert client.get(u["sheets"]).status_code == 403
    assert client.get(f"/council/{council.id}").status_code == 403
    with pytest.raises(DomainError, match="không phải thành viên"):
        services.submit_score(council, outsider, initiatives["VP"], {}, True, "")
    assert n_scores() == 0


# -- no peeking ---------------------------------------------------------------------------------
def test_member_cannot_read_others_sheets_before_submitting_on_any_page(client, setup):
    council, people, initiatives = setup
    vp = initiatives["VP"]
    services.submit_score(
        council,
        people["chair"],
        vp,
        {"novelty": 29, "effectiveness": 37, "applicability": 23},
        True,
        SECRET,
    )
    db.session.commit()
    login(client, people["kt"])
    u = urls(council, vp)
    pages = [
        client.get(u["page"]),
        client.get(u["page"], headers={"HX-Request": "true"}),
        client.get(f"/council/{council.id}"),
        client.get(f"/council/{council.id}/score"),
        client.get(f"/council/{council.id}/results"),
        client.get("/council/"),
        client.get(f"/initiatives/{vp.id}"),
    ]
    for response in pages:
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert SECRET not in body and ">89<" not in body and "89/100" not in body
    assert client.get(u["sheets"]).status_code == 403
    assert client.get(u["sheets"], headers={"HX-Request": "true"}).status_code == 403
    # The live total only echoes what the member typed.
    total = client.post(u["total"], data=points(1, 1, 1)).get_data(as_text=True)
    assert "<strong>3</strong>" in total and SECRET not in total

    client.post(u["page"], data=points(20, 30, 20))
    fragment = client.get(u["sheets"], headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert SECRET in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)


def test_secretariat_who_is_not_a_member_sees_progress_but_no_points(client, setup):
    council, people, initiatives = setup
    score_as(council, people["chair"], initiatives["VP"], 29, 37, 23)
    Score_comment = db.session.scalar(select(Score))
    Score_comment.comment = SECRET
    db.session.commit()
    login(client, make_user(roles=("staff", "secretariat"), office="VHXH"))
    page = client.get(f"/council/{council.id}").get_data(as_text=True)
    assert "1/4" in page and SECRET not in page
    assert client.get(urls(council, initiatives["VP"])["sheets"]).status_code == 403


# -- score entry --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad, message",
    [
        ({"points-novelty": "31"}, "31 điểm vượt quá khung 0–30"),
        ({"points-novelty": "-1"}, "vượt quá khung 0–30"),
        ({"points-effectiveness": "41"}, "vượt quá khung 0–40"),
        ({"points-applicability": "abc"}, "nhập số nguyên từ 0 đến 30"),
        ({"points-novelty": ""}, "nhập số nguyên từ 0 đến 30"),
    ],
)
def test_points_outside_the_rubric_are_refused_and_nothing_stored(client, setup, bad, message):
    council, people, initiatives = setup
    login(client, people["kt"])
    u = urls(council, initiatives["VP"])
    response = client.post(u["page"], data={**points(), **bad, "comment": "giữ lại"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body
    assert "giữ lại" in body  # what was typed stays
    assert n_scores() == 0


def test_31_novelty_refused_by_the_service(setup):
    council, people, initiatives = setup
    with pytest.raises(DomainError) as refused:
        services.submit_score(
            council,
            people["kt"],
            initiatives["VP"],
            {"novelty": 31, "effectiveness": 30, "applicability": 20},
            True,
            "",
        )
    assert refused.value.field == "points-novelty"


def test_live_total_fragment(client, setup):
    council, people, initiatives = setup
    login(client, people["kt"])
    u = urls(council, initiatives["VP"])
    page = client.get(u["page"]).get_data(as_text=True)
    assert "<strong>0</strong>/100" in page and "None" not in page
    body = client.post(u["total"], data=points(25, 30, 20)).get_data(as_text=True)
    assert "<strong>75</strong>/100" in body
    body = client.post(u["total"], data=points(31, 30, 20)).get_data(as_text=True)
    # The words of the refusal the sheet gets when it is handed in (services.check_points).
    assert "Tính mới, sáng tạo: 31 điểm vượt quá khung 0–30." in body
    body = client.post(u["total"], data=points("x", 30, "")).get_data(as_text=True)
    assert "<strong>30</strong>/100" in body
    assert "Tính mới, sáng tạo: nhập số nguyên từ 0 đến 30." in body
    assert "Khả năng áp dụng" not in body  # not typed yet: no problem while typing


def test_submit_then_double_submission_refused(client, setup):
    council, people, initiatives = setup
    login(client, people["kt"])
    u = urls(council, initiatives["VP"])
    response = client.post(u["page"], data={**points(25, 30, 20), "recommend": "y"})
    assert response.status_code == 303
    sheet = db.session.scalar(select(Score))
    assert (sheet.total, sheet.recommend, sheet.points["novelty"]) == (75, True, 25)
    response = client.post(u["page"], data=points(1, 1, 1), follow_redirects=True)
    assert "Bạn đã nộp phiếu chấm sáng kiến này" in response.get_data(as_text=True)
    db.session.refresh(sheet)
    assert sheet.total == 75 and n_scores() == 1


def test_only_the_chair_reopens_a_sheet_with_a_reason_and_it_is_logged(client, setup):
    council, people, initiatives = setup
    sheet = score_as(council, people["kt"], initiatives["VP"], 25, 30, 20)
    login(client, people["hcc"])
    url = f"/council/{council.id}/scores/{sheet.id}/reopen"
    assert client.post(url, data={"reason": "Nhầm"}).status_code == 403
    with pytest.raises(DomainError, match="Chỉ Chủ tịch"):
        services.reopen_score(council, sheet, "Nhầm", people["secretary"])
    login(client, people["chair"])
    client.post(url, data={"reason": ""})
    db.session.refresh(sheet)
    assert sheet.is_submitted
    client.post(url, data={"reason": "Thành viên đề nghị sửa điểm hiệu quả"})
    db.session.refresh(sheet)
    assert not sheet.is_submitted and sheet.reopened
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "score.reopen"))
    assert entry.actor_id == people["chair"].id
    assert entry.after["reason"] == "Thành viên đề nghị sửa điểm hiệu quả"
    # Reopened: the member no longer sees the others, and may submit again.
    assert not services.can_see_scores(council, people["kt"], initiatives["VP"])
    login(client, people["kt"])
    assert (
        client.post(urls(council, initiatives["VP"])["page"], data=points(25, 35, 20)).status_code
        == 303
    )
    db.session.refresh(sheet)
    assert sheet.total == 80 and sheet.is_submitted


# -- the rule, by hand ---------------------------------------------------------------------------
def rule_round() -> Round:
    from cchc_web.models.initiatives import DEFAULT_RUBRIC

    return Round(
        year=2025,
        title="",
        rubric=DEFAULT_RUBRIC,
        pass_min_total=50,
        novelty_code="novelty",
        vote_num=2,
        vote_den=3,
        quorum_num=2,
        quorum_den=3,
    )


def sheet(n, e, a, yes=True):
    return services.Sheet({"novelty": n, "effectiveness": e, "applicability": a}, n + e + a, yes)


def test_recommended_when_mean_at_least_50_novelty_and_two_thirds_yes():
    # 4 of 5 scored (4/5 ≥ 2/3): totals 80, 70, 60, 50 → mean 65; yes 3/4 ≥ 2/3.
    result = services.evaluate(
        rule_round(),
        5,
        [sheet(25, 30, 25), sheet(20, 30, 20), sheet(20, 20, 20), sheet(10, 20, 20, yes=False)],
    )
    assert result.mean_total == 65 and result.means["novelty"] == Fraction(75, 4)
    assert (result.lowest, result.highest, result.yes_votes) == (50, 80, 3)
    assert result.quorum and result.recommended and result.reasons == []


def test_mean_exactly_50_passes_and_49_75_does_not():
    rnd = rule_round()
    at = services.evaluate(rnd, 3, [sheet(10, 20, 20), sheet(10, 20, 20), sheet(10, 20, 20)])
    assert at.mean_total == 50 and at.recommended
    below = services.evaluate(
        rnd, 4, [sheet(10, 20, 20), sheet(10, 20, 20), sheet(10, 20, 20), sheet(10, 19, 20)]
    )
    assert below.mean_total == Fraction(199, 4) and not below.recommended
    assert below.reasons == ["Điểm trung bình dưới 50"]


def test_no_novelty_is_not_recommended_whatever_the_total():
    result = services.evaluate(rule_round(), 3, [sheet(0, 40, 30)] * 3)
    assert result.mean_total == 70 and not result.recommended
    assert result.reasons == ["Không có tính mới"]


def test_votes_two_thirds_of_scorers():
    rnd = rule_round()
    two_of_three = services.evaluate(
        rnd, 3, [sheet(20, 30, 20), sheet(20, 30, 20), sheet(20, 30, 20, yes=False)]
    )
    assert two_of_three.recommended
    two_of_four = services.evaluate(
        rnd,
        4,
        [sheet(20, 30, 20), sheet(20, 30, 20), sheet(20, 30, 20, False), sheet(20, 30, 20, False)],
    )
    assert not two_of_four.recommended
    assert two_of_four.reasons == ["Chưa đủ 2/3 phiếu đề nghị (2/4)"]


def test_missing_quorum_is_not_recommended_even_with_top_marks():
    # 3 of 5 members scored: 3/5 < 2/3.
    result = services.evaluate(rule_round(), 5, [sheet(30, 40, 30)] * 3)
    assert not result.quorum and not result.recommended
    assert result.reasons == ["Không đủ túc số (3/5 thành viên chấm)"]
    # 4 of 6 is exactly 2/3: quorum.
    assert services.evaluate(rule_round(), 6, [sheet(30, 40, 30)] * 4).quorum


def test_ties_share_a_rank():
    rnd = rule_round()
    results = services.rank(
        [
            services.evaluate(rnd, 3, [sheet(20, 30, 15)] * 3),  # 65
            services.evaluate(rnd, 3, [sheet(20, 30, 20)] * 3),  # 70
            services.evaluate(rnd, 3, [sheet(25, 25, 20), sheet(15, 35, 20), sheet(20, 30, 20)]),
            services.evaluate(rnd, 3, [sheet(10, 20, 10)] * 3),  # 40
        ]
    )
    assert [(float(r.mean_total), r.rank, r.tied) for r in results] == [
        (70.0, 1, True),
        (70.0, 1, True),
        (65.0, 3, False),
        (40.0, 4, False),
    ]


# -- closing ------------------------------------------------------------------------------------
def test_chair_closes_only_with_quorum_then_states_follow_the_rule(client, setup):
    council, people, initiatives = setup
    vp, kt, hcc = initiatives["VP"], initiatives["KT"], initiatives["HCC"]
    # Everyone scores what they may: VP gets 4 sheets, KT 4, HCC 4.
    score_as(council, people["chair"], vp, 25, 30, 25)
    score_as(council, people["chair"], kt, 20, 30, 20)
    score_as(council, people["chair"], hcc, 0, 40, 30, recommend=True)
    login(client, people["kt"])
    assert client.post(f"/council/{council.id}/close", data={}).status_code == 403
    login(client, people["chair"])
    response = client.post(f"/council/{council.id}/close", data={}, follow_redirects=True)
    assert "Chưa đủ túc số: mới 1/5" in response.get_data(as_text=True)
    assert council.state == "scoring"
    for who in ("secretary", "vp", "kt", "hcc"):
        for initiative in (vp, kt, hcc):
            if not council.conflicted(council.member_for(people[who]), initiative):
                score_as(council, people[who], initiative, 20, 30, 20, recommend=who != "hcc")
    response = client.post(f"/council/{council.id}/close", data={}, follow_redirects=True)
    db.session.expire_all()
    assert council.state == "closed"
    # VP: chair 80 + 3×70 → mean 72.5, yes 3/4 (hcc says no) → recommended.
    # KT: 70 ×4, yes 3/4 → recommended. HCC: chair novelty 0, others 20 → mean novelty 15,
    # totals 70 ×4, yes: chair, secretary, vp, kt → 4/4 → recommended; tied with KT.
    assert (vp.state, kt.state, hcc.state) == ("recommended", "recommended", "recommended")
    page = response.get_data(as_text=True)
    assert "đồng hạng" in page and "72,50" in page
    # After closing no more scores.
    with pytest.raises(DomainError):
        services.submit_score(council, people["hcc"], vp, {}, True, "")


def test_close_marks_not_recommended(setup):
    council, people, initiatives = setup
    for who in ("chair", "secretary", "vp", "kt", "hcc"):
        for initiative in initiatives.values():
            if not council.conflicted(council.member_for(people[who]), initiative):
                score_as(council, people[who], initiative, 10, 15, 10, recommend=False)
    services.close_scoring(council, people["chair"])
    db.session.commit()
    assert {i.state for i in initiatives.values()} == {"not_recommended"}
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"council.close_scoring", "initiative.scored", "initiative.not_recommended"} <= actions


# -- composing ----------------------------------------------------------------------------------
@pytest.mark.usefixtures("pki")
def test_the_council_is_established_only_by_its_signed_decision(client, commune):
    """Compose → the draft built from the members → signed by the Chairman → established →
    scoring opens; never by a typed number."""
    rnd = make_round()
    secretariat = make_user(roles=("staff", "secretariat"), office="VHXH")
    chair = make_user(roles=("vice_chairman",), office=None, full_name="Lê Thị Thanh Hoa")
    a = make_user(roles=("head",), office="VP", full_name="Phạm Văn Minh")
    b = make_user(roles=("head",), office="KT", full_name="Hoàng Văn Nam")
    login(client, make_user(roles=("head",), office="KT"))
    assert client.post("/council/", data={"round_id": rnd.id}).status_code == 403
    login(client, secretariat)
    client.post("/council/", data={"round_id": rnd.id})
    council = rnd.council
    assert council is not None and council.state == "composing"
    base = f"/council/{council.id}"
    page = client.post(base + "/open", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Hội đồng chưa được thành lập" in page and council.state == "composing"
    client.post(base + "/members", data={"user_id": chair.id, "position": "chair"})
    response = client.post(
        base + "/members", data={"user_id": a.id, "position": "chair"}, follow_redirects=True
    )
    assert "Hội đồng đã có chủ tịch hội đồng" in response.get_data(as_text=True)
    client.post(base + "/members", data={"user_id": a.id, "position": "secretary"})
    page = client.post(base + "/establishment", data={}, follow_redirects=True)
    assert "ít nhất 3 thành viên" in page.get_data(as_text=True)
    client.post(base + "/members", data={"user_id": b.id, "position": "member"})
    db.session.refresh(b)
    assert b.has_role(Role.COUNCIL_MEMBER)
    drafted = client.post(base + "/establishment", data={})
    assert drafted.status_code == 303 and "/decisions/" in drafted.location
    decision_id = int(drafted.location.rstrip("/").rsplit("/", 1)[-1])
    text = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    for name in ("Lê Thị Thanh Hoa", "Phạm Văn Minh", "Hoàng Văn Nam", "Thư ký Hội đồng"):
        assert name in text
    client.post(f"/decisions/{decision_id}/submit", data={})
    # While the Decision waits for the signature, the members it names cannot change.
    page = client.post(
        base + "/members/" + str(council.members[-1].id) + "/remove",
        data={},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "đang chờ lãnh đạo ký" in page
    login(client, make_signer(("chairman",), full_name="Trần Quốc Hưng"))
    client.post(f"/decisions/{decision_id}/approve", data={})
    db.session.refresh(council)
    assert council.state == "established" and council.decision_id == decision_id
    page = client.get(base).get_data(as_text=True)
    assert f'href="/decisions/{decision_id}"' in page and "Quyết định số 01/QĐ-UBND" in page
    login(client, secretariat)
    client.post(base + "/open", data={})
    db.session.refresh(council)
    assert council.state == "scoring" and len(council.members) == 3
    # The signed Decision names exactly the council's members.
    assert client.get(f"/decisions/{decision_id}").status_code == 200


# -- minutes ------------------------------------------------------------------------------------
@pytest.mark.usefixtures("pki")
def test_secretary_then_chair_sign_the_minutes(client, setup, tmp_path):
    council, people, initiatives = setup
    give_certificate(people["secretary"])
    give_certificate(people["chair"])
    for who in ("chair", "secretary", "vp", "kt", "hcc"):
        for initiative in initiatives.values():
            if not council.conflicted(council.member_for(people[who]), initiative):
                score_as(council, people[who], initiative, 22, 30, 20)
    services.close_scoring(council, people["chair"])
    db.session.commit()
    login(client, people["kt"])
    assert client.post(f"/council/{council.id}/minutes", data={}).status_code == 403
    assert client.get(f"/council/{council.id}/minutes.pdf").status_code == 404
    login(client, people["secretary"])
    client.post(f"/council/{council.id}/minutes", data={})
    signed_once = client.get(f"/council/{council.id}/minutes.pdf").data
    assert run_tool("pdfsig", signed_once, tmp_path).count("Signature is Valid") == 1
    assert client.post(f"/council/{council.id}/minutes/sign", data={}).status_code == 403
    login(client, people["chair"])
    client.post(f"/council/{council.id}/minutes/sign", data={})
    db.session.refresh(council)
    assert council.minutes_signed
    response = client.get(f"/council/{council.id}/minutes.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    report = run_tool("pdfsig", response.data, tmp_path)
    assert report.count("Signature is Valid") == 2
    assert people["secretary"].full_name in report and people["chair"].full_name in report
    # Once both have signed, the secretary cannot produce them again.
    login(client, people["secretary"])
    page = client.post(f"/council/{council.id}/minutes", data={}, follow_redirects=True)
    assert "đã được Chủ tịch Hội đồng ký" in page.get_data(as_text=True)
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=response.data,
            capture_output=True,
            check=True,
        ).stdout.decode()
        for expected in (
            "BIÊN BẢN",
            "Hội đồng đánh giá",
            "Thu phí chợ bằng mã QR",
            "CHỦ TỊCH HỘI ĐỒNG",
            "THƯ KÝ HỘI ĐỒNG",
            council.decision.number_symbol,
        ):
            assert expected in out, expected
    logged = db.session.scalar(select(AuditLog).where(AuditLog.action == "council.minutes"))
    assert logged.actor_id == people["secretary"].id


def test_results_hidden_until_closed(client, setup):
    council, people, initiatives = setup
    score_as(council, people["kt"], initiatives["VP"], 22, 30, 20)
    login(client, people["kt"])
    page = client.get(f"/council/{council.id}/results").get_data(as_text=True)
    # The total 72 is nowhere a reader looks (a number that merely contains it, "Văn Thử 572",
    # is a name; the form's random CSRF token, an attribute, may hold "a72b").
    page = re.sub(r"<[^>]+>", " ", page)
    assert "chỉ được công bố sau khi" in page and not re.search(r"(?<!\d)72(?!\d)", page)
