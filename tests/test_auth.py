from datetime import timedelta

from sqlalchemy import select

from cchc_web.extensions import db
from cchc_web.models import AuditLog, LoginAttempt, User
from cchc_web.timeutil import utcnow

from .factories import PASSWORD, make_user


def login(client, username, password=PASSWORD, **kwargs):
    return client.post("/login", data={"username": username, "password": password}, **kwargs)


def test_anonymous_home_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_page_is_vietnamese_with_csrf_field(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert 'name="csrf_token"' in page
    assert 'name="username"' in page and 'name="password"' in page
    assert "Đăng nhập" in page


def test_login_then_home_shows_name_and_office(client, commune):
    user = make_user(username="vp.canbo", full_name="Nguyễn Thị Lan", office="VP")
    response = login(client, "vp.canbo", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nguyễn Thị Lan" in page
    assert "Văn phòng HĐND và UBND xã" in page
    assert db.session.get(User, user.id).last_login_at is not None


def test_username_is_case_insensitive(client, commune):
    make_user(username="kt.lanhdao", office="KT")
    assert login(client, "  KT.LanhDao ").status_code == 302


def test_wrong_password_shows_form_again_with_error(client, commune):
    make_user(username="vp.canbo")
    response = login(client, "vp.canbo", "wrong-password")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in page
    assert 'value="vp.canbo"' in page  # what was typed is kept
    assert "wrong-password" not in page  # but never the password


def test_empty_fields_show_errors_next_to_fields(client):
    page = login(client, "", "").get_data(as_text=True)
    assert "Hãy nhập tên đăng nhập." in page
    assert "Hãy nhập mật khẩu." in page


def test_post_without_csrf_token_is_400_in_vietnamese(client, commune):
    make_user(username="vp.canbo")
    response = client.post(
        "/login", data={"username": "vp.canbo", "password": PASSWORD}, csrf=False
    )
    assert response.status_code == 400
    assert "Vui lòng tải lại trang" in response.get_data(as_text=True)


def test_logout_needs_post_and_logs_out(client, login_as):
    login_as("staff")
    assert client.get("/logout").status_code == 405
    response = client.post("/logout", data={})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_logout_without_csrf_is_refused(client, login_as):
    login_as("staff")
    assert client.post("/logout", data={}, csrf=False).status_code == 400
    assert client.get("/").status_code == 200


def test_next_only_to_local_paths(client, commune):
    make_user(username="vp.canbo")
    ok = client.post(
        "/login?next=/admin/users", data={"username": "vp.canbo", "password": PASSWORD}
    )
    assert ok.headers["Location"] == "/admin/users"
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        client.post("/logout", data={})
        response = client.post(
            "/login",
            query_string={"next": evil},
            data={"username": "vp.canbo", "password": PASSWORD},
        )
        assert response.headers["Location"] == "/", evil


def test_deactivated_user_cannot_log_in(client, commune):
    make_user(username="old.user", active=False)
    response = login(client, "old.user")
    assert response.status_code == 200
    assert "Tài khoản đã bị khóa" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_deactivated_user_loses_open_session(client, login_as):
    user = login_as("staff")
    assert client.get("/").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_lockout_after_five_failures_for_one_account(client, commune):
    make_user(username="vp.canbo")
    for _ in range(5):
        assert "không đúng" in login(client, "vp.canbo", "bad").get_data(as_text=True)
    # Even the right password is refused now, with a clear message.
    response = login(client, "vp.canbo")
    assert response.status_code == 429
    assert "thử lại sau 15 phút" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_lockout_ends_after_the_window(client, commune):
    make_user(username="vp.canbo")
    for _ in range(5):
        login(client, "vp.canbo", "bad")
    old = utcnow() - timedelta(minutes=16)
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.at = old
    db.session.commit()
    assert login(client, "vp.canbo").status_code == 302


def test_lockout_for_one_address_across_accounts(client, commune):
    make_user(username="target")
    for i in range(5):
        login(client, f"guess{i}", "bad")
    assert login(client, "target").status_code == 429


def test_success_clears_earlier_failures_of_the_account(client, commune):
    make_user(username="vp.canbo")
    for _ in range(3):
        login(client, "vp.canbo", "bad", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert login(client, "vp.canbo", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 302
    client.post("/logout", data={})
    for _ in range(3):
        login(client, "vp.canbo", "bad", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert login(client, "vp.canbo", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 302


def test_change_own_password(client, login_as):
    user = login_as("staff")
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "NewPass@2026",
            "confirm": "NewPass@2026",
        },
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.check_password("NewPass@2026")
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "user.change_password"))


def test_change_password_refuses_wrong_current_and_mismatch(client, login_as):
    user = login_as("staff")
    wrong = client.post(
        "/account/password",
        data={
            "current_password": "nope",
            "new_password": "NewPass@2026",
            "confirm": "NewPass@2026",
        },
    )
    assert "Mật khẩu hiện tại không đúng." in wrong.get_data(as_text=True)
    mismatch = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "NewPass@2026",
            "confirm": "Other@2026",
        },
    )
    assert "Hai lần nhập mật khẩu không khớp." in mismatch.get_data(as_text=True)
    short = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "short", "confirm": "short"},
    )
    assert "từ 8 đến 128 ký tự" in short.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_passwords_are_hashed_with_scrypt_outside_the_test_suite(app):
    from cchc_web.config import Config, ProductionConfig
    from cchc_web.models import User

    assert Config.PASSWORD_HASH_METHOD == ProductionConfig.PASSWORD_HASH_METHOD == "scrypt"
    user = User(username="x")
    user.set_password("Mật khẩu@2025")
    assert user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"].split(":")[0])
    assert user.check_password("Mật khẩu@2025") and not user.check_password("sai")
