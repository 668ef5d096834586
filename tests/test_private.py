"""Private stays private (issue 15): the similar-initiative warning shows only what the user
may open (other offices' recognised initiatives by title only), signed-in answers are never
cached, HSTS when configured, ProxyFix from a setting, production refuses the demo certificate,
instance files owner-only, and the dependencies are locked."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cchc_web import create_app
from cchc_web.core.extensions import db
from cchc_web.initiatives import similarity

from .factories import make_decision, make_initiative, make_round

ROOT = Path(__file__).resolve().parent.parent
TITLE = "Số hóa hồ sơ thủ tục hành chính tại Trung tâm phục vụ hành chính công"


def _recognise(initiative) -> None:
    decision_id = make_decision().id
    initiative.state = "recognised"
    initiative.recognition_decision_id = decision_id
    db.session.commit()


def _similar(client, **data) -> str:
    return client.post("/initiatives/similar", data=data).text


def test_similar_does_not_show_other_offices_initiatives_that_their_pages_refuse(client, login_as):
    rnd = make_round(year=2024)
    hidden = make_initiative(
        rnd,
        "HCC",
        title=TITLE,
        solution="Quét toàn bộ hồ sơ giấy, gắn mã QR cho từng bộ hồ sơ, tra cứu trên cổng.",
        state="accepted",
    )
    login_as("staff", office="VP")
    assert client.get(f"/initiatives/{hidden.id}").status_code == 403
    assert "tương tự" not in _similar(client, title=TITLE)
    # Typing the other office's solution text probes nothing either.
    probe = _similar(
        client, title="Ý tưởng mới", solution="Quét hồ sơ giấy, gắn mã QR cho từng bộ hồ sơ"
    )
    assert "tương tự" not in probe


def test_recognised_initiatives_of_other_offices_show_by_title_only(client, login_as):
    rnd = make_round(year=2024)
    recognised = make_initiative(
        rnd, "HCC", title=TITLE, solution="Quét toàn bộ hồ sơ giấy, gắn mã QR.", state="accepted"
    )
    _recognise(recognised)
    login_as("staff", office="VP")
    body = _similar(client, title="số hóa hồ sơ thủ tục hành chính")
    assert TITLE in body and "đã được công nhận năm 2024" in body
    assert "HCC" not in body and f"/initiatives/{recognised.id}" not in body
    # Its solution is never compared: no match from the content alone.
    assert "tương tự" not in _similar(
        client, title="Ý tưởng khác", solution="Quét toàn bộ hồ sơ giấy, gắn mã QR."
    )


def test_what_the_user_may_open_is_shown_in_full(client, login_as):
    rnd = make_round(year=2024)
    own = make_initiative(rnd, "VP", title=TITLE, solution="Quét hồ sơ giấy.", state="submitted")
    login_as("secretariat", office="VHXH")
    body = _similar(client, title=TITLE)
    assert f"/initiatives/{own.id}" in body and "VP, năm 2024" in body


def test_similar_without_viewer_compares_everything(commune):
    rnd = make_round(year=2024)
    other = make_initiative(rnd, "HCC", title=TITLE, state="submitted")
    assert [m.initiative.id for m in similarity.similar_initiatives(TITLE)] == [other.id]


# -- headers -----------------------------------------------------------------------------------
def test_every_signed_in_answer_is_private_no_store(client, login_as):
    login_as("secretariat", office="VHXH")
    rnd = make_round(year=2024)
    initiative = make_initiative(rnd, "VHXH", state="submitted")
    for url in ("/", "/plans/", f"/initiatives/{initiative.id}/description.pdf"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "private, no-store", url
    static = client.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_hsts_only_when_configured(client, app):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["HSTS_SECONDS"] = 31536000
    try:
        header = client.get("/login").headers["Strict-Transport-Security"]
    finally:
        app.config["HSTS_SECONDS"] = 0
    assert header == "max-age=31536000; includeSubDomains"


def test_trusted_proxies_give_the_client_address(tmp_path):
    from flask import request

    from cchc_web.web.security import public

    def address_seen(**config) -> str:
        app = create_app(
            "testing", SQLALCHEMY_DATABASE_URI="sqlite://", UPLOAD_DIR=str(tmp_path), **config
        )

        @app.get("/whoami")
        @public
        def whoami():
            return request.remote_addr or ""

        return (
            app.test_client()
            .get(
                "/whoami",
                environ_base={"REMOTE_ADDR": "127.0.0.1"},
                headers={"X-Forwarded-For": "10.2.3.4"},
            )
            .text
        )

    assert address_seen() == "127.0.0.1"  # no proxy trusted: the header is ignored
    assert address_seen(TRUSTED_PROXIES=1) == "10.2.3.4"


# -- start-up ------------------------------------------------------------------------------------
def test_production_refuses_to_start_with_the_demo_certificate(monkeypatch, tmp_path):
    monkeypatch.delenv("CCHC_SIGNING_P12", raising=False)
    settings = {
        "SECRET_KEY": "x" * 32,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "CCHC_PUBLIC_URL": "https://cchc.chiminh.gov.vn",
    }
    with pytest.raises(RuntimeError, match="DEMO signing certificate"):
        create_app("production", UPLOAD_DIR=str(tmp_path), **settings)
    app = create_app(
        "production",
        UPLOAD_DIR=str(tmp_path),
        CCHC_SIGNING_P12=str(tmp_path / "ubnd.p12"),
        **settings,
    )
    assert app.config["REQUIRE_SIGNING_CERTIFICATE"] is True


def test_instance_files_are_owner_only(tmp_path):
    instance, uploads = tmp_path / "instance", tmp_path / "uploads"
    instance.mkdir(mode=0o755)
    uploads.mkdir(mode=0o777)
    uploads.chmod(0o777)
    database = instance / "cchc.db"
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}", UPLOAD_DIR=str(uploads)
    )
    assert stat.S_IMODE(uploads.stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(app.instance_path).stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    with app.app_context():
        db.create_all()  # the first write keeps the mode
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    database.chmod(0o644)
    create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}", UPLOAD_DIR=str(uploads))
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_uploaded_files_and_shards_are_owner_only(tmp_path):
    import io

    from cchc_web.core.storage import path_for, save_upload

    old = os.umask(0o022)
    try:
        stored = save_upload(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "a.pdf", tmp_path / "up")
    finally:
        os.umask(old)
    path = path_for(tmp_path / "up", stored.storage_key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


# -- dependencies ------------------------------------------------------------------------------
def test_dependencies_are_locked_and_the_lock_is_used():
    lock = (ROOT / "requirements.lock").read_text()
    for package in ("flask==", "werkzeug==", "jinja2==", "gunicorn==", "cryptography==",
                    "flask-limiter==", "sqlalchemy=="):  # fmt: skip
        assert package in lock.lower(), package
    assert "--hash=sha256:" in lock
    assert "requirements.lock" in (ROOT / ".ci" / "run").read_text()
    assert "requirements.lock" in (ROOT / "Makefile").read_text()
    assert "requirements.lock" in (ROOT / "README.md").read_text()
