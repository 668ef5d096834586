"""PAR Index services: import checks, the tree, scoring rules, appraisal, totals and grades."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today
from cchc_web.models import AuditLog, IndexItem, IndexSet, SetStatus
from cchc_web.par_index import reports, services, tabular

from .factories import make_par_set, make_user, office, par_item

D = Decimal


def sixty_leaf_table() -> list[list[object]]:
    """4 fields × 3 criteria × 5 sub-criteria = 60 leaves; sums all consistent."""
    rows: list[list[object]] = []
    for f in range(1, 5):
        rows.append([str(f), "", f"Lĩnh vực {f}", "7.5", "Tự đánh giá", "", ""])
        for c in range(1, 4):
            rows.append([f"{f}.{c}", str(f), f"Tiêu chí {f}.{c}", "2.5", "", "", ""])
            for s in range(1, 6):
                code = f"{f}.{c}.{s}"
                rows.append([code, f"{f}.{c}", f"Tiêu chí thành phần {code}", "0,5", "", "", "VP"])
    return rows


def parse(data: bytes, name: str = "bo.csv"):
    return tabular.parse_rows(tabular.read_table(name, data), services.office_codes())


def test_import_three_level_set_with_60_leaves(commune):
    rows, issues = parse(tabular.rows_to_csv(sixty_leaf_table()))
    assert issues == []
    index_set = services.create_set(2025, "", None, rows)
    db.session.commit()
    assert len(index_set.items) == 4 + 12 + 60
    assert len(index_set.leaves) == 60
    assert {i.level for i in index_set.items} == {1, 2, 3}
    assert index_set.max_total == D("30")
    leaf = par_item(index_set, "4.3.5")
    assert leaf.parent.code == "4.3" and leaf.parent.parent.code == "4"
    assert leaf.max_points == D("0.5") and leaf.office.code == "VP"
    # Inherited method and the file's order are kept.
    assert [i.code for i in index_set.items[:3]] == ["1", "1.1", "1.1.1"]


def test_wrong_parent_sum_is_reported_with_row_and_column(commune):
    table = sixty_leaf_table()
    table[1][3] = "3"  # criterion 1.1 says 3 points, its children sum to 2,5
    rows, issues = parse(tabular.rows_to_csv(table))
    messages = [(i.row, i.column, i.message) for i in issues]
    assert (
        3,
        "Điểm tối đa",
        "Điểm tối đa của “1.1” là 3 nhưng tổng điểm các mục con "
        "(1.1.1, 1.1.2, 1.1.3, 1.1.4, 1.1.5) là 2,5.",
    ) in messages
    # The field now sums to 8 over its criteria, which is also reported.
    assert any(i.row == 2 and "của “1”" in i.message for i in issues)


def test_import_reports_every_kind_of_broken_row(commune):
    table = [
        ["1", "", "Lĩnh vực", "5", "Tự đánh giá", "", ""],
        ["1.1", "1", "A", "abc", "", "", ""],
        ["1.1", "1", "Trùng mã", "1", "", "", ""],
        ["1.2", "9", "Cha lạ", "1", "", "", ""],
        ["1.3", "1", "Âm", "-2", "", "", ""],
        ["1.4", "1", "Đơn vị lạ", "1", "", "", "XYZ"],
        ["1.5", "1", "Phương thức lạ", "1", "bốc thăm", "", ""],
        ["1 5", "1", "Mã sai", "1", "", "", ""],
        ["1.6", "1", "", "1", "", "", ""],
        ["1.7", "1", "Ba số lẻ", "0,125", "", "", ""],
    ]
    _, issues = parse(tabular.rows_to_csv(table))
    found = {(i.row, i.column) for i in issues}
    assert (3, "Điểm tối đa") in found  # abc
    assert (4, "Mã") in found  # duplicate
    assert any(i.row == 4 and "trùng với dòng 3" in i.message for i in issues)
    assert (5, "Mã mục cha") in found and any("“9” không có" in i.message for i in issues)
    assert any(i.row == 6 and i.message == "Điểm không được là số âm." for i in issues)
    assert any(i.row == 7 and "Không có đơn vị mã “XYZ”" in i.message for i in issues)
    assert (8, "Phương thức") in found
    assert (9, "Mã") in found
    assert (10, "Nội dung") in found
    assert any(i.row == 11 and "2 chữ số thập phân" in i.message for i in issues)


def test_import_refuses_four_levels_missing_columns_and_unreadable_files(commune):
    table = [
        ["1", "", "A", "1", "", "", ""],
        ["1.1", "1", "B", "1", "", "", ""],
        ["1.1.1", "1.1", "C", "1", "", "", ""],
        ["1.1.1.1", "1.1.1", "D", "1", "", "", ""],
    ]
    _, issues = parse(tabular.rows_to_csv(table))
    assert any(i.row == 5 and "Quá 3 cấp" in i.message for i in issues)
    _, issues = tabular.parse_rows([(1, ["Mã", "Nội dung"]), (2, ["1", "A"])], set())
    assert issues[0].message == "Thiếu cột “Điểm tối đa”."
    with pytest.raises(DomainError, match="UTF-8"):
        tabular.read_table("x.csv", b"M\xe3;N\xf4i dung")
    with pytest.raises(DomainError, match="Excel"):
        tabular.read_table("x.xlsx", b"not a zip")
    with pytest.raises(DomainError, match=r"\.csv hoặc \.xlsx"):
        tabular.read_table("x.pdf", b"%PDF")


def test_parent_column_may_be_left_out(commune):
    table = [(1, ["Mã", "Nội dung", "Điểm tối đa"]), (2, ["1", "A", "2"]), (3, ["1.1", "B", "2"])]
    rows, issues = tabular.parse_rows(table, set())
    assert issues == [] and rows[1].parent_code == "1" and rows[1].level == 2


def test_default_set_matches_spec_section_4(commune):
    rows = tabular.default_rows(services.office_codes())
    index_set = services.create_set(2025, "", None, rows)
    fields = {f.code: f.max_points for f in index_set.fields}
    assert fields == {
        "1": D("10"), "2": D("10"), "3": D("14.5"), "4": D("11"),
        "5": D("16"), "6": D("7"), "7": D("16"), "8": D("15.5"),
    }  # fmt: skip
    assert index_set.max_total == D("100") and index_set.survey_max == D("15.5")
    # Seed 003: HCC owns TTHC, KT public finance, VP institutions.
    assert {i.office.code for i in index_set.leaves if i.field.code == "3"} == {"HCC"}
    assert {i.office.code for i in index_set.leaves if i.field.code == "6"} == {"KT"}
    assert {i.office.code for i in index_set.leaves if i.field.code == "2"} == {"VP"}
    assert all(i.office is None for i in index_set.leaves if i.is_survey)


def test_csv_and_xlsx_exports_import_again(commune):
    index_set = make_par_set()
    table = reports.set_table(index_set)
    for name, data in (
        ("a.csv", tabular.rows_to_csv(table)),
        ("a.xlsx", tabular.xlsx_bytes([("Bộ chỉ số", list(tabular.COLUMNS.values()), table)])),
    ):
        rows, issues = parse(data, name)
        assert issues == []
        assert [(r.code, r.parent_code, r.max_points, r.method, r.office_code) for r in rows] == [
            (
                i.code,
                i.parent.code if i.parent else None,
                i.max_points,
                i.method,
                i.office and i.office.code,
            )
            for i in index_set.items
        ]


def test_copy_last_years_set_keeps_tree_and_assignment_not_scores(commune):
    old = make_par_set(2024)
    head = make_user(roles=("head",), office="VP")
    services.save_self_score(par_item(old, "1.1.1"), head, D("2"), "")
    new = services.copy_set(old, 2025, None)
    db.session.commit()
    assert [(i.code, i.office_id) for i in new.items] == [(i.code, i.office_id) for i in old.items]
    assert new.status == "draft" and all(i.self_score is None for i in new.items)
    with pytest.raises(DomainError, match="Năm 2025 đã có bộ chỉ số"):
        services.copy_set(old, 2025, None)


def test_opening_needs_every_leaf_assigned(commune):
    spec = [("1", None, "2", "self", None), ("1.1", "1", "1", "self", "VP"),
            ("1.2", "1", "1", "self", None)]  # fmt: skip
    index_set = make_par_set(spec=spec, status="draft")
    with pytest.raises(DomainError, match="Còn 1 tiêu chí chưa giao đơn vị: 1.2"):
        services.set_status(index_set, SetStatus.OPEN)
    services.assign_leaves(index_set, [par_item(index_set, "1.2").id], office("KT"))
    services.set_status(index_set, SetStatus.OPEN)
    assert index_set.status == "open"


def test_bulk_assignment_is_audited_and_scored_leaves_stay(commune):
    index_set = make_par_set()
    a, b = par_item(index_set, "1.1.1"), par_item(index_set, "1.1.2")
    assert services.assign_leaves(index_set, [a.id, b.id], office("VHXH")) == 2
    assert a.office.code == b.office.code == "VHXH"
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "par.item.assign")
        )
        == 2
    )
    head = make_user(roles=("head",), office="VHXH")
    services.save_self_score(a, head, D("1"), "")
    with pytest.raises(DomainError, match="không giao lại được: 1.1.1"):
        services.assign_leaves(index_set, [a.id], office("KT"))
    with pytest.raises(DomainError, match="tiêu chí lá"):
        services.assign_leaves(index_set, [par_item(index_set, "1").id], office("KT"))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (D("2.51"), "Điểm phải từ 0 đến 2,5 (điểm tối đa của tiêu chí 1.1.1)."),
        (D("-0.5"), "Điểm phải từ 0 đến 2,5 (điểm tối đa của tiêu chí 1.1.1)."),
        (None, "Hãy nhập điểm."),
    ],
)
def test_score_outside_zero_to_max_is_refused(commune, value, message):
    index_set = make_par_set()
    head = make_user(roles=("head",), office="VP")
    with pytest.raises(DomainError) as err:
        services.save_self_score(par_item(index_set, "1.1.1"), head, value, "")
    assert err.value.message == message and err.value.field == "score"
    assert par_item(index_set, "1.1.1").self_score is None


def test_only_the_assigned_office_scores_before_the_deadline(commune):
    index_set = make_par_set(deadline=local_today())
    item = par_item(index_set, "1.1.1")
    with pytest.raises(DomainError, match="không được giao cho đơn vị của bạn"):
        services.save_self_score(item, make_user(roles=("head",), office="KT"), D("1"), "")
    vp = make_user(roles=("staff",), office="VP")
    services.save_self_score(item, vp, D("1"), "")  # the last day still counts
    index_set.deadline = local_today() - timedelta(days=1)
    with pytest.raises(DomainError, match=r"Đã quá hạn tự chấm điểm \(hạn "):
        services.save_self_score(item, vp, D("2"), "")
    index_set.deadline = None
    services.set_status(index_set, SetStatus.CLOSED)
    with pytest.raises(DomainError, match="đã khóa"):
        services.save_self_score(item, vp, D("2"), "")


def test_last_score_wins_audit_keeps_history_and_changed_score_drops_appraisal(commune):
    index_set = make_par_set()
    item = par_item(index_set, "1.1.1")
    vp = make_user(roles=("staff",), office="VP")
    secretariat = make_user(roles=("secretariat", "staff"), office="VHXH")
    services.save_self_score(item, vp, D("2"), "lần 1")
    services.appraise(item.self_score, secretariat, accepted=True)
    services.save_self_score(item, vp, D("2"), "giữ điểm, thêm giải trình")
    assert item.self_score.appraisal is not None  # same score: appraisal still valid
    services.save_self_score(item, vp, D("2.5"), "lần 3")
    db.session.commit()
    assert item.self_score.score == D("2.5") and item.self_score.appraisal is None
    history = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "par.self_score.save").order_by(AuditLog.id)
    ).all()
    assert [h.after["score"] for h in history] == ["2", "2", "2.5"]
    assert history[2].before["score"] == "2"


def test_appraisal_accepts_or_adjusts_with_reason(commune):
    index_set = make_par_set()
    item = par_item(index_set, "1.2")
    kt = make_user(roles=("head",), office="KT")
    secretariat = make_user(roles=("secretariat", "staff"), office="VHXH")
    score = services.save_self_score(item, kt, D("4"), "")
    with pytest.raises(DomainError, match="Hãy nêu lý do") as err:
        services.appraise(score, secretariat, accepted=False, adjusted_score=D("3"))
    assert err.value.field == "reason"
    with pytest.raises(DomainError, match="Điểm phải từ 0 đến 4"):
        services.appraise(score, secretariat, accepted=False, adjusted_score=D("5"), reason="x")
    with pytest.raises(DomainError, match="Chỉ Thường trực CCHC"):
        services.appraise(score, kt, accepted=True)
    appraisal = services.appraise(
        score, secretariat, accepted=False, adjusted_score=D("3.25"), reason="Thiếu tài liệu."
    )
    assert appraisal.score == D("3.25") and not appraisal.accepted
    appraisal = services.appraise(score, secretariat, accepted=True)
    assert appraisal.score == D("4") and appraisal.accepted


def score_small_set(index_set):
    """Scores and settings used by the hand computations below."""
    vp = make_user(roles=("staff",), office="VP")
    kt = make_user(roles=("staff",), office="KT")
    secretariat = make_user(roles=("secretariat", "staff"), office="VHXH")
    s1 = services.save_self_score(par_item(index_set, "1.1.1"), vp, D("2.5"), "")
    s2 = services.save_self_score(par_item(index_set, "1.1.2"), vp, D("3"), "")
    services.save_self_score(par_item(index_set, "1.2"), kt, D("3.5"), "")
    # 2.1 (HCC) is never scored.
    services.appraise(s1, secretariat, accepted=True)
    services.appraise(s2, secretariat, accepted=False, adjusted_score=D("2"), reason="Thiếu.")
    services.update_settings(
        index_set,
        deadline=None,
        survey_score=D("4.25"),
        bonus_points=D("0.5"),
        penalty_points=D("0.25"),
    )
    db.session.commit()


def test_totals_conversion_and_grade_match_hand_computation(commune):
    index_set = make_par_set()
    score_small_set(index_set)
    totals = services.compute_totals(index_set)
    field1, field2 = totals.fields
    # Field 1: self 2,5 + 3 + 3,5 = 9; appraised 2,5 + 2 (adjusted) + 3,5 (not yet: self) = 8.
    assert (field1.max_points, field1.self_total, field1.appraised_total) == (D(10), D(9), D(8))
    assert (field1.leaves, field1.scored, field1.appraised) == (3, 3, 2)
    assert (field2.self_total, field2.appraised_total, field2.scored) == (D(0), D(0), 0)
    assert totals.self_max == D(15) and totals.survey_max == D(5) and totals.max_total == D(20)
    # 8 + survey 4,25 + bonus 0,5 − penalty 0,25 = 12,5 of 20 → 62,5 on 100 → D.
    assert totals.total == D("12.5")
    assert totals.index_100 == D("62.50")
    assert (totals.grade, totals.grade_label) == ("D", "Trung bình")
    assert totals.provisional


def test_comparison_with_previous_year_and_clamping(commune):
    previous = make_par_set(2024)
    score_small_set(previous)
    current = make_par_set(2025)
    vp = make_user(roles=("staff",), office="VP")
    services.save_self_score(par_item(current, "1.1.1"), vp, D("2.5"), "")
    services.update_settings(
        current, deadline=None, survey_score=D("5"), bonus_points=D("0"), penalty_points=D("9")
    )
    totals = services.compute_totals(current)
    assert totals.previous.index_100 == D("62.50")
    # 2,5 + 5 − 9 = −1,5: the index never goes below 0.
    assert totals.total == D("-1.5") and totals.index_100 == D("0.00")
    assert totals.change == D("-62.50")
    assert totals.fields[0].previous == D(8)


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("100", "A"), ("90", "A"), ("89.995", "A"), ("89.99", "B"), ("80", "B"),
        ("79.99", "C"), ("70", "C"), ("69.99", "D"), ("0", "D"),
    ],
)  # fmt: skip
def test_grade_boundaries(value, grade):
    assert services.grade_for(D(value))[0] == grade


def test_survey_score_is_limited_to_its_maximum(commune):
    index_set = make_par_set()
    with pytest.raises(DomainError, match="từ 0 đến 5") as err:
        services.update_settings(
            index_set, deadline=None, survey_score=D("5.5"), bonus_points=D(0), penalty_points=D(0)
        )
    assert err.value.field == "survey_score"


def test_dashboard_progress_and_weakest_criteria(commune):
    index_set = make_par_set()
    score_small_set(index_set)
    progress = {row.office.code: row for row in services.office_progress(index_set)}
    assert (progress["VP"].leaves, progress["VP"].scored, progress["VP"].missing_evidence) == (
        2,
        2,
        2,
    )
    assert (progress["HCC"].scored, progress["HCC"].percent) == (0, 0)
    assert progress["VP"].percent == 100
    weakest = services.weakest_items(index_set)
    # 1.1.2: 2 of 3,5 (57 %) before 1.2: 3,5 of 4 (87,5 %); 1.1.1 has full marks.
    assert [(i.code, v) for i, v in weakest] == [("1.1.2", D(2)), ("1.2", D("3.5"))]


def test_delete_only_draft_sets_without_scores(commune):
    index_set = make_par_set(status="draft")
    services.delete_set(index_set)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(IndexSet)) == 0
    assert db.session.scalar(select(func.count()).select_from(IndexItem)) == 0
    open_set = make_par_set(2026)
    with pytest.raises(DomainError, match="Chỉ xóa được"):
        services.delete_set(open_set)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("14,5", D("14.5")), ("14.5", D("14.5")), (" 0 ", D("0")), ("3", D("3")), ("0,25", D("0.25"))],
)
def test_parse_points_accepts_vietnamese_decimals(text, expected):
    assert tabular.parse_points(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Hãy nhập điểm."),
        ("-1", "Điểm không được là số âm."),
        ("abc", "“abc” không phải là số; hãy nhập dạng 14,5."),
        ("1.234,5", "“1.234,5” không phải là số hợp lệ; dùng dạng 14,5."),
        ("1,255", "Điểm chỉ được có tối đa 2 chữ số thập phân."),
        ("NaN", "“NaN” không phải là số; hãy nhập dạng 14,5."),
    ],
)
def test_parse_points_refuses_with_vietnamese_messages(text, message):
    with pytest.raises(tabular.PointsError) as err:
        tabular.parse_points(text)
    assert err.value.message == message


def test_demo_seeder_is_idempotent_and_gives_two_years(commune):
    from cchc_web.admin.cli import seed_organisation
    from cchc_web.par_index.demo import seed_par_index

    seed_organisation()
    seed_par_index()
    db.session.commit()
    counts = [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (IndexSet, IndexItem, AuditLog)
    ]
    seed_par_index()
    db.session.commit()
    assert counts == [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (IndexSet, IndexItem, AuditLog)
    ]
    old, current = services.set_for_year(2024), services.set_for_year(2025)
    assert old.status == "closed" and current.status == "open"
    old_totals, totals = services.compute_totals(old), services.compute_totals(current)
    assert not old_totals.provisional and old_totals.appraised == old_totals.leaves
    assert 0 < totals.scored < totals.leaves and 0 < totals.appraised < totals.scored
    assert totals.previous.index_100 == old_totals.index_100
    assert any(s.missing_evidence for s in (i.self_score for i in current.leaves) if s)
