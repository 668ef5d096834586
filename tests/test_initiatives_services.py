"""Initiative operations (SPEC §5): drafting rules, one function per transition, the audit log,
the deadline and its reopening, and the database's own guard of the states."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today
from cchc_web.initiatives import services
from cchc_web.models import AuditLog, Decision, Initiative, InitiativeAuthor

from .factories import make_council, make_initiative, make_round, make_user, office


def data(authors, title="Số hóa hồ sơ tại Trung tâm HCC", field="chinh_quyen_so"):
    return services.InitiativeData(
        title=title,
        field=field,
        authors=[services.AuthorData(user_id=u.id, share=s) for u, s in authors],
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_staff_drafts_with_two_authors_and_it_is_audited(commune):
    rnd = make_round()
    a = make_user(roles=("staff",), office="HCC")
    b = make_user(roles=("head",), office="HCC")
    initiative = services.create_initiative(rnd, office("HCC"), data([(a, 60), (b, 40)]), a)
    db.session.commit()
    assert initiative.state == "draft"
    assert [(x.user_id, x.share) for x in initiative.authors] == [(a.id, 60), (b.id, 40)]
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "initiative.create"))
    assert entry.actor_id == a.id and entry.after["authors"][1]["share"] == 40


@pytest.mark.parametrize("shares", [(60, 30), (60, 50), (100, 0)])
def test_shares_must_sum_to_100_and_nothing_is_stored(commune, shares):
    rnd = make_round()
    a = make_user(roles=("staff",), office="VP")
    b = make_user(roles=("staff",), office="VP")
    with pytest.raises(DomainError) as refused:
        services.create_initiative(rnd, office("VP"), data([(a, shares[0]), (b, shares[1])]), a)
    db.session.rollback()
    assert refused.value.field == "authors"
    assert count(Initiative) == 0 and count(InitiativeAuthor) == 0


def test_author_from_another_office_is_refused_but_outsider_by_name_is_allowed(commune):
    rnd = make_round()
    a = make_user(roles=("staff",), office="VP")
    other = make_user(roles=("staff",), office="KT")
    with pytest.raises(DomainError, match="cán bộ của đơn vị"):
        services.create_initiative(rnd, office("VP"), data([(a, 50), (other, 50)]), a)
    db.session.rollback()
    d = data([(a, 70)])
    d.authors.append(services.AuthorData(external_name="Trần Văn Ngoài", share=30))
    initiative = services.create_initiative(rnd, office("VP"), d, a)
    assert [x.name for x in initiative.authors][1] == "Trần Văn Ngoài"


def test_drafting_for_another_office_is_refused(commune):
    rnd = make_round()
    kt = make_user(roles=("staff",), office="KT")
    with pytest.raises(DomainError):
        services.create_initiative(rnd, office("VP"), data([(kt, 100)]), kt)


def test_only_the_head_submits_and_a_second_submission_is_refused(commune):
    rnd = make_round()
    initiative = make_initiative(rnd, "VP")
    staff = initiative.authors[0].user
    with pytest.raises(DomainError, match="lãnh đạo đơn vị"):
        services.submit_initiative(initiative, staff)
    head = make_user(roles=("head",), office="VP")
    services.submit_initiative(initiative, head)
    db.session.commit()
    assert initiative.state == "submitted" and initiative.submitted_by_id == head.id
    with pytest.raises(DomainError, match="đã được gửi"):
        services.submit_initiative(initiative, head)
    db.session.rollback()
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.object_id == str(initiative.id))
    )
    assert list(actions).count("initiative.submit") == 1


def test_head_of_another_office_cannot_submit(commune):
    initiative = make_initiative(make_round(), "VP")
    with pytest.raises(DomainError):
        services.submit_initiative(initiative, make_user(roles=("head",), office="KT"))


def test_submission_after_deadline_refused_until_reopened_for_that_office(commune):
    today = local_today()
    rnd = make_round(
        deadline=today - timedelta(days=1), decision_deadline=today + timedelta(days=9)
    )
    vp = make_initiative(rnd, "VP")
    kt = make_initiative(rnd, "KT", title="Thu phí chợ bằng mã QR")
    vp_head = make_user(roles=("head",), office="VP")
    with pytest.raises(DomainError, match="hết hạn nộp"):
        services.submit_initiative(vp, vp_head)
    db.session.rollback()
    assert vp.state == "draft"
    secretariat = make_user(roles=("secretariat",), office="VHXH")
    with pytest.raises(DomainError, match="lý do"):
        services.reopen_submission(rnd, office("VP"), "  ", today, secretariat)
    with pytest.raises(DomainError, match="Thường trực"):
        services.reopen_submission(rnd, office("VP"), "Ốm", today, vp_head)
    services.reopen_submission(rnd, office("VP"), "Trưởng phòng đi tập huấn", today, secretariat)
    db.session.commit()
    services.submit_initiative(vp, vp_head)
    assert vp.state == "submitted"
    with pytest.raises(DomainError, match="hết hạn nộp"):
        services.submit_initiative(kt, make_user(roles=("head",), office="KT"))
    logged = db.session.scalar(select(AuditLog).where(AuditLog.action == "round.reopen_submission"))
    assert logged.after["office"] == "VP" and logged.after["reason"] == "Trưởng phòng đi tập huấn"


def test_return_needs_comment_then_resubmit_then_accept(commune):
    rnd = make_round()
    initiative = make_initiative(rnd, "KT", state="submitted")
    secretariat = make_user(roles=("secretariat",), office="VHXH")
    with pytest.raises(DomainError, match="nội dung cần hoàn thiện"):
        services.return_initiative(initiative, " ", secretariat)
    with pytest.raises(DomainError, match="Thường trực"):
        services.accept_initiative(initiative, make_user(roles=("head",), office="KT"))
    services.return_initiative(initiative, "Bổ sung số liệu hiệu quả.", secretariat)
    assert initiative.state == "returned" and initiative.return_comment
    head = make_user(roles=("head",), office="KT")
    services.submit_initiative(initiative, head)
    # No proof it was applied (date, place, evidence file): acceptance needs a reason.
    with pytest.raises(DomainError, match="chưa có minh chứng đã áp dụng"):
        services.accept_initiative(initiative, secretariat)
    services.accept_initiative(initiative, secretariat, "Đơn vị gửi minh chứng bản giấy.")
    assert initiative.state == "accepted"
    assert initiative.acceptance_note == "Đơn vị gửi minh chứng bản giấy."
    with pytest.raises(DomainError):
        services.accept_initiative(initiative, secretariat)
    actions = list(
        db.session.scalars(
            select(AuditLog.action)
            .where(AuditLog.object_type == "Initiative", AuditLog.object_id == str(initiative.id))
            .order_by(AuditLog.id)
        )
    )
    assert actions[-4:] == [
        "initiative.submit",
        "initiative.return",
        "initiative.submit",
        "initiative.accept",
    ]


def recommended_initiative():
    """An accepted VP initiative taken through the council's chair to recommended."""
    rnd = make_round()
    initiative = make_initiative(rnd, "VP", state="accepted")
    chair = make_user(roles=("vice_chairman",), office=None)
    members = [
        (chair, "chair"),
        (make_user(roles=("head",), office="KT"), "secretary"),
        (make_user(roles=("head",), office="HCC"), "member"),
    ]
    make_council(rnd, members)
    services.mark_scored(initiative, chair)
    services.mark_recommendation(initiative, True, chair)
    return initiative, chair


