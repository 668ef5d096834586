"""Sessions that end (issue 15): a cookie copied before sign-out is refused after it, a
password change ends the other sessions, sign-in starts a new session (new CSRF token), and an
idle session expires with a Vietnamese message that keeps what the user typed."""

from __future__ import annotations

import time

from sqlalchemy import select

from cchc_web.core.extensions import db
from cchc_web.models import AuditLog, User

from .factories import PASSWORD, make_user

NEW_PASSWORD = "Hoa sen nở giữa hồ 2026"


def sign_in(client, username: str, password: str = PASSWORD):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.text
    return response


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def use_cookie(client, value: str) -> None:
    client.set_cookie("session", value)


def test_a_cookie_copied_before_sign_out_is_refused_after_it(client, app, commune):
    make_user(username="vp.canbo")
    sign_in(client, "vp.canbo")
    stolen = cookie_of(client)
    assert client.get("/").status_code == 200
    client.post("/logout", data={})
    thief = app.test_client()
    use_cookie(thief, stolen)
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "Phiên đăng nhập đã kết thúc" in thief.get("/login").text


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(client, app, commune):
    make_user(username="vp.canbo")
    other = app.test_client()
    sign_in(other, "vp.canbo")
    sign_in(client, "vp.canbo")
    assert other.get("/").status_code == 200
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 303  # redirect after POST, like every action
    assert client.get("/").status_code == 200  # the session that changed it goes on
    assert other.get("/").status_code == 302  # every other one has ended


def test_an_admin_reset_or_deactivation_ends_the_sessions(client, app, login_as):
    user = make_user(username="vp.canbo")
    session = app.test_client()
    sign_in(session, "vp.canbo")
    login_as("admin", office=None)
    response = client.post(
        f"/admin/users/{user.id}/password",
        data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 303
    assert session.get("/").status_code == 302


def test_sign_in_starts_a_new_session_with_a_new_csrf_token(client, commune):
    make_user(username="vp.canbo")
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by someone else"
        before = sess["csrf_token"]
    sign_in(client, "vp.canbo")
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess.get("csrf_token") != before
        assert sess["_sv"] == 0 and isinstance(sess["_seen"], int)


def test_an_idle_session_expires_with_a_vietnamese_message(client, app, commune):
    make_user(username="vp.canbo")
    sign_in(client, "vp.canbo")
    assert client.get("/").status_code == 200
    with client.session_transaction() as sess:
        sess["_seen"] = int(time.time()) - 31 * 60
    response = client.get("/plans/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/plans/")
    page = client.get(response.headers["Location"]).text
    assert "không có thao tác nào trong 30 phút" in page
    assert client.get("/").status_code == 302  # really signed out


def test_activity_keeps_the_session_alive(client, app, commune):
    make_user(username="vp.canbo")
    sign_in(client, "vp.canbo")
    with client.session_transaction() as sess:
        sess["_seen"] = int(time.time()) - 29 * 60
    assert client.get("/").status_code == 200
    with client.session_transaction() as sess:
        assert int(time.time()) - sess["_seen"] < 5  # the clock restarted


def test_the_idle_timeout_is_configurable(client, app, commune, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    make_user(username="vp.canbo")
    sign_in(client, "vp.canbo")
    with client.session_transaction() as sess:
        sess["_seen"] = int(time.time()) - 6 * 60
    assert client.get("/").status_code == 302


def test_a_form_posted_after_the_session_ended_shows_the_text_on_the_sign_in_page(client, commune):
    make_user(username="vp.canbo")
    sign_in(client, "vp.canbo")
    with client.session_transaction() as sess:
        sess["_seen"] = int(time.time()) - 40 * 60
    typed = "Báo cáo kết quả rà soát thủ tục hành chính quý IV"
    response = client.post("/initiatives/new", data={"title": typed})
    assert response.status_code == 401
    assert typed in response.text
    assert "không có thao tác nào trong 30 phút" in response.text
    assert 'action="/login"' in response.text


def test_htmx_requests_after_the_session_ended_get_401_and_keep_the_page(client, commune):
    make_user(username="vp.canbo")
    sign_in(client, "vp.canbo")
    with client.session_transaction() as sess:
        sess["_seen"] = int(time.time()) - 40 * 60
    response = client.post(
        "/initiatives/similar", data={"title": "x"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 401
    assert response.headers["X-CCHC-Error"] == "session"


def test_sign_out_is_audited_and_raises_the_version(client, commune):
    user = make_user(username="vp.canbo")
    sign_in(client, "vp.canbo")
    client.post("/logout", data={})
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == 1
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.object_id == str(user.id)))
    assert {"auth.login", "auth.logout"} <= set(actions)


def test_signing_out_of_an_ended_session_just_goes_to_the_sign_in_page(client, app, commune):
    make_user(username="vp.canbo")
    other = app.test_client()
    sign_in(other, "vp.canbo")
    sign_in(client, "vp.canbo")
    client.post("/logout", data={})  # ends every session of the account, the other's too
    response = other.post("/logout", data={})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
