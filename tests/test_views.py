"""views.run_action: the one way a route runs an action (commit or roll back, flash, the form
kept, redirect after POST)."""

import io
from pathlib import Path

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from wtforms import StringField
from wtforms.validators import DataRequired

from cchc_web.admin import services as org
from cchc_web.core.errors import DomainError, FieldErrors
from cchc_web.core.extensions import db
from cchc_web.models import Attachment, Office
from cchc_web.records.attachments import store_uploads
from cchc_web.web.views import run_action

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class OfficeNameForm(FlaskForm):
    class Meta:
        csrf = False  # posted straight into a request context here, not through CSRFProtect

    code = StringField("Mã", validators=[DataRequired("Hãy nhập mã.")])
    name = StringField("Tên", validators=[DataRequired("Hãy nhập tên.")])


def offices(code: str) -> int:
    db.session.rollback()  # what is committed, not what the session still holds
    return db.session.scalar(select(func.count()).select_from(Office).where(Office.code == code))


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def refuse(message="Mã đơn vị này đã có.", field="code"):
    raise DomainError(message, field=field)


def test_success_commits_flashes_and_redirects_with_303(app, commune):
    with app.test_request_context("/x", method="POST", data={"code": "TT", "name": "Tổ"}):
        form = OfficeNameForm()
        response = run_action(
            lambda: org.create_office(form.code.data, form.name.data, False),
            form=form,
            success=lambda office: f"Đã thêm đơn vị {office.code}.",
            to=lambda office: f"/admin/offices#{office.code}",
        )
        assert response.status_code == 303
        assert response.location == "/admin/offices#TT"
        assert get_flashed_messages(with_categories=True) == [("success", "Đã thêm đơn vị TT.")]
    assert offices("TT") == 1


def test_htmx_gets_hx_redirect(app, commune):
    headers = {"HX-Request": "true"}
    with app.test_request_context("/x", method="POST", headers=headers):
        response = run_action(lambda: org.create_office("TT", "Tổ", False), to="/admin/offices")
        assert response.status_code == 200
        assert response.headers["HX-Redirect"] == "/admin/offices"
    assert offices("TT") == 1


def test_a_refusal_rolls_back_and_keeps_the_form_with_the_message_at_its_field(app, commune):
    data = {"code": "TT", "name": "Tổ thử"}
    with app.test_request_context("/x", method="POST", data=data):
        form = OfficeNameForm()

        def create_then_refuse():
            org.create_office("TT", "Tổ thử", False)
            db.session.flush()  # written in the transaction ...
            refuse()  # ... and refused after

        assert run_action(create_then_refuse, form=form, success="x", to="/y") is None
        assert form.code.errors == ["Mã đơn vị này đã có."]
        assert form.name.data == "Tổ thử"  # what was typed is shown again
        assert get_flashed_messages() == []
    assert offices("TT") == 0


def test_a_refusal_without_a_field_or_form_is_flashed(app, commune):
    with app.test_request_context("/x", method="POST"):
        response = run_action(lambda: refuse("Không được.", None), to="/ok", failed="/back")
        assert (response.status_code, response.location) == (303, "/back")
        assert get_flashed_messages(with_categories=True) == [("error", "Không được.")]
    with app.test_request_context("/x", method="POST", data={"code": "A", "name": "B"}):
        form = OfficeNameForm()
        assert run_action(lambda: refuse("Không có trường này.", "nope"), form=form) is None
        assert get_flashed_messages(with_categories=True) == [("error", "Không có trường này.")]
    with app.test_request_context("/x", method="POST"):
        run_action(_info, failed="/back")
        assert get_flashed_messages(with_categories=True) == [("info", "Vừa được lập.")]


def _info():
    raise DomainError("Vừa được lập.", category="info")


def test_every_field_of_a_field_errors_refusal_is_shown(app, commune):
    with app.test_request_context("/x", method="POST", data={"code": "A", "name": "B"}):
        form = OfficeNameForm()
        run_action(lambda: _raise(FieldErrors({"code": "Mã sai.", "name": "Tên sai."})), form=form)
        assert (form.code.errors, form.name.errors) == (["Mã sai."], ["Tên sai."])


def _raise(err):
    raise err


def test_an_invalid_form_runs_nothing(app, commune):
    ran = []
    with app.test_request_context("/x", method="POST", data={"code": "TT"}):
        form = OfficeNameForm()
        assert run_action(lambda: ran.append(1), form=form, to="/y") is None
        assert form.name.errors == ["Hãy nhập tên."]
    with app.test_request_context("/x", method="POST", data={"code": "TT"}):
        form = OfficeNameForm()  # shown on another page: its errors are flashed there
        response = run_action(lambda: ran.append(1), form=form, to="/y", failed="/back")
        assert response.location == "/back"
        assert get_flashed_messages() == ["Hãy nhập tên."]
    with app.test_request_context("/x", method="GET"):
        assert run_action(lambda: ran.append(1), form=OfficeNameForm(), to="/y") is None
    assert ran == []


def test_a_refused_action_deletes_the_files_it_stored(app, login_as):
    user = login_as("staff")
    before = stored_files(app)
    with app.test_request_context("/x", method="POST"):

        def store_then_refuse():
            store_uploads([FileStorage(io.BytesIO(PDF), "minh-chung.pdf")], user)
            db.session.flush()
            assert len(stored_files(app)) == len(before) + 1
            refuse("Hết hạn nộp.", None)

        run_action(store_then_refuse, to="/ok", failed="/back")
    assert stored_files(app) == before
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_to_none_leaves_the_page_to_the_view_after_the_commit(app, commune):
    with app.test_request_context("/x", method="POST"):
        assert run_action(lambda: org.create_office("TT", "Tổ", False), success="Đã lưu.") is None
        assert get_flashed_messages() == ["Đã lưu."]
    assert offices("TT") == 1


def test_other_errors_propagate_and_nothing_is_committed(app, commune):
    with app.test_request_context("/x", method="POST"):

        def crash():
            org.create_office("TT", "Tổ", False)
            raise RuntimeError("a bug")

        with pytest.raises(RuntimeError):
            run_action(crash, to="/ok")
    assert offices("TT") == 0


def test_on_refusal_replaces_how_a_refusal_is_shown(app, commune):
    seen = []
    with app.test_request_context("/x", method="POST"):
        assert run_action(lambda: refuse(), on_refusal=seen.append, to="/ok") is None
        assert get_flashed_messages() == []
    assert [e.message for e in seen] == ["Mã đơn vị này đã có."]


def test_url_pattern_builds_what_url_for_builds(app):
    """Lists build each row's URL from a pattern made once (issue 16: no url_for per row);
    every URL must be the one url_for gives, whatever the values."""
    from flask import url_for

    from cchc_web.web.nav import url_pattern

    with app.test_request_context("/"):
        task = url_pattern("offices.task", "code", "task_id")
        edit = url_pattern("plans.edit_task", "task_id")
        workspace = url_pattern("offices.workspace", "code", plan=3, role="lead")
        for code, task_id in (("kt", 1), ("p003", 987654321), ("vhxh", 10**12 + 7)):
            assert task(code=code, task_id=task_id) == url_for(
                "offices.task", code=code, task_id=task_id
            )
            assert edit(task_id=task_id) == url_for("plans.edit_task", task_id=task_id)
        for code in ("kt", "a b/ơ?#%", "Ủy ban"):
            assert workspace(code=code) == url_for(
                "offices.workspace", code=code, plan=3, role="lead"
            )