def test_scored_and_recommended_only_by_the_council_chair(commune):
    rnd = make_round()
    initiative = make_initiative(rnd, "VP", state="accepted")
    chair = make_user(roles=("vice_chairman",), office=None)
    secretary = make_user(roles=("head",), office="KT")
    make_council(
        rnd,
        [
            (chair, "chair"),
            (secretary, "secretary"),
            (make_user(roles=("head",), office="HCC"), "member"),
        ],
    )
    for actor in (secretary, make_user(roles=("secretariat",), office="VHXH")):
        with pytest.raises(DomainError, match="Chủ tịch Hội đồng"):
            services.mark_scored(initiative, actor)
    services.mark_scored(initiative, chair)
    with pytest.raises(DomainError, match="Chủ tịch Hội đồng"):
        services.mark_recommendation(initiative, True, secretary)
    assert initiative.state == "scored"


def test_recognition_only_from_recommended_by_a_signed_decision_and_only_once(commune):
    from .factories import signed_decision

    initiative, _chair = recommended_initiative()
    leader = make_user(roles=("chairman",), office=None)
    decision = signed_decision("other")
    with pytest.raises(DomainError, match="Chủ tịch, Phó Chủ tịch"):
        services.mark_recognised(
            [initiative], decision, make_user(roles=("secretariat",), office="VHXH")
        )
    with pytest.raises(DomainError, match="chưa được ký ban hành"):
        services.mark_recognised([initiative], Decision(state="draft"), leader)
    decision = signed_decision("other")
    services.mark_recognised([initiative], decision, leader)
    db.session.commit()
    assert initiative.state == "recognised" and initiative.recognition_decision == decision
    with pytest.raises(DomainError, match="không ở trạng thái được đề nghị"):
        services.mark_recognised([initiative], decision, leader)
    tờ_trình = signed_decision("other")
    with pytest.raises(DomainError, match="Chủ tịch, Phó Chủ tịch"):
        services.mark_nominated([initiative], tờ_trình, make_user(roles=("secretariat",)))
    services.mark_nominated([initiative], tờ_trình, leader)
    assert initiative.state == "nominated" and initiative.nomination_decision == tờ_trình
    logged = db.session.scalar(select(AuditLog).where(AuditLog.action == "initiative.recognised"))
    assert logged.actor_id == leader.id and logged.after["decision"] == decision.number_symbol


