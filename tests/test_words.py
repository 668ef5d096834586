"""One term per concept, refusals that say why and what to do, no dangling breadcrumb, form
defaults that match the state (issue 18, item 5)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .factories import import_demo_plan

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_no_breadcrumb_ends_with_a_dangling_separator():
    dangling = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        for line in path.read_text(encoding="utf-8").splitlines()
        if 'class="breadcrumb"' in line and re.search(r"›\s*</p>", line)
    ]
    assert not dangling


def test_one_term_per_concept_in_the_templates():
    text = "\n".join(p.read_text(encoding="utf-8") for p in TEMPLATES.rglob("*.html"))
    assert "Chưa nộp</span>" not in text  # a report nobody opened is "Chưa lập" everywhere
    assert "Sáng kiến tôi chấm" not in text  # the member's list is "Phiếu chấm của tôi"
    assert "Không có thao tác nào của bạn" not in text


@pytest.fixture
def plan(commune):
    return import_demo_plan()


def test_update_form_of_a_task_at_zero_percent_preselects_not_started(client, login_as, plan):
    login_as("staff", office="VP")
    task = next(t for t in plan.tasks if t.code == "2.1")
    html = client.get(f"/offices/vp/tasks/{task.id}/update").get_data(as_text=True)
    checked = re.findall(r'<input[^>]*name="status"[^>]*>', html)
    assert [c for c in checked if "checked" in c] == [
        c for c in checked if 'value="not_started"' in c
    ]


def test_refusal_says_why_and_what_to_do(client, login_as, plan):
    login_as("staff", office="QS")
    page = client.get("/admin/users")
    html = page.get_data(as_text=True)
    assert page.status_code == 403
    assert "đề nghị quản trị hệ thống gán vai trò" in html
    assert "Việc cần làm" in html


def test_the_dashboard_and_the_reports_say_the_same_word(client, login_as, plan):
    login_as("secretariat", office="VHXH")
    dashboard = client.get("/dashboard/").get_data(as_text=True)
    assert "Chưa nộp</span>" not in dashboard


def test_date_inputs_say_dd_mm_yyyy_and_their_pattern_matches_what_the_server_reads(app):
    from flask_wtf import FlaskForm

    from cchc_web.web.forms import DayMonthYearField

    class Form(FlaskForm):
        day = DayMonthYearField("Ngày")

    with app.test_request_context():
        field = Form(meta={"csrf": False}).day
        html = str(field())
        pattern = field.render_kw["pattern"]
    assert 'type="text"' in html and 'placeholder="dd/mm/yyyy"' in html
    assert 'title="Ngày dạng dd/mm/yyyy, ví dụ 26/12/2025"' in html
    for text in ("26/12/2025", "26-12-2025", "26.12.2025", "2025-12-26"):
        assert re.fullmatch(pattern, text)
        field.parse(text)
    for text in ("12/26", "abc", "26/12/25"):
        assert not re.fullmatch(pattern, text)
