from datetime import timedelta

from sqlalchemy import select

from cchc_web.core.extensions import db
from cchc_web.core.timeutil import utcnow
from cchc_web.models import AuditLog, LoginThrottle, User

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
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page
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


def test_deactivated_user_cannot_log_in_and_answers_like_a_wrong_password(client, commune):
    make_user(username="old.user", active=False)
    right = login(client, "old.user")
    wrong = login(client, "old.user", "not-the-password")
    unknown = login(client, "nobody.here", "not-the-password")
    assert right.status_code == wrong.status_code == unknown.status_code == 200
    # The same words whatever the password or the account: nothing tells them apart.
    message = "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đã ngừng hoạt động."
    for response in (right, wrong, unknown):
        assert message in response.text
    assert client.get("/").status_code == 302


def test_deactivated_user_loses_open_session(client, login_as):
    user = login_as("staff")
    assert client.get("/").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_five_failures_make_the_account_wait_at_that_address(client, commune):
    make_user(username="vp.canbo")
    for _ in range(5):
        assert "không đúng" in login(client, "vp.canbo", "bad").text
    # Even the right password waits now, with a clear message (no hard 15-minute lock).
    response = login(client, "vp.canbo")
    assert response.status_code == 429
    assert "thử lại sau 30 giây" in response.text
    assert client.get("/").status_code == 302


def test_the_wait_ends_and_then_grows(client, commune, app):
    make_user(username="vp.canbo")
    for _ in range(5):
        login(client, "vp.canbo", "bad")
    _age_counters(seconds=31)
    assert login(client, "vp.canbo", "bad").status_code == 200  # allowed again: sixth failure
    response = login(client, "vp.canbo")
    assert response.status_code == 429
    assert "thử lại sau 60 giây" in response.text  # the wait doubled
    _age_counters(seconds=61)
    assert login(client, "vp.canbo").status_code == 302


def _age_counters(seconds: int) -> None:
    for row in db.session.scalars(select(LoginThrottle)):
        if row.last_failure_at is not None:
            row.last_failure_at = utcnow() - timedelta(seconds=seconds)
    db.session.commit()


def test_failures_elsewhere_never_stop_the_chairman_at_his_desk(client, commune):
    """Issue 15: five wrong passwords for chutich from five addresses locked him out."""
    make_user(username="chutich", office=None, roles=("chairman",))
    desk = {"REMOTE_ADDR": "10.1.1.10"}
    assert login(client, "chutich", environ_base=desk).status_code == 302
    client.post("/logout", data={}, environ_base=desk)
    for n in range(1, 31):  # thirty guesses from thirty addresses
        login(client, "chutich", "bad", environ_base={"REMOTE_ADDR": f"10.9.9.{n}"})
    assert login(client, "chutich", environ_base=desk).status_code == 302


def test_five_guesses_from_another_address_do_not_stop_a_new_address(client, commune):
    make_user(username="chutich", office=None, roles=("chairman",))
    for _ in range(5):
        login(client, "chutich", "bad", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert (
        login(client, "chutich", "bad", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 429
    )
    assert login(client, "chutich", environ_base={"REMOTE_ADDR": "10.1.1.10"}).status_code == 302


def test_made_up_usernames_from_one_address_do_not_lock_out_its_users(client, commune):
    """Issue 15: five failures on made-up usernames locked out everyone behind the proxy."""
    make_user(username="target")
    for i in range(10):
        login(client, f"guess{i}", "bad")
    assert login(client, "target").status_code == 302


def test_an_address_guessing_many_accounts_is_slowed(client, commune, app):
    make_user(username="target")
    free = app.config["LOGIN_ADDRESS_FREE_FAILURES"]
    for i in range(free):
        login(client, f"guess{i}", "bad")
    # A stranger's next guess waits; an account never used from here waits too ...
    assert login(client, "guess-next", "bad").status_code == 429
    assert login(client, "target").status_code == 429


def test_success_clears_earlier_failures_of_the_account(client, commune):
    make_user(username="vp.canbo")
    for _ in range(3):
        login(client, "vp.canbo", "bad", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert login(client, "vp.canbo", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 302
    client.post("/logout", data={})
    for _ in range(4):
        login(client, "vp.canbo", "bad", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    # Three failures before the success no longer count: four more are still allowed.
    assert login(client, "vp.canbo", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 302


def test_logins_and_lockouts_are_in_the_audit_log(client, commune):
    user = make_user(username="vp.canbo")
    login(client, "vp.canbo", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    client.post("/logout", data={})
    for _ in range(5):
        login(client, "vp.canbo", "bad", environ_base={"REMOTE_ADDR": "10.0.0.8"})
    for _ in range(5):
        login(client, "ghost", "bad", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    rows = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    actions = [(r.action, r.object_type, r.object_id) for r in rows]
    assert ("auth.login", "User", str(user.id)) in actions
    assert ("auth.logout", "User", str(user.id)) in actions
    lockouts = [r for r in rows if r.action == "auth.lockout"]
    assert {r.object_id for r in lockouts} == {str(user.id), "ghost"}
    assert lockouts[0].after["address"] == "10.0.0.8"
    assert "account_address" in lockouts[0].after["counters"]
    login_row = next(r for r in rows if r.action == "auth.login")
    assert login_row.after == {"address": "10.0.0.7"} and login_row.actor_id == user.id


def test_unknown_usernames_cost_one_password_check_like_known_ones(client, commune, monkeypatch):
    """Timing: an unknown username is checked against a dummy hash of the same method."""
    import werkzeug.security

    from cchc_web.auth import services
    from cchc_web.models import org

    make_user(username="vp.canbo")
    calls = []
    real = werkzeug.security.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(services, "check_password_hash", counting)
    monkeypatch.setattr(org, "check_password_hash", counting)
    login(client, "vp.canbo", "bad")
    login(client, "nobody.at.all", "bad")
    assert len(calls) == 2 and calls[0] == calls[1]  # same method, same work factor


def test_change_own_password(client, login_as):
    user = login_as("staff")
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "Mây trắng bay 2026",
            "confirm": "Mây trắng bay 2026",
        },
    )
    assert response.status_code == 303  # like every action: views.run_action
    assert response.location == "/"
    assert client.get("/").status_code == 200  # this session goes on
    db.session.refresh(user)
    assert user.check_password("Mây trắng bay 2026")
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
    assert "ít nhất 12 ký tự" in short.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_passwords_are_hashed_with_scrypt_outside_the_test_suite(app):
    from cchc_web.core.config import Config, ProductionConfig
    from cchc_web.models import User

    assert Config.PASSWORD_HASH_METHOD == ProductionConfig.PASSWORD_HASH_METHOD == "scrypt"
    user = User(username="x")
    user.set_password("Mật khẩu@2025")
    assert user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"].split(":")[0])
    assert user.check_password("Mật khẩu@2025") and not user.check_password("sai")