def test_nominating_an_unrecognised_initiative_is_refused(commune):
    from .factories import signed_decision

    initiative, _chair = recommended_initiative()
    with pytest.raises(DomainError, match="chưa được công nhận cấp xã"):
        services.mark_nominated(
            [initiative], signed_decision("other"), make_user(roles=("chairman",), office=None)
        )


def test_not_recognised_by_decision(commune):
    from .factories import signed_decision

    initiative, _chair = recommended_initiative()
    services.mark_not_recognised(
        [initiative], signed_decision("other"), make_user(roles=("chairman",), office=None)
    )
    assert initiative.state == "not_recognised"
    emulation = {r.office.code: r for r in services.emulation_table(initiative.round.year)}
    assert (emulation["VP"].recommended, emulation["VP"].recognised) == (1, 0)


def test_database_refuses_unknown_state_and_recognition_without_decision(commune):
    initiative = make_initiative(make_round(), "VP", state="accepted")
    for state in ("approved", "recognised"):
        with pytest.raises(IntegrityError):
            db.session.execute(
                text("UPDATE initiatives SET state = :s WHERE id = :i"),
                {"s": state, "i": initiative.id},
            )
            db.session.flush()
        db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(
            text("UPDATE initiative_authors SET share = 0 WHERE initiative_id = :i"),
            {"i": initiative.id},
        )
    db.session.rollback()


def test_offices_without_submission_and_emulation(commune):
    rnd = make_round()
    make_initiative(rnd, "VP", state="accepted")
    make_initiative(rnd, "KT", state="returned")
    make_initiative(rnd, "HCC")
    missing = {o.code for o in services.offices_without_submission(rnd)}
    assert missing == {"KT", "VHXH", "HCC", "VHTT", "CA", "QS"}
    rows = {r.office.code: r for r in services.emulation_table(rnd.year)}
    assert (rows["VP"].submitted, rows["VP"].recommended, rows["VP"].recognised) == (1, 0, 0)
    assert rows["KT"].submitted == 0 and rows["HCC"].submitted == 0


def test_round_rules(commune):
    secretariat = make_user(roles=("secretariat",), office="VHXH")
    today = local_today()
    base = services.RoundData(2031, "Đợt 2031", today, today + timedelta(days=10))
    services.create_round(base, secretariat)
    with pytest.raises(DomainError, match="Đã có đợt"):
        services.create_round(base, secretariat)
    with pytest.raises(DomainError, match="sau hạn nộp"):
        services.create_round(
            services.RoundData(2032, "x", today, today - timedelta(days=1)), secretariat
        )
    with pytest.raises(DomainError, match="Thường trực"):
        services.create_round(
            services.RoundData(2033, "x", today, today), make_user(roles=("head",))
        )
    assert services.parse_rubric("a | Tính mới | 30 | dải\nb | Hiệu quả | 70")[1]["max"] == 70
    for bad in ("a | x | 0", "a | x | 30\na | y | 20", "chỉ một cột", ""):
        with pytest.raises(DomainError):
            services.parse_rubric(bad)


def test_editing_authors_swaps_and_replaces_without_tripping_uniqueness(commune):
    rnd = make_round()
    a = make_user(roles=("staff",), office="VP")
    b = make_user(roles=("staff",), office="VP")
    c = make_user(roles=("head",), office="VP")
    initiative = services.create_initiative(rnd, office("VP"), data([(a, 60), (b, 40)]), a)
    db.session.commit()
    services.update_initiative(initiative, data([(b, 70), (a, 30)]), a)
    db.session.commit()
    assert {(x.user_id, x.share) for x in initiative.authors} == {(b.id, 70), (a.id, 30)}
    services.update_initiative(initiative, data([(c, 100)]), a)
    db.session.commit()
    assert [(x.user_id, x.share) for x in initiative.authors] == [(c.id, 100)]
    assert count(InitiativeAuthor) == 1


def test_rubric_is_frozen_once_scoring_opened(commune):
    rnd = make_round()
    secretariat = make_user(roles=("secretariat",), office="VHXH")
    make_council(
        rnd,
        [
            (make_user(roles=("vice_chairman",), office=None), "chair"),
            (make_user(roles=("head",), office="KT"), "secretary"),
            (make_user(roles=("head",), office="HCC"), "member"),
        ],
    )
    change = services.RoundData(
        rnd.year,
        rnd.title,
        rnd.submission_deadline,
        rnd.decision_deadline,
        rubric=services.parse_rubric("novelty | Tính mới | 50 | x\neffect | Hiệu quả | 50 | y"),
    )
    with pytest.raises(DomainError, match="không thể sửa thang điểm"):
        services.update_round(rnd, change, secretariat)
