"""The office workspace: permissions, task updates, late tasks, evidence, conflicts."""

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.models import Attachment
from cchc_web.models.plans import TaskUpdate
from cchc_web.plans import services as plans

from .factories import import_demo_plan, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def plan(commune):
    return import_demo_plan()


def task(plan, code):
    return next(t for t in plan.tasks if t.code == code)


def update_form(**overrides):
    data = {"status": "in_progress", "progress": "40", "result": "Đã ban hành kế hoạch.",
            "based_on": ""}  # fmt: skip
    data.update(overrides)
    return data


LATE = {
    "status": "late",
    "progress": "30",
    "cause_type": "subjective",
    "cause": "Thiếu cán bộ chuyên trách.",
    "catchup_action": "Bổ sung nhân lực, làm thêm giờ.",
    "catchup_deadline": "2025-12-15",
    "catchup_responsible": "Phạm Văn Minh",
}


def updates_of(t):
    return db.session.scalars(
        select(TaskUpdate).where(TaskUpdate.task_id == t.id).order_by(TaskUpdate.id)
    ).all()


def test_vp_staff_works_on_vp_tasks_and_gets_403_on_kt(client, login_as, plan):
    login_as("staff", office="VP", username="vp.canbo")
    vp_task, kt_task = task(plan, "2.1"), task(plan, "6.1")
    page = client.get("/offices/vp/")
    assert page.status_code == 200
    assert vp_task.content in page.get_data(as_text=True)
    assert client.get("/offices/kt/").status_code == 403
    assert client.get(f"/offices/kt/tasks/{kt_task.id}/update").status_code == 403
    assert (
        client.post(f"/offices/kt/tasks/{kt_task.id}/update", data=update_form()).status_code == 403
    )
    # VP coordinates task 1.4 (CQCM;HCC): it reports on it from its own workspace.
    assert client.get(f"/offices/vp/tasks/{task(plan, '1.4').id}/update").status_code == 200
    response = client.post(f"/offices/vp/tasks/{vp_task.id}/update", data=update_form())
    assert response.status_code == 303
    assert [u.progress for u in updates_of(vp_task)] == [40]
    assert updates_of(kt_task) == []


def test_task_not_shared_with_office_is_403_for_its_staff(client, login_as, plan, commune):
    # Task 4.1 is VHXH's alone: VP staff may not read or update it through any URL.
    login_as("staff", office="VP")
    only_vhxh = task(plan, "4.1")
    assert client.get(f"/offices/vp/tasks/{only_vhxh.id}").status_code == 403
    assert (
        client.post(f"/offices/vp/tasks/{only_vhxh.id}/update", data=update_form()).status_code
        == 403
    )
    assert client.get(f"/offices/vhxh/tasks/{only_vhxh.id}").status_code == 403


def test_leaders_read_every_office_but_do_not_report(client, login_as, plan):
    login_as("chairman", office=None)
    assert client.get("/offices/").status_code == 200
    assert client.get("/offices/kt/").status_code == 200
    kt_task = task(plan, "6.1")
    assert client.get(f"/offices/kt/tasks/{kt_task.id}").status_code == 200
    assert (
        client.post(f"/offices/kt/tasks/{kt_task.id}/update", data=update_form()).status_code == 403
    )


def test_history_keeps_every_update(client, login_as, plan):
    login_as("staff", office="VP")
    t = task(plan, "3.1")
    client.post(f"/offices/vp/tasks/{t.id}/update", data=update_form(progress="20"))
    first = updates_of(t)[0]
    client.post(
        f"/offices/vp/tasks/{t.id}/update",
        data=update_form(status="done", progress="100", based_on=str(first.id)),
    )
    history = updates_of(t)
    assert [(u.status, u.progress) for u in history] == [("in_progress", 20), ("done", 100)]
    page = client.get(f"/offices/vp/tasks/{t.id}").get_data(as_text=True)
    assert "20%" in page and "100%" in page


@pytest.mark.parametrize(
    "missing, message",
    [
        ("cause_type", "chủ quan hay khách quan"),
        ("cause", "nguyên nhân chậm"),
        ("catchup_action", "giải pháp khắc phục"),
        ("catchup_deadline", "thời hạn hoàn thành mới"),
        ("catchup_responsible", "người chịu trách nhiệm"),
    ],
)
def test_late_status_needs_cause_and_catchup_plan(client, login_as, plan, missing, message):
    login_as("staff", office="VP")
    t = task(plan, "3.1")
    data = {**LATE, missing: ""}
    response = client.post(f"/offices/vp/tasks/{t.id}/update", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page.lower() or message in page
    assert "Thiếu cán bộ chuyên trách." in page or missing == "cause"  # what was typed stays
    assert updates_of(t) == []


def test_late_status_with_catchup_plan_is_saved(client, login_as, plan, set_today):
    set_today(date(2025, 11, 20))
    login_as("staff", office="VP")
    t = task(plan, "3.1")
    assert client.post(f"/offices/vp/tasks/{t.id}/update", data=LATE).status_code == 303
    (update,) = updates_of(t)
    assert (update.cause_type, update.catchup_deadline) == ("subjective", date(2025, 12, 15))
    assert "Chậm tiến độ" in client.get(f"/offices/vp/tasks/{t.id}").get_data(as_text=True)


def test_database_refuses_a_late_update_without_catchup_plan(plan, commune):
    t = task(plan, "3.1")
    db.session.add(TaskUpdate(task=t, status="late", progress=10))
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError from either database
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("progress", ["-1", "101", "abc", ""])
def test_bad_progress_is_refused(client, login_as, plan, progress):
    login_as("staff", office="VP")
    t = task(plan, "3.1")
    response = client.post(f"/offices/vp/tasks/{t.id}/update", data=update_form(progress=progress))
    assert response.status_code == 200
    assert "Tiến độ" in response.get_data(as_text=True)
    assert updates_of(t) == []


def test_done_must_be_100(plan, commune):
    user = make_user(roles=("staff",), office="VP")
    with pytest.raises(DomainError, match="100%"):
        plans.record_task_update(task(plan, "3.1"), plans.UpdateData("done", 90), user)


def _post_with_file(client, t, name, data):
    return client.post(
        f"/offices/vp/tasks/{t.id}/update",
        data={**update_form(), "evidence": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_evidence_upload_and_download_rights(client, login_as, plan, app):
    login_as("staff", office="VP")
    t = task(plan, "2.1")
    assert _post_with_file(client, t, "Quyết định ban hành.pdf", PDF).status_code == 303
    (update,) = updates_of(t)
    (attachment,) = update.attachments
    download = client.get(f"/offices/vp/files/{attachment.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.data == PDF
    client.post("/logout", data={})
    login_as("staff", office="QS")  # QS has nothing to do with task 2.1
    assert client.get(f"/offices/qs/files/{attachment.id}").status_code == 403
    assert client.get(f"/offices/vp/files/{attachment.id}").status_code == 403


def test_oversized_and_disguised_uploads_are_refused(client, login_as, plan, app):
    login_as("staff", office="VP")
    t = task(plan, "2.1")
    big = _post_with_file(client, t, "lon.pdf", PDF + b"0" * (25 * 1024 * 1024))
    assert big.status_code == 200
    assert "20 MB" in big.get_data(as_text=True)
    exe = _post_with_file(client, t, "baocao.pdf", b"MZ\x90\x00\x03\x00\x00\x00evil")
    assert exe.status_code == 200
    assert "không phải là PDF hợp lệ" in exe.get_data(as_text=True)
    assert "Đã ban hành kế hoạch." in exe.get_data(as_text=True)  # the typed result is kept
    assert updates_of(t) == []
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_second_concurrent_save_is_told_and_loses_nothing(client, login_as, plan):
    other = make_user(roles=("head",), office="VP", full_name="Phạm Văn Minh")
    login_as("staff", office="VP")
    t = task(plan, "2.1")
    # Both people opened the form when the task had no update; the head saved first.
    plans.record_task_update(t, plans.UpdateData("in_progress", 60, "Bản của lãnh đạo."), other)
    db.session.commit()
    mine = update_form(progress="45", result="Bản của tôi, gõ rất lâu.")
    response = client.post(f"/offices/vp/tasks/{t.id}/update", data=mine)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Phạm Văn Minh đã cập nhật nhiệm vụ này" in page
    assert "Bản của lãnh đạo." in page  # the other person's update is shown
    assert "Bản của tôi, gõ rất lâu." in page and 'value="45"' in page  # mine is kept
    assert len(updates_of(t)) == 1
    # Saving again from that page (now based on the head's update) goes through.
    latest = updates_of(t)[0]
    assert f'value="{latest.id}"' in page
    again = client.post(
        f"/offices/vp/tasks/{t.id}/update", data={**mine, "based_on": str(latest.id)}
    )
    assert again.status_code == 303
    assert [u.result for u in updates_of(t)] == ["Bản của lãnh đạo.", "Bản của tôi, gõ rất lâu."]


def test_filters_return_the_fragment_to_htmx(client, login_as, plan, set_today):
    set_today(date(2025, 11, 20))
    login_as("staff", office="VP")
    headers = {"HX-Request": "true"}
    response = client.get("/offices/vp/?field=tai_chinh_cong&role=coordinating", headers=headers)
    page = response.get_data(as_text=True)
    assert "<html" not in page
    assert task(plan, "6.1").content in page and task(plan, "2.1").content not in page
    assert "HX-Request" in response.headers["Vary"]
    lead_only = client.get("/offices/vp/?role=lead", headers=headers).get_data(as_text=True)
    assert task(plan, "2.1").content in lead_only and task(plan, "6.1").content not in lead_only
    july = client.get("/offices/vp/?period=2025-07", headers=headers).get_data(as_text=True)
    assert task(plan, "3.1").content in july and task(plan, "2.1").content not in july
    client.post(f"/offices/vp/tasks/{task(plan, '3.1').id}/update", data=LATE)
    late = client.get("/offices/vp/?status=late", headers=headers).get_data(as_text=True)
    assert task(plan, "3.1").content in late and task(plan, "3.3").content not in late
    assert "Không có nhiệm vụ nào" in client.get(
        "/offices/vp/?status=done", headers=headers
    ).get_data(as_text=True)


def test_inline_update_form_comes_as_a_fragment(client, login_as, plan):
    login_as("staff", office="VP")
    t = task(plan, "2.1")
    fragment = client.get(f"/offices/vp/tasks/{t.id}/update", headers={"HX-Request": "true"})
    page = fragment.get_data(as_text=True)
    assert "<html" not in page and 'hx-post="' in page and 'name="based_on"' in page
    ok = client.post(
        f"/offices/vp/tasks/{t.id}/update", data=update_form(), headers={"HX-Request": "true"}
    )
    assert ok.status_code == 200 and "HX-Redirect" in ok.headers


def test_kt_only_task_is_403_for_vp_staff_by_every_url(client, login_as, plan):
    from .factories import make_task

    kt_only = make_task(plan, "9.1", lead="KT", content="Nhiệm vụ riêng của Phòng Kinh tế")
    login_as("staff", office="VP", username="vp.canbo")
    for url in (
        f"/offices/kt/tasks/{kt_only.id}",
        f"/offices/kt/tasks/{kt_only.id}/update",
        f"/offices/vp/tasks/{kt_only.id}",
        f"/offices/vp/tasks/{kt_only.id}/update",
    ):
        assert client.get(url).status_code == 403, url
    for url in (f"/offices/kt/tasks/{kt_only.id}/update", f"/offices/vp/tasks/{kt_only.id}/update"):
        assert client.post(url, data=update_form()).status_code == 403, url
    assert updates_of(kt_only) == []
    # On the plan page VP sees the task (the plan is public) but not KT's progress on it.
    page = "".join(  # the plan's tasks, a page at a time
        client.get(f"/plans/{plan.id}?page={n}").get_data(as_text=True) for n in (1, 2)
    )
    row = page.split("Nhiệm vụ riêng của Phòng Kinh tế")[1].split("</tr>")[0]
    assert "Chưa thực hiện" not in row
